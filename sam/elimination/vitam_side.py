"""What the elimination workflow asks Vitam, and how Vitam's answers read in French.

Only DSL through sam.vitam.dsl; every call goes through the tenant's client (archivists' access
contract). Nothing here writes to SAM's database.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from django.utils.translation import gettext as _

from sam.lib import vitam_messages
from sam.lib.jobs.services import job_heartbeat
from sam.vitam import VitamError, VitamTimeout, limits
from sam.vitam.dsl import Select, eq, gte, in_, lte, match_all, or_
from tenants.vitam_clients import ACCESS, vitam_client

# Units a proposal may hold: Vitam's elimination action takes 10,000 units per request, so larger
# proposals run as several operations (batch_size()); this bound keeps one proposal's lists in memory.
MAX_PROPOSAL_UNITS = 100_000
PAGE = 1000
UNIT_FIELDS = ("#id", "Title", "DescriptionLevel", "StartDate", "EndDate", "#originating_agency", "#object",
               "#elimination", "#unitups", "#max")


def batch_size() -> int:
    """Units per Vitam operation (ELIMINATION_ACTION, mass updates): Vitam's threshold is 10,000."""
    return limits.batch_size()


def batches_of(ids: list[str], size: int | None = None) -> list[list[str]]:
    size = size or batch_size()
    return [ids[start:start + size] for start in range(0, len(ids), size)]


class SelectionError(Exception):
    """The selection cannot be analysed (nothing matches, too many units...): a French message."""


def client_for(tenant):
    return vitam_client(tenant, contract=ACCESS)


def criteria_conditions(criteria: dict) -> list[dict]:
    """Conditions of the candidate form (all optional; combined with AND)."""
    conditions = []
    if criteria.get("title"):
        # Every word of the title criterion (an elimination must not sweep up units matching one word only).
        conditions.append(match_all("Title", criteria["title"]))
    if criteria.get("agency"):
        conditions.append(eq("#originating_agency", criteria["agency"]))
    if criteria.get("node"):
        conditions.append(or_(eq("#id", criteria["node"]), in_("#allunitups", [criteria["node"]])))
    if criteria.get("date_from"):
        conditions.append(gte("EndDate", str(criteria["date_from"])))
    if criteria.get("date_to"):
        conditions.append(lte("StartDate", str(criteria["date_to"])))
    if criteria.get("opi"):
        conditions.append(eq("#opi", criteria["opi"]))
    if criteria.get("unit_ids"):
        conditions.append(in_("#id", list(criteria["unit_ids"])))
    # A selection of units (sam.selection) comes as its query's conditions, built by SAM, never typed.
    conditions.extend(criteria.get("conditions") or [])
    return conditions


def dua_conditions(date: str) -> list[dict]:
    """Units carrying an appraisal rule (DUA) ended at `date` with the final action Destroy."""
    return [eq("#management.AppraisalRule.FinalAction", "Destroy"),
            lte("#management.AppraisalRule.Rules.EndDate", str(date))]


def matching_ids(client, conditions: list[dict], *, limit: int) -> list[str]:
    """Identifiers of the matching units, sorted, at most limit + 1 (past 10,000 read from Vitam's stream)."""
    return limits.unit_ids(client, conditions, limit=limit)


def candidate_ids(client, *, mode: str, criteria: dict, date: str, limit: int = MAX_PROPOSAL_UNITS,
                  too_many: str = "") -> list[str]:
    """The units the analysis takes: those selected and every unit below them (a unit cannot go while it
    still has children), in #id order; more than `limit` raise SelectionError(too_many)."""
    conditions = criteria_conditions(criteria)
    if mode == "dua":
        conditions += dua_conditions(date)
    if not conditions:
        raise SelectionError(_("Give at least one criterion, or choose the units whose retention period has ended."))
    too_many = SelectionError(too_many or _(
        "More than %(max)s units (with the units below them) match: narrow the selection (producing service, "
        "dates, filing node) and make several proposals.") % {"max": f"{MAX_PROPOSAL_UNITS:,}"})
    ids = matching_ids(client, conditions, limit=limit)
    if not ids:
        raise SelectionError(_("No archive unit matches this selection."))
    if len(ids) > limit:
        raise too_many
    with_descendants: set[str] = set()
    for chunk in batches_of(ids, PAGE):
        with_descendants.update(matching_ids(client, [or_(in_("#id", chunk), in_("#allunitups", chunk))],
                                             limit=limit))
        if len(with_descendants) > limit:
            raise too_many
    return sorted(with_descendants)


