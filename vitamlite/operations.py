"""Operations (process status) and logbook endpoints.

admin-external:  HEAD/GET /operations/{id}, GET /operations, GET /batchreport/{id}, GET /distributionreport/{id}
access-external: GET /logbookoperations (SELECT_SINGLE over the tenant's operations), GET /logbookoperations/{id}
"""

from werkzeug import Response

from vitamlite import dsl, logbook, reports
from vitamlite.http import VitamHttpError, endpoint, json_ok

ADMIN = "/admin-external/v1"
ACCESS = "/access-external/v1"

# Order of Vitam's StatusCode enum, used by ItemStatus.statusMeter.
STATUS_CODES = ("UNKNOWN", "STARTED", "ALREADY_EXECUTED", "OK", "WARNING", "KO", "FATAL")

# Operations of the admin tenant on platform-wide referentials, visible from every tenant as in Vitam
# (LogbookExternalResource selects with the admin tenant included); nothing else crosses tenants.
PLATFORM_EV_TYPES = frozenset({
    "STP_IMPORT_CONTEXT", "STP_UPDATE_CONTEXT", "STP_IMPORT_SECURITY_PROFILE", "STP_UPDATE_SECURITY_PROFILE",
    "STP_REFERENTIAL_FORMAT_IMPORT", "IMPORT_ONTOLOGY", "STP_IMPORT_GRIFFIN",
})

# The search answer keeps only the last events of each operation, like Vitam's $slice.
SEARCH_EVENTS_SLICE = 2


def _state_headers(state: tuple[str, str, str]) -> dict:
    execution_state, status, context_id = state
    return {
        "X-Global-Execution-State": execution_state,
        "X-Global-Execution-Status": status,
        "X-Context-Id": context_id,
    }


@endpoint("HEAD", ADMIN + "/operations/<operation_id>")
def operation_status(ctx, request, operation_id):
    """202 while running, 200 once COMPLETED; unknown id (or another tenant's) → 204 as Vitam's AMER does."""
    state = logbook.state(ctx.db, ctx.tenant, operation_id)
    if state is None:
        return Response(status=204)
    return Response(status=200 if state[0] == "COMPLETED" else 202, headers=_state_headers(state))


def _item_status(ctx, operation_id: str, state: tuple[str, str, str]) -> dict:
    operation = logbook.get(ctx.db, ctx.tenant, operation_id)
    meter = [0] * len(STATUS_CODES)
    steps = {}
    for event in operation["events"]:
        outcome = event["outcome"]
        if outcome in STATUS_CODES:
            meter[STATUS_CODES.index(outcome)] += 1
        ev_type = event["evType"]
        if ev_type.endswith(".STARTED") or ev_type == operation["evType"]:
            continue
        step_meter = [0] * len(STATUS_CODES)
        if outcome in STATUS_CODES:
            step_meter[STATUS_CODES.index(outcome)] = 1
        steps[ev_type] = {
            "itemId": ev_type,
            "statusMeter": step_meter,
            "globalStatus": outcome,
            "message": event["outMessg"],
            "evDetailData": event.get("evDetData"),
        }
    return {
        "itemId": operation_id,
        "message": operation["events"][-1]["outMessg"] if operation["events"] else operation["outMessg"],
        "globalStatus": state[1],
        "globalState": state[0],
        "logbookTypeProcess": operation["evTypeProc"],
        "statusMeter": meter,
        "itemsStatus": steps,
        "subTaskStatus": {},
        "data": {},
        "evDetailData": operation.get("evDetData"),
    }


@endpoint("GET", ADMIN + "/operations/<operation_id>")
def operation_details(ctx, request, operation_id):
    state = logbook.state(ctx.db, ctx.tenant, operation_id)
    if state is None:
        raise VitamHttpError(404, "020105", f"Operation {operation_id} not found", message="Operation not found")
    status = 200 if state[0] == "COMPLETED" else 202
    return json_ok([_item_status(ctx, operation_id, state)], status=status, headers=_state_headers(state))


def _process_detail(row) -> dict:
    return {
        "operationId": row["id"],
        "processType": row["ev_type_proc"],
        "globalState": row["state"],
        "stepStatus": row["status"],
        "previousStep": None,
        "nextStep": None,
        "stepByStep": False,
        "processDate": row["created"],
    }


@endpoint("GET", ADMIN + "/operations")
def list_processes(ctx, request):
    """Process list filtered by a ProcessQuery body: id, states, statuses, workflows, startDateMin/Max."""
    query = ctx.json(required=False) or {}
    if not isinstance(query, dict):
        raise VitamHttpError(412, "000412", "The process query must be a JSON object")
    rows = ctx.db.execute(
        "SELECT * FROM logbook_operations WHERE tenant = ? ORDER BY created DESC, rowid DESC", (ctx.tenant,)
    ).fetchall()
    details = []
    for row in rows:
        if query.get("id") and row["id"] != query["id"]:
            continue
        if query.get("states") and row["state"] not in query["states"]:
            continue
        if query.get("statuses") and row["status"] not in query["statuses"]:
            continue
        if query.get("workflows") and row["ev_type"] not in query["workflows"] and row["ev_type_proc"] not in query["workflows"]:
            continue
        if query.get("startDateMin") and row["created"][:10] < query["startDateMin"][:10]:
            continue
        if query.get("startDateMax") and row["created"][:10] > query["startDateMax"][:10]:
            continue
        details.append(_process_detail(row))
    return json_ok(details, context=query)


