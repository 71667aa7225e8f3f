"""The ingest workflows of vitam-lite: DEFAULT_WORKFLOW, BLANK_TEST, HOLDING_SCHEME, FILING_SCHEME.

Runs in a background worker (vitamlite.processing) after POST /ingest-external/v1/ingests answered 202.
Steps and events carry Vitam's names and order (logbook/expected-logbook-ingest-4_UNITS_2_GOTS.json):
each step logs "<STEP>.STARTED", then "<STEP>" with its outcome, then its actions (and their sub-tasks).
A KO action stops the workflow, which jumps to STP_INGEST_FINALISATION (ATR, clean-up).

Checks only read; everything is prepared in memory, then binaries are stored and units, object groups
and the accession register are written in ONE transaction with the logbook events of those steps, so a
failure leaves nothing half-written (stored binaries are removed again).

Object group versions keep the stored binary under ``version["#storage"]["path"]`` (relative to
objects/<tenant>/, for vitamlite.binaries.open_binary).
"""

import hashlib
import logging
import re
import shutil
from pathlib import Path, PurePosixPath

import xmlschema
from lxml import etree

from vitamlite import binaries, dsl, inheritance, logbook, register, units_store
from vitamlite.ids import new_guid
from vitamlite.ingest import atr, format_check, rules, safezip, seda
from vitamlite.ingest.manifest import read_manifest
from vitamlite.ingest.messages import event_label, message
from vitamlite.referentials import contexts, profiles, unit_profiles
from vitamlite.referentials import store as referentials

logger = logging.getLogger(__name__)

WORKFLOWS = {
    "DEFAULT_WORKFLOW": ("PROCESS_SIP_UNITARY", "INGEST"),
    "BLANK_TEST": ("PROCESS_SIP_UNITARY", "INGEST_TEST"),
    "HOLDING_SCHEME": ("HOLDINGSCHEME", "MASTERDATA"),
    "FILING_SCHEME": ("FILINGSCHEME", "INGEST"),
}
UNIT_TYPES = {"DEFAULT_WORKFLOW": "INGEST", "BLANK_TEST": "INGEST", "HOLDING_SCHEME": "HOLDING_UNIT",
              "FILING_SCHEME": "FILING_UNIT"}
# Which existing units each kind of unit may be attached to.
ALLOWED_PARENTS = {"INGEST": {"INGEST", "FILING_UNIT", "HOLDING_UNIT"}, "FILING_UNIT": {"FILING_UNIT", "HOLDING_UNIT"},
                   "HOLDING_UNIT": {"HOLDING_UNIT"}}
MANIFEST_NAME = re.compile(r"^([a-zA-Z0-9_\-]{0,56}[_-]{1}){0,1}(manifest.xml)\b")
DIGEST_ALGORITHMS = {"SHA-512": "sha512", "SHA-384": "sha384", "SHA-256": "sha256", "SHA-1": "sha1", "MD5": "md5"}
USAGES = ("BinaryMaster", "Dissemination", "Thumbnail", "TextContent", "PhysicalMaster")
VERSION_PATTERN = re.compile(r"^(BinaryMaster|Dissemination|Thumbnail|TextContent|PhysicalMaster)(_(\d+))?$")
SEVERITY = {"OK": 0, "WARNING": 1, "KO": 2, "FATAL": 3}
MANIFEST_KO = "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST.KO"
UNAUTHORIZED_ATTACHMENT = "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST.UNAUTHORIZED_ATTACHMENT.KO"


class ActionKO(Exception):
    """A blocking action failed: the workflow goes straight to finalisation."""


class Step:
    """Events of one step, written in Vitam's order once the step is over."""

    def __init__(self, name):
        self.name = name
        self.events = []
        self.outcome = "OK"

    def action(self, ev_type, outcome="OK", *, count=1, detail=None, data=None, sub=(), blocking=True):
        """Record an action (and its sub-tasks); a KO raises ActionKO after recording, unless the action is
        NOBLOCKING in Vitam's workflow (the step goes on, and ends KO: `stop_if_ko`)."""
        self.events.append(_event(ev_type, outcome, detail, count, data))
        for sub_type, sub_outcome, sub_detail, sub_count in sub:
            self.events.append(_event(sub_type, sub_outcome, sub_detail, sub_count, None))
        if SEVERITY[outcome] > SEVERITY[self.outcome]:
            self.outcome = outcome
        if outcome in ("KO", "FATAL") and blocking:
            raise ActionKO(ev_type)

    def stop_if_ko(self):
        """End of a BLOCKING step whose NOBLOCKING actions failed: the workflow stops there."""
        if self.outcome in ("KO", "FATAL"):
            raise ActionKO(self.name)


def _event(ev_type, outcome, detail, count, data):
    detail = detail or f"{ev_type}.{outcome}"
    return {"evType": ev_type, "outcome": outcome, "outDetail": detail,
            "outMessg": message(ev_type, outcome, detail, count), "evDetData": data}