def operation_progress(client, operation_id: str) -> tuple[int, int] | None:
    """(processed, total) that vitam-lite and Vitam keep in the operation's evDetailData."""
    try:
        detail = client.get_operation_detail(operation_id)
    except VitamError:
        return None
    raw = detail.get("evDetailData") if isinstance(detail, dict) else None
    try:
        data = json.loads(raw) if isinstance(raw, str) else (raw or {})
    except ValueError:
        return None
    progress = data.get("Progress") if isinstance(data, dict) else None
    if not isinstance(progress, dict):
        return None
    try:
        return int(progress.get("processed", 0)), int(progress.get("total", 0))
    except (TypeError, ValueError):
        return None


def follow(client, operation_id: str, on_progress, *, timeout: float = 3600, interval: float = 0.5):
    """Poll the operation until it is completed, reporting its progress; returns its OperationStatus."""
    deadline = time.monotonic() + timeout
    while True:
        status = client.operation_status(operation_id)
        if status.is_completed or (status.state == "PAUSE" and status.is_failed):
            return status
        progress = operation_progress(client, operation_id)
        if progress:
            on_progress(*progress)
        job_heartbeat()  # a follow may last hours: the job's worker says it is alive (once every 30 s)
        if time.monotonic() > deadline:
            raise VitamTimeout(f"operation {operation_id} still running after {timeout:.0f} s",
                               method="HEAD", path="operations", request_id=operation_id)
        time.sleep(interval)
        interval = min(interval * 1.3, 3.0)


def analysed_units(client, operation_id: str, unit_ids: list[str]):
    """Yield pages of the units the analysis indexed (DESTROY or CONFLICT), with their inherited rules. The
    operation analysed `unit_ids` (its batch): they are read by `$in` pages of PAGE ids, so that no stream read
    is spent and nothing pages past Vitam's 10,000 window."""
    for chunk in batches_of(sorted(unit_ids), PAGE):
        query = (Select().where(in_("#id", chunk), eq("#elimination.OperationId", operation_id))
                 .fields(*UNIT_FIELDS).limit(len(chunk)))
        results = client.search_units_with_inherited_rules(query.build()).results
        if results:
            yield sorted(results, key=lambda unit: unit["#id"])


def object_sizes(client, group_ids: list[str]) -> dict[str, tuple[int, int]]:
    """{object group id: (number of binaries, total size in bytes)}."""
    sizes = {}
    for start in range(0, len(group_ids), PAGE):
        chunk = group_ids[start:start + PAGE]
        query = Select().where(in_("#id", chunk)).fields("#id", "#qualifiers").limit(len(chunk))
        for group in client.search_object_groups(query.build()).results:
            count = size = 0
            for qualifier in group.get("#qualifiers") or []:
                for version in qualifier.get("versions") or []:
                    count += 1
                    if isinstance(version.get("Size"), int):
                        size += version["Size"]
            sizes[group["#id"]] = (count, size)
    return sizes


def elimination_entry(unit: dict, operation_id: str) -> dict:
    for entry in unit.get("#elimination") or []:
        if entry.get("OperationId") == operation_id:
            return entry
    return {}


