"""Elimination analysis and action (vitam-api.md §9), as background workflows.

    POST /access-external/v1/elimination/analysis   {"dslRequest": BATCH_PROCESSING, "date": "YYYY-MM-DD"}
    POST /access-external/v1/elimination/action     same body

Both answer 202 at once with the operation id in X-Request-Id; the workflow runs on vitamlite.processing.
Decisions follow Vitam's EliminationAnalysisService: per originating agency of the unit's inherited appraisal
rules and properties, DESTROY iff every FinalAction is Destroy and every rule has an EndDate reached at `date`;
holding units are always DESTROY; an active hold rule turns a destroyable unit into a CONFLICT.

Analysis appends an `#elimination` entry to every DESTROY/CONFLICT unit (queryable with
`#elimination.OperationId`). Action re-analyses, deletes DESTROY units deepest first unless they still have
child units, deletes or detaches their object groups (binaries removed from disk after commit), writes
negative ELIMINATION events to the accession register and a JSON-lines batch report
(GET /admin-external/v1/batchreport/{opId}).

Progress while running: the operation's root `evDetData` holds
{"Progress": {"step": ..., "processed": n, "total": N}}, updated after every batch (readable through
GET /admin-external/v1/operations/{id} → evDetailData, and the logbook operation).
"""

from __future__ import annotations

import datetime
import logging

from werkzeug import Response

from vitamlite import binaries, dsl, inheritance, logbook, processing, register, reports, units_store
from vitamlite.contracts_filter import restriction_from_contract
from vitamlite.http import VitamHttpError, endpoint, json_response

logger = logging.getLogger(__name__)

ACCESS = "/access-external/v1"
ANALYSIS_THRESHOLD = 100_000
ACTION_THRESHOLD = 10_000
BATCH_SIZE = 2000

logbook.register_messages(labels={
    "STP_ELIMINATION_ANALYSIS_PREPARATION": "processus de préparation de l'analyse de l'élimination",
    "ELIMINATION_ANALYSIS_PREPARATION": "la préparation de l'analyse de l'élimination",
    "STP_ELIMINATION_ANALYSIS_UNIT_INDEXATION": "processus d'indexation des résultats de l'analyse de l'élimination",
    "ELIMINATION_ANALYSIS_UNIT_INDEXATION": "l'indexation des résultats de l'analyse de l'élimination",
    "STP_ELIMINATION_ANALYSIS_FINALIZATION": "processus de finalisation de l'analyse de l'élimination",
    "ELIMINATION_ANALYSIS_FINALIZATION": "la finalisation de l'analyse de l'élimination",
    "STP_ELIMINATION_ACTION_UNIT_PREPARATION": "processus de préparation de l'élimination des unités archivistiques",
    "ELIMINATION_ACTION_UNIT_PREPARATION": "la préparation de l'élimination des unités archivistiques",
    "STP_ELIMINATION_ACTION_DELETE_UNIT": "processus d'élimination des unités archivistiques",
    "ELIMINATION_ACTION_DELETE_UNIT": "l'élimination des unités archivistiques",
    "STP_ELIMINATION_ACTION_DELETE_OBJECT_GROUP": "processus d'élimination des groupes d'objets",
    "ELIMINATION_ACTION_DELETE_OBJECT_GROUP": "l'élimination des groupes d'objets",
    "STP_ELIMINATION_ACTION_ACCESSION_REGISTER_PREPARATION": "processus de mise à jour du registre des fonds",
    "ELIMINATION_ACTION_ACCESSION_REGISTER_UPDATE": "la mise à jour du registre des fonds",
    "STP_ELIMINATION_ACTION_REPORT_GENERATION": "processus de génération du rapport d'élimination",
    "ELIMINATION_ACTION_REPORT_GENERATION": "la génération du rapport d'élimination",
    "CHECK_DISTRIBUTION_THRESHOLD": "la vérification du seuil de traitement",
})

DATE_REQUEST_IN_FUTURE = "The elimination date cannot be after current date"


# ---------------------------------------------------------------------------------------------
# Request checks shared with vitamlite.mass_update


def precondition_failed(description: str) -> VitamHttpError:
    """Access-external's getErrorEntity form, used by the batch endpoints for a bad request body."""
    return VitamHttpError(412, "PRECONDITION_FAILED", description, message="Precondition Failed",
                          context="ACCESS_EXTERNAL", state="code_vitam")