# archive-unit-schema.json's "date" definition (rule StartDate/EndDate): a day before the year 9000.
_SCHEMA_RULE_DATE = re.compile(r"[0-8][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


def _lifecycle_event(ev_type, outcome):
    """A unit's or object's lifecycle event, named as Vitam's workers write it (LFC.<handler>, LFC.<handler>.<status>)."""
    detail = f"LFC.{ev_type}.{outcome}"
    return {"evType": f"LFC.{ev_type}", "evTypeLabel": event_label(f"LFC.{ev_type}"), "outcome": outcome,
            "outDetail": detail, "outMessg": message(f"LFC.{ev_type}", outcome, detail),
            "evDateTime": logbook.now_iso()}


def _unit_schema_problem(unit) -> str | None:
    """Why Vitam's archive-unit-schema.json refuses the unit (title, rule dates), or None."""
    if not (unit.content.get("Title") or unit.content.get("Title_")):
        return "titre vide"
    for category in rules.parse_management(unit.management).values():
        for rule in category.get("Rules", []) if isinstance(category, dict) else ():
            for key in ("StartDate", "EndDate"):
                value = rule.get(key)
                if value is not None and not _SCHEMA_RULE_DATE.fullmatch(str(value)):
                    return f"date {key} « {value} » de la règle {rule.get('Rule')} invalide"
    return None


def _ends_before_start(content: dict) -> bool:
    start, end = content.get("StartDate"), content.get("EndDate")
    if not (isinstance(start, str) and isinstance(end, str)):
        return False
    return end[:19] < start[:19]


def _worst(a, b):
    return a if SEVERITY[a] >= SEVERITY[b] else b


class IngestWorkflow:
    def __init__(self, db, store, config, *, tenant, operation_id, workflow, sip_path, digest=None):
        self.db = db
        self.store = store
        self.config = config
        self.tenant = int(tenant)
        self.operation_id = operation_id
        self.workflow = workflow
        self.ev_type, self.ev_type_proc = WORKFLOWS[workflow]
        self.unit_type = UNIT_TYPES[workflow]
        self.sip_path = Path(sip_path)
        self.work_dir = self.sip_path.parent
        self.content_dir = self.work_dir / "content"
        self.digest = digest
        self.status = "OK"
        self.written_events = []
        self.manifest = None
        self.manifest_path = None
        self.files = []
        self.defer_commit = False
        self.stored_paths = []
        # Built along the way.
        self.unit_guids = {}  # manifest id -> GUID (new units)
        self.attached = {}  # manifest id -> existing GUID (UpdateOperation)
        self.parents = {}  # manifest id -> list of parent GUIDs
        self.group_guids = {}
        self.object_guids = {}
        self.versions = {}
        self.real_sizes = {}
        self.managements = {}
        self.contract = None
        self.upload_refusal = None  # why STP_UPLOAD_SIP fails (an entry name Vitam's workspace refuses)
        # Lifecycle events the ATR lists (Vitam: TransferNotificationActionHandler reads the LFCs in process).
        self.unit_lifecycles = {}  # manifest unit id -> [event]
        self.object_lifecycles = {}  # manifest object id -> [event]

    # ----- logbook
    def _write_step(self, step):
        self._log(f"{step.name}.STARTED", "OK", message(f"{step.name}.STARTED", "OK"))
        self._log(step.name, step.outcome, message(step.name, step.outcome))
        for event in step.events:
            self._log(event["evType"], event["outcome"], event["outMessg"], detail=event["outDetail"],
                      data=event["evDetData"])
        self.status = _worst(self.status, step.outcome)
        if not self.defer_commit:
            self.db.commit()

    def _log(self, ev_type, outcome, text, *, detail=None, data=None):
        event = logbook.event(self.db, self.operation_id, ev_type, outcome, detail=detail, message=text, data=data)
        self.written_events.append(event)

    def _unit_event(self, unit_id, ev_type, outcome):
        self.unit_lifecycles.setdefault(unit_id, []).append(_lifecycle_event(ev_type, outcome))

    def _object_event(self, object_id, ev_type, outcome):
        self.object_lifecycles.setdefault(object_id, []).append(_lifecycle_event(ev_type, outcome))

    def _run_step(self, name, body):
        step = Step(name)
        try:
            body(step)
        finally:
            self._write_step(step)

    # ----- main
    def run(self):
        steps = [("STP_SANITY_CHECK_SIP", self.sanity_check), ("STP_UPLOAD_SIP", self.upload),
                 ("STP_INGEST_CONTROL_SIP", self.control_sip)]
        if self.workflow in ("DEFAULT_WORKFLOW", "BLANK_TEST"):
            steps.append(("STP_OG_CHECK_AND_TRANSFORME", self.check_objects))
        steps.append(("STP_UNIT_CHECK_AND_PROCESS", self.check_units))
        try:
            for name, body in steps:
                self._run_step(name, body)
            if self.workflow != "BLANK_TEST":
                self.store_everything()
        except ActionKO:
            pass
        except Exception:
            logger.exception("vitam-lite ingest %s failed", self.operation_id)
            self.db.rollback()
            self._remove_stored_binaries()
            self.defer_commit = False
            self.status = "FATAL"
            self.db.commit()
        finally:
            self.finalise()

    def store_everything(self):
        """Storage steps: binaries first, then every metadata write in one transaction."""
        self.defer_commit = True
        logged_before = len(self.written_events)
        try:
            if self.workflow == "DEFAULT_WORKFLOW":
                self._run_step("STP_STORAGE_AVAILABILITY_CHECK", self.storage_availability)
                self._run_step("STP_OBJ_STORING", self.store_objects)
            self._run_step("STP_UNIT_METADATA", self.index_units)
            if self.workflow == "DEFAULT_WORKFLOW":
                self._run_step("STP_OG_STORING", self.og_storing)
            self._run_step("STP_UNIT_STORING", self.unit_storing)
            if self.workflow == "DEFAULT_WORKFLOW":
                self._run_step("STP_UPDATE_OBJECT_GROUP",
                               lambda step: step.action("OBJECTS_LIST_EMPTY", "OK", count=None))
            if self.workflow in ("DEFAULT_WORKFLOW", "FILING_SCHEME"):
                self._run_step("STP_ACCESSION_REGISTRATION", self.accession_registration)
        except BaseException:
            self.db.rollback()
            del self.written_events[logged_before:]  # rolled back with the data
            self._remove_stored_binaries()
            raise
        finally:
            self.defer_commit = False
        self.db.commit()

    def _remove_stored_binaries(self):
        for relative in self.stored_paths:
            try:
                binaries.delete(self.store, self.tenant, relative)
            except (OSError, ValueError):
                logger.warning("could not remove binary %s after a failed ingest", relative)
        self.stored_paths = []

    # ----- STP_SANITY_CHECK_SIP
    def sanity_check(self, step):
        if not self.sip_path.exists() or self.sip_path.stat().st_size == 0:
            step.action("SANITY_CHECK_SIP", "KO", data={"error": "SIP vide"})
        step.action("SANITY_CHECK_SIP")
        if not safezip.is_supported_archive(self.sip_path):
            step.action("CHECK_CONTAINER", "KO",
                        data={"error": "Format de conteneur non pris en charge (zip, tar, tar.gz ou tar.bz2 attendu)"})
        try:
            self.files = safezip.extract_archive(self.sip_path, self.content_dir)
        except safezip.UnsafeArchive as exc:
            step.action("CHECK_CONTAINER", "KO", data={"error": exc.message})
        step.action("CHECK_CONTAINER")
        candidates = [name for name in self.files if "/" not in name and MANIFEST_NAME.fullmatch(name)]
        if len(candidates) != 1:
            step.action("MANIFEST_FILE_NAME_CHECK", "KO",
                        data={"error": "Aucun bordereau à la racine du SIP" if not candidates else "Plusieurs bordereaux"})
        self.manifest_path = self.content_dir / candidates[0]
        reports = self.store.tenant_reports_dir(self.tenant)
        reports.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.manifest_path, reports / f"{self.operation_id}.manifest.xml")
        step.action("MANIFEST_FILE_NAME_CHECK")
        # Vitam checks the manifest's name in ingest-external, then its workspace unpacks the SIP and
        # refuses entry names outside SafeFileChecker's pattern: the upload step fails.
        refused = safezip.name_vitam_refuses(self.files)
        if refused:
            self.upload_refusal = f"Caractère non autorisé dans le nom « {refused} » d'un fichier du SIP"
        if self.digest:
            value, algorithm = self.digest
            name = DIGEST_ALGORITHMS.get((algorithm or "SHA-512").upper())
            if name is None:
                step.action("MANIFEST_DIGEST_CHECK", "KO", data={"error": f"Algorithme inconnu : {algorithm}"})
            actual = _file_digest(self.manifest_path, name)
            if actual.lower() != value.strip().lower():
                step.action("MANIFEST_DIGEST_CHECK", "KO", data={"expected": value, "actual": actual})
            step.action("MANIFEST_DIGEST_CHECK")

    # ----- STP_INGEST_CONTROL_SIP
    def upload(self, step):
        if self.upload_refusal:
            logger.info("ingest %s: %s", self.operation_id, self.upload_refusal)
            step.outcome = "KO"
            raise ActionKO("STP_UPLOAD_SIP")

    def control_sip(self, step):
        self.check_seda(step)
        self.check_header(step)
        if self.workflow != "HOLDING_SCHEME":
            step.action("PREPARE_STORAGE_INFO", data={})
        self.check_data_object_package(step)
        if self.workflow != "HOLDING_SCHEME":
            step.action("CHECK_ATTACHEMENT")

    def check_seda(self, step):
        try:
            tree = seda.parse_manifest(self.manifest_path)
        except seda.ManifestError as exc:
            step.action("CHECK_SEDA", "KO", detail=f"CHECK_SEDA.{exc.outcome}.KO", data={"error": exc.message})
        version = seda.seda_version(tree)
        if version is None:
            step.action("CHECK_SEDA", "KO", detail="CHECK_SEDA.NOT_XSD_VALID.KO",
                        data={"error": "L'élément racine n'est pas un ArchiveTransfer SEDA"})
        if version != "2.1":
            step.action("CHECK_SEDA", "KO", detail="CHECK_SEDA.UNSUPPORTED_SEDA_VERSION.KO",
                        data={"error": f"SEDA {version} non pris en charge (2.1 attendu)"})
        errors = seda.validation_errors(tree)
        if errors:
            step.action("CHECK_SEDA", "KO", detail="CHECK_SEDA.NOT_XSD_VALID.KO", data={"errors": errors})
        self.manifest = read_manifest(tree)
        manifest = self.manifest
        logbook.update_root(
            self.db, self.tenant, self.operation_id, obIdIn=manifest.message_identifier,
            agIdExt={"originatingAgency": manifest.originating_agency,
                     "TransferringAgency": manifest.transferring_agency,
                     "ArchivalAgency": manifest.archival_agency},
            rightsStatementIdentifier={"ArchivalAgreement": manifest.archival_agreement},
            # As Vitam's ExtractSedaActionHandler: the SIP's Comment and Date on the operation itself (master data)
            evDetData={key: value for key, value in (
                ("EvDetailReq", manifest.comment), ("EvDateTimeReq", manifest.date),
                ("ArchivalAgreement", manifest.archival_agreement)) if value},
        )
        step.action("CHECK_SEDA", data={})

    def _referential(self, kind, identifier, tenant=None):
        return referentials.get(self.db, self.tenant if tenant is None else tenant, kind, identifier)

    def check_header(self, step):
        manifest = self.manifest
        data = {"EvDetailReq": manifest.comment, "ArchivalAgreement": manifest.archival_agreement}
        sub = []
        if self.workflow != "HOLDING_SCHEME":
            agent = self._check_agents()
            sub.append(("CHECK_HEADER.CHECK_AGENT", "KO" if agent else "OK", agent, 1))
            if agent:
                step.action("CHECK_HEADER", "KO", detail="CHECK_HEADER.UNKNOWN.KO", data=data, sub=sub)
            contract = self._check_contract()
            code = contract.split(".")[-2] if contract else None
            sub.append(("CHECK_HEADER.CHECK_CONTRACT_INGEST", "KO" if contract else "OK", contract, 1))
            if contract:
                step.action("CHECK_HEADER", "KO", detail=f"CHECK_HEADER.{code}.KO", data=data, sub=sub)
            for sub_type, detail in self._check_profile():
                sub.append((sub_type, "KO" if detail else "OK", detail, 1))
                if detail:
                    code = detail.split(".")[-2] if detail.count(".") > 2 else sub_type.split(".")[-1]
                    step.action("CHECK_HEADER", "KO", detail=f"CHECK_HEADER.{code}.KO", data=data, sub=sub)
        step.action("CHECK_HEADER", count=max(len(sub), 1), data=data, sub=sub)

    def _check_agents(self):
        """None when the agencies are known, else the KO outDetail of CHECK_AGENT."""
        manifest = self.manifest
        if not manifest.originating_agency:
            return "CHECK_HEADER.CHECK_AGENT.EMPTY_REQUIRED_FIELD.KO"
        for agency in {manifest.originating_agency, manifest.submission_agency} - {None}:
            if self._referential("agencies", agency) is None:
                return "CHECK_HEADER.CHECK_AGENT.UNKNOWN.KO"
        return None

    def _check_contract(self):
        identifier = self.manifest.archival_agreement
        contract = self._referential("ingest_contracts", identifier) if identifier else None
        if contract is None:
            return "CHECK_HEADER.CHECK_CONTRACT_INGEST.CONTRACT_UNKNOWN.KO"
        if contract.get("Status") != "ACTIVE":
            return "CHECK_HEADER.CHECK_CONTRACT_INGEST.CONTRACT_INACTIVE.KO"
        if self.config.context:
            context = contexts.get_context(self.db, self.config.admin_tenant, self.config.context)
            if context is not None and context.get("EnableControl"):
                permission = contexts.tenant_permission(context, self.tenant) or {}
                if identifier not in (permission.get("IngestContracts") or []):
                    return "CHECK_HEADER.CHECK_CONTRACT_INGEST.CONTRACT_NOT_IN_CONTEXT.KO"
        self.contract = contract
        return None

    def _check_profile(self):
        """(sub-task, KO outDetail or None) for the archival profile checks; none when no profile is involved."""
        declared = self.manifest.archive_profile
        allowed = (self.contract or {}).get("ArchiveProfiles") or []
        if not declared and not allowed:
            return []
        relation = "CHECK_HEADER.CHECK_IC_AP_RELATION"
        if allowed and declared not in allowed:
            return [(relation, f"{relation}.DIFF.KO")]
        profile = self._referential("profiles", declared)
        if profile is None:
            return [(relation, f"{relation}.UNKNOWN.KO")]
        if profile.get("Status") != "ACTIVE":
            return [(relation, f"{relation}.INACTIVE.KO")]
        conformity = "CHECK_HEADER.CHECK_ARCHIVEPROFILE"
        return [(relation, None), (conformity, None if self._conforms_to(profile) else f"{conformity}.KO")]

    def _conforms_to(self, profile) -> bool:
        """Validate the manifest against the profile's XSD (xmlschema) or RNG (lxml), both without network."""
        path = profiles.file_path(self.store, self.tenant, profile)
        if path is None:
            return False
        try:
            tree = seda.parse_manifest(self.manifest_path)
            if profile.get("Format") == "RNG":
                grammar = etree.RelaxNG(seda.parse_manifest(path))
                return grammar.validate(tree)
            schema = xmlschema.XMLSchema10(str(path), locations=seda.W3C_LOCATIONS, allow="sandbox",
                                           defuse="always", validation="lax")
            return not any(True for _ in schema.iter_errors(tree))
        except Exception:  # an unusable profile file cannot vouch for the SIP
            logger.warning("archival profile %s could not be applied", profile.get("Identifier"), exc_info=True)
            return False

    def check_data_object_package(self, step):
        manifest = self.manifest
        sub = []

        def fail(sub_type, detail, data):
            sub.append((sub_type, "KO", detail, 1))
            step.action("CHECK_DATAOBJECTPACKAGE", "KO", detail=f"CHECK_DATAOBJECTPACKAGE.{detail.split('.')[-2]}.KO"
                        if detail.count(".") > 2 else "CHECK_DATAOBJECTPACKAGE.KO", data=data, sub=sub)

        if self.workflow in ("HOLDING_SCHEME", "FILING_SCHEME"):
            if manifest.objects:
                fail("CHECK_DATAOBJECTPACKAGE.CHECK_NO_OBJECT", "CHECK_DATAOBJECTPACKAGE.CHECK_NO_OBJECT.KO",
                     {"error": "Objets interdits dans ce processus"})
            sub.append(("CHECK_DATAOBJECTPACKAGE.CHECK_NO_OBJECT", "OK", None, 1))
        bad_versions = [o.id for o in manifest.objects.values() if not self._version_ok(o)]
        allowed_usages = self._contract_usages()
        if allowed_usages is not None:
            bad_versions += [o.id for o in manifest.objects.values()
                             if o.version.split("_")[0] not in allowed_usages and o.id not in bad_versions]
        if bad_versions:
            fail("CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST_DATAOBJECT_VERSION",
                 "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST_DATAOBJECT_VERSION.KO",
                 {"error": f"Usages d'objets invalides : {', '.join(bad_versions)}"})
        sub.append(("CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST_DATAOBJECT_VERSION", "OK", None, 1))
        problem = self._object_number_problem()
        if problem:
            fail("CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST_OBJECTNUMBER",
                 "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST_OBJECTNUMBER.KO", {"error": problem})
        binary_count = sum(1 for o in manifest.objects.values() if o.kind == "BinaryDataObject")
        sub.append(("CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST_OBJECTNUMBER", "OK", None, binary_count or None))
        detail, problem = self._manifest_problem()
        if problem:
            fail("CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST", detail, {"error": problem})
        sub.append(("CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST", "OK", None, 1))
        problem = self._consistency_problem()
        if problem:
            fail("CHECK_DATAOBJECTPACKAGE.CHECK_CONSISTENCY", "CHECK_DATAOBJECTPACKAGE.CHECK_CONSISTENCY.KO",
                 {"error": problem})
        sub.append(("CHECK_DATAOBJECTPACKAGE.CHECK_CONSISTENCY", "OK", None, len(manifest.groups) or None))
        step.action("CHECK_DATAOBJECTPACKAGE", sub=sub)

    def _contract_usages(self):
        """Usages the ingest contract accepts (None = every usage)."""
        contract = self.contract or {}
        if contract.get("EveryDataObjectVersion", True) or not contract.get("DataObjectVersion"):
            return None
        return set(contract["DataObjectVersion"])

    @staticmethod
    def _version_ok(data_object):
        match = VERSION_PATTERN.match(data_object.version or "")
        if not match:
            return False
        physical = match.group(1) == "PhysicalMaster"
        return physical == (data_object.kind == "PhysicalDataObject")

    def _object_number_problem(self):
        declared = {}
        for data_object in self.manifest.objects.values():
            if data_object.kind != "BinaryDataObject":
                continue
            uri = data_object.uri or ""
            path = PurePosixPath(uri)
            if not uri or path.is_absolute() or ".." in path.parts:
                return f"URI invalide pour l'objet {data_object.id} : {uri!r}"
            declared[path.as_posix()] = data_object.id
        manifest_name = self.manifest_path.name
        received = {name for name in self.files if name != manifest_name}
        missing = sorted(set(declared) - received)
        extra = sorted(received - set(declared))
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"objets déclarés absents du SIP : {', '.join(missing[:10])}")
            if extra:
                parts.append(f"fichiers du SIP non déclarés : {', '.join(extra[:10])}")
            return "; ".join(parts)
        return None

    def _manifest_problem(self):
        """(outDetail, French message) of the first problem CHECK_MANIFEST finds, or (None, None).

        On the way it resolves the attachments to existing units and gives each new unit its GUID and parents."""
        problem = self._manifest_reference_problem()
        if problem:
            return MANIFEST_KO, problem
        link_parent = (self.contract or {}).get("LinkParentId")
        existing = self._existing_units(link_parent)
        found = self._attachment_problem(existing)
        if found:
            return found
        for unit_id in self.manifest.units:
            if unit_id not in self.attached:
                self.unit_guids[unit_id] = new_guid(self.tenant)
        found = self._contract_link_problem(link_parent, existing.get(link_parent) if link_parent else None)
        if found:
            return found
        # The contract's LinkParentId, now known to be an existing unit of an allowed type.
        contract_parent = link_parent or None
        self._link_parents(contract_parent)
        found = self._required_link_problem() or self._parent_id_problem(existing, contract_parent)
        if found:
            return found
        if _has_cycle(self.manifest):
            return MANIFEST_KO, "L'arborescence des unités archivistiques contient un cycle"
        return None, None

    def _manifest_reference_problem(self):
        """A problem of the manifest alone: read errors, no unit, references to unknown units, groups or objects."""
        manifest = self.manifest
        for _, problem in manifest.problems:
            return problem
        if not manifest.units:
            return "Le bordereau ne contient aucune unité archivistique"
        for unit in manifest.units.values():
            for child in unit.children:
                if child not in manifest.units:
                    return f"L'unité {unit.id} référence une unité inconnue : {child}"
            if unit.group_ref and unit.group_ref not in manifest.groups:
                return f"L'unité {unit.id} référence un groupe d'objets inconnu : {unit.group_ref}"
            if unit.object_ref and unit.object_ref not in manifest.objects:
                return f"L'unité {unit.id} référence un objet inconnu : {unit.object_ref}"
        return None

    def _existing_units(self, link_parent):
        """{GUID: stored unit} of the units the SIP attaches to by system id, and of the contract's LinkParentId."""
        existing_ids = {u.attachment_system_id for u in self.manifest.units.values() if u.attachment_system_id}
        if link_parent:
            existing_ids.add(link_parent)
        return units_store.get_unit_docs(self.db, self.tenant, existing_ids) if existing_ids else {}

    def _attachment_problem(self, existing):
        """Attachments of SIP units to existing units (by system id or by metadata): the target must exist, be of
        a type the new units may go under, and the contract must allow attachments (CheckParentLink)."""
        for unit in self.manifest.units.values():
            target = None
            if unit.attachment_system_id:
                target = existing.get(unit.attachment_system_id)
                if target is None:
                    return MANIFEST_KO, f"Unité de rattachement inconnue : {unit.attachment_system_id}"
            elif unit.attachment_key:
                target = self._find_by_key(*unit.attachment_key)
                if target is None:
                    name, value = unit.attachment_key
                    return MANIFEST_KO, f"Unité de rattachement introuvable : {name} = {value}"
            if target is not None:
                if target.get("#unitType", "INGEST") not in ALLOWED_PARENTS[self.unit_type]:
                    return (UNAUTHORIZED_ATTACHMENT,
                            f"Rattachement d'une unité {self.unit_type} sous une unité {target.get('#unitType')} interdit")
                self.attached[unit.id] = target["#id"]
        if self._check_parent_link() == "UNAUTHORIZED" and self.attached:
            return UNAUTHORIZED_ATTACHMENT, "Le contrat d'entrée interdit le rattachement à des unités existantes"
        return None

    def _check_parent_link(self):
        return (self.contract or {}).get("CheckParentLink", "AUTHORIZED")

    def _contract_link_problem(self, link_parent, link_target):
        """The ingest contract's LinkParentId must be an existing unit of a type the new units may go under."""
        if link_parent and link_target is None:
            return MANIFEST_KO, f"Unité de rattachement du contrat d'entrée inconnue : {link_parent}"
        if link_target is not None and link_target.get("#unitType", "INGEST") not in ALLOWED_PARENTS[self.unit_type]:
            return UNAUTHORIZED_ATTACHMENT, "Rattachement du contrat d'entrée vers une unité d'un type interdit"
        return None

    def _link_parents(self, contract_parent):
        """Parents of each new unit: from the SIP tree and its attachments, else the contract's LinkParentId."""
        parents_in_sip = {}
        for unit in self.manifest.units.values():
            for child in unit.children:
                parents_in_sip.setdefault(child, []).append(unit.id)
        for unit_id in self.unit_guids:
            parents = []
            for parent in parents_in_sip.get(unit_id, []):
                parents.append(self.attached.get(parent) or self.unit_guids[parent])
            if not parents and contract_parent:
                parents.append(contract_parent)
            self.parents[unit_id] = list(dict.fromkeys(parents))

    def _required_link_problem(self):
        """CheckParentLink REQUIRED: some new unit must go under an existing unit."""
        if self._check_parent_link() == "REQUIRED" and not any(
            p for ps in self.parents.values() for p in ps if p not in self.unit_guids.values()
        ):
            return UNAUTHORIZED_ATTACHMENT, "Le contrat d'entrée exige un rattachement à une unité existante"
        return None

    def _parent_id_problem(self, existing, contract_parent):
        """CheckParentId: every existing unit attached to must lie under one of the contract's units."""
        allowed_roots = set((self.contract or {}).get("CheckParentId") or [])
        if not allowed_roots:
            return None
        targets = list(self.attached.values()) + ([contract_parent] if contract_parent else [])
        docs = {**existing, **units_store.get_unit_docs(self.db, self.tenant, set(targets) - existing.keys())}
        for target_id in targets:
            lineage = {target_id, *(docs.get(target_id, {}).get("#allunitups") or [])}
            if not lineage & allowed_roots:
                return (UNAUTHORIZED_ATTACHMENT,
                        f"Rattachement sous {target_id} hors des unités autorisées par le contrat d'entrée")
        return None

    def _find_by_key(self, name, value):
        if not name or value is None:
            return None
        result = dsl.search_units(self.db, self.tenant, {"$roots": [], "$query": [{"$eq": {name: value}}],
                                                           "$filter": {"$limit": 2}, "$projection": {}}, None)
        return result.results[0] if len(result.results) == 1 else None

    def _consistency_problem(self):
        manifest = self.manifest
        referenced = set()
        for unit in manifest.units.values():
            if unit.group_ref:
                referenced.add(unit.group_ref)
            if unit.object_ref:
                referenced.add(manifest.objects[unit.object_ref].group_id)
        orphans = sorted(set(manifest.groups) - referenced)
        if orphans:
            return f"Groupes d'objets non rattachés à une unité archivistique : {', '.join(orphans)}"
        if (self.contract or {}).get("MasterMandatory", True):
            for group_id, objects in manifest.groups.items():
                if not any(o.version.split("_")[0] in ("BinaryMaster", "PhysicalMaster") for o in objects):
                    return f"Le groupe d'objets {group_id} n'a pas d'original (BinaryMaster ou PhysicalMaster)"
        return None

    # ----- STP_OG_CHECK_AND_TRANSFORME
    def check_objects(self, step):
        groups = self.manifest.groups
        if not groups:
            step.action("OBJECTS_LIST_EMPTY", "WARNING", count=None)
            return
        binaries_ = [o for o in self.manifest.objects.values() if o.kind == "BinaryDataObject"]
        wrong = []
        for data_object in binaries_:
            name = DIGEST_ALGORITHMS.get((data_object.digest_algorithm or "SHA-512").upper())
            path = self.content_dir / data_object.uri
            self.real_sizes[data_object.id] = path.stat().st_size
            if name is None or not data_object.digest or _file_digest(path, name) != data_object.digest.strip().lower():
                wrong.append(data_object.id)
        for object_id in wrong:
            self._object_event(object_id, "CHECK_DIGEST", "KO")
        if wrong:
            step.action("CHECK_DIGEST", "KO", count=len(wrong), data={"error": f"Empreintes non conformes : {', '.join(wrong)}"})
        step.action("CHECK_DIGEST", count=len(groups), data={})
        size_mismatch = [o.id for o in binaries_ if o.size is not None and o.size != self.real_sizes[o.id]]
        for object_id in size_mismatch:
            self._object_event(object_id, "CHECK_OBJECT_SIZE", "WARNING")
        if size_mismatch:
            step.action("CHECK_OBJECT_SIZE", "WARNING", count=len(size_mismatch),
                        data={"error": f"Taille déclarée différente de la taille réelle : {', '.join(size_mismatch)}"})
        else:
            step.action("CHECK_OBJECT_SIZE", count=len(groups), data={})
        self._check_formats(step, binaries_, len(groups))
        step.action("CHECK_OBJECT_GROUP_SCHEMA", count=len(groups), data={})

    def _check_formats(self, step, binaries_, group_count):
        check = format_check.check_formats(self.db, binaries_, self.content_dir, self.contract)
        details = {result.object_id: {"outcome": result.outcome, "subStatus": result.sub_status,
                                      **({"diff": result.diff} if result.diff else {})}
                   for result in check.objects if result.outcome != "OK" or result.diff}
        refused_or_warned = [result for result in check.objects if result.outcome != "OK"]
        for result in refused_or_warned:
            self._object_event(result.object_id, "OG_OBJECTS_FORMAT_CHECK", result.outcome)
        step.action("OG_OBJECTS_FORMAT_CHECK", check.outcome, detail=check.detail,
                    count=len(refused_or_warned) or group_count, data=details or {})

    # ----- STP_UNIT_CHECK_AND_PROCESS
    def check_units(self, step):
        manifest = self.manifest
        new_units = [u for u in manifest.units.values() if u.id in self.unit_guids]
        count = len(new_units)
        invalid, inconsistent = [], []
        for unit in new_units:
            problem = _unit_schema_problem(unit)
            if problem:
                invalid.append(f"{unit.id} : {problem}")
            elif _ends_before_start(unit.content):
                inconsistent.append(unit.id)
            if problem or unit.id in inconsistent:
                self._unit_event(unit.id, "CHECK_UNIT_SCHEMA", "KO")
        # CheckArchiveUnitSchemaActionPlugin: schema failures are INVALID_UNIT, EndDate < StartDate CONSISTENCY.
        if invalid:
            step.action("CHECK_UNIT_SCHEMA", "KO", count=len(invalid), detail="CHECK_UNIT_SCHEMA.INVALID_UNIT.KO",
                        data={"error": " ; ".join(invalid[:10])})
        if inconsistent:
            step.action("CHECK_UNIT_SCHEMA", "KO", count=len(inconsistent), detail="CHECK_UNIT_SCHEMA.CONSISTENCY.KO",
                        data={"error": f"Date de fin antérieure à la date de début : {', '.join(inconsistent[:10])}"})
        step.action("CHECK_UNIT_SCHEMA", count=count, data={})
        if self.workflow == "HOLDING_SCHEME":
            for unit in new_units:
                self.managements[unit.id] = rules.parse_management(unit.management)
            return
        declared = {unit.id: rules.parse_management(unit.management) for unit in new_units}
        self._check_archive_unit_profiles(step, new_units, declared)
        unclassified = [unit_id for unit_id, management in declared.items()
                        if "ClassificationRule" in management
                        and management["ClassificationRule"].get("ClassificationLevel") not in rules.CLASSIFICATION_LEVELS]
        for unit_id in unclassified:
            self._unit_event(unit_id, "CHECK_CLASSIFICATION_LEVEL", "KO")
        if unclassified:
            step.action("CHECK_CLASSIFICATION_LEVEL", "KO", count=len(unclassified),
                        data={"error": f"Niveau de classification absent ou non autorisé : {', '.join(unclassified)}"})
        step.action("CHECK_CLASSIFICATION_LEVEL", count=count, data={})
        rules_by_id = {doc["RuleId"]: doc for doc in referentials.list_all(self.db, self.tenant, "rules")}
        global_management = rules.parse_management(manifest.global_management)
        roots = set(manifest.root_unit_ids())
        for unit in new_units:
            management = declared[unit.id]
            if unit.id in roots and global_management:
                management = rules.apply_global_rules(management, global_management)
            try:
                rules.compute_end_dates(management, rules_by_id)
            except rules.RulesError as exc:
                detail = f"UNITS_RULES_COMPUTE.{exc.sub_status}.KO" if exc.sub_status else None
                self._unit_event(unit.id, "UNITS_RULES_COMPUTE", "KO")
                step.action("UNITS_RULES_COMPUTE", "KO", detail=detail,
                            data={"error": exc.message, "ArchiveUnit": unit.id})
            self.managements[unit.id] = management
        step.action("UNITS_RULES_COMPUTE", count=count, data={})
        step.stop_if_ko()

    def _check_archive_unit_profiles(self, step, new_units, declared):
        """CHECK_ARCHIVE_UNIT_PROFILE (CheckArchiveUnitProfileActionPlugin): each unit naming a profile must
        satisfy its ControlSchema. The action is NOBLOCKING in DefaultIngestWorkflow.json: the other checks of
        the step still run, and the step ends KO. One event for all units, as Vitam aggregates a distributed
        action; its details are the first refusal's."""
        refusals = []
        for unit in new_units:
            validated = {**unit.content, "#management": declared[unit.id]}
            if unit.profile:
                validated["ArchiveUnitProfile"] = unit.profile
            problem = unit_profiles.unit_profile_problem(self.db, self.tenant, validated)
            if problem:
                self._unit_event(unit.id, "CHECK_ARCHIVE_UNIT_PROFILE", "KO")
                refusals.append((unit, *problem))
        if not refusals:
            step.action("CHECK_ARCHIVE_UNIT_PROFILE", count=len(new_units), data={})
            return
        unit, sub_code, text = refusals[0]
        step.action("CHECK_ARCHIVE_UNIT_PROFILE", "KO", count=len(refusals),
                    detail=f"CHECK_ARCHIVE_UNIT_PROFILE.{sub_code}.KO",
                    data={"ArchiveUnit": self.unit_guids.get(unit.id, unit.id), "ArchiveUnitProfile": unit.profile,
                          "evDetTechData": text}, blocking=False)

    # ----- storage steps
    def storage_availability(self, step):
        step.action("STORAGE_AVAILABILITY_CHECK", count=len(self.manifest.groups) or 1, data={"offer1": "OK"},
                    sub=[("STORAGE_AVAILABILITY_CHECK.STORAGE_AVAILABILITY_CHECK", "OK", None,
                          len(self.manifest.groups) or 1)])

    def store_objects(self, step):
        manifest = self.manifest
        if not manifest.groups:
            step.action("OBJECTS_LIST_EMPTY", "WARNING", count=None)
            return
        groups_docs = []
        for group_id, objects in manifest.groups.items():
            self.group_guids[group_id] = new_guid(self.tenant)
        unit_refs = {}
        for unit in manifest.units.values():
            group = unit.group_ref or (manifest.objects[unit.object_ref].group_id if unit.object_ref else None)
            if group and unit.id in self.unit_guids:
                unit_refs.setdefault(group, []).append(self.unit_guids[unit.id])
        now = logbook.now_iso()
        for group_id, objects in manifest.groups.items():
            qualifiers = {}
            file_info = None
            total = 0
            for data_object in objects:
                guid = new_guid(self.tenant)
                self.object_guids[data_object.id] = guid
                usage, _, number = data_object.version.partition("_")
                qualifier = qualifiers.setdefault(usage, [])
                version_name = f"{usage}_{number or len(qualifier) + 1}"
                self.versions[data_object.id] = version_name
                version = {"#id": guid, "DataObjectGroupId": self.group_guids[group_id],
                           "DataObjectVersion": version_name, "#opi": self.operation_id}
                version.update(data_object.metadata)
                if data_object.kind == "BinaryDataObject":
                    stored = binaries.put(self.store, self.tenant, self.content_dir / data_object.uri, name=guid)
                    self.stored_paths.append(stored.path)
                    version.update({"Uri": data_object.uri, "MessageDigest": stored.sha512, "Algorithm": "SHA-512",
                                    "Size": stored.size,
                                    "#storage": {"strategyId": "default", "offerIds": ["vitamlite"], "path": stored.path}})
                    total += stored.size
                    if usage == "BinaryMaster" and "FileInfo" in data_object.metadata:
                        file_info = data_object.metadata["FileInfo"]
                qualifier.append(version)
            doc = {
                "#id": self.group_guids[group_id], "#tenant": self.tenant,
                "#unitups": unit_refs.get(group_id, []),
                "#originating_agency": manifest.originating_agency,
                "#originating_agencies": [manifest.originating_agency] if manifest.originating_agency else [],
                "#opi": self.operation_id, "#operations": [self.operation_id],
                "#nbobjects": len(objects), "#version": 0,
                "#qualifiers": [{"qualifier": usage, "#nbc": len(versions), "versions": versions}
                                for usage, versions in qualifiers.items()],
                "#storage": {"strategyId": "default", "offerIds": ["vitamlite"]},
                "#approximate_creation_date": now, "#approximate_update_date": now,
            }
            if file_info:
                doc["FileInfo"] = file_info
            groups_docs.append(doc)
        step.action("OBJ_STORAGE", count=len(groups_docs), data={})
        units_store.insert_object_groups(self.db, self.tenant, groups_docs)
        step.action("OG_METADATA_INDEXATION", count=len(groups_docs), data={})

    def index_units(self, step):
        manifest = self.manifest
        now = logbook.now_iso()
        agency = manifest.originating_agency if self.unit_type != "HOLDING_UNIT" else None
        docs = []
        for unit in manifest.units.values():
            if unit.id not in self.unit_guids:
                continue
            doc = dict(unit.content)
            group = unit.group_ref or (manifest.objects[unit.object_ref].group_id if unit.object_ref else None)
            doc.update({
                "#id": self.unit_guids[unit.id], "#tenant": self.tenant, "#unitups": self.parents.get(unit.id, []),
                "#management": self.managements.get(unit.id, {}), "#unitType": self.unit_type,
                "#opi": self.operation_id, "#operations": [self.operation_id], "#sedaVersion": "2.1",
                "#implementationVersion": "vitam-lite", "#version": 0,
                "#storage": {"strategyId": "default", "offerIds": ["vitamlite"]},
                "#approximate_creation_date": now, "#approximate_update_date": now,
            })
            if agency:
                doc["#originating_agency"] = agency
                doc["#originating_agencies"] = [agency]
            else:
                doc["#originating_agencies"] = []
            if group and group in self.group_guids:
                doc["#object"] = self.group_guids[group]
            if unit.profile:
                doc["ArchiveUnitProfile"] = unit.profile
            docs.append(doc)
        stored = units_store.insert_units(self.db, self.tenant, docs)
        step.action("UNIT_METADATA_INDEXATION", count=len(docs), data={})
        if (self.contract or {}).get("ComputeInheritedRulesAtIngest"):
            # What Vitam's COMPUTE_INHERITED_RULES_ACTION does right after the ingest when the contract asks for it.
            inheritance.store_computed_inherited_rules(self.db, self.tenant, stored, now)
            step.action("COMPUTE_INHERITED_RULES_ACTION", count=len(stored), data={})

    def og_storing(self, step):
        if not self.manifest.groups:
            step.action("OBJECTS_LIST_EMPTY", "WARNING", count=None)
            return
        step.action("COMMIT_LIFE_CYCLE_OBJECT_GROUP", count=len(self.manifest.groups), data={})
        step.action("OG_METADATA_STORAGE", count=len(self.manifest.groups), data={})

    def unit_storing(self, step):
        step.action("COMMIT_LIFE_CYCLE_UNIT", count=len(self.unit_guids), data={})
        step.action("UNIT_METADATA_STORAGE", count=len(self.unit_guids), data={})

    def accession_registration(self, step):
        manifest = self.manifest
        binaries_count = len(self.object_guids)
        size = sum(v for v in self._stored_sizes())
        detail = register.record_ingest(
            self.db, tenant=self.tenant, operation_id=self.operation_id,
            originating_agency=manifest.originating_agency, submission_agency=manifest.submission_agency,
            archival_agreement=manifest.archival_agreement, units=len(self.unit_guids),
            object_groups=len(self.group_guids), objects=binaries_count, size=size,
            acquisition_information=manifest.acquisition_information, legal_status=manifest.legal_status,
            archival_profile=manifest.archive_profile,
        )
        step.action("ACCESSION_REGISTRATION", data={"Volumetry": [detail]})

    def _stored_sizes(self):
        for data_object in self.manifest.objects.values():
            if data_object.kind == "BinaryDataObject" and data_object.id in self.object_guids:
                yield (self.content_dir / data_object.uri).stat().st_size

    # ----- STP_INGEST_FINALISATION (always)
    def finalise(self):
        step = Step("STP_INGEST_FINALISATION")
        reply_code = "OK" if self.status == "OK" else ("WARNING" if self.status == "WARNING" else "KO")
        created = self.status in ("OK", "WARNING") and self.workflow != "BLANK_TEST"
        try:
            events = [dict(e, evTypeLabel=event_label(e["evType"])) for e in self.written_events]
            content = atr.build_atr(
                operation_id=self.operation_id, reply_code=reply_code, manifest=self.manifest,
                unit_ids=self.unit_guids if created else {}, object_ids=self.object_guids if created else {},
                group_ids=self.group_guids if created else {}, versions=self.versions, events=events,
                unit_lifecycles=self._listed_lifecycles(self.unit_lifecycles),
                object_lifecycles=self._listed_lifecycles(self.object_lifecycles),
                known_units=self.unit_guids,
            )
            reports = self.store.tenant_reports_dir(self.tenant)
            reports.mkdir(parents=True, exist_ok=True)
            (reports / f"{self.operation_id}.atr.xml").write_bytes(content)
            step.action("ATR_NOTIFICATION", data={"FileName": f"ATR_{self.operation_id}",
                                                  "MessageDigest": hashlib.sha512(content).hexdigest(),
                                                  "Algorithm": "SHA512"})
            step.action("ROLL_BACK", data={})
        except ActionKO:
            pass
        except Exception:
            logger.exception("ATR of ingest %s failed", self.operation_id)
            step.outcome = "FATAL"
        self._write_step(step)
        final = "FATAL" if self.status == "FATAL" else reply_code
        logbook.finish(self.db, self.operation_id, final, message=message(self.ev_type, final))
        self.db.commit()
        shutil.rmtree(self.work_dir, ignore_errors=True)


    def _listed_lifecycles(self, lifecycles):
        """The lifecycle events an ATR lists: KO and FATAL ones in a KO reply, WARNING ones otherwise."""
        listed = ("KO", "FATAL") if self.status in ("KO", "FATAL") else ("WARNING",)
        kept = {}
        for identifier, events in lifecycles.items():
            events = [event for event in events if event["outcome"] in listed]
            if events:
                kept[identifier] = events
        return kept


def _has_cycle(manifest):
    state = {}
    for start in manifest.units:
        if state.get(start):
            continue
        stack = [(start, iter(manifest.units[start].children))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            advanced = False
            for child in children:
                if child not in manifest.units:
                    continue
                if state.get(child) == 1:
                    return True
                if not state.get(child):
                    state[child] = 1
                    stack.append((child, iter(manifest.units[child].children)))
                    advanced = True
                    break
            if not advanced:
                state[node] = 2
                stack.pop()
    return False


def _file_digest(path, algorithm):
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def run_ingest(db, store, config, tenant, operation_id, workflow, sip_path, digest):
    """Entry point for vitamlite.processing.submit: fn(db, *args)."""
    IngestWorkflow(db, store, config, tenant=tenant, operation_id=operation_id, workflow=workflow,
                   sip_path=sip_path, digest=digest).run()
