"""Vitam's single-unit update: PUT /access-external/v1/units/{idu} (UPDATE_BY_ID, deprecated in Vitam but served).

Learnt from Vitam's AccessExternalResource.updateUnitById, AccessInternalModuleImpl.updateUnitById and
metadata's UnitValidator:
- the body is an UPDATE_BY_ID DSL: `$action` with `$set` / `$unset` only. Vitam's schema refuses anything
  else, `$query` included (400 000601): there is no server-side `#version` condition, so a client that
  wants an optimistic lock reads `#version` first and compares it itself;
- synchronous: one logbook operation STP_UPDATE_UNIT (STP_UPDATE_UNIT_DESC when no `#management` nor
  ArchiveUnitProfile field is touched) with UNIT_METADATA_UPDATE_CHECK_PERMISSION, UNIT_METADATA_UPDATE_CHECK_RULES
  (management updates only) and UNIT_METADATA_UPDATE; the unit's `#version` goes up by one and the operation is
  added to its `#operations` (its lifecycle line); the answer lists `{"#id", "#diff"}` of the unit;
- the updated unit is validated as metadata's UnitValidator does: "Invalid unit format : ..." (a mandatory Title,
  a known DescriptionLevel, dates Vitam can read) and "EndDate is before StartDate": 400, nothing stored.
"""

from __future__ import annotations

import datetime
import difflib
import json

from vitamlite import catalogue, dsl, logbook, units_store
from vitamlite.http import VitamHttpError, endpoint, json_ok
from vitamlite.ingest.rules import RulesError, compute_end_dates
from vitamlite.mass_update import apply_description_actions
from vitamlite.referentials import store as referentials

ACCESS = "/access-external/v1"
# VitamCode ACCESS_EXTERNAL_UPDATE_UNIT_BY_ID_ERROR (02 External Access, 01 Input / Output, 02) and
# ACCESS_EXTERNAL_UNIT_NOT_FOUND (…, 50): the codes access-external wraps every failure of this call in.
UPDATE_ERROR = "020102"
UPDATE_ERROR_MESSAGE = "Access external client error in updateUnitbyId method."
NOT_FOUND = "020150"
DESCRIPTION_LEVELS = ("Fonds", "Subfonds", "Class", "Collection", "Series", "Subseries", "RecordGrp",
                      "SubGrp", "File", "Item", "OtherLevel")
DATE_FIELDS = ("StartDate", "EndDate", "CreatedDate", "TransactedDate", "AcquiredDate", "SentDate",
               "ReceivedDate", "RegisteredDate")


def _refused(status: int, code: str, description: str) -> VitamHttpError:
    return VitamHttpError(status, code, description, message=UPDATE_ERROR_MESSAGE if code == UPDATE_ERROR else
                          "Access external client error unit not found.")


def touches_management(actions: list[dict]) -> bool:
    """AccessInternalModuleImpl.updateContainsManagmentFields: a `#management…` or ArchiveUnitProfile field."""
    for action in actions:
        fields = list((action.get("$set") or {}).keys()) + list(action.get("$unset") or [])
        if any(name == "ArchiveUnitProfile" or name.startswith("#management") for name in fields):
            return True
    return False


def _internal_fields(actions: list[dict]) -> list[str]:
    """Fields a client may not write: every `#…`/`_…` field except the unit's own management rules."""
    fields = []
    for action in actions:
        fields.extend((action.get("$set") or {}).keys())
        fields.extend(action.get("$unset") or [])
    return [name for name in fields if name.startswith(("#", "_")) and not name.startswith("#management")]


def _is_date(value) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return len(value) == 10 or value[10] == "T"


def unit_problem(doc: dict) -> str | None:
    """metadata's UnitValidator on the updated unit: the first problem, or None."""
    title = doc.get("Title")
    titles = [value for value in (doc.get("Title_") or {}).values()] if isinstance(doc.get("Title_"), dict) else []
    if not (isinstance(title, str) and title.strip()) and not any(isinstance(t, str) and t.strip() for t in titles):
        return "Invalid unit format : Title is mandatory"
    if doc.get("DescriptionLevel") not in DESCRIPTION_LEVELS:
        return f"Invalid unit format : DescriptionLevel {doc.get('DescriptionLevel')!r} is not a SEDA level"
    for name in DATE_FIELDS:
        if name in doc and not _is_date(doc[name]):
            return f"Invalid unit format : {name} {doc[name]!r} is not a date"
    if doc.get("StartDate") and doc.get("EndDate") and doc["EndDate"][:10] < doc["StartDate"][:10]:
        return "EndDate is before StartDate"
    return None