def conflict_reasons(entry: dict) -> list[str]:
    """Why Vitam will not destroy a unit, in French (EliminationAnalysisResult.ExtendedInfo)."""
    reasons = []
    for info in entry.get("ExtendedInfo") or []:
        kind, details = info.get("ExtendedInfoType"), info.get("ExtendedInfoDetails") or {}
        if kind == "BLOCKED_BY_HOLD_RULE":
            reasons.append(_("Blocked by the hold rule %(rules)s.") % {
                "rules": ", ".join(details.get("HoldRuleIds") or [])})
        elif kind == "FINAL_ACTION_INCONSISTENCY":
            reasons.append(_("Inconsistent final actions for the producing service(s) %(agencies)s.") % {
                "agencies": ", ".join(details.get("OriginatingAgenciesInConflict") or [])})
        elif kind == "KEEP_ACCESS_SP":
            reasons.append(_("Destroyable for its producing service, but another service that reaches it "
                             "keeps it."))
        elif kind == "ACCESS_LINK_INCONSISTENCY":
            reasons.append(_("Inconsistent access link through the parent unit %(parent)s (destroyable for "
                             "%(destroy)s, kept for %(keep)s).") % {
                "parent": details.get("ParentUnitId", ""),
                "destroy": ", ".join(details.get("DestroyableOriginatingAgencies") or []),
                "keep": ", ".join(details.get("NonDestroyableOriginatingAgencies") or [])})
    if not reasons and entry.get("NonDestroyableOriginatingAgencies"):
        reasons.append(_("Kept for the producing service(s) %(agencies)s.") % {
            "agencies": ", ".join(entry["NonDestroyableOriginatingAgencies"])})
    if not reasons and entry.get("GlobalStatus") == "CONFLICT":
        reasons.append(_("Conflict between the rules inherited by this unit."))
    return reasons


@dataclass
class AppraisalSummary:
    rule_ids: str
    end_date: str
    final_action: str = ""


def appraisal_of(unit: dict) -> AppraisalSummary:
    """Rule references, the latest end date and the final action (sort final) of the appraisal rules (DUA)
    the unit inherits."""
    appraisal = (unit.get("InheritedRules") or {}).get("AppraisalRule") or {}
    rules = appraisal.get("Rules") or []
    ids = sorted({str(rule.get("Rule")) for rule in rules if rule.get("Rule")})
    ends = sorted(str(rule.get("EndDate"))[:10] for rule in rules if rule.get("EndDate"))
    actions = sorted({str(prop.get("PropertyValue")) for prop in appraisal.get("Properties") or []
                      if prop.get("PropertyName") == "FinalAction" and prop.get("PropertyValue")})
    return AppraisalSummary(rule_ids=", ".join(ids)[:300], end_date=ends[-1] if ends else "",
                            final_action=", ".join(actions)[:20])


def parent_paths(client, parent_ids, known: dict[str, tuple[str, str]]) -> dict[str, str]:
    """{parent id: "Root › … › Parent"}: titles from the top of the tree down to each parent.

    `known` ({id: (title, its own parent id)}) is kept by the caller across the pages of one analysis, so
    that each ancestor is read from Vitam once however many units sit below it."""
    wanted = {parent for parent in parent_ids if parent}
    missing = wanted - known.keys()
    while missing:
        found = set()
        for chunk in batches_of(sorted(missing), PAGE):
            query = Select().where(in_("#id", chunk)).fields("#id", "Title", "#unitups").limit(len(chunk))
            for unit in client.search_units(query.build()).results:
                ups = unit.get("#unitups") or []
                known[unit["#id"]] = (str(unit.get("Title") or unit["#id"]), ups[0] if ups else "")
                found.add(unit["#id"])
        for lost in missing - found:  # outside the access contract, or gone: its title stands for the branch
            known[lost] = (lost, "")
        missing = {known[parent][1] for parent in missing if known[parent][1]} - known.keys()
    paths = {}
    for parent in wanted:
        titles, current, seen = [], parent, set()
        while current and current not in seen and len(titles) < 64:  # a cycle or a very deep tree stops here
            seen.add(current)
            title, current = known[current]
            titles.append(title)
        paths[parent] = " › ".join(reversed(titles))[:1000]
    return paths


# Statuses of the unit lines of an elimination action's batch report.
ACTION_STATUS_REASONS = {
    "GLOBAL_STATUS_CONFLICT": "conflict",
    "GLOBAL_STATUS_KEEP": "keep",
    "NON_DESTROYABLE_HAS_CHILD_UNITS": "children",
}