def checked_dsl_request(body) -> dict:
    """The BATCH_PROCESSING `dslRequest` of a batch body (412 when missing or not valid)."""
    if not isinstance(body, dict) or not isinstance(body.get("dslRequest"), dict):
        raise precondition_failed("dslRequest is mandatory and must be a JSON object")
    query = body["dslRequest"]
    try:
        dsl.validate(query, "batch_processing")
    except dsl.DslInvalid as error:
        raise precondition_failed(str(error))
    return query


def threshold_of(query: dict, default: int) -> int:
    threshold = query.get("$threshold")
    return int(threshold) if isinstance(threshold, int) and threshold > 0 else default


def start_operation(ctx, *, ev_type: str, ev_type_proc: str, data=None) -> str:
    """Logbook STARTED line of a batch operation; its id is the request id (X-Request-Id)."""
    return logbook.start(ctx.db, tenant=ctx.tenant, ev_type=ev_type, ev_type_proc=ev_type_proc,
                         operation_id=ctx.request_id, context_id=ctx.config.context,
                         application_id=ctx.application_id, contract=ctx.access_contract_id(), data=data)


def set_progress(db, tenant: int, operation_id: str, step: str, processed: int, total: int, *, commit=True) -> None:
    """Record how far the workflow is, readable by pollers once committed."""
    logbook.update_root(db, tenant, operation_id,
                        evDetData={"Progress": {"step": step, "processed": processed, "total": total}})
    if commit:
        db.commit()


def selected_unit_ids(db, tenant: int, query: dict, contract: dict | None, limit: int) -> list[str]:
    """Units of the request visible under the access contract (at most `limit` ids)."""
    restriction = restriction_from_contract(contract) if contract else None
    return dsl.search_unit_ids(db, tenant, query, restriction, limit=limit)


# ---------------------------------------------------------------------------------------------
# Decision for one unit (EliminationAnalysisService)


def _date(value) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _end_dates_reached(rules: list[dict], date: datetime.date) -> bool:
    """At least one rule, all with an EndDate, none after `date` (no rule or no EndDate → keep)."""
    if not rules:
        return False
    for rule in rules:
        end = _date(rule.get("EndDate"))
        if end is None or end > date:
            return False
    return True


def _final_actions(properties: list[dict]) -> list[str]:
    return [str(p.get("PropertyValue")) for p in properties if p.get("PropertyName") == "FinalAction"]


def _status_by_agency(rules: list[dict], properties: list[dict], date: datetime.date) -> dict[str, str]:
    """{agency: DESTROY | KEEP | FINAL_ACTION_INCONSISTENCY} over the agencies of the rules and properties."""
    agencies = {entry.get("OriginatingAgency") for entry in (*rules, *properties)} - {None}
    statuses = {}
    for agency in agencies:
        agency_rules = [r for r in rules if r.get("OriginatingAgency") == agency]
        agency_properties = [p for p in properties if p.get("OriginatingAgency") == agency]
        actions = _final_actions(agency_properties)
        reached = _end_dates_reached(agency_rules, date)
        destroyable = bool(actions) and "Keep" not in actions and reached
        if destroyable:
            statuses[agency] = "DESTROY"
        elif "Destroy" in actions and reached:
            statuses[agency] = "FINAL_ACTION_INCONSISTENCY"
        else:
            statuses[agency] = "KEEP"
    return statuses


def _with_status(statuses: dict[str, str], wanted: str) -> list[str]:
    return sorted(agency for agency, status in statuses.items() if status == wanted)


