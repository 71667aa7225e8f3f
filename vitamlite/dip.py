"""DIP export (communication) and the units stream, as Vitam's access-external serves them.

    POST /access-external/v2/dipexport   DipRequest {dslRequest, dataObjectVersionToExport, exportWithLogBookLFC,
                                         exportWithoutObjects, dipRequestParameters, maxSizeThreshold, sedaVersion}
    POST /access-external/v1/dipexport   a SELECT_MULTIPLE query alone (every usage exported)
    GET  /access-external/v1/dipexport/{opId}/dip   the zip: manifest.xml + Content/<object id>
    GET  /access-external/v1/units/stream            SELECT_MULTIPLE without $offset/$limit/$facets, JSON lines

The export answers 202 with the operation id in X-Request-Id and runs the EXPORT_DIP workflow of Vitam's
ExportUnitWorkflow.json: STP_CREATE_MANIFEST (CHECK_DISTRIBUTION_THRESHOLD, CREATE_MANIFEST),
STP_PUT_BINARY_ON_WORKSPACE (EXPORT_CHECK_RESOURCE_AVAILABILITY, PUT_BINARY_ON_WORKSPACE), STP_STORE_MANIFEST
(STORE_MANIFEST). Units the access contract cannot see are not exported; object usages it does not allow
neither. The zip is written to disk object by object (never held in memory) and served as a file.

The stream refuses $offset, $limit and $facets with an empty 401, as AccessExternalResource.streamUnits does
(SelectMultipleSchemaValidator.validateStreamQuery raises a ValidationException it maps to UNAUTHORIZED),
counts the units in X-Units-Count, and reads rows with its own connection while the client consumes them.
Past the tenant's daily limit (unitsStreamExecutionLimit, see stream_limits) it answers an empty 401; a query
Elasticsearch would refuse (a comparison or a range on #id) fails in metadata's scroll: an empty 500.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from werkzeug import Response

from vitamlite import binaries, catalogue, dsl, logbook, processing, reports, stream_limits, units_store
from vitamlite.contracts_filter import restriction_from_contract
from vitamlite.dsl.search import project, projection_fields, unit_stream_statements
from vitamlite.dsl.sql import install_functions
from vitamlite.elimination import set_progress, start_operation, threshold_of
from vitamlite.http import VitamHttpError, endpoint, json_response

logger = logging.getLogger(__name__)

ACCESS = "/access-external/v1"
ACCESS_V2 = "/access-external/v2"
DIP_THRESHOLD = 100_000  # units per export unless the request's $threshold says otherwise
STREAM_THRESHOLD = 1_000_000  # above, access-internal answers 417 (unitsStreamThreshold)
STREAM_FETCH = 500
SEDA_VERSIONS = ("2.1", "2.2", "2.3")
SEDA_NS = "fr:gouv:culture:archivesdefrance:seda:v2.1"
DIP_KIND = "dip"

# SEDA 2.1 ContentType order (the XSD is a sequence): fields written in this order, others after.
CONTENT_ORDER = (
    "DescriptionLevel", "Title", "FilePlanPosition", "SystemId", "OriginatingSystemId", "ArchivalAgencyArchiveUnitIdentifier",
    "OriginatingAgencyArchiveUnitIdentifier", "TransferringAgencyArchiveUnitIdentifier", "Description",
    "CustodialHistory", "Type", "DocumentType", "Language", "DescriptionLanguage", "Status", "Version", "Tag",
    "Keyword", "Coverage", "OriginatingAgency", "SubmissionAgency", "AuthorizedAgent", "Writer", "Addressee",
    "Recipient", "Transmitter", "Sender", "Source", "RelatedObjectReference", "CreatedDate", "TransactedDate",
    "AcquiredDate", "SentDate", "ReceivedDate", "RegisteredDate", "StartDate", "EndDate", "Event", "Signature",
    "Gps",
)
MANAGEMENT_ORDER = ("StorageRule", "AppraisalRule", "AccessRule", "DisseminationRule", "ReuseRule",
                    "ClassificationRule", "LogBook", "NeedAuthorization", "HoldRule")
RULE_FIELDS = ("Rule", "StartDate")
TECHNICAL_ORDER = {
    "FormatIdentification": ("FormatLitteral", "MimeType", "FormatId", "Encoding"),
    "FileInfo": ("Filename", "CreatingApplicationName", "CreatingApplicationVersion", "DateCreatedByApplication",
                 "CreatingOs", "CreatingOsVersion", "LastModified"),
}

# outMessg of the workflow's events, worded by Vitam's catalogue (step starts read "<STEP>.STARTED").
WORKFLOW_EVENTS = ("EXPORT_DIP", "STP_CREATE_MANIFEST", "CREATE_MANIFEST", "STP_PUT_BINARY_ON_WORKSPACE",
                   "EXPORT_CHECK_RESOURCE_AVAILABILITY", "PUT_BINARY_ON_WORKSPACE", "STP_STORE_MANIFEST",
                   "STORE_MANIFEST")
logbook.register_messages(messages={
    **{f"{event}.{outcome}": catalogue.text(f"{event}.{outcome}") for event in WORKFLOW_EVENTS
       for outcome in ("OK", "WARNING", "KO", "FATAL") if catalogue.text(f"{event}.{outcome}")},
    **{f"{event}.STARTED.STARTED": catalogue.text(f"{event}.STARTED") for event in WORKFLOW_EVENTS
       if event.startswith("STP_")},
})


def _internal_error(description: str) -> VitamHttpError:
    return VitamHttpError(500, "INTERNAL_SERVER_ERROR", description, message="Internal Server Error",
                          context="ACCESS_EXTERNAL", state="code_vitam")


def _checked_select(query) -> dict:
    """The SELECT_MULTIPLE dslRequest; Vitam's validator exception ends in the resource's generic 500."""
    if not isinstance(query, dict):
        raise _internal_error("dslRequest is mandatory")
    try:
        dsl.validate(query, "select_multiple")
    except dsl.DslInvalid as error:
        raise _internal_error(str(error))
    return query


# ---------------------------------------------------------------------------------------------
# Export requests


@endpoint("POST", ACCESS_V2 + "/dipexport", contract=True)
def export_dip_v2(ctx, request):
    body = ctx.json()
    if not isinstance(body, dict):
        raise _internal_error("The body must be a DipRequest")
    query = _checked_select(body.get("dslRequest"))
    seda_version = body.get("sedaVersion")
    if seda_version is not None and seda_version not in SEDA_VERSIONS:
        raise VitamHttpError(412, "PRECONDITION_FAILED", "The Seda version is invalid!",
                             message="Precondition Failed", context="ACCESS_EXTERNAL", state="code_vitam")
    versions = (body.get("dataObjectVersionToExport") or {}).get("dataObjectVersions")
    request_options = {
        "usages": [str(usage) for usage in versions] if isinstance(versions, list) else None,
        "withoutObjects": bool(body.get("exportWithoutObjects")),
        "withLogBook": bool(body.get("exportWithLogBookLFC")),
        "parameters": body.get("dipRequestParameters") if isinstance(body.get("dipRequestParameters"), dict) else {},
    }
    return _start(ctx, query, request_options, body)


@endpoint("POST", ACCESS + "/dipexport", contract=True, dsl="select_multiple")
def export_dip_v1(ctx, request):
    options = {"usages": None, "withoutObjects": False, "withLogBook": False, "parameters": {}}
    return _start(ctx, ctx.query, options, ctx.query)


def _start(ctx, query, options, context_body):
    operation_id = start_operation(ctx, ev_type="EXPORT_DIP", ev_type_proc="EXPORT_DIP")
    store, tenant, contract = ctx.store, ctx.tenant, ctx.contract
    ctx.on_commit(lambda: processing.submit(store, run_export, store, tenant, operation_id, query, options,
                                            contract))
    return json_response({"httpCode": 202, "$hits": {"total": 1, "offset": 0, "limit": 1, "size": 1},
                          "$results": [{"itemId": operation_id, "globalState": "RUNNING", "globalStatus": "STARTED"}],
                          "$facetResults": [], "$context": context_body},
                         status=202, headers={"X-Request-Id": operation_id})


@endpoint("GET", ACCESS + "/dipexport/<operation_id>/dip", contract=True)
def download_dip(ctx, request, operation_id):
    response = reports.response(ctx.store, ctx.tenant, operation_id, DIP_KIND, filename=f"{operation_id}.zip")
    if response is None:
        raise VitamHttpError(404, "NOT_FOUND", f"No DIP for operation {operation_id}", message="Not Found",
                             context="ACCESS_EXTERNAL", state="code_vitam")
    return response


# ---------------------------------------------------------------------------------------------
# The EXPORT_DIP workflow


def run_export(db, store, tenant: int, operation_id: str, query: dict, options: dict, contract: dict | None):
    try:
        _Export(db, store, tenant, operation_id, query, options, contract).run()
    except Exception:
        logger.exception("DIP export %s failed", operation_id)
        db.rollback()
        logbook.finish(db, operation_id, "FATAL")


class _Export:
    def __init__(self, db, store, tenant, operation_id, query, options, contract):
        self.db, self.store, self.tenant, self.operation_id = db, store, tenant, operation_id
        self.query, self.options, self.contract = query, options, contract
        self.restriction = restriction_from_contract(contract) if contract else None

    def _event(self, ev_type: str, outcome: str, **kwargs) -> None:
        logbook.event(self.db, self.operation_id, ev_type, outcome, **kwargs)

    def run(self) -> None:
        step = "STP_CREATE_MANIFEST"
        self._event(step + ".STARTED", "STARTED")
        threshold = threshold_of(self.query, DIP_THRESHOLD)
        ids = dsl.search_unit_ids(self.db, self.tenant, self.query, self.restriction, limit=threshold + 1)
        if len(ids) > threshold:
            self._event("CHECK_DISTRIBUTION_THRESHOLD", "KO",
                        data={"error": f"Too many units found. Threshold={threshold}, found={len(ids)}"})
            self._event(step, "KO")
            logbook.finish(self.db, self.operation_id, "KO")
            return
        # As CheckDistributionThresholdBase: more than the default threshold, within the request's, is WARNING
        # (and so are the step and the operation).
        outcome = "WARNING" if len(ids) > DIP_THRESHOLD else "OK"
        self._event("CHECK_DISTRIBUTION_THRESHOLD", outcome, data={"warning": (
            f"Unit count exceeds default threshold. Default threshold={DIP_THRESHOLD}, found={len(ids)}")}
            if outcome == "WARNING" else None)
        set_progress(self.db, self.tenant, self.operation_id, step, 0, len(ids))
        reports_dir = self.store.tenant_reports_dir(self.tenant)
        reports_dir.mkdir(parents=True, exist_ok=True)
        workspace = Path(tempfile.mkdtemp(prefix=f".dip-{self.operation_id}-", dir=reports_dir))
        try:
            manifest_path = workspace / "manifest.xml"
            objects = self._write_manifest(manifest_path, ids)
            self._event("CREATE_MANIFEST", "OK", data={"nbUnits": len(ids), "nbObjects": len(objects)})
            self._event(step, outcome)

            step = "STP_PUT_BINARY_ON_WORKSPACE"
            self._event(step + ".STARTED", "STARTED")
            missing = [entry for entry in objects if not _binary_exists(self.store, self.tenant, entry["path"])]
            self._event("EXPORT_CHECK_RESOURCE_AVAILABILITY", "KO" if missing else "OK",
                        data={"nbUnavailableObjects": len(missing)} if missing else None)
            if missing:
                self._event(step, "KO")
                logbook.finish(self.db, self.operation_id, "KO")
                return
            self._event("PUT_BINARY_ON_WORKSPACE", "OK")
            self._event(step, "OK")

            step = "STP_STORE_MANIFEST"
            self._event(step + ".STARTED", "STARTED")
            size = self._store_zip(manifest_path, objects)
            self._event("STORE_MANIFEST", "OK")
            self._event(step, "OK")
        finally:
            for leftover in workspace.iterdir():
                leftover.unlink()
            workspace.rmdir()
        set_progress(self.db, self.tenant, self.operation_id, step, len(ids), len(ids), commit=False)
        logbook.finish(self.db, self.operation_id, outcome,
                       data={"nbUnits": len(ids), "nbObjects": len(objects), "size": size})

    # -- manifest

    def _usage_wanted(self, usage: str) -> bool:
        if self.options["withoutObjects"]:
            return False
        if self.options["usages"] is not None and usage not in self.options["usages"]:
            return False
        return self.restriction is None or self.restriction.usage_allowed(usage)

    def _write_manifest(self, path: Path, ids: list[str]) -> list[dict]:
        """Write the ArchiveDeliveryRequestReply unit by unit; returns the binaries to put in Content/."""
        objects, groups_written = [], set()
        parameters = self.options["parameters"]
        with open(path, "w", encoding="utf-8") as out:
            out.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n')
            out.write(f'<ArchiveDeliveryRequestReply xmlns="{SEDA_NS}" '
                      'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:pr="info:lc/xmlns/premis-v2" '
                      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n')
            if parameters.get("comment"):
                out.write(f"  <Comment>{escape(str(parameters['comment']))}</Comment>\n")
            out.write(f"  <Date>{logbook.now_iso()[:19]}</Date>\n")
            out.write(f"  <MessageIdentifier>{escape(self.operation_id)}</MessageIdentifier>\n")
            if parameters.get("archivalAgreement"):
                out.write(f"  <ArchivalAgreement>{escape(str(parameters['archivalAgreement']))}</ArchivalAgreement>\n")
            out.write("  <CodeListVersions/>\n  <DataObjectPackage>\n")
            units_xml = path.with_name("units.xml")
            with open(units_xml, "w", encoding="utf-8") as units_out:
                for start in range(0, len(ids), STREAM_FETCH):
                    chunk = ids[start:start + STREAM_FETCH]
                    docs = units_store.get_unit_docs(self.db, self.tenant, chunk)
                    for unit_id in chunk:
                        unit = docs.get(unit_id)
                        if unit is None:
                            continue
                        group_id = unit.get("#object")
                        if group_id and group_id not in groups_written:
                            groups_written.add(group_id)
                            out.write(self._group_xml(group_id, objects))
                        units_out.write(_unit_xml(unit, self._logbook_xml(unit) if self.options["withLogBook"] else ""))
                    set_progress(self.db, self.tenant, self.operation_id, "STP_CREATE_MANIFEST",
                                 min(start + STREAM_FETCH, len(ids)), len(ids))
            out.write("    <DescriptiveMetadata>\n")
            with open(units_xml, encoding="utf-8") as units_in:
                while block := units_in.read(1 << 20):
                    out.write(block)
            units_xml.unlink()
            out.write("    </DescriptiveMetadata>\n    <ManagementMetadata/>\n  </DataObjectPackage>\n")
            out.write(f"  <MessageRequestIdentifier>{escape(str(parameters.get('messageRequestIdentifier') or self.operation_id))}"
                      "</MessageRequestIdentifier>\n")
            if parameters.get("authorizationRequestReplyIdentifier"):
                out.write("  <AuthorizationRequestReplyIdentifier>"
                          f"{escape(str(parameters['authorizationRequestReplyIdentifier']))}"
                          "</AuthorizationRequestReplyIdentifier>\n")
            for unit_id in ids[:1] or [""]:
                out.write(f"  <UnitIdentifier>{escape(unit_id)}</UnitIdentifier>\n")
            agency = parameters.get("archivalAgencyIdentifier") or "Vitam"
            requester = parameters.get("requesterIdentifier") or agency
            out.write(f"  <ArchivalAgency><Identifier>{escape(str(agency))}</Identifier></ArchivalAgency>\n")
            out.write(f"  <Requester><Identifier>{escape(str(requester))}</Identifier></Requester>\n")
            out.write("</ArchiveDeliveryRequestReply>\n")
        return objects

    def _logbook_xml(self, unit: dict) -> str:
        """The unit's lifecycle as SEDA LogBook events: one per operation that touched it (#operations), as
        vitam-lite's lifecycle endpoint derives them from the logbook."""
        events = []
        for operation_id in dict.fromkeys(unit.get("#operations") or []):
            row = logbook.operation_row(self.db, self.tenant, operation_id)
            if row is None:
                continue
            outcome = row["status"] if row["state"] == "COMPLETED" else "STARTED"
            ev_type = f"LFC.{row['ev_type']}"
            indent = "            "
            events.append(
                f"{indent[:-2]}<Event>\n"
                f"{indent}<EventIdentifier>{escape(operation_id)}</EventIdentifier>\n"
                f"{indent}<EventTypeCode>{escape(ev_type)}</EventTypeCode>\n"
                f"{indent}<EventDateTime>{escape(row['updated'][:19])}</EventDateTime>\n"
                f"{indent}<Outcome>{escape(outcome)}</Outcome>\n"
                f"{indent}<OutcomeDetail>{escape(ev_type)}.{escape(outcome)}</OutcomeDetail>\n"
                f"{indent}<OutcomeDetailMessage>{escape(logbook.french_message(row['ev_type'], outcome))}"
                f"</OutcomeDetailMessage>\n{indent[:-2]}</Event>\n")
        return f"          <LogBook>\n{''.join(events)}          </LogBook>\n" if events else ""

    def _group_xml(self, group_id: str, objects: list[dict]) -> str:
        group = units_store.get_object_group_doc(self.db, self.tenant, group_id) or {}
        parts = []
        for qualifier in group.get("#qualifiers") or []:
            if not self._usage_wanted(qualifier.get("qualifier", "")):
                continue
            for version in qualifier.get("versions") or []:
                path = (version.get("#storage") or {}).get("path")
                if not path:
                    continue
                object_id = version["#id"]
                filename = (version.get("FileInfo") or {}).get("Filename") or ""
                extension = os.path.splitext(filename)[1][:10]
                uri = f"Content/{object_id}{extension}"
                objects.append({"path": path, "uri": uri})
                parts.append(_binary_object_xml(version, uri))
        if not parts:
            return ""
        return (f"    <DataObjectGroup id={quoteattr(group_id)}>\n" + "".join(parts) + "    </DataObjectGroup>\n")

    # -- the zip

    def _store_zip(self, manifest_path: Path, objects: list[dict]) -> int:
        target = reports.target(self.store, self.tenant, self.operation_id, DIP_KIND)
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-dip-")
        os.close(descriptor)
        try:
            # Binaries stored as they are (most are compressed formats already); the manifest deflated.
            with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
                archive.write(manifest_path, "manifest.xml", compress_type=zipfile.ZIP_DEFLATED)
                for done, entry in enumerate(objects, 1):
                    archive.write(binaries.resolve(self.store, self.tenant, entry["path"]), entry["uri"])
                    if done % 100 == 0:  # pollers see the zip grow, object by object
                        set_progress(self.db, self.tenant, self.operation_id, "STP_STORE_MANIFEST", done,
                                     len(objects))
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target.stat().st_size