def _report_download(ctx, operation_id: str, kind: str):
    response = reports.response(ctx.store, ctx.tenant, operation_id, kind, filename=f"{operation_id}.jsonl")
    if response is None:
        raise VitamHttpError(404, "020105", f"No report for operation {operation_id}", message="Report not found")
    return response


@endpoint("GET", ADMIN + "/batchreport/<operation_id>")
def batch_report(ctx, request, operation_id):
    """JSON-lines report of an elimination, mass update... (written with reports.write(..., "batchreport", lines))."""
    return _report_download(ctx, operation_id, "batchreport")


@endpoint("GET", ADMIN + "/distributionreport/<operation_id>")
def distribution_report(ctx, request, operation_id):
    return _report_download(ctx, operation_id, "distributionreport")


def visible_operations(ctx) -> list[dict]:
    """Operations the tenant may read: its own, plus platform-wide referential operations of the admin tenant."""
    operations = logbook.list_operations(ctx.db, ctx.tenant, last_events=SEARCH_EVENTS_SLICE)
    if ctx.tenant != ctx.config.admin_tenant:
        operations += [
            op for op in logbook.list_operations(ctx.db, ctx.config.admin_tenant, last_events=SEARCH_EVENTS_SLICE)
            if op["evType"] in PLATFORM_EV_TYPES
        ]
    return operations


@endpoint("GET", ACCESS + "/logbookoperations", contract=True, dsl="select_single")
def search_operations(ctx, request):
    result = dsl.search_documents(visible_operations(ctx), ctx.query, kind="select_single")
    return json_ok(result.results, hits=result.hits, facets=result.facets, context=ctx.query)


@endpoint("GET", ACCESS + "/logbookoperations/<operation_id>", contract=True, dsl="get_by_id")
def get_operation(ctx, request, operation_id):
    operation = logbook.get(ctx.db, ctx.tenant, operation_id)
    if operation is None and ctx.tenant != ctx.config.admin_tenant:
        candidate = logbook.get(ctx.db, ctx.config.admin_tenant, operation_id)
        if candidate is not None and candidate["evType"] in PLATFORM_EV_TYPES:
            operation = candidate
    if operation is None:
        raise VitamHttpError(404, "020105", "Operation not found", message="Logbook operation not found")
    return json_ok([operation], context=ctx.query)



def _lifecycle(ctx, doc: dict) -> dict:
    """Lifecycle of a unit or object group: one event per operation that touched it (#operations).

    vitam-lite keeps no per-object lifecycle store; the lines are derived from the logbook operations so
    that "what happened to this unit, when, with which outcome" is answered in Vitam's lifecycle shape."""
    object_id = doc["#id"]
    operation_ids = list(dict.fromkeys(doc.get("#operations") or ([doc["#opi"]] if doc.get("#opi") else [])))
    lines = []
    for operation_id in operation_ids:
        row = logbook.operation_row(ctx.db, ctx.tenant, operation_id)
        if row is None:
            continue
        outcome = row["status"] if row["state"] == "COMPLETED" else "STARTED"
        ev_type = f"LFC.{row['ev_type']}"
        lines.append({
            "evId": operation_id,
            "evParentId": None,
            "evType": ev_type,
            "evDateTime": row["updated"] if row["state"] == "COMPLETED" else row["created"],
            "evIdProc": operation_id,
            "evTypeProc": row["ev_type_proc"],
            "outcome": outcome,
            "outDetail": f"{ev_type}.{outcome}",
            "outMessg": logbook.french_message(row["ev_type"], outcome),
            "agId": None,
            "obId": object_id,
            "evDetData": None,
        })
    root = dict(lines[0]) if lines else {
        "evId": object_id, "evParentId": None, "evType": "LFC.UNKNOWN", "evDateTime": None, "evIdProc": None,
        "evTypeProc": None, "outcome": "OK", "outDetail": None, "outMessg": None, "agId": None, "obId": object_id,
        "evDetData": None}
    root.update({"events": lines[1:], "#id": object_id, "#tenant": ctx.tenant, "#version": len(lines),
                 "#lastPersistedDate": lines[-1]["evDateTime"] if lines else None})
    return root


@endpoint("GET", ACCESS + "/logbookunitlifecycles/<unit_id>", contract=True, dsl="get_by_id")
def unit_lifecycle(ctx, request, unit_id):
    unit = dsl.get_unit(ctx.db, ctx.tenant, unit_id, ctx.restriction)
    if unit is None:
        raise VitamHttpError(404, "020105", "Unit lifecycle not found", message="Lifecycle not found")
    return json_ok([_lifecycle(ctx, unit)], context=ctx.query)


@endpoint("GET", ACCESS + "/logbookobjectslifecycles/<group_id>", contract=True, dsl="get_by_id")
def object_group_lifecycle(ctx, request, group_id):
    group = dsl.get_object_group(ctx.db, ctx.tenant, group_id, ctx.restriction)
    if group is None:
        raise VitamHttpError(404, "020105", "Object group lifecycle not found", message="Lifecycle not found")
    return json_ok([_lifecycle(ctx, group)], context=ctx.query)
