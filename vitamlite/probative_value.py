"""Probative value report (relevé de valeur probante), Vitam's EXPORT_PROBATIVE_VALUE workflow.

    POST /admin-external/v1/probativevalueexport   {"dslQuery": SELECT_MULTIPLE, "usage": "BinaryMaster", "version": "1"}
    GET  /admin-external/v1/batchreport/{opId}     the report (ProbativeReportV2, one JSON document)

As Vitam's AdminManagementExternalResource.exportProbativeValue and ProbativeValueResource: the body is checked
(403 000300 on an empty query), the operation is started in the logbook (typeProc AUDIT) and the answer is
the RequestResponse of the started process, HTTP 200 with the operation id in X-Request-Id. The workflow
(ExportProbativeValueWorkflowV2.json) then runs on vitamlite.processing:

    STP_PROBATIVE_VALUE_PREPARE         CHECK_DISTRIBUTION_THRESHOLD, PREPARE_STORAGE_STRATEGIES,
                                        PROBATIVE_VALUE_CREATE_DISTRIBUTION_FILE (units with an object group,
                                        grouped by object group, under the access contract)
    STP_PROBATIVE_VALUE_ACTION          PROBATIVE_VALUE_CREATE_PROBATIVE_REPORT_ENTRY, one entry per object group
    STP_PROBATIVE_VALUE_GENERATE_REPORT PROBATIVE_VALUE_CREATE_REPORT

Each entry compares the digest recorded in the object group at ingest (database) with the digest
recomputed now from the stored binary (offer): FILE_DIGEST_OFFER_DATABASE_COMPARISON, OK or KO. vitam-lite
secures no logbook (no traceability operation, no timestamp, no Merkle tree), so the other checks of
Vitam's ChecksInformation cannot be made: an entry whose digests agree is WARNING, not OK (docs/vitam.md).
"""

from __future__ import annotations

import logging

from vitamlite import binaries, catalogue, logbook, processing, reports, units_store
from vitamlite.access import find_version
from vitamlite.dsl import DslInvalid, validate
from vitamlite.elimination import selected_unit_ids, set_progress, start_operation
from vitamlite.http import VitamHttpError, endpoint, json_response

logger = logging.getLogger(__name__)

ADMIN = "/admin-external/v1"
EV_TYPE = "EXPORT_PROBATIVE_VALUE"
# VitamConfiguration.distributionThreshold, the default of CHECK_DISTRIBUTION_THRESHOLD for SELECT queries.
DISTRIBUTION_THRESHOLD = 100_000
NO_BINARY_ID = "NO_BINARY_ID"

# ChecksInformation.FILE_DIGEST_OFFER_DATABASE_COMPARISON, the one check vitam-lite can make.
FILE_DIGEST_OFFER_DATABASE_COMPARISON = {
    "name": "FILE_DIGEST_OFFER_DATABASE_COMPARISON",
    "details": "Comparing binary file digest stored in offers with binary file digest found in object group"
               " database.",
    "type": "LOCAL_INTEGRITY",
    "source": "OFFER",
    "destination": "DATABASE",
    "action": "COMPARISON",
    "item": "FILE_DIGEST",
}


def _message(ev_type: str, outcome: str) -> str | None:
    return catalogue.text(f"{ev_type}.{outcome}")


def _event(db, operation_id: str, ev_type: str, outcome: str, **kwargs) -> None:
    logbook.event(db, operation_id, ev_type, outcome, message=_message(ev_type, outcome), **kwargs)