def _binary_exists(store, tenant: int, relative_path: str) -> bool:
    try:
        return binaries.resolve(store, tenant, relative_path).is_file()
    except ValueError:
        return False


def _element(name: str, value, indent: str) -> str:
    """A JSON value as SEDA XML: objects become children, lists repeat the element."""
    if isinstance(value, list):
        return "".join(_element(name, item, indent) for item in value)
    if isinstance(value, dict):
        children = "".join(_element(key, item, indent + "  ") for key, item in _ordered(value, ())
                           if not key.startswith(("#", "_")) and not key.endswith("_"))
        return f"{indent}<{name}>\n{children}{indent}</{name}>\n"
    if value is None:
        return ""
    text = "true" if value is True else "false" if value is False else str(value)
    return f"{indent}<{name}>{escape(text)}</{name}>\n"


def _ordered(document: dict, order: tuple) -> list:
    rank = {name: position for position, name in enumerate(order)}
    return sorted(document.items(), key=lambda item: rank.get(item[0], len(order)))


def _management_xml(management: dict, indent: str) -> str:
    parts = []
    for category, value in _ordered(management, MANAGEMENT_ORDER):
        if category not in MANAGEMENT_ORDER or not isinstance(value, dict):
            continue
        inner = ""
        for rule in value.get("Rules") or []:
            inner += "".join(_element(field, rule.get(field), indent + "  ") for field in RULE_FIELDS)
        for key, item in value.items():
            if key not in ("Rules", "Inheritance", "EndDate"):
                inner += _element(key, item, indent + "  ")
        parts.append(f"{indent}<{category}>\n{inner}{indent}</{category}>\n")
    return "".join(parts)


