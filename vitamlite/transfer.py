"""Transfer to another archival service (vitam-api.md, Vitam's TransferUnitWorkflow and TransferReplyWorkflow).

    POST /access-external/v1/transfers          TransferRequest (JSON) → 202, ARCHIVE_TRANSFER operation
    GET  /access-external/v1/transfers/{id}/sip  the SEDA 2.1 ArchiveTransfer SIP (zip: manifest.xml + Content/)
    POST /access-external/v1/transfers/reply    ArchiveTransferReply (XML) → 202, TRANSFER_REPLY operation

ARCHIVE_TRANSFER writes the SIP, records its operation id in the `#operations` of every transferred unit and keeps
the list of transferred units (the transfer report, as Vitam stores `<opId>.jsonl`). TRANSFER_REPLY checks that the
reply's MessageRequestIdentifier names an ARCHIVE_TRANSFER operation of the tenant and that its ReplyCode is OK or
WARNING (a KO reply stops there: nothing purged), then purges the transferred units (deepest first), their object
groups and binaries, and writes negative TRANSFER_REPLY events to the accession register.

As Vitam, the units purged are those of the transfer report, whatever units the reply lists
(TransferReplyUnitPreparationHandler reads only the report; CheckAtrAndAddItToWorkspacePlugin keeps only the reply's
MessageRequestIdentifier and MessageIdentifier). The only unit kept is one that still has children at its turn
(PurgeUnitPlugin: NON_DESTROYABLE_HAS_CHILD_UNITS, WARNING); a unit already gone is ALREADY_DELETED. A client
wanting only part of a transfer purged starts a new transfer of that part and answers it (sam/transfers does so).
"""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from pathlib import Path

from lxml import etree
from werkzeug import Response

from vitamlite import binaries, catalogue, dsl, logbook, processing, register, reports, units_store
from vitamlite.elimination import (
    _eliminate_object_groups,
    _units_with_children,
    precondition_failed,
    selected_unit_ids,
    set_progress,
    start_operation,
    threshold_of,
)
from vitamlite.http import VitamHttpError, endpoint, json_response
from vitamlite.ids import is_guid
from vitamlite.ingest.seda import ManifestError, parse_manifest

logger = logging.getLogger(__name__)

ACCESS = "/access-external/v1"
SEDA_NS = "fr:gouv:culture:archivesdefrance:seda:v2.1"
XLINK_NS = "http://www.w3.org/1999/xlink"
SEDA_VERSIONS = ("2.1", "2.2", "2.3")
TRANSFER_THRESHOLD = 100_000
MAX_REPLY_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024
SIP_KIND = "transfersip"
TRANSFER_REPORT_KIND = "transfer"
REPLY_KIND = "transferreply"

# Content fields written back, in the order of SEDA 2.1's DescriptiveMetadataContentType (plain text values).
CONTENT_FIELDS = (
    "DescriptionLevel", "Title", "FilePlanPosition", "SystemId", "OriginatingSystemId",
    "ArchivalAgencyArchiveUnitIdentifier", "OriginatingAgencyArchiveUnitIdentifier",
    "TransferringAgencyArchiveUnitIdentifier", "Description", "Type", "DocumentType", "Language",
    "DescriptionLanguage", "Status", "Version", "Tag", "CreatedDate", "TransactedDate", "AcquiredDate", "SentDate",
    "ReceivedDate", "RegisteredDate", "StartDate", "EndDate",
)
# Rule categories SEDA 2.1's Management holds as Rule/StartDate (+ FinalAction), in schema order.
RULE_CATEGORIES = ("StorageRule", "AppraisalRule", "AccessRule", "DisseminationRule", "ReuseRule")
FINAL_ACTION_CATEGORIES = ("StorageRule", "AppraisalRule")
MANDATORY_PARAMETERS = ("archivalAgreement", "originatingAgencyIdentifier", "archivalAgencyIdentifier",
                        "transferringAgency")
CODE_LIST_VERSIONS = ("ReplyCodeListVersion", "MessageDigestAlgorithmCodeListVersion", "FileFormatCodeListVersion")


def _message(ev_type: str, outcome: str) -> str:
    """Vitam's catalogue wording of an event (logbook's generic sentence when the catalogue has none)."""
    return catalogue.text(f"{ev_type}.{outcome}") or logbook.french_message(ev_type, outcome)