def _by_direct_parent(entries: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for entry in entries:
        for path in entry.get("Paths") or []:
            if len(path) >= 2 and entry not in grouped.setdefault(path[1], []):
                grouped[path[1]].append(entry)
    return grouped


def analyse_unit(unit: dict, inherited_rules: dict, date: datetime.date, operation_id: str) -> dict:
    """The `#elimination` entry (EliminationAnalysisResult) of a unit given its InheritedRules."""
    if unit.get("#unitType") == "HOLDING_UNIT":
        return {"OperationId": operation_id, "GlobalStatus": "DESTROY", "DestroyableOriginatingAgencies": [],
                "NonDestroyableOriginatingAgencies": [], "ExtendedInfo": []}
    appraisal = inherited_rules.get("AppraisalRule") or {}
    rules, properties = appraisal.get("Rules") or [], appraisal.get("Properties") or []
    holds = (inherited_rules.get("HoldRule") or {}).get("Rules") or []
    active_holds = sorted({hold["Rule"] for hold in holds
                           if _date(hold.get("EndDate")) is None or date < _date(hold.get("EndDate"))})

    statuses = _status_by_agency(rules, properties, date)
    destroyable = _with_status(statuses, "DESTROY")
    keep = _with_status(statuses, "KEEP")
    inconsistent = _with_status(statuses, "FINAL_ACTION_INCONSISTENCY")
    if inconsistent:
        status = "CONFLICT"
    elif not destroyable:
        status = "KEEP"
    elif active_holds:
        status = "CONFLICT"
    elif not keep:
        status = "DESTROY"
    else:
        status = "CONFLICT"

    extended = []
    if status != "KEEP":
        if inconsistent:
            extended.append({"ExtendedInfoType": "FINAL_ACTION_INCONSISTENCY",
                             "ExtendedInfoDetails": {"OriginatingAgenciesInConflict": inconsistent}})
        own_agency = unit.get("#originating_agency")
        if own_agency and own_agency in destroyable and keep:
            extended.append({"ExtendedInfoType": "KEEP_ACCESS_SP"})
        rules_by_parent, properties_by_parent = _by_direct_parent(rules), _by_direct_parent(properties)
        for parent_id in sorted(rules_by_parent.keys() | properties_by_parent.keys()):
            parent_statuses = _status_by_agency(rules_by_parent.get(parent_id, []),
                                                properties_by_parent.get(parent_id, []), date)
            parent_destroyable = _with_status(parent_statuses, "DESTROY")
            parent_keep = _with_status(parent_statuses, "KEEP")
            if parent_destroyable and parent_keep:
                extended.append({"ExtendedInfoType": "ACCESS_LINK_INCONSISTENCY", "ExtendedInfoDetails": {
                    "ParentUnitId": parent_id, "DestroyableOriginatingAgencies": parent_destroyable,
                    "NonDestroyableOriginatingAgencies": parent_keep}})
        if active_holds:
            extended.append({"ExtendedInfoType": "BLOCKED_BY_HOLD_RULE",
                             "ExtendedInfoDetails": {"HoldRuleIds": active_holds}})
    return {"OperationId": operation_id, "GlobalStatus": status, "DestroyableOriginatingAgencies": destroyable,
            "NonDestroyableOriginatingAgencies": keep, "ExtendedInfo": extended}


def analyse_batch(db, tenant: int, unit_ids: list[str], date: datetime.date, operation_id: str):
    """[(stored unit document, #elimination entry)] for the units that still exist, in the given order."""
    docs = units_store.get_unit_docs(db, tenant, unit_ids)
    units = [docs[unit_id] for unit_id in unit_ids if unit_id in docs]
    inherited = inheritance.inherited_rules_for(db, tenant, units)
    return [(unit, analyse_unit(unit, inherited[unit["#id"]], date, operation_id)) for unit in units]


# ---------------------------------------------------------------------------------------------
# Endpoints


def _checked_body(ctx) -> tuple[dict, str]:
    body = ctx.json()
    query = checked_dsl_request(body)
    date = body.get("date")
    if not isinstance(date, str) or _date(date) is None or len(date) != 10:
        raise precondition_failed(f"date is mandatory and must be a valid date (YYYY-MM-DD): {date!r}")
    return query, date


def _start(ctx, ev_type: str, workflow) -> Response:
    query, date = _checked_body(ctx)
    operation_id = start_operation(ctx, ev_type=ev_type, ev_type_proc="ELIMINATION")
    store, tenant, contract = ctx.store, ctx.tenant, ctx.contract
    ctx.on_commit(lambda: processing.submit(store, workflow, store, tenant, operation_id, query, date, contract))
    return json_response({"httpCode": 202, "$hits": {"total": 1, "offset": 0, "limit": 1, "size": 1},
                          "$results": [{"itemId": operation_id, "globalState": "RUNNING", "globalStatus": "STARTED"}],
                          "$facetResults": [], "$context": {"dslRequest": query, "date": date}},
                         status=202, headers={"X-Request-Id": operation_id})


@endpoint("POST", ACCESS + "/elimination/analysis", contract=True)
def start_elimination_analysis(ctx, request):
    return _start(ctx, "ELIMINATION_ANALYSIS", run_analysis)


@endpoint("POST", ACCESS + "/elimination/action", contract=True)
def start_elimination_action(ctx, request):
    return _start(ctx, "ELIMINATION_ACTION", run_action)


# ---------------------------------------------------------------------------------------------
# Workflows


def _threshold_ok(db, operation_id: str, ids: list[str], threshold: int) -> bool:
    if len(ids) > threshold:
        logbook.event(db, operation_id, "CHECK_DISTRIBUTION_THRESHOLD", "KO",
                      message=f"Échec de la vérification du seuil : la requête sélectionne plus de {threshold}"
                              " unités archivistiques",
                      data={"error": f"Too many units found. Threshold={threshold}, found={len(ids)}"})
        return False
    logbook.event(db, operation_id, "CHECK_DISTRIBUTION_THRESHOLD", "OK")
    return True


def _fail(db, operation_id: str, step: str, outcome: str = "KO") -> None:
    logbook.event(db, operation_id, step, outcome)
    logbook.finish(db, operation_id, outcome)


def run_analysis(db, store, tenant: int, operation_id: str, query: dict, date_text: str, contract: dict | None):
    """ELIMINATION_ANALYSIS: index #elimination on DESTROY and CONFLICT units."""
    try:
        date = _date(date_text)
        threshold = threshold_of(query, ANALYSIS_THRESHOLD)
        step = "STP_ELIMINATION_ANALYSIS_PREPARATION"
        logbook.event(db, operation_id, step + ".STARTED", "STARTED")
        ids = selected_unit_ids(db, tenant, query, contract, threshold + 1)
        if not _threshold_ok(db, operation_id, ids, threshold):
            return _fail(db, operation_id, step)
        logbook.event(db, operation_id, "ELIMINATION_ANALYSIS_PREPARATION", "OK",
                      data={"expirationDate": date_text, "nbUnits": len(ids)})
        logbook.event(db, operation_id, step, "OK")
        set_progress(db, tenant, operation_id, "STP_ELIMINATION_ANALYSIS_UNIT_INDEXATION", 0, len(ids))

        step = "STP_ELIMINATION_ANALYSIS_UNIT_INDEXATION"
        logbook.event(db, operation_id, step + ".STARTED", "STARTED")
        counts = {"DESTROY": 0, "CONFLICT": 0, "KEEP": 0}
        for start in range(0, len(ids), BATCH_SIZE):
            indexed = []
            for unit, result in analyse_batch(db, tenant, ids[start:start + BATCH_SIZE], date, operation_id):
                counts[result["GlobalStatus"]] += 1
                if result["GlobalStatus"] == "KEEP":
                    continue
                previous = [e for e in unit.get("#elimination") or [] if e.get("OperationId") != operation_id]
                indexed.append({**unit, "#elimination": [*previous, result]})
            units_store.replace_unit_documents(db, tenant, indexed)
            set_progress(db, tenant, operation_id, step, min(start + BATCH_SIZE, len(ids)), len(ids))
        logbook.event(db, operation_id, "ELIMINATION_ANALYSIS_UNIT_INDEXATION", "OK",
                      data={"nbDestroyableUnits": counts["DESTROY"], "nbConflictUnits": counts["CONFLICT"],
                            "nbKeepUnits": counts["KEEP"]})
        logbook.event(db, operation_id, step, "OK")
        step = "STP_ELIMINATION_ANALYSIS_FINALIZATION"
        logbook.event(db, operation_id, step + ".STARTED", "STARTED")
        logbook.event(db, operation_id, "ELIMINATION_ANALYSIS_FINALIZATION", "OK")
        logbook.event(db, operation_id, step, "OK")
        logbook.finish(db, operation_id, "OK", data={"expirationDate": date_text, **{
            f"nb{status.capitalize()}Units": count for status, count in counts.items()}})
    except Exception:
        logger.exception("elimination analysis %s failed", operation_id)
        db.rollback()
        logbook.finish(db, operation_id, "FATAL")


def _unit_entry(unit: dict, status: str) -> dict:
    entry = {"id": unit["#id"], "originatingAgency": unit.get("#originating_agency"), "opi": unit.get("#opi"),
             "objectGroupId": unit.get("#object"), "status": status}
    return {"id": unit["#id"], "params": entry}


def _group_objects(group: dict) -> tuple[list[str], int, list[str]]:
    """(object version ids, total binary size, stored binary paths) of an object group."""
    ids, size, paths = [], 0, []
    for qualifier in group.get("#qualifiers") or []:
        for version in qualifier.get("versions") or []:
            ids.append(version.get("#id"))
            if isinstance(version.get("Size"), int):
                size += version["Size"]
            path = (version.get("#storage") or {}).get("path")
            if path:
                paths.append(path)
    return ids, size, paths


def run_action(db, store, tenant: int, operation_id: str, query: dict, date_text: str, contract: dict | None):
    """ELIMINATION_ACTION: re-analyse, then delete what is destroyable, deepest units first."""
    action = _EliminationAction(db, store, tenant, operation_id, query, date_text, contract)
    try:
        action.run()
    except Exception:
        logger.exception("elimination action %s failed", operation_id)
        db.rollback()
        action.binary_paths.clear()
        logbook.finish(db, operation_id, "FATAL")
    # Binaries go only once the deletion of their metadata is committed.
    for path in action.binary_paths:
        try:
            binaries.delete(store, tenant, path)
        except (OSError, ValueError):
            logger.warning("elimination %s: could not delete binary %s", operation_id, path)


class _EliminationAction:
    """One ELIMINATION_ACTION run; each step method logs "<STEP>.STARTED", its action, then "<STEP>"."""

    def __init__(self, db, store, tenant: int, operation_id: str, query: dict, date_text: str,
                 contract: dict | None):
        self.db, self.store, self.tenant, self.operation_id = db, store, tenant, operation_id
        self.query, self.date_text, self.contract = query, date_text, contract
        self.ids: list[str] = []  # the selected units, in the request's order
        self.report_units: dict[str, dict] = {}  # unit id -> report line
        self.binary_paths: list[str] = []  # deleted once the transaction is committed

    def _event(self, ev_type: str, outcome: str, **kwargs) -> None:
        logbook.event(self.db, self.operation_id, ev_type, outcome, **kwargs)

    def run(self) -> None:
        to_destroy = self.unit_preparation()
        if to_destroy is None:
            return
        deleted_units = self.delete_unit(to_destroy)
        report_groups, register_amounts = self.delete_object_group(deleted_units)
        self.accession_register_preparation(deleted_units, register_amounts)
        kept = len(self.ids) - len(deleted_units)
        final = "WARNING" if kept or not deleted_units else "OK"
        self.report_generation(final, deleted_units, report_groups)
        logbook.finish(self.db, self.operation_id, final, data={"expirationDate": self.date_text,
                                                                "nbDeletedUnits": len(deleted_units),
                                                                "nbNonDeletedUnits": kept})
        self.db.commit()

    def unit_preparation(self) -> list[dict] | None:
        """STP_ELIMINATION_ACTION_UNIT_PREPARATION: the units to destroy, None when the step is KO."""
        step = "STP_ELIMINATION_ACTION_UNIT_PREPARATION"
        self._event(step + ".STARTED", "STARTED")
        date = _date(self.date_text)
        if date > datetime.date.today():
            self._event("ELIMINATION_ACTION_UNIT_PREPARATION", "KO",
                        message="Échec de la préparation de l'élimination : la date d'élimination est postérieure"
                                " à la date du jour",
                        data={"expirationDate": self.date_text, "error": DATE_REQUEST_IN_FUTURE})
            _fail(self.db, self.operation_id, step)
            return None
        threshold = threshold_of(self.query, ACTION_THRESHOLD)
        self.ids = selected_unit_ids(self.db, self.tenant, self.query, self.contract, threshold + 1)
        if not _threshold_ok(self.db, self.operation_id, self.ids, threshold):
            _fail(self.db, self.operation_id, step)
            return None
        to_destroy = self._destroyable_units(step, date)
        outcome = "WARNING" if not to_destroy or self.report_units else "OK"
        self._event("ELIMINATION_ACTION_UNIT_PREPARATION", outcome,
                    data={"expirationDate": self.date_text, "nbDestroyableUnits": len(to_destroy),
                          "nbNonDestroyableUnits": len(self.report_units)})
        self._event(step, outcome)
        return to_destroy

    def _destroyable_units(self, step: str, date: datetime.date) -> list[dict]:
        """Re-analyse the selection by batches; the units not to destroy go to the report with their status."""
        ids, to_destroy = self.ids, []
        set_progress(self.db, self.tenant, self.operation_id, step, 0, len(ids))
        for start in range(0, len(ids), BATCH_SIZE):
            for unit, result in analyse_batch(self.db, self.tenant, ids[start:start + BATCH_SIZE], date,
                                              self.operation_id):
                if result["GlobalStatus"] == "DESTROY":
                    to_destroy.append(unit)
                else:
                    self.report_units[unit["#id"]] = _unit_entry(unit, f"GLOBAL_STATUS_{result['GlobalStatus']}")
            set_progress(self.db, self.tenant, self.operation_id, step, min(start + BATCH_SIZE, len(ids)), len(ids))
        return to_destroy

    def delete_unit(self, to_destroy: list[dict]) -> list[dict]:
        """STP_ELIMINATION_ACTION_DELETE_UNIT: the deleted units; a unit that still has children stays."""
        step = "STP_ELIMINATION_ACTION_DELETE_UNIT"
        self._event(step + ".STARTED", "STARTED")
        # Children before parents: a parent keeps its children's level order (#max strictly greater below).
        deleted_units: list[dict] = []
        levels: dict[int, list[dict]] = {}
        for unit in to_destroy:
            levels.setdefault(int(unit.get("#max") or 1), []).append(unit)
        for level in sorted(levels, reverse=True):
            units = levels[level]
            with_children = _units_with_children(self.db, self.tenant, [u["#id"] for u in units])
            deletable = [u for u in units if u["#id"] not in with_children]
            for unit in units:
                if unit["#id"] in with_children:
                    self.report_units[unit["#id"]] = _unit_entry(unit, "NON_DESTROYABLE_HAS_CHILD_UNITS")
            units_store.delete_units(self.db, self.tenant, [u["#id"] for u in deletable])
            for unit in deletable:
                self.report_units[unit["#id"]] = _unit_entry(unit, "DELETED")
            deleted_units.extend(deletable)
        kept = len(self.ids) - len(deleted_units)
        outcome = "WARNING" if kept or not deleted_units else "OK"
        self._event("ELIMINATION_ACTION_DELETE_UNIT", outcome,
                    data={"nbDeletedUnits": len(deleted_units), "nbNonDeletedUnits": kept})
        self._event(step, outcome)
        return deleted_units

    def delete_object_group(self, deleted_units: list[dict]):
        """STP_ELIMINATION_ACTION_DELETE_OBJECT_GROUP: (report lines, register amounts) of the object groups."""
        step = "STP_ELIMINATION_ACTION_DELETE_OBJECT_GROUP"
        self._event(step + ".STARTED", "STARTED")
        report_groups, register_amounts = _eliminate_object_groups(self.db, self.tenant, deleted_units,
                                                                   self.binary_paths)
        self._event("ELIMINATION_ACTION_DELETE_OBJECT_GROUP", "OK",
                    data={"nbDeletedObjectGroups": _count_with_status(report_groups, "DELETED"),
                          "nbDetachedObjectGroups": _count_with_status(report_groups, "PARTIAL_DETACHMENT")})
        self._event(step, "OK")
        return report_groups, register_amounts

    def accession_register_preparation(self, deleted_units: list[dict], register_amounts: dict) -> None:
        """STP_ELIMINATION_ACTION_ACCESSION_REGISTER_PREPARATION: negative ELIMINATION register events."""
        step = "STP_ELIMINATION_ACTION_ACCESSION_REGISTER_PREPARATION"
        self._event(step + ".STARTED", "STARTED")
        for unit in deleted_units:
            amounts = register_amounts.setdefault((unit.get("#opi"), unit.get("#originating_agency")), [0, 0, 0, 0])
            amounts[0] += 1
        for (opi, agency), (units, groups, objects, size) in sorted(register_amounts.items(), key=str):
            if opi and agency:
                register.record_event(self.db, tenant=self.tenant, opi=opi, originating_agency=agency,
                                      operation_id=self.operation_id, op_type="ELIMINATION", units=-units,
                                      object_groups=-groups, objects=-objects, size=-size)
        self._event("ELIMINATION_ACTION_ACCESSION_REGISTER_UPDATE", "OK")
        self._event(step, "OK")

    def report_generation(self, final: str, deleted_units: list[dict], report_groups: list[dict]) -> None:
        """STP_ELIMINATION_ACTION_REPORT_GENERATION: the JSON-lines batch report."""
        step = "STP_ELIMINATION_ACTION_REPORT_GENERATION"
        self._event(step + ".STARTED", "STARTED")
        ids, kept = self.ids, len(self.ids) - len(deleted_units)
        summary = {
            "operationSummary": {"tenant": self.tenant, "evId": self.operation_id, "evType": "ELIMINATION_ACTION",
                                 "outcome": final, "outDetail": f"ELIMINATION_ACTION.{final}",
                                 "outMsg": logbook.french_message("ELIMINATION_ACTION", final),
                                 "rightsStatementIdentifier": {
                                     "AccessContract": (self.contract or {}).get("Identifier")},
                                 "evDetData": {"expirationDate": self.date_text}},
            "reportSummary": {"evStartDateTime": _operation_start(self.db, self.tenant, self.operation_id),
                              "evEndDateTime": logbook.now_iso(), "reportType": "ELIMINATION_ACTION",
                              "vitamResults": {"OK": len(deleted_units), "KO": 0, "WARNING": kept, "total": len(ids)},
                              "extendedInfo": {"nbDeletedObjectGroups": _count_with_status(report_groups,
                                                                                            "DELETED")}},
            "context": {"dslRequest": self.query, "date": self.date_text},
        }
        ordered_units = [self.report_units[unit_id] for unit_id in ids if unit_id in self.report_units]
        reports.write(self.store, self.tenant, self.operation_id, "batchreport",
                      [summary, *ordered_units, *report_groups])
        self._event("ELIMINATION_ACTION_REPORT_GENERATION", "OK")
        self._event(step, "OK")
        set_progress(self.db, self.tenant, self.operation_id, step, len(ids), len(ids), commit=False)


def _count_with_status(report_lines: list[dict], status: str) -> int:
    return sum(1 for line in report_lines if line["params"]["status"] == status)


def _operation_start(db, tenant: int, operation_id: str) -> str | None:
    row = logbook.operation_row(db, tenant, operation_id)
    return row["created"] if row is not None else None


def _units_with_children(db, tenant: int, unit_ids: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(unit_ids), 500):
        chunk = unit_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(row[0] for row in db.execute(
            f"SELECT DISTINCT parent_id FROM unit_parents WHERE tenant = ? AND parent_id IN ({marks})", (tenant, *chunk)))
    return found


def _eliminate_object_groups(db, tenant: int, deleted_units: list[dict], binary_paths: list[str]):
    """Delete the object groups left without any unit, detach the others; returns (report lines,
    {(opi, agency): [units, groups, objects, size]} register amounts of the deleted groups)."""
    deleted_ids = {unit["#id"] for unit in deleted_units}
    by_group: dict[str, list[str]] = {}
    for unit in deleted_units:
        if unit.get("#object"):
            by_group.setdefault(unit["#object"], []).append(unit["#id"])
    lines, amounts, to_delete = [], {}, []
    for group_id, parents in sorted(by_group.items()):
        group = units_store.get_object_group_doc(db, tenant, group_id)
        if group is None:
            continue
        remaining = [unit_id for unit_id in group.get("#unitups") or [] if unit_id not in deleted_ids]
        remaining = [unit_id for unit_id in remaining if units_store.get_unit_doc(db, tenant, unit_id) is not None]
        params = {"id": group_id, "originatingAgency": group.get("#originating_agency"), "opi": group.get("#opi")}
        if remaining:
            units_store.update_object_group(db, tenant, group_id, {**group, "#unitups": remaining})
            params.update({"status": "PARTIAL_DETACHMENT", "deletedParentUnitIds": sorted(parents)})
        else:
            object_ids, size, paths = _group_objects(group)
            to_delete.append(group_id)
            binary_paths.extend(paths)
            params.update({"objectIds": object_ids, "status": "DELETED"})
            counters = amounts.setdefault((group.get("#opi"), group.get("#originating_agency")), [0, 0, 0, 0])
            counters[1] += 1
            counters[2] += len(object_ids)
            counters[3] += size
        lines.append({"id": group_id, "params": params})
    units_store.delete_object_groups(db, tenant, to_delete)
    return lines, amounts