def _checked_request(ctx) -> dict:
    """ProbativeValueRequest: dslQuery (a SELECT_MULTIPLE), usage and version all mandatory."""
    body = ctx.json()
    if not isinstance(body, dict) or not isinstance(body.get("dslQuery"), dict):
        raise VitamHttpError(400, "000400", "dslQuery is mandatory and must be a JSON object",
                             message="Bad Request")
    for name in ("usage", "version"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            raise VitamHttpError(400, "000400", f"{name} is mandatory", message="Bad Request")
    query = body["dslQuery"]
    try:
        validate(query, "select_multiple")
    except DslInvalid as error:
        raise VitamHttpError(400, "BAD_REQUEST", str(error), message="Bad Request")
    if not query.get("$query") and not query.get("$roots"):
        # ProbativeValueResource.checkEmptyQuery → VitamCode.GLOBAL_EMPTY_QUERY
        raise VitamHttpError(403, "000300", "No search query specified, this is mandatory",
                             message="No search query specified, this is mandatory")
    return {"dslQuery": query, "usage": body["usage"], "version": body["version"]}


@endpoint("POST", ADMIN + "/probativevalueexport", contract=True)
def export_probative_value(ctx, request):
    probative_request = _checked_request(ctx)
    operation_id = start_operation(ctx, ev_type=EV_TYPE, ev_type_proc="AUDIT")
    logbook.update_root(ctx.db, ctx.tenant, operation_id,
                        outMessg=f"{_message(EV_TYPE, 'STARTED')} : {operation_id}")
    store, tenant, contract = ctx.store, ctx.tenant, ctx.contract
    ctx.on_commit(lambda: processing.submit(store, run_export, store, tenant, operation_id, probative_request,
                                            contract))
    return json_response({"httpCode": 202, "$hits": {"total": 1, "offset": 0, "limit": 1, "size": 1},
                          "$results": [{"itemId": operation_id, "globalState": "RUNNING",
                                        "globalStatus": "STARTED"}],
                          "$facetResults": [], "$context": {}},
                         status=200, headers={"X-Request-Id": operation_id})


# ---------------------------------------------------------------------------------------------
# Workflow


def run_export(db, store, tenant: int, operation_id: str, probative_request: dict, contract: dict | None):
    try:
        _ProbativeExport(db, store, tenant, operation_id, probative_request, contract).run()
        db.commit()
    except Exception:
        logger.exception("probative value export %s failed", operation_id)
        db.rollback()
        logbook.finish(db, operation_id, "FATAL", message=_message(EV_TYPE, "FATAL"))
        db.commit()


class _ProbativeExport:
    def __init__(self, db, store, tenant, operation_id, probative_request, contract):
        self.db, self.store, self.tenant, self.operation_id = db, store, tenant, operation_id
        self.request, self.contract = probative_request, contract
        self.usage_version = f"{probative_request['usage']}_{probative_request['version']}"

    def run(self) -> None:
        distribution = self.prepare()
        if distribution is None:
            logbook.finish(self.db, self.operation_id, "KO", message=_message(EV_TYPE, "KO"))
            return
        entries, action_outcome = self.create_entries(distribution)
        self.create_report(entries)
        final = "KO" if action_outcome == "KO" else "OK"
        if not distribution:
            final = "WARNING"  # statusOnEmptyDistribution of STP_PROBATIVE_VALUE_ACTION
        logbook.finish(self.db, self.operation_id, final, message=_message(EV_TYPE, final))

    def prepare(self) -> dict[str, list[str]] | None:
        """STP_PROBATIVE_VALUE_PREPARE: object group id → ids of the selected units that hold it."""
        step = "STP_PROBATIVE_VALUE_PREPARE"
        _event(self.db, self.operation_id, step + ".STARTED", "OK")
        query = self.request["dslQuery"]
        # CheckDistributionThreshold takes the query's $threshold as is: 0 refuses any selection (itests' "Cas KO").
        threshold = query.get("$threshold")
        if not isinstance(threshold, int) or threshold < 0:
            threshold = DISTRIBUTION_THRESHOLD
        ids = selected_unit_ids(self.db, self.tenant, query, self.contract, threshold + 1)
        if len(ids) > threshold:
            _event(self.db, self.operation_id, "CHECK_DISTRIBUTION_THRESHOLD", "KO",
                   data={"error": f"Too many units found. Threshold={threshold}, found={len(ids)}"})
            _event(self.db, self.operation_id, step, "KO")
            return None
        _event(self.db, self.operation_id, "CHECK_DISTRIBUTION_THRESHOLD", "OK")
        _event(self.db, self.operation_id, "PREPARE_STORAGE_STRATEGIES", "OK")
        units_by_group: dict[str, list[str]] = {}
        for unit_id, unit in units_store.get_unit_docs(self.db, self.tenant, ids).items():
            if unit.get("#object"):
                units_by_group.setdefault(unit["#object"], []).append(unit_id)
        _event(self.db, self.operation_id, "PROBATIVE_VALUE_CREATE_DISTRIBUTION_FILE", "OK",
               data={"Event": "Creation of distribution file succeed."})
        _event(self.db, self.operation_id, step, "OK")
        set_progress(self.db, self.tenant, self.operation_id, "STP_PROBATIVE_VALUE_ACTION", 0, len(units_by_group))
        return dict(sorted(units_by_group.items()))

    def create_entries(self, distribution: dict[str, list[str]]) -> tuple[list[dict], str]:
        """STP_PROBATIVE_VALUE_ACTION: one report entry per object group (NOBLOCKING)."""
        step = "STP_PROBATIVE_VALUE_ACTION"
        _event(self.db, self.operation_id, step + ".STARTED", "OK")
        entries, outcome = [], "OK"
        for done, (group_id, unit_ids) in enumerate(distribution.items(), start=1):
            entry, built = self.entry(group_id, sorted(unit_ids))
            entries.append(entry)
            if not built:
                outcome = "KO"
            set_progress(self.db, self.tenant, self.operation_id, step, done, len(distribution), commit=False)
        if not distribution:
            outcome = "WARNING"
        _event(self.db, self.operation_id, "PROBATIVE_VALUE_CREATE_PROBATIVE_REPORT_ENTRY", outcome,
               data={"nbEntries": len(entries), "nbKoEntries": sum(e["status"] == "KO" for e in entries)})
        _event(self.db, self.operation_id, step, outcome)
        self.db.commit()
        return entries, outcome

    def entry(self, group_id: str, unit_ids: list[str]) -> tuple[dict, bool]:
        """ProbativeReportEntry of one object group, and whether it could be built (ProbativeCreateReportEntry
        answers KO when the version or its binary is missing, with an entry holding no check)."""
        started = logbook.now_iso()
        entry = {"unitIds": unit_ids, "objectGroupId": group_id, "objectId": NO_BINARY_ID,
                 "usageVersion": self.usage_version, "operations": [], "checks": [],
                 "evStartDateTime": started, "evEndDateTime": None, "status": "KO"}
        group = units_store.get_object_group_doc(self.db, self.tenant, group_id)
        usage, _, number = self.usage_version.rpartition("_")
        version = find_version(group, usage, int(number)) if group and number.isdigit() else None
        if version is None:
            entry["evEndDateTime"] = logbook.now_iso()
            return entry, False
        entry["objectId"] = version["#id"]
        try:
            recomputed = binaries.sha512_of(binaries.resolve(self.store, self.tenant,
                                                              binaries.object_path(version["#id"])))
        except (FileNotFoundError, ValueError):
            entry["evEndDateTime"] = logbook.now_iso()
            return entry, False
        recorded = version.get("MessageDigest")
        entry["operations"] = self.operations(version, group, unit_ids)
        entry["checks"] = [{**FILE_DIGEST_OFFER_DATABASE_COMPARISON, "sourceComparable": recomputed,
                            "destinationComparable": recorded,
                            "status": "OK" if recomputed == recorded else "KO"}]
        # Without secured logbooks the traceability checks are missing: WARNING at best (docs/vitam.md).
        entry["status"] = "KO" if any(c["status"] == "KO" for c in entry["checks"]) else "WARNING"
        entry["evEndDateTime"] = logbook.now_iso()
        return entry, True

    def operations(self, version: dict, group: dict, unit_ids: list[str]) -> list[dict]:
        """ProbativeOperation of the ingest of the version, then of every later operation on its group or units."""
        ingest = version.get("#opi") or group.get("#opi")
        later = list(group.get("#operations") or [])
        for unit in units_store.get_unit_docs(self.db, self.tenant, unit_ids).values():
            later += unit.get("#operations") or []
        operations = []
        for operation_id in dict.fromkeys([ingest, *later]):
            if not operation_id:
                continue
            operation = logbook.get(self.db, self.tenant, operation_id)
            if operation is None:
                continue
            operations.append({"id": operation_id, "evTypeProc": operation["evType"],
                               "evIdAppSession": operation.get("evIdAppSession"),
                               "rightsStatementIdentifier": operation.get("rightsStatementIdentifier"),
                               "agIdApp": operation.get("agIdApp"), "evDateTime": operation["evDateTime"]})
        return operations[:1] + sorted(operations[1:], key=lambda op: op["evDateTime"] or "")

    def create_report(self, entries: list[dict]) -> None:
        """STP_PROBATIVE_VALUE_GENERATE_REPORT: ProbativeReportV2 written as the operation's batch report."""
        step = "STP_PROBATIVE_VALUE_GENERATE_REPORT"
        _event(self.db, self.operation_id, step + ".STARTED", "OK")
        results = {status: sum(e["status"] == status for e in entries) for status in ("OK", "KO", "WARNING")}
        if results["OK"] == len(entries):
            outcome = "OK"
        elif results["KO"] == len(entries):
            outcome = "KO"
        else:
            outcome = "WARNING"
        report = {
            "ReportVersion": 2,
            "operationSummary": {
                "tenant": self.tenant, "evId": self.operation_id, "evType": EV_TYPE, "outcome": outcome,
                "outDetail": f"{EV_TYPE}.{outcome}", "outMsg": _message(EV_TYPE, outcome),
                "rightsStatementIdentifier": {"AccessContract": (self.contract or {}).get("Identifier")},
                "evDetData": None},
            "reportSummary": {
                "evStartDateTime": min((e["evStartDateTime"] for e in entries), default="NO_START_DATE_FOUND"),
                "evEndDateTime": max((e["evEndDateTime"] for e in entries), default="NO_END_DATE_FOUND"),
                "reportType": "PROBATIVE_VALUE", "vitamResults": results, "extendedInfo": None},
            "context": self.request,
            "reportEntries": entries,
        }
        reports.write(self.store, self.tenant, self.operation_id, "batchreport", report)
        _event(self.db, self.operation_id, "PROBATIVE_VALUE_CREATE_REPORT", "OK",
               data={"probativeReportVersion": 2})
        _event(self.db, self.operation_id, step, "OK")