def _event(db, operation_id: str, ev_type: str, outcome: str, **kwargs) -> None:
    logbook.event(db, operation_id, ev_type, outcome, message=kwargs.pop("message", None) or _message(ev_type, outcome),
                  **kwargs)


def _finish(db, operation_id: str, ev_type: str, outcome: str, data=None) -> None:
    logbook.finish(db, operation_id, outcome, message=_message(ev_type, outcome), data=data)


def _accepted(operation_id: str, context: dict) -> Response:
    return json_response({"httpCode": 202, "$hits": {"total": 1, "offset": 0, "limit": 1, "size": 1},
                          "$results": [{"itemId": operation_id, "globalState": "RUNNING", "globalStatus": "STARTED"}],
                          "$facetResults": [], "$context": context},
                         status=202, headers={"X-Request-Id": operation_id})


# ---------------------------------------------------------------------------------------------
# POST /transfers


def _internal_error(description: str) -> VitamHttpError:
    """What AccessExternalResource.transfer answers for any other failure, a DSL refused by its validator too."""
    return VitamHttpError(500, "INTERNAL_SERVER_ERROR", description, message="Internal Server Error",
                          context="ACCESS_EXTERNAL", state="code_vitam")


def _checked_transfer_request(body) -> tuple[dict, dict, list[str] | None]:
    """Vitam's checks at the door: a SELECT_MULTIPLE DSL, then the SEDA version (412); the parameters are only
    needed by the manifest (CREATE_MANIFEST)."""
    if not isinstance(body, dict) or not isinstance(body.get("dslRequest"), dict):
        raise _internal_error("dslRequest must be a JSON object")
    query = body["dslRequest"]
    try:
        dsl.validate(query, "select_multiple")
    except dsl.DslInvalid as error:
        raise _internal_error(str(error))
    version = body.get("sedaVersion")
    if version is not None and version not in SEDA_VERSIONS:
        raise precondition_failed("The Seda version is invalid!")
    parameters = body.get("transferRequestParameters")
    versions = (body.get("dataObjectVersionToExport") or {}).get("dataObjectVersions")
    if versions is not None and not (isinstance(versions, list) and all(isinstance(v, str) for v in versions)):
        raise _internal_error("dataObjectVersionToExport.dataObjectVersions must be a list of usages")
    return query, parameters if isinstance(parameters, dict) else {}, versions


def _missing_parameters(parameters: dict) -> list[str]:
    """The parameters an ArchiveTransfer manifest cannot do without."""
    return [name for name in MANDATORY_PARAMETERS
            if not isinstance(parameters.get(name), str) or not parameters[name].strip()]


@endpoint("POST", ACCESS + "/transfers", contract=True)
def start_transfer(ctx, request):
    body = ctx.json()
    query, parameters, versions = _checked_transfer_request(body)
    operation_id = start_operation(ctx, ev_type="ARCHIVE_TRANSFER", ev_type_proc="ARCHIVE_TRANSFER")
    store, tenant, contract = ctx.store, ctx.tenant, ctx.contract
    ctx.on_commit(lambda: processing.submit(store, run_transfer, store, tenant, operation_id, query, parameters,
                                            versions, contract))
    return _accepted(operation_id, body)


@endpoint("GET", ACCESS + "/transfers/<operation_id>/sip")
def download_transfer_sip(ctx, request, operation_id):
    response = reports.response(ctx.store, ctx.tenant, operation_id, SIP_KIND, filename=f"{operation_id}.zip")
    if response is None:
        raise VitamHttpError(404, "020105", f"No transfer SIP for operation {operation_id}", message="Not Found")
    response.mimetype = "application/zip"
    return response