def _unit_xml(unit: dict, logbook_xml: str = "") -> str:
    indent = "      "
    content = "".join(_element(key, value, indent + "  ") for key, value in _ordered(unit, CONTENT_ORDER)
                      if not key.startswith(("#", "_")) and not key.endswith("_"))
    xml = f"{indent}<ArchiveUnit id={quoteattr(unit['#id'])}>\n"
    management = unit.get("#management") or {}
    rules_xml = _management_xml(management, indent + "    ")
    xml += f"{indent}  <Management>\n{rules_xml}{logbook_xml}{indent}  </Management>\n"
    xml += f"{indent}  <Content>\n{content}{indent}  </Content>\n"
    if unit.get("#object"):
        xml += (f"{indent}  <DataObjectReference><DataObjectGroupReferenceId>{escape(unit['#object'])}"
                f"</DataObjectGroupReferenceId></DataObjectReference>\n")
    return xml + f"{indent}</ArchiveUnit>\n"


def _binary_object_xml(version: dict, uri: str) -> str:
    indent = "        "
    xml = f"      <BinaryDataObject id={quoteattr(version['#id'])}>\n"
    xml += f"{indent}<DataObjectVersion>{escape(version.get('DataObjectVersion', ''))}</DataObjectVersion>\n"
    xml += f"{indent}<Uri>{escape(uri)}</Uri>\n"
    xml += (f"{indent}<MessageDigest algorithm=\"{escape(version.get('Algorithm') or 'SHA-512')}\">"
            f"{escape(version.get('MessageDigest', ''))}</MessageDigest>\n")
    if version.get("Size") is not None:
        xml += f"{indent}<Size>{int(version['Size'])}</Size>\n"
    for name, order in TECHNICAL_ORDER.items():
        if isinstance(version.get(name), dict):
            xml += _element(name, dict(_ordered(version[name], order)), indent)
    return xml + "      </BinaryDataObject>\n"


