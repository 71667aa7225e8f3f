"""Reads for changes of published units: the tenant and change of a user (404 alike), the units to move read
from Vitam with the tenant's access contract, the count of what moves and the candidate parents (labels and
paths, never raw identifiers on screen)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from referentials.trees.selectors import tree_roots
from sam.consultation.seda_labels import level_label
from sam.reclassification.models import PublishedChange
from sam.vitam import Select, VitamNotFound, eq, in_, match, not_, or_
from tenants.permissions import tenant_get_for_user
from tenants.vitam_clients import ACCESS, vitam_client

PERMISSION = "manage_referentials"  # archivists and referents change the trees and what is filed in them
CANDIDATES = 20
MAX_UNITS = 10_000  # Vitam's reclassificationMaxUnitsThreshold, and its result window
UNIT_FIELDS = ("#id", "Title", "DescriptionLevel", "#unitType", "#unitups", "#allunitups", "#object")
# Vitam's UnitType order: a unit may only be attached under a unit of the same or a higher type.
TYPE_ORDER = {"INGEST": 0, "FILING_UNIT": 1, "HOLDING_UNIT": 2}
PARENT_TYPES = {0: ("INGEST", "FILING_UNIT", "HOLDING_UNIT"), 1: ("FILING_UNIT", "HOLDING_UNIT"),
                2: ("HOLDING_UNIT",)}


def change_tenant_for_user(user, tenant_pk):
    return tenant_get_for_user(user, tenant_pk, PERMISSION)


def change_get_for_user(user, tenant_pk, pk) -> PublishedChange:
    tenant = change_tenant_for_user(user, tenant_pk)
    try:
        return PublishedChange.objects.select_related("tenant", "created_by", "job").get(pk=pk, tenant=tenant)
    except PublishedChange.DoesNotExist:
        raise Http404("No such change") from None


def client_for(tenant):
    return vitam_client(tenant, contract=ACCESS)


def unit_get(tenant, unit_id: str) -> dict:
    """One unit of the tenant, visible under its access contract; 404 otherwise (another tenant's unit too)."""
    try:
        return client_for(tenant).get_unit(unit_id, {"$fields": dict.fromkeys(
            (*UNIT_FIELDS, "Description", "ArchivalAgencyArchiveUnitIdentifier"), 1)})
    except VitamNotFound:
        raise Http404("No such unit") from None


def condition_units(tenant, condition: dict) -> list[dict]:
    """The units a selection's DSL condition finds, to move (fewer than Vitam's result window). A unit below
    another of them goes with it and keeps its place: the tree under a moved unit is kept."""
    response = client_for(tenant).search_units(Select().where(condition).limit(MAX_UNITS).fields(*UNIT_FIELDS)
                                               .build())
    if response.total_is_capped:  # Vitam counts no further than its result window
        raise ValidationError(_("The selection holds %(max)s units or more: the archive system moves fewer at "
                                "once. Narrow the selection.") % {"max": f"{MAX_UNITS:,}"})
    ids = {unit["#id"] for unit in response.results}
    return [unit for unit in response.results if not ids.intersection(unit.get("#allunitups") or [])]


def subtree_count(tenant, unit_ids: list[str]) -> int:
    """How many units move: the units themselves and everything below them (Vitam counts up to 10,000)."""
    query = (Select().where(or_(in_("#id", list(unit_ids)), in_("#allunitups", list(unit_ids))))
             .limit(0))
    return client_for(tenant).search_units(query.build()).total


def children_count(tenant, unit_id: str) -> int:
    query = Select().roots([unit_id]).where(eq("#unitups", unit_id)).depth(1).limit(0)
    return client_for(tenant).search_units(query.build()).total


def type_label(unit_type: str) -> str:
    return {"HOLDING_UNIT": _("holding tree"), "FILING_UNIT": _("filing plan")}.get(unit_type, _("deposited archives"))


@dataclass
class Candidate:
    id: str
    title: str
    level: str
    kind: str
    path: list = field(default_factory=list)  # titles of the ancestors, root first


def parent_candidates(tenant, text: str, moved: list[dict]) -> list[Candidate]:
    """Units whose title matches (any word) or whose identifier is the text, that the moved units may go under:
    not themselves nor below them, and of a type Vitam accepts above theirs."""
    text = (text or "").strip()
    if not text or not moved:
        return []
    highest = max(TYPE_ORDER.get(unit.get("#unitType"), 0) for unit in moved)
    moved_ids = [unit["#id"] for unit in moved]
    query = (Select().where(or_(match("Title", text), eq("ArchivalAgencyArchiveUnitIdentifier", text)),
                            in_("#unitType", list(PARENT_TYPES[highest])),
                            not_(in_("#id", moved_ids)), not_(in_("#allunitups", moved_ids)))
             .limit(CANDIDATES).fields(*UNIT_FIELDS))
    client = client_for(tenant)
    units = client.search_units(query.build()).results
    titles = ancestor_titles(client, {a for unit in units for a in unit.get("#allunitups") or []})
    return [Candidate(id=unit["#id"], title=unit.get("Title") or unit["#id"],
                      level=level_label(unit.get("DescriptionLevel") or ""), kind=type_label(unit.get("#unitType")),
                      path=path_of(unit, titles)) for unit in units]


def top_candidates(tenant, moved: list[dict]) -> list[Candidate]:
    """The top nodes of the holding tree and of the filing plan the moved units may go under: where the archivist
    starts when they pick in the tree rather than search."""
    highest = max((TYPE_ORDER.get(unit.get("#unitType"), 0) for unit in moved), default=0)
    allowed, moved_ids = PARENT_TYPES[highest], {unit["#id"] for unit in moved}
    return [Candidate(id=node.id, title=node.title, level=level_label(node.level), kind=type_label(node.unit_type))
            for node in tree_roots(tenant, "all", mark_children=False)
            if node.unit_type in allowed and node.id not in moved_ids]


def described(tenant, unit: dict) -> Candidate:
    """A unit with its labels and its path from the root, as the pages show it."""
    titles = ancestor_titles(client_for(tenant), set(unit.get("#allunitups") or []))
    return Candidate(id=unit["#id"], title=unit.get("Title") or unit["#id"],
                     level=level_label(unit.get("DescriptionLevel") or ""), kind=type_label(unit.get("#unitType")),
                     path=path_of(unit, titles))


def ancestor_titles(client, ancestor_ids) -> dict[str, dict]:
    ids = sorted(ancestor_ids)
    if not ids:
        return {}
    found = client.search_units(Select().where(in_("#id", ids)).limit(min(len(ids), 10_000))
                                .fields("#id", "Title", "#unitups").build()).results
    return {unit["#id"]: unit for unit in found}


def path_of(unit: dict, known: dict[str, dict]) -> list[str]:
    """Titles from the root down to the unit's first parent."""
    chain, current, seen = [], (unit.get("#unitups") or [None])[0], set()
    while current and current in known and current not in seen:
        seen.add(current)
        chain.append(known[current].get("Title") or "")
        current = (known[current].get("#unitups") or [None])[0]
    return list(reversed(chain))


def changes_of(tenant, limit: int = 50):
    return PublishedChange.objects.filter(tenant=tenant).select_related("created_by")[:limit]


def filing_node_kept_reason(tenant, unit_id: str, date) -> str:
    """Why Vitam's elimination analysis would keep this filing-plan node at the date ("" if it would destroy it).

    Vitam destroys a holding-tree node whatever its rules, but analyses a filing-plan node like a deposited unit
    (EliminationAnalysisService): it needs inherited retention periods (DUA) all ended at the date, a final action
    that is not "Keep", and no hold still running."""
    query = Select().where(eq("#id", unit_id)).fields("#id")
    inherited = (client_for(tenant).search_units_with_inherited_rules(query.build()).first or {}).get(
        "InheritedRules") or {}
    appraisal = inherited.get("AppraisalRule") or {}
    rules = appraisal.get("Rules") or []
    actions = {str(p.get("PropertyValue")) for p in appraisal.get("Properties") or []
               if p.get("PropertyName") == "FinalAction"}
    if not rules:
        return _("The node has no retention period (DUA): the archive system keeps it.")
    names = ", ".join(sorted({rule.get("Rule", "") for rule in rules}))
    ends = [rule.get("EndDate") for rule in rules]
    if not all(ends):
        return _("Its retention period (%(rules)s) has no start date, hence no end: the archive system keeps "
                 "it.") % {"rules": names}
    latest = max(str(end)[:10] for end in ends)
    if latest > date.isoformat():
        return _("Its retention period (%(rules)s) ends on %(date)s: the archive system keeps it until then.") % {
            "rules": names, "date": latest}
    if not actions or "Keep" in actions:
        return _("Its final action is “Keep”: the archive system keeps it.")
    holds = (inherited.get("HoldRule") or {}).get("Rules") or []
    if any(not hold.get("EndDate") or str(hold["EndDate"])[:10] > date.isoformat() for hold in holds):
        return _("A hold rule applies to it: the archive system keeps it while the hold runs.")
    return ""