def run_transfer(db, store, tenant: int, operation_id: str, query: dict, parameters: dict,
                 versions: list[str] | None, contract: dict | None):
    """ARCHIVE_TRANSFER: STP_CREATE_MANIFEST, STP_PUT_BINARY_ON_WORKSPACE, STP_STORE_MANIFEST."""
    try:
        step = "STP_CREATE_MANIFEST"
        _event(db, operation_id, step + ".STARTED", "STARTED")
        threshold = threshold_of(query, TRANSFER_THRESHOLD)
        ids = selected_unit_ids(db, tenant, query, contract, threshold + 1)
        if len(ids) > threshold or not ids:
            error = f"Too many units found. Threshold={threshold}, found={len(ids)}" if ids else "No unit found"
            _event(db, operation_id, "CHECK_DISTRIBUTION_THRESHOLD", "KO", data={"error": error})
            _event(db, operation_id, step, "KO")
            return _finish(db, operation_id, "ARCHIVE_TRANSFER", "KO")
        _event(db, operation_id, "CHECK_DISTRIBUTION_THRESHOLD", "OK")
        missing = _missing_parameters(parameters)
        if missing:
            _event(db, operation_id, "CREATE_MANIFEST", "KO",
                   data={"error": f"Missing transferRequestParameters: {', '.join(missing)}"})
            _event(db, operation_id, step, "KO")
            return _finish(db, operation_id, "ARCHIVE_TRANSFER", "KO")
        units = units_store.get_unit_docs(db, tenant, ids)
        ordered = [units[unit_id] for unit_id in ids if unit_id in units]
        groups = {unit["#object"]: units_store.get_object_group_doc(db, tenant, unit["#object"])
                  for unit in ordered if unit.get("#object")}
        files = _files_to_export(groups, versions)
        manifest = build_manifest(operation_id, ordered, groups, files, parameters)
        _event(db, operation_id, "CREATE_MANIFEST", "OK")
        _event(db, operation_id, step, "OK")
        set_progress(db, tenant, operation_id, "STP_PUT_BINARY_ON_WORKSPACE", 0, len(ordered))

        step = "STP_PUT_BINARY_ON_WORKSPACE"
        _event(db, operation_id, step + ".STARTED", "STARTED")
        missing = [path for path in files.values() if not binaries.resolve(store, tenant, path).is_file()]
        if missing:
            _event(db, operation_id, "EXPORT_CHECK_RESOURCE_AVAILABILITY", "KO",
                   data={"error": f"{len(missing)} binaries unavailable"})
            _event(db, operation_id, step, "KO")
            return _finish(db, operation_id, "ARCHIVE_TRANSFER", "KO")
        _event(db, operation_id, "EXPORT_CHECK_RESOURCE_AVAILABILITY", "OK")
        _event(db, operation_id, "PUT_BINARY_ON_WORKSPACE", "OK")
        _event(db, operation_id, step, "OK")

        step = "STP_STORE_MANIFEST"
        _event(db, operation_id, step + ".STARTED", "STARTED")
        _write_sip(store, tenant, operation_id, manifest, files)
        reports.write(store, tenant, operation_id, TRANSFER_REPORT_KIND, [
            {"tenant": tenant, "evId": operation_id, "evType": "ARCHIVE_TRANSFER"},
            {"transferRequestParameters": parameters},
            *({"id": unit["#id"], "status": "OK"} for unit in ordered)])
        # Vitam marks each transferred unit with the operation, so the reply can find them again.
        units_store.replace_unit_documents(db, tenant, [
            {**unit, "#operations": [*(unit.get("#operations") or []), operation_id]} for unit in ordered])
        _event(db, operation_id, "STORE_MANIFEST", "OK")
        _event(db, operation_id, step, "OK")
        set_progress(db, tenant, operation_id, step, len(ordered), len(ordered), commit=False)
        _finish(db, operation_id, "ARCHIVE_TRANSFER", "OK", data={"nbUnits": len(ordered)})
    except Exception:
        logger.exception("archive transfer %s failed", operation_id)
        db.rollback()
        _finish(db, operation_id, "ARCHIVE_TRANSFER", "FATAL")


def _files_to_export(groups: dict[str, dict | None], versions: list[str] | None) -> dict[str, str]:
    """{object version id: stored binary path} of the usages asked for (every usage when none is named)."""
    files = {}
    for group in groups.values():
        for qualifier in (group or {}).get("#qualifiers") or []:
            if versions and qualifier.get("qualifier") not in versions:
                continue
            for version in qualifier.get("versions") or []:
                path = (version.get("#storage") or {}).get("path")
                if path:
                    files[version["#id"]] = path
    return files


def _sub(parent, name: str, text=None, **attrs):
    element = etree.SubElement(parent, f"{{{SEDA_NS}}}{name}", **attrs)
    if text is not None:
        element.text = str(text)
    return element


def _texts(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if isinstance(v, (str, int, float)) and str(v) != ""]


