"""Reclassification (vitam-api.md §5.1, §6.1): moving units in the graph, as a background workflow.

    POST /access-external/v1/reclassification   RECLASSIFICATION_QUERY: [{"$roots", "$query",
                                                 "$action": [{"$add": {"#unitups": [...]}}, {"$pull": {...}}]}]

Answers 202 at once with the operation id in X-Request-Id, like Vitam's access-external. The workflow follows
Vitam's ReclassificationWorkflow.json: STP_RECLASSIFICATION_PREPARATION (load request, check graph, check hold
rules, distribution), STP_UNIT_DETACHMENT, STP_UNIT_ATTACHMENT, STP_UNIT_GRAPH_COMPUTE,
STP_OBJECT_GROUP_GRAPH_COMPUTE, STP_RECLASSIFICATION_FINALIZATION. The checks are Vitam's:
- every parent named in `$add`/`$pull` must exist and be visible under the access contract, else KO
  "Access denied or missing units." (units selected by a query outside the contract are simply not selected);
- unit types: a child may only be attached to a parent of the same or a higher type in the order
  INGEST < FILING_UNIT < HOLDING_UNIT (UnitType's declaration order), else KO "Invalid unit type attachment(s)";
- no cycle in the graph once the orders are applied, else KO "Cannot apply reclassification request. Cycle
  detected";
- no active inherited hold rule with PreventRearrangement on a moved unit.
A KO leaves every unit untouched. On success the graph fields of each moved unit and of its whole subtree are
recomputed, computed inherited rules are marked invalid, and moved units record the operation (#operations).
"""

from __future__ import annotations

import datetime
import logging

from vitamlite import catalogue, dsl, inheritance, logbook, processing, units_store
from vitamlite.contracts_filter import restriction_from_contract
from vitamlite.elimination import start_operation
from vitamlite.http import VitamHttpError, endpoint, json_response

logger = logging.getLogger(__name__)

ACCESS = "/access-external/v1"
# VitamConfiguration's defaults: reclassificationMaxBulkThreshold, reclassificationMaxUnitsThreshold,
# reclassificationMaxGuildListSizeInLogbookOperation.
MAX_BULK_THRESHOLD = 1000
MAX_UNITS_THRESHOLD = 10_000
MAX_IDS_IN_LOGBOOK = 1000
UNIT_TYPE_ORDER = {"INGEST": 0, "FILING_UNIT": 1, "HOLDING_UNIT": 2}

ACCESS_DENIED_OR_MISSING_UNITS = "Access denied or missing units."
NO_UNITS_TO_UPDATE = "No units to update."
CANNOT_ATTACH_DETACH_SAME_PARENT_UNITS = "Cannot attach & detach same parent units"
INVALID_UNIT_TYPE_ATTACHMENTS = "Invalid unit type attachment(s)"
CYCLE_DETECTED = "Cannot apply reclassification request. Cycle detected"
BLOCKED_BY_HOLD_RULES = "Cannot apply reclassification request. Hold rules with PreventRearrangement found"

STEPS = ("STP_RECLASSIFICATION_PREPARATION", "STP_UNIT_DETACHMENT", "STP_UNIT_ATTACHMENT", "STP_UNIT_GRAPH_COMPUTE",
         "STP_OBJECT_GROUP_GRAPH_COMPUTE", "STP_RECLASSIFICATION_FINALIZATION")
ACTIONS = ("RECLASSIFICATION", "RECLASSIFICATION_PREPARATION_LOAD_REQUEST", "RECLASSIFICATION_PREPARATION_CHECK_GRAPH",
           "RECLASSIFICATION_PREPARATION_CHECK_HOLD_RULES", "RECLASSIFICATION_PREPARATION_UPDATE_DISTRIBUTION",
           "UNIT_DETACHMENT", "UNIT_ATTACHMENT", "UNIT_GRAPH_COMPUTE", "OBJECT_GROUP_GRAPH_COMPUTE",
           "RECLASSIFICATION_FINALIZATION")
# Vitam's own wording for every event of the workflow, from its catalogue (steps start as "<STEP>.STARTED").
logbook.register_messages(messages={
    **{f"{ev_type}.{outcome}": catalogue.text(f"{ev_type}.{outcome}") for ev_type in (*STEPS, *ACTIONS)
       for outcome in ("STARTED", "OK", "KO", "WARNING", "FATAL") if catalogue.text(f"{ev_type}.{outcome}")},
    **{f"{step}.STARTED.STARTED": catalogue.text(f"{step}.STARTED") for step in STEPS},
})