def action_reason(status: str, unit: dict | None, date: str) -> str:
    """Why a unit of the approved list was not destroyed, read from its current rules."""
    if status == "NON_DESTROYABLE_HAS_CHILD_UNITS":
        return _("It still has child units (a unit was attached below it since the analysis).")
    if unit is None:
        return _("The unit no longer exists in Vitam.")
    inherited = unit.get("InheritedRules") or {}
    holds = [rule.get("Rule") for rule in (inherited.get("HoldRule") or {}).get("Rules") or []
             if not rule.get("EndDate") or str(rule.get("EndDate"))[:10] > date]
    if holds:
        return _("A hold rule was added since the analysis: %(rules)s.") % {"rules": ", ".join(sorted(holds))}
    entry_reasons = []
    appraisal = inherited.get("AppraisalRule") or {}
    actions = {p.get("PropertyValue") for p in appraisal.get("Properties") or [] if p.get("PropertyName") == "FinalAction"}
    if "Keep" in actions:
        entry_reasons.append(_("Its final action is now Keep."))
    ends = [str(r.get("EndDate"))[:10] for r in appraisal.get("Rules") or [] if r.get("EndDate")]
    if not ends or max(ends) > date:
        entry_reasons.append(_("Its retention period (DUA) no longer ends before %(date)s.") % {"date": date})
    if entry_reasons:
        return " ".join(entry_reasons)
    if status == "GLOBAL_STATUS_CONFLICT":
        return _("Vitam found a conflict between the rules it inherits.")
    return _("Vitam no longer considers it destroyable.")


def units_with_rules(client, unit_ids: list[str]) -> dict[str, dict]:
    found = {}
    for start in range(0, len(unit_ids), PAGE):
        chunk = unit_ids[start:start + PAGE]
        query = Select().where(in_("#id", chunk)).fields("#id", "Title").limit(len(chunk))
        for unit in client.search_units_with_inherited_rules(query.build()).results:
            found[unit["#id"]] = unit
    return found


def units_outline(client, unit_ids) -> dict[str, dict]:
    """{#id: the unit's title, level and parents} for units kept in Vitam (the certificate's series)."""
    unit_ids, found = list(unit_ids), {}
    for start in range(0, len(unit_ids), PAGE):
        chunk = unit_ids[start:start + PAGE]
        query = Select().where(in_("#id", chunk)).fields("#id", "Title", "DescriptionLevel", "#unitups")
        for unit in client.search_units(query.limit(len(chunk)).build()).results:
            found[unit["#id"]] = unit
    return found


def read_report_lines(path) -> list[dict]:
    lines = []
    with open(path, encoding="utf-8") as report:
        for raw in report:
            raw = raw.strip()
            if raw:
                try:
                    lines.append(json.loads(raw))
                except ValueError:
                    continue
    return lines


def operation_failure(client, operation_id: str) -> str:
    """Vitam's French reason of a refused operation: its most precise KO/FATAL event (the catalogue's text, then
    the detail Vitam gave), "" when the journal cannot be read."""
    try:
        operation = client.get_operation(operation_id)
    except VitamError:
        return ""
    failed = [event for event in operation.get("events") or [] if event.get("outcome") in ("KO", "FATAL")]
    if not failed:
        return ""
    event = max(failed, key=lambda e: (str(e.get("outDetail") or "").count("."), bool(e.get("evDetData"))))
    text = vitam_messages.describe(event.get("outDetail"), fallback=str(event.get("outMessg") or ""))
    detail = event.get("evDetData")
    if isinstance(detail, str):
        try:
            detail = json.loads(detail)
        except ValueError:
            pass
    errors = detail.get("error") if isinstance(detail, dict) else None
    if errors:
        text += " : " + (", ".join(map(str, errors)) if isinstance(errors, list) else str(errors))
    return text


def unit_keywords(client, unit_ids: list[str]) -> dict[str, list]:
    """Each unit's Keyword list (SEDA's repeated keywords), read by pages of identifiers."""
    found = {}
    for start in range(0, len(unit_ids), PAGE):
        chunk = unit_ids[start:start + PAGE]
        query = Select().where(in_("#id", chunk)).fields("#id", "Keyword").limit(len(chunk))
        for unit in client.search_units(query.build()).results:
            keywords = unit.get("Keyword") or []
            found[unit["#id"]] = keywords if isinstance(keywords, list) else [keywords]
    return found