def _write_management(parent, unit: dict) -> None:
    management = unit.get("#management") or {}
    categories = [c for c in RULE_CATEGORIES if (management.get(c) or {}).get("Rules") or
                  (c in FINAL_ACTION_CATEGORIES and (management.get(c) or {}).get("FinalAction"))]
    if not categories:
        return
    element = _sub(parent, "Management")
    for category in categories:
        rules = management[category]
        target = _sub(element, category)
        for rule in rules.get("Rules") or []:
            _sub(target, "Rule", rule.get("Rule"))
            if rule.get("StartDate"):
                _sub(target, "StartDate", str(rule["StartDate"])[:10])
        if category in FINAL_ACTION_CATEGORIES and rules.get("FinalAction"):
            _sub(target, "FinalAction", rules["FinalAction"])


def _write_content(parent, unit: dict) -> None:
    content = _sub(parent, "Content")
    for name in CONTENT_FIELDS:
        value = unit["#id"] if name == "SystemId" else unit.get(name)
        for text in _texts(value):
            _sub(content, name, text)
            if name == "DescriptionLevel":
                break


def build_manifest(operation_id: str, units: list[dict], groups: dict[str, dict | None], files: dict[str, str],
                   parameters: dict) -> bytes:
    """The ArchiveTransfer manifest: units nested under their transferred parent, with their object groups."""
    root = etree.Element(f"{{{SEDA_NS}}}ArchiveTransfer", nsmap={None: SEDA_NS, "xlink": XLINK_NS})
    if parameters.get("comment"):
        _sub(root, "Comment", parameters["comment"])
    _sub(root, "Date", logbook.now_iso())
    _sub(root, "MessageIdentifier", operation_id)
    _sub(root, "ArchivalAgreement", parameters["archivalAgreement"])
    code_lists = _sub(root, "CodeListVersions")
    for name in CODE_LIST_VERSIONS:
        _sub(code_lists, name, f"{name}0")
    package = _sub(root, "DataObjectPackage")
    for group_id, group in groups.items():
        written = [(q, v) for q in (group or {}).get("#qualifiers") or [] for v in q.get("versions") or []
                   if v.get("#id") in files]
        if not written:
            continue
        group_element = _sub(package, "DataObjectGroup", id=group_id)
        for _qualifier, version in written:
            binary = _sub(group_element, "BinaryDataObject", id=version["#id"])
            _sub(binary, "DataObjectSystemId", version["#id"])
            _sub(binary, "DataObjectGroupSystemId", group_id)
            _sub(binary, "DataObjectVersion", version.get("DataObjectVersion"))
            _sub(binary, "Uri", f"Content/{version['#id']}")
            _sub(binary, "MessageDigest", version.get("MessageDigest"), algorithm=version.get("Algorithm", "SHA-512"))
            _sub(binary, "Size", version.get("Size"))
            identification = version.get("FormatIdentification") or {}
            format_element = _sub(binary, "FormatIdentification")
            for name in ("FormatLitteral", "MimeType", "FormatId"):
                if identification.get(name):
                    _sub(format_element, name, identification[name])
            filename = (version.get("FileInfo") or {}).get("Filename")
            if filename:
                _sub(_sub(binary, "FileInfo"), "Filename", filename)
    descriptive = _sub(package, "DescriptiveMetadata")
    selected = {unit["#id"] for unit in units}
    children: dict[str | None, list[dict]] = {}
    for unit in units:
        parent = next((p for p in unit.get("#unitups") or [] if p in selected), None)
        children.setdefault(parent, []).append(unit)

    def add(parent_element, unit: dict) -> None:
        element = _sub(parent_element, "ArchiveUnit", id=unit["#id"])
        _write_management(element, unit)
        _write_content(element, unit)
        for child in children.get(unit["#id"], []):
            add(element, child)
        group_id = unit.get("#object")
        if group_id and package.find(f"{{{SEDA_NS}}}DataObjectGroup[@id='{group_id}']") is not None:
            _sub(_sub(element, "DataObjectReference"), "DataObjectGroupReferenceId", group_id)

    for unit in children.get(None, []):
        add(descriptive, unit)
    management = _sub(package, "ManagementMetadata")
    _sub(management, "OriginatingAgencyIdentifier", parameters["originatingAgencyIdentifier"])
    if parameters.get("submissionAgencyIdentifier"):
        _sub(management, "SubmissionAgencyIdentifier", parameters["submissionAgencyIdentifier"])
    for reference in parameters.get("relatedTransferReference") or []:
        _sub(root, "RelatedTransferReference", reference)
    if parameters.get("transferRequestReplyIdentifier"):
        _sub(root, "TransferRequestReplyIdentifier", parameters["transferRequestReplyIdentifier"])
    _sub(_sub(root, "ArchivalAgency"), "Identifier", parameters["archivalAgencyIdentifier"])
    _sub(_sub(root, "TransferringAgency"), "Identifier", parameters["transferringAgency"])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _write_sip(store, tenant: int, operation_id: str, manifest: bytes, files: dict[str, str]) -> None:
    """manifest.xml + Content/<object id>, binaries streamed from the store into a temporary zip, then renamed."""
    target = reports.write(store, tenant, operation_id, SIP_KIND, b"")
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    os.close(descriptor)
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            archive.writestr("manifest.xml", manifest)
            for object_id, path in files.items():
                with binaries.open_binary(store, tenant, path) as source, \
                        archive.open(f"Content/{object_id}", "w", force_zip64=True) as sink:
                    binaries.copy_stream(source, sink, chunk_size=CHUNK)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------