class ReclassificationKO(Exception):
    """A preparation check failed: the action's KO with Vitam's ReclassificationEventDetails."""

    def __init__(self, action: str, details: dict):
        super().__init__(details["error"])
        self.action, self.details = action, details


@endpoint("POST", ACCESS + "/reclassification", contract=True)
def reclassification(ctx, request):
    # RECLASSIFICATION_QUERY is an array, not one of the endpoint decorator's DSL kinds: validated here.
    body = ctx.json()
    try:
        dsl.validate(body, "reclassification")
    except dsl.DslInvalid as error:
        raise VitamHttpError(400, "000601", str(error), message="Dsl query is not valid.", context="Vitam",
                             state="Business")
    operation_id = start_operation(ctx, ev_type="RECLASSIFICATION", ev_type_proc="RECLASSIFICATION")
    store, tenant, contract = ctx.store, ctx.tenant, ctx.contract
    ctx.on_commit(lambda: processing.submit(store, run_reclassification, tenant, operation_id, body, contract))
    return json_response({"httpCode": 202, "$hits": {"total": 1, "offset": 0, "limit": 1, "size": 1},
                          "$results": [{"itemId": operation_id, "globalState": "RUNNING", "globalStatus": "STARTED"}],
                          "$facetResults": [], "$context": body},
                         status=202, headers={"X-Request-Id": operation_id})


# ---------------------------------------------------------------------------------------------
# Preparation


def _ids_of(action_list: list[dict], verb: str) -> list[str]:
    return [unit_id for action in action_list for unit_id in ((action.get(verb) or {}).get("#unitups") or [])]


def load_orders(db, tenant: int, body: list[dict], contract) -> tuple[dict[str, set], dict[str, set]]:
    """RECLASSIFICATION_PREPARATION_LOAD_REQUEST: {child: parents to attach}, {child: parents to detach}."""
    if len(body) > MAX_BULK_THRESHOLD:
        raise ReclassificationKO("RECLASSIFICATION_PREPARATION_LOAD_REQUEST", {
            "error": f"Too many reclassification requests (count= {len(body)}, max= {MAX_BULK_THRESHOLD})"})
    restriction = restriction_from_contract(contract) if contract else None
    named_parents = {unit_id for entry in body for verb in ("$add", "$pull")
                     for unit_id in _ids_of(entry["$action"], verb)}
    visible = set(dsl.search_unit_ids(db, tenant, {"$query": [{"$in": {"#id": sorted(named_parents)}}]}, restriction)) \
        if named_parents else set()
    if visible != named_parents:
        raise ReclassificationKO("RECLASSIFICATION_PREPARATION_LOAD_REQUEST", {
            "error": ACCESS_DENIED_OR_MISSING_UNITS,
            "missingOrForbiddenUnits": sorted(named_parents - visible)[:MAX_IDS_IN_LOGBOOK]})
    attachments: dict[str, set] = {}
    detachments: dict[str, set] = {}
    for entry in body:
        query = {"$roots": entry.get("$roots") or [], "$query": entry["$query"]}
        added, pulled = set(_ids_of(entry["$action"], "$add")), set(_ids_of(entry["$action"], "$pull"))
        for child in dsl.search_unit_ids(db, tenant, query, restriction, limit=MAX_UNITS_THRESHOLD + 1):
            if added:
                attachments.setdefault(child, set()).update(added)
            if pulled:
                detachments.setdefault(child, set()).update(pulled)
    children = attachments.keys() | detachments.keys()
    if not children:
        raise ReclassificationKO("RECLASSIFICATION_PREPARATION_LOAD_REQUEST", {"error": NO_UNITS_TO_UPDATE})
    if len(children) > MAX_UNITS_THRESHOLD:
        raise ReclassificationKO("RECLASSIFICATION_PREPARATION_LOAD_REQUEST", {
            "error": f"Too many units in reclassification request (count= {len(children)}, "
                     f"max={MAX_UNITS_THRESHOLD})"})
    if any(attachments.get(child, set()) & detachments.get(child, set()) for child in children):
        raise ReclassificationKO("RECLASSIFICATION_PREPARATION_LOAD_REQUEST",
                                 {"error": CANNOT_ATTACH_DETACH_SAME_PARENT_UNITS})
    return attachments, detachments