def _diff(before: dict, after: dict) -> str:
    """Vitam's #diff: the changed lines of the pretty-printed documents (VitamDocument.getConcernedDiffLines)."""
    lines = difflib.unified_diff(logbook.jackson_pretty(before).splitlines(),
                                 logbook.jackson_pretty(after).splitlines(), lineterm="", n=0)
    return "\n".join(line for line in lines if line[:1] in "+-" and not line.startswith(("+++", "---")))


def _event(db, operation_id: str, ev_type: str, outcome: str, unit_id: str, data=None) -> None:
    logbook.event(db, operation_id, ev_type, outcome, ob_id=unit_id, data=data,
                  message=catalogue.text(f"{ev_type}.{outcome}") or None)


@endpoint("PUT", ACCESS + "/units/<unit_id>", contract=True, dsl="update_by_id")
def update_unit_by_id(ctx, request, unit_id):
    actions = ctx.query["$action"]
    unit = dsl.get_unit(ctx.db, ctx.tenant, unit_id, ctx.restriction)
    if unit is None:
        raise _refused(404, NOT_FOUND, "Unit not found")
    forbidden = _internal_fields(actions)
    if forbidden:
        raise _refused(400, UPDATE_ERROR, f"Invalid DSL query: cannot contains '{', '.join(forbidden)}' internal"
                                          " field(s).")
    management = touches_management(actions)
    process = "STP_UPDATE_UNIT" if management else "STP_UPDATE_UNIT_DESC"
    operation_id = logbook.start(ctx.db, tenant=ctx.tenant, ev_type=process, ev_type_proc="UPDATE",
                                 operation_id=ctx.request_id, context_id=ctx.config.context,
                                 application_id=ctx.application_id, contract=ctx.access_contract_id(),
                                 ob_id_in=unit_id)
    contract = ctx.contract or {}
    if not contract.get("WritingPermission") or (management and contract.get("WritingRestrictedDesc")):
        code = "UPDATE_UNIT_DESC_PERMISSION" if contract.get("WritingPermission") else "UPDATE_UNIT_PERMISSION"
        _event(ctx.db, operation_id, "UNIT_METADATA_UPDATE_CHECK_PERMISSION", "KO", unit_id, {"errorCode": code})
        logbook.finish(ctx.db, operation_id, "KO", message=catalogue.text(f"{process}.KO"))
        ctx.db.commit()
        raise _refused(401, UPDATE_ERROR, code)
    _event(ctx.db, operation_id, "UNIT_METADATA_UPDATE_CHECK_PERMISSION", "OK", unit_id)
    stored = units_store.get_unit_doc(ctx.db, ctx.tenant, unit_id)
    problem = None
    try:
        updated = apply_description_actions(stored, actions)
    except Exception as error:  # a $set on a path through a non-object value
        updated, problem = stored, f"Invalid unit format : {error}"
    if management and problem is None:
        rules_by_id = {rule["RuleId"]: rule for rule in referentials.list_all(ctx.db, ctx.tenant, "rules")}
        try:
            compute_end_dates(updated.get("#management") or {}, rules_by_id)
        except RulesError as error:
            _event(ctx.db, operation_id, "UNIT_METADATA_UPDATE_CHECK_RULES", "KO", unit_id,
                   {"errorCode": error.message})
            logbook.finish(ctx.db, operation_id, "KO", message=catalogue.text(f"{process}.KO"))
            ctx.db.commit()
            raise VitamHttpError(400, "030601", error.message, message="Access internal error while check update"
                                 " on rules") from None
        _event(ctx.db, operation_id, "UNIT_METADATA_UPDATE_CHECK_RULES", "OK", unit_id)
    problem = problem or unit_problem(updated)
    if problem:
        _event(ctx.db, operation_id, "UNIT_METADATA_UPDATE", "KO", unit_id, {"errorCode": problem})
        logbook.finish(ctx.db, operation_id, "KO", message=catalogue.text(f"{process}.KO"))
        ctx.db.commit()
        raise _refused(400, UPDATE_ERROR, problem)
    diff = _diff(stored, updated)
    if updated != stored:
        updated["#version"] = int(stored.get("#version") or 0) + 1
        updated["#operations"] = [*(stored.get("#operations") or []), operation_id]
        updated["#approximate_update_date"] = logbook.now_iso()
        units_store.update_unit(ctx.db, ctx.tenant, unit_id, updated)
    _event(ctx.db, operation_id, "UNIT_METADATA_UPDATE", "OK", unit_id, {"diff": diff, "version": 1})
    logbook.finish(ctx.db, operation_id, "OK", message=catalogue.text(f"{process}.OK"))
    return json_ok([{"#id": unit_id, "#diff": diff}], context=json.loads(json.dumps(ctx.query)),
                   headers={"X-Request-Id": operation_id})