# POST /transfers/reply


@endpoint("POST", ACCESS + "/transfers/reply")
def start_transfer_reply(ctx, request):
    if request.content_length is not None and request.content_length > MAX_REPLY_BYTES:
        raise VitamHttpError(413, "000413", "Transfer reply too large", message="Request Entity Too Large")
    body = request.stream.read(MAX_REPLY_BYTES + 1)
    if len(body) > MAX_REPLY_BYTES:
        raise VitamHttpError(413, "000413", "Transfer reply too large", message="Request Entity Too Large")
    if not body.strip():
        raise precondition_failed("The transfer reply is mandatory")
    operation_id = start_operation(ctx, ev_type="TRANSFER_REPLY", ev_type_proc="TRANSFER_REPLY")
    reports.write(ctx.store, ctx.tenant, operation_id, REPLY_KIND, bytes(body))
    store, tenant = ctx.store, ctx.tenant
    ctx.on_commit(lambda: processing.submit(store, run_transfer_reply, store, tenant, operation_id))
    return _accepted(operation_id, {})


def _seda(tag: str) -> str:
    return f"{{{SEDA_NS}}}{tag}"


def read_reply(path) -> tuple[str | None, str | None, str | None, str | None]:
    """(MessageRequestIdentifier, ReplyCode, MessageIdentifier, error) of an ArchiveTransferReply: all Vitam reads
    of it; the units it may list are not looked at."""
    try:
        tree = parse_manifest(path)
    except ManifestError as error:
        return None, None, None, error.message
    root = tree.getroot()
    if root.tag != _seda("ArchiveTransferReply"):
        return None, None, None, f"Root element is {etree.QName(root).localname}, not ArchiveTransferReply"
    request_id = (root.findtext(_seda("MessageRequestIdentifier")) or "").strip() or None
    reply_code = (root.findtext(_seda("ReplyCode")) or "").strip() or None
    message_id = (root.findtext(_seda("MessageIdentifier")) or "").strip() or None
    return request_id, reply_code, message_id, None


def run_transfer_reply(db, store, tenant: int, operation_id: str):
    reply = _TransferReply(db, store, tenant, operation_id)
    try:
        reply.run()
    except Exception:
        logger.exception("transfer reply %s failed", operation_id)
        db.rollback()
        reply.binary_paths.clear()
        _finish(db, operation_id, "TRANSFER_REPLY", "FATAL")
    for path in reply.binary_paths:  # only once the purge of their metadata is committed
        try:
            binaries.delete(store, tenant, path)
        except (OSError, ValueError):
            logger.warning("transfer reply %s: could not delete binary %s", operation_id, path)