def _parents_graph(db, tenant: int, unit_ids: set[str]) -> dict[str, set]:
    """{unit: its current parents} for the units and all their ancestors (Vitam loads them recursively)."""
    involved = set(unit_ids)
    ids = sorted(unit_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        involved.update(row[0] for row in db.execute(
            f"SELECT ancestor_id FROM unit_ancestors WHERE tenant = ? AND unit_id IN ({marks})", (tenant, *chunk)))
    graph: dict[str, set] = {unit_id: set() for unit_id in involved}
    ids = sorted(involved)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for unit_id, parent_id in db.execute(
                f"SELECT unit_id, parent_id FROM unit_parents WHERE tenant = ? AND unit_id IN ({marks})",
                (tenant, *chunk)):
            graph[unit_id].add(parent_id)
    return graph


def _units_in_cycles(graph: dict[str, set]) -> set[str]:
    """Units on a cycle of the parent graph (iterative Tarjan: strongly connected components of size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    in_cycles: set[str] = set()
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, parents = work[-1]
            advanced = False
            for parent in parents:
                if parent not in index:
                    index[parent] = low[parent] = counter
                    counter += 1
                    stack.append(parent)
                    on_stack.add(parent)
                    work.append((parent, iter(sorted(graph.get(parent, ())))))
                    advanced = True
                    break
                if parent in on_stack:
                    low[node] = min(low[node], index[parent])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, ()):
                    in_cycles.update(component)
    return in_cycles


def check_graph(db, tenant: int, attachments: dict[str, set], detachments: dict[str, set]) -> None:
    """RECLASSIFICATION_PREPARATION_CHECK_GRAPH: unit types of every attachment, then cycles."""
    involved = set(attachments) | set(detachments)
    for parents in (*attachments.values(), *detachments.values()):
        involved |= parents
    types = dict(db.execute(
        f"SELECT id, unit_type FROM units WHERE tenant = ? AND id IN ({','.join('?' * len(involved))})",
        (tenant, *sorted(involved))).fetchall())
    illegal = []
    for child in sorted(attachments):
        for parent in sorted(attachments[child]):
            child_type, parent_type = types.get(child) or "INGEST", types.get(parent) or "INGEST"
            if UNIT_TYPE_ORDER.get(child_type, 0) > UNIT_TYPE_ORDER.get(parent_type, 0):
                illegal.append({"childUnidId": child, "childUnidType": child_type,
                                "parentUnidId": parent, "parentUnidType": parent_type})
    if illegal:
        raise ReclassificationKO("RECLASSIFICATION_PREPARATION_CHECK_GRAPH", {
            "error": INVALID_UNIT_TYPE_ATTACHMENTS, "illegalUnitTypeAttachments": illegal[:MAX_IDS_IN_LOGBOOK]})
    graph = _parents_graph(db, tenant, involved)
    for child, parents in attachments.items():
        graph.setdefault(child, set()).update(parents)
        for parent in parents:
            graph.setdefault(parent, set())
    for child, parents in detachments.items():
        graph.get(child, set()).difference_update(parents)
    cycles = _units_in_cycles(graph)
    if cycles:
        raise ReclassificationKO("RECLASSIFICATION_PREPARATION_CHECK_GRAPH", {
            "error": CYCLE_DETECTED, "unitsWithCycles": sorted(cycles)[:MAX_IDS_IN_LOGBOOK]})


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def check_hold_rules(db, tenant: int, unit_ids: set[str]) -> None:
    """RECLASSIFICATION_PREPARATION_CHECK_HOLD_RULES: an active inherited hold rule (no end date, or one not
    reached) with PreventRearrangement blocks the move of that unit."""
    docs = units_store.get_unit_docs(db, tenant, unit_ids)
    inherited = inheritance.inherited_rules_for(db, tenant, list(docs.values()))
    today = datetime.date.today()
    blocked = set()
    for unit_id, rules in inherited.items():
        for hold in (rules.get("HoldRule") or {}).get("Rules") or []:
            end = _date(hold.get("EndDate")) or _date(hold.get("HoldEndDate"))
            if (end is None or end > today) and hold.get("PreventRearrangement") is True:
                blocked.add(unit_id)
    if blocked:
        raise ReclassificationKO("RECLASSIFICATION_PREPARATION_CHECK_HOLD_RULES", {
            "error": BLOCKED_BY_HOLD_RULES, "unitsBlockedByHoldRules": sorted(blocked)[:MAX_IDS_IN_LOGBOOK]})


# ---------------------------------------------------------------------------------------------
# Workflow


def run_reclassification(db, tenant: int, operation_id: str, body: list[dict], contract) -> None:
    try:
        _Reclassification(db, tenant, operation_id, body, contract).run()
    except Exception:
        logger.exception("reclassification %s failed", operation_id)
        db.rollback()
        logbook.finish(db, operation_id, "FATAL")


class _Reclassification:
    def __init__(self, db, tenant, operation_id, body, contract):
        self.db, self.tenant, self.operation_id, self.body, self.contract = db, tenant, operation_id, body, contract

    def _event(self, ev_type: str, outcome: str, **kwargs) -> None:
        logbook.event(self.db, self.operation_id, ev_type, outcome, **kwargs)

    def run(self) -> None:
        orders = self.preparation()
        if orders is None:
            return
        attachments, detachments = orders
        children = sorted(attachments.keys() | detachments.keys())
        self._step("STP_UNIT_DETACHMENT", ["UNIT_DETACHMENT", "UNIT_METADATA_STORAGE"])
        self._step("STP_UNIT_ATTACHMENT", ["UNIT_ATTACHMENT", "UNIT_METADATA_STORAGE"])
        self._event("STP_UNIT_GRAPH_COMPUTE.STARTED", "STARTED")
        moved = self.move(children, attachments, detachments)
        self._event("UNIT_GRAPH_COMPUTE", "OK", data={"updatedUnits": len(moved)})
        self._event("STP_UNIT_GRAPH_COMPUTE", "OK")
        self._step("STP_OBJECT_GROUP_GRAPH_COMPUTE", ["OBJECT_GROUP_GRAPH_COMPUTE"])
        self._step("STP_RECLASSIFICATION_FINALIZATION", ["RECLASSIFICATION_FINALIZATION"])
        logbook.finish(self.db, self.operation_id, "OK")
        self.db.commit()

    def _step(self, step: str, actions: list[str]) -> None:
        self._event(step + ".STARTED", "STARTED")
        for action in actions:
            self._event(action, "OK")
        self._event(step, "OK")

    def preparation(self) -> tuple[dict, dict] | None:
        """STP_RECLASSIFICATION_PREPARATION; None when a check ended the operation KO."""
        self._event("STP_RECLASSIFICATION_PREPARATION.STARTED", "STARTED")
        self._event("CHECK_CONCURRENT_WORKFLOW_LOCK", "OK")
        action = "RECLASSIFICATION_PREPARATION_LOAD_REQUEST"
        try:
            attachments, detachments = load_orders(self.db, self.tenant, self.body, self.contract)
            self._event(action, "OK")
            action = "RECLASSIFICATION_PREPARATION_CHECK_GRAPH"
            check_graph(self.db, self.tenant, attachments, detachments)
            self._event(action, "OK")
            action = "RECLASSIFICATION_PREPARATION_CHECK_HOLD_RULES"
            check_hold_rules(self.db, self.tenant, attachments.keys() | detachments.keys())
            self._event(action, "OK")
        except ReclassificationKO as refusal:
            self._event(refusal.action, "KO", data=refusal.details)
            self._event("STP_RECLASSIFICATION_PREPARATION", "KO")
            logbook.finish(self.db, self.operation_id, "KO")
            self.db.commit()
            return None
        self._event("RECLASSIFICATION_PREPARATION_UPDATE_DISTRIBUTION", "OK")
        self._event("STP_RECLASSIFICATION_PREPARATION", "OK")
        self.db.commit()
        return attachments, detachments

    def move(self, children: list[str], attachments: dict, detachments: dict) -> set[str]:
        """New #unitups for every child, graph fields recomputed for each moved subtree; returns the units
        whose graph changed."""
        now = logbook.now_iso()
        docs = units_store.get_unit_docs(self.db, self.tenant, children)
        # Shallowest first: a moved unit under another moved unit is rewritten after its ancestor.
        for child in sorted(children, key=lambda unit_id: docs[unit_id].get("#min") or 1):
            doc = units_store.get_unit_doc(self.db, self.tenant, child)
            parents = [p for p in doc.get("#unitups") or [] if p not in detachments.get(child, set())]
            parents += sorted(attachments.get(child, set()) - set(parents))
            doc["#unitups"] = parents
            doc["#version"] = int(doc.get("#version") or 0) + 1
            doc["#operations"] = [*(doc.get("#operations") or []), self.operation_id]
            doc["#approximate_update_date"] = now
            units_store.update_unit(self.db, self.tenant, child, doc)
        subtree = set(children)
        for start in range(0, len(children), 500):
            chunk = children[start:start + 500]
            marks = ",".join("?" * len(chunk))
            subtree.update(row[0] for row in self.db.execute(
                f"SELECT unit_id FROM unit_ancestors WHERE tenant = ? AND ancestor_id IN ({marks})",
                (self.tenant, *chunk)))
        # Vitam's UnitGraphComputePlugin: computed inherited rules no longer hold once the graph changed.
        stale = [doc | {"#validComputedInheritedRules": False}
                 for doc in units_store.get_unit_docs(self.db, self.tenant, subtree).values()
                 if doc.get("#validComputedInheritedRules")]
        units_store.replace_unit_documents(self.db, self.tenant, stale)
        return subtree