# ---------------------------------------------------------------------------------------------
# Units stream


@endpoint("GET", ACCESS + "/units/stream", contract=True, dsl="select_multiple")
def stream_units(ctx, request):
    query = ctx.query
    filters = query.get("$filter") or {}
    if "$offset" in filters or "$limit" in filters or query.get("$facets"):  # an empty $facets is accepted
        return Response(status=401)
    if not stream_limits.allowed(ctx.db, ctx.tenant, stream_limits.UNITS, ctx.config.units_stream_execution_limit):
        return Response(status=401)  # MetadataScrollLimitExceededException → AccessUnauthorizedException
    install_functions(ctx.db)
    try:
        count_sql, sql, params = unit_stream_statements(ctx.tenant, query, ctx.restriction)
    except dsl.IdRangeUnsupported:
        # MetadataResource.streamUnits catches the scroll's failure as any Exception: 500 without body,
        # which access-internal and access-external relay as they are.
        return Response(status=500)
    count = ctx.db.execute(count_sql, params).fetchone()[0]
    if count > STREAM_THRESHOLD:
        return Response(status=417)
    stream_limits.record(ctx.db, ctx.tenant, stream_limits.UNITS)
    fields = projection_fields(query.get("$projection"))
    store = ctx.store

    def lines():
        # The request's connection is handed back when the handler returns: the stream reads with its own.
        db = store.new_connection()
        try:
            install_functions(db)
            cursor = db.execute(sql, params)
            while rows := cursor.fetchmany(STREAM_FETCH):
                yield b"".join(json.dumps(project(json.loads(row[0]), fields), ensure_ascii=False,
                                          separators=(",", ":")).encode("utf-8") + b"\n" for row in rows)
        finally:
            db.close()

    return Response(lines(), status=200, mimetype="application/octet-stream",
                    headers={"X-Units-Count": str(count)})