class _TransferReply:
    """One TRANSFER_REPLY run, step by step as Vitam's TransferReplyWorkflow."""

    def __init__(self, db, store, tenant: int, operation_id: str):
        self.db, self.store, self.tenant, self.operation_id = db, store, tenant, operation_id
        self.binary_paths: list[str] = []
        self.report_units: list[dict] = []

    def _event(self, ev_type: str, outcome: str, **kwargs) -> None:
        _event(self.db, self.operation_id, ev_type, outcome, **kwargs)

    def _ko(self, step: str, action: str, error: str) -> None:
        self._event(action, "KO", data={"error": error})
        self._event(step, "KO")
        _finish(self.db, self.operation_id, "TRANSFER_REPLY", "KO")

    def run(self) -> None:
        prepared = self.preparation()
        if prepared is None:
            return
        transfer_id, to_purge = prepared
        purged = self.delete_units(to_purge)
        register_amounts = self.object_groups(purged)
        self.accession_register(transfer_id, purged, register_amounts)
        kept = len(to_purge) - len(purged)
        final = "WARNING" if kept else "OK"
        self.report(transfer_id, final, purged)
        self._event("STP_TRANSFER_REPLY_FINALIZATION.STARTED", "STARTED")
        self._event("TRANSFER_REPLY_FINALIZATION", "OK")
        self._event("STP_TRANSFER_REPLY_FINALIZATION", "OK")
        _finish(self.db, self.operation_id, "TRANSFER_REPLY", final,
                data={"transferOperationId": transfer_id, "nbPurgedUnits": len(purged), "nbKeptUnits": kept})
        self.db.commit()

    def preparation(self) -> tuple[str, list[dict]] | None:
        """STP_TRANSFER_REPLY_PREPARATION: (transfer operation id, units to purge), None when KO."""
        step = "STP_TRANSFER_REPLY_PREPARATION"
        self._event(step + ".STARTED", "STARTED")
        path = reports.path(self.store, self.tenant, self.operation_id, REPLY_KIND)
        request_id, reply_code, message_id, error = read_reply(path)
        if error:
            return self._ko(step, "VERIFY_ARCHIVAL_TRANSFER_REPLY", error)
        transfer = logbook.operation_row(self.db, self.tenant, request_id) if request_id and is_guid(request_id) \
            else None
        # VerifyAtrPlugin checks the operation and the ReplyCode together, under one message: a KO reply stops here.
        if transfer is None or transfer["ev_type"] != "ARCHIVE_TRANSFER" or reply_code not in ("OK", "WARNING"):
            return self._ko(step, "VERIFY_ARCHIVAL_TRANSFER_REPLY", "Field MessageRequestIdentifier in ATR does not"
                                                                    " correspond to an existing transfer operation.")
        self._event("VERIFY_ARCHIVAL_TRANSFER_REPLY", "OK", data={"message": "ATR file is valid and serialized."})
        self._event("SAVE_ARCHIVAL_TRANSFER_REPLY", "OK")
        self._event("CHECK_ATR_AND_ADD_IT_TO_WORKSPACE", "OK", data={"message": f"ATR '{message_id}' is OK."})
        transferred = [line["id"] for line in (reports.read(self.store, self.tenant, request_id,
                                                            TRANSFER_REPORT_KIND) or [])[2:]]
        docs = units_store.get_unit_docs(self.db, self.tenant, transferred)
        to_purge = []
        for unit_id in transferred:
            if unit_id in docs:
                to_purge.append(docs[unit_id])
            else:
                self.report_units.append({"id": unit_id, "status": "ALREADY_DELETED"})
        self._event("TRANSFER_REPLY_UNIT_PREPARATION", "OK")
        self._event("TRANSFER_REPLY_DELETE_SIP", "OK")
        self._event(step, "OK")
        return request_id, to_purge

    def delete_units(self, to_purge: list[dict]) -> list[dict]:
        """STP_TRANSFER_REPLY_DELETE_UNIT: deepest first; a unit that keeps a child stays."""
        step = "STP_TRANSFER_REPLY_DELETE_UNIT"
        self._event(step + ".STARTED", "STARTED")
        levels: dict[int, list[dict]] = {}
        for unit in to_purge:
            levels.setdefault(int(unit.get("#max") or 1), []).append(unit)
        purged: list[dict] = []
        for level in sorted(levels, reverse=True):
            units = levels[level]
            with_children = _units_with_children(self.db, self.tenant, [u["#id"] for u in units])
            deletable = [u for u in units if u["#id"] not in with_children]
            units_store.delete_units(self.db, self.tenant, [u["#id"] for u in deletable])
            purged.extend(deletable)
            self.report_units.extend({"id": u["#id"], "status": "NON_DESTROYABLE_HAS_CHILD_UNITS"}
                                     for u in units if u["#id"] in with_children)
        self.report_units.extend({"id": u["#id"], "status": "DELETED"} for u in purged)
        outcome = "OK" if len(purged) == len(to_purge) else "WARNING"
        self._event("TRANSFER_REPLY_DELETE_UNIT", outcome,
                    data={"nbPurgedUnits": len(purged), "nbNonPurgedUnits": len(to_purge) - len(purged)})
        self._event(step, outcome)
        return purged

    def object_groups(self, purged: list[dict]) -> dict:
        """Object group steps: purge the groups left without unit, detach the others."""
        self._event("STP_TRANSFER_REPLY_OBJECT_GROUP_PREPARATION.STARTED", "STARTED")
        self._event("TRANSFER_REPLY_OBJECT_GROUP_PREPARATION", "OK")
        self._event("STP_TRANSFER_REPLY_OBJECT_GROUP_PREPARATION", "OK")
        self._event("STP_TRANSFER_REPLY_DELETE_OBJECT_GROUP.STARTED", "STARTED")
        lines, amounts = _eliminate_object_groups(self.db, self.tenant, purged, self.binary_paths)
        self._event("TRANSFER_REPLY_DELETE_OBJECT_GROUP", "OK")
        self._event("STP_TRANSFER_REPLY_DELETE_OBJECT_GROUP", "OK")
        self._event("STP_TRANSFER_REPLY_DETACH_OBJECT_GROUP.STARTED", "STARTED")
        self._event("TRANSFER_REPLY_DETACH_OBJECT_GROUP", "OK")
        self._event("STP_TRANSFER_REPLY_DETACH_OBJECT_GROUP", "OK")
        self.report_units.extend({"id": line["id"], "status": line["params"]["status"], "objectGroup": True}
                                 for line in lines)
        return amounts

    def accession_register(self, transfer_id: str, purged: list[dict], amounts: dict) -> None:
        """Negative TRANSFER_REPLY register events for the purged units, groups, objects and volumes."""
        self._event("STP_TRANSFER_REPLY_ACCESSION_REGISTER_PREPARATION.STARTED", "STARTED")
        for unit in purged:
            amounts.setdefault((unit.get("#opi"), unit.get("#originating_agency")), [0, 0, 0, 0])[0] += 1
        self._event("TRANSFER_REPLY_ACCESSION_REGISTER_PREPARATION", "OK")
        self._event("STP_TRANSFER_REPLY_ACCESSION_REGISTER_PREPARATION", "OK")
        self._event("STP_TRANSFER_REPLY_ACCESSION_REGISTER_UPDATE.STARTED", "STARTED")
        for (opi, agency), (units, groups, objects, size) in sorted(amounts.items(), key=str):
            if opi and agency:
                register.record_event(self.db, tenant=self.tenant, opi=opi, originating_agency=agency,
                                      operation_id=self.operation_id, op_type="TRANSFER_REPLY", units=-units,
                                      object_groups=-groups, objects=-objects, size=-size)
        self._event("TRANSFER_REPLY_ACCESSION_REGISTER_UPDATE", "OK")
        self._event("STP_TRANSFER_REPLY_ACCESSION_REGISTER_UPDATE", "OK")

    def report(self, transfer_id: str, final: str, purged: list[dict]) -> None:
        self._event("STP_TRANSFER_REPLY_REPORT_GENERATION.STARTED", "STARTED")
        summary = {"operationSummary": {"tenant": self.tenant, "evId": self.operation_id, "evType": "TRANSFER_REPLY",
                                        "outcome": final, "outDetail": f"TRANSFER_REPLY.{final}",
                                        "outMsg": _message("TRANSFER_REPLY", final),
                                        "evDetData": {"transferOperationId": transfer_id}},
                   "reportSummary": {"evEndDateTime": logbook.now_iso(), "reportType": "TRANSFER_REPLY",
                                     "vitamResults": {"OK": len(purged), "KO": 0,
                                                      "WARNING": sum(1 for line in self.report_units
                                                                     if line["status"] != "DELETED")}}}
        reports.write(self.store, self.tenant, self.operation_id, "batchreport", [summary, *self.report_units])
        self._event("TRANSFER_REPLY_REPORT_GENERATION", "OK")
        self._event("STP_TRANSFER_REPLY_REPORT_GENERATION", "OK")
