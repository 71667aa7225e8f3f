"""Reads: drafts from SAM's database (scoped by tenant), published trees from Vitam.

Published trees are Vitam units of type HOLDING_UNIT (arbre de positionnement) and FILING_UNIT
(plan de classement); children are read one level at a time ($roots + $depth 1), so a page never
loads a whole 5,000-node plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404

from referentials.filing_tree import Node, Tree, check_tree
from referentials.trees.models import TreeChange, TreeDraft, TreeKind, TreeNode, TreePublication
from sam.vitam import Select, SelectSingle, VitamNotFound, eq, in_, match, or_
from tenants.vitam_clients import ACCESS, ADMIN, vitam_client
from tenants.permissions import tenant_get_for_user

TREE_UNIT_TYPES = ("HOLDING_UNIT", "FILING_UNIT")
KIND_UNIT_TYPES = {"holding": ("HOLDING_UNIT",), "filing": ("FILING_UNIT",), "all": TREE_UNIT_TYPES}
CHILDREN_PAGE = 200
SEARCH_LIMIT = 100
NODE_FIELDS = ("#id", "Title", "DescriptionLevel", "ArchivalAgencyArchiveUnitIdentifier", "#unitType", "#unitups")
RULE_CATEGORIES_ORDER = ("AppraisalRule", "AccessRule", "StorageRule", "DisseminationRule", "ReuseRule",
                         "ClassificationRule", "HoldRule")


# --- drafts -----------------------------------------------------------------------------------


def draft_list(*, tenant):
    return (TreeDraft.objects.filter(tenant=tenant)
            .select_related("created_by", "updated_by")
            .annotate(node_count=Count("nodes"))
            .order_by("-updated_at", "-id"))


def draft_get_for_user(user, tenant_pk, pk, perm="manage_referentials") -> TreeDraft:
    """A draft of a tenant the user may work on; 404 alike for missing and forbidden."""
    tenant = tenant_get_for_user(user, tenant_pk, perm)
    try:
        return TreeDraft.objects.select_related("tenant", "organisation").get(pk=int(pk), tenant=tenant)
    except (TreeDraft.DoesNotExist, ValueError, TypeError):
        raise Http404("No such draft") from None


def node_get(draft, pk) -> TreeNode:
    try:
        return draft.nodes.get(pk=int(pk))
    except (TreeNode.DoesNotExist, ValueError, TypeError):
        raise Http404("No such node") from None


def publication_get_for_user(user, tenant_pk, pk) -> TreePublication:
    tenant = tenant_get_for_user(user, tenant_pk, "manage_referentials")
    try:
        return TreePublication.objects.select_related("draft", "job").get(pk=int(pk), draft__tenant=tenant)
    except (TreePublication.DoesNotExist, ValueError, TypeError):
        raise Http404("No such publication") from None


def draft_tree(draft, known_rules: dict[str, str] | None = None) -> Tree:
    """The draft's nodes as a checked filing_tree.Tree (one query, whatever the size)."""
    rows = list(draft.nodes.order_by("position", "id").values_list(
        "id", "parent_id", "identifier", "title", "level", "description", "rules", "final_action"))
    identifiers = {row[0]: row[2] for row in rows}
    nodes = [
        Node(identifier=identifier, parent=identifiers.get(parent_id, "") if parent_id else "", title=title,
             level=level, description=description, rules=list(rules or []), final_action=final_action)
        for _pk, parent_id, identifier, title, level, description, rules, final_action in rows
    ]
    return check_tree(nodes, known_rules)


def draft_changes_since(draft, version: int):
    return list(TreeChange.objects.filter(draft=draft, version__gt=version).select_related("actor"))


@dataclass
class DraftNodeRow:
    pk: int
    identifier: str
    title: str
    level: str
    child_count: int
    rules: list


DRAFT_CHILDREN_PAGE = 200


def draft_children(draft, parent, page_number=None):
    """One page of the children of a node (or of the roots), each with its number of children.
    Returns (rows, page): three queries whatever the size of the draft."""
    children = (draft.nodes.filter(parent=parent).order_by("position", "id")
                .values_list("id", "identifier", "title", "level", "rules"))
    page = Paginator(children, DRAFT_CHILDREN_PAGE).get_page(page_number)
    rows = list(page.object_list)
    counts = _child_counts(draft, [row[0] for row in rows])
    return [DraftNodeRow(pk, identifier, title, level, counts.get(pk, 0), rules or [])
            for pk, identifier, title, level, rules in rows], page


def _child_counts(draft, pks) -> dict[int, int]:
    if not pks:
        return {}
    rows = draft.nodes.filter(parent_id__in=pks).values("parent_id").annotate(n=Count("id"))
    return {row["parent_id"]: row["n"] for row in rows}


def draft_path(draft, node) -> list[TreeNode]:
    """Ancestors of a node, root first (one query for the draft's parent links)."""
    if node is None:
        return []
    parents = dict(draft.nodes.values_list("id", "parent_id"))
    chain = []
    current = node.parent_id
    seen = set()
    while current and current not in seen:
        seen.add(current)
        chain.append(current)
        current = parents.get(current)
    by_pk = {n.pk: n for n in draft.nodes.filter(pk__in=chain)}
    return [by_pk[pk] for pk in reversed(chain) if pk in by_pk] + [node]


def move_targets(draft, node) -> list[tuple[str, str]]:
    """(identifier, "identifier — title") of the nodes `node` may move under: every node of the draft but itself
    and its descendants (a move there would make a cycle), in the draft's order; one query."""
    rows = list(draft.nodes.order_by("position", "id").values_list("id", "parent_id", "identifier", "title"))
    children: dict[int | None, list[int]] = {}
    for pk, parent_id, _identifier, _title in rows:
        children.setdefault(parent_id, []).append(pk)
    excluded, pending = set(), [node.pk]
    while pending:
        current = pending.pop()
        excluded.add(current)
        pending.extend(children.get(current, []))
    return [(identifier, f"{identifier} — {title}") for pk, _parent, identifier, title in rows if pk not in excluded]


def draft_search(draft, text: str, limit: int = 100):
    text = text.strip()
    if not text:
        return []
    return list(draft.nodes.filter(Q(title__icontains=text) | Q(identifier__icontains=text))
                .order_by("identifier")[:limit])


def draft_stats(tree: Tree) -> dict:
    levels: dict[str, int] = {}
    for node in tree.nodes.values():
        levels[node.level] = levels.get(node.level, 0) + 1
    return {"nodes": len(tree.nodes), "roots": len(tree.roots), "depth": tree.depth(), "levels": sorted(levels.items())}


def flatten(tree: Tree) -> list[tuple[int, Node]]:
    """(depth, node) in reading order, for an indented preview (no recursion in templates)."""
    result = []
    stack = [(root, 0) for root in reversed(tree.roots)]
    while stack:
        node, depth = stack.pop()
        result.append((depth, node))
        stack.extend((child, depth + 1) for child in reversed(node.children))
    return result


# --- the tenant's referential -------------------------------------------------------------------


def tenant_rules(tenant) -> list[dict]:
    """The rules of the tenant's referential (RuleId, RuleType, RuleValue), from Vitam."""
    client = vitam_client(tenant, contract=ADMIN)
    query = SelectSingle().limit(10_000).fields("RuleId", "RuleType", "RuleValue").order_by("RuleId")
    return [rule for rule in client.search_rules(query).results if rule.get("RuleId")]


def tenant_rule_types(tenant) -> dict[str, str]:
    return {rule["RuleId"]: rule["RuleType"] for rule in tenant_rules(tenant)}


def tenant_agencies(tenant) -> list[dict]:
    client = vitam_client(tenant, contract=ADMIN)
    query = SelectSingle().limit(1000).fields("Identifier", "Name").order_by("Identifier")
    return [agency for agency in client.search_agencies(query).results if agency.get("Identifier")]


# --- published trees (Vitam) ---------------------------------------------------------------------


@dataclass
class PublishedNode:
    id: str
    title: str
    identifier: str
    level: str
    unit_type: str
    has_children: bool | None = False  # None: not looked up (the page offers to open the node)
    path: list = field(default_factory=list)  # titles of the ancestors, root first (search results)

    @property
    def kind(self):
        return TreeKind.HOLDING_TREE if self.unit_type == "HOLDING_UNIT" else TreeKind.FILING_PLAN


def _node(unit: dict) -> PublishedNode:
    title = unit.get("Title") or ""
    if not title and isinstance(unit.get("Title_"), dict):
        title = next(iter(unit["Title_"].values()), "")
    return PublishedNode(id=unit.get("#id", ""), title=title or unit.get("#id", ""),
                         identifier=_first(unit.get("ArchivalAgencyArchiveUnitIdentifier")),
                         level=unit.get("DescriptionLevel") or "", unit_type=unit.get("#unitType") or "")


def _first(value) -> str:
    """SEDA repeats some Content fields: Vitam returns them as lists."""
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def _mark_children(client, nodes: list[PublishedNode], unit_types) -> list[PublishedNode]:
    """Flag the nodes that have children, with one facet query on the parents of their children."""
    if not nodes:
        return nodes
    query = (Select().roots([n.id for n in nodes]).where(in_("#unitType", list(unit_types))).depth(1)
             .limit(0).facet_terms("parents", "#unitups", size=min(10_000, len(nodes) * 4 + 10)))
    counts = client.search_units(query.build()).facet("parents")
    for node in nodes:
        node.has_children = counts.get(node.id, 0) > 0
    return nodes


def _sorted(nodes: list[PublishedNode]) -> list[PublishedNode]:
    return sorted(nodes, key=lambda n: (_natural(n.identifier) if n.identifier else [(1, "")], n.title.lower()))


def _natural(text: str):
    """"1.10" after "1.9": identifiers of filing plans are numbered."""
    return [(0, int(part)) if part.isdigit() else (1, part.lower()) for part in re.split(r"(\d+)", text) if part]


def tree_roots(tenant, kind: str = "all", *, mark_children: bool = True) -> list[PublishedNode]:
    """Top nodes of the tenant's trees: units of the kind at depth 1 (#min), plus, for the filing plan,
    its units attached directly under a holding unit (a plan hangs from the holding tree)."""
    unit_types = KIND_UNIT_TYPES.get(kind, TREE_UNIT_TYPES)
    client = vitam_client(tenant, contract=ACCESS)
    top = (Select().where(in_("#unitType", list(unit_types)), eq("#min", 1))
           .limit(CHILDREN_PAGE).fields(*NODE_FIELDS))
    nodes = [_node(unit) for unit in client.search_units(top.build()).results]
    if kind == "filing":
        under_holding = (Select().where(eq("#unitType", "HOLDING_UNIT"))
                         .then(eq("#unitType", "FILING_UNIT"), depth=1)
                         .limit(CHILDREN_PAGE).fields(*NODE_FIELDS))
        known = {n.id for n in nodes}
        nodes += [_node(u) for u in client.search_units(under_holding.build()).results if u.get("#id") not in known]
    nodes = _sorted(nodes)
    return _mark_children(client, nodes, unit_types) if mark_children else nodes


def tree_children(tenant, unit_id: str, kind: str = "all", offset: int = 0) -> tuple[list[PublishedNode], int]:
    """One page of the children of a tree node (tree units only), and their total number."""
    unit_types = KIND_UNIT_TYPES.get(kind, TREE_UNIT_TYPES)
    offset = max(0, min(int(offset), 10_000 - CHILDREN_PAGE))  # Vitam's result window
    client = vitam_client(tenant, contract=ACCESS)
    query = (Select().roots([unit_id]).where(in_("#unitType", list(unit_types))).depth(1)
             .offset(offset).limit(CHILDREN_PAGE).fields(*NODE_FIELDS).order_by("Title"))
    response = client.search_units(query.build())
    nodes = [_node(unit) for unit in response.results]
    return _mark_children(client, _sorted(nodes), unit_types), response.total


def tree_children_of_many(tenant, unit_ids: list[str], kind: str = "all") -> dict[str, list[PublishedNode]]:
    """Children of several nodes in one query (the second level of the browser page)."""
    unit_types = KIND_UNIT_TYPES.get(kind, TREE_UNIT_TYPES)
    client = vitam_client(tenant, contract=ACCESS)
    query = (Select().roots(unit_ids).where(in_("#unitType", list(unit_types))).depth(1)
             .limit(min(10_000, CHILDREN_PAGE * len(unit_ids))).fields(*NODE_FIELDS))
    units = client.search_units(query.build()).results
    # Whether these nodes have children themselves stays unknown (None): finding out would read every
    # grandchild; the page offers to open each of them instead.
    nodes = [_node(unit) for unit in units]
    for node in nodes:
        node.has_children = None
    parents = {unit["#id"]: unit.get("#unitups") or [] for unit in units}
    wanted = set(unit_ids)
    result: dict[str, list[PublishedNode]] = {unit_id: [] for unit_id in unit_ids}
    for node in nodes:
        for parent in parents.get(node.id, []):
            if parent in wanted:
                result[parent].append(node)
    return {unit_id: _sorted(children)[:CHILDREN_PAGE] for unit_id, children in result.items()}


def tree_search(tenant, text: str, kind: str = "all") -> list[PublishedNode]:
    """Nodes whose title matches (any word) or whose identifier is exactly the text, each with its path
    from the root (one more query for every ancestor of every result)."""
    text = text.strip()
    if not text:
        return []
    unit_types = KIND_UNIT_TYPES.get(kind, TREE_UNIT_TYPES)
    client = vitam_client(tenant, contract=ACCESS)
    query = (Select().where(in_("#unitType", list(unit_types)),
                            or_(match("Title", text), eq("ArchivalAgencyArchiveUnitIdentifier", text)))
             .limit(SEARCH_LIMIT).fields(*NODE_FIELDS, "#allunitups"))
    units = client.search_units(query.build()).results
    ancestors = sorted({a for unit in units for a in unit.get("#allunitups") or []})
    known = {}
    if ancestors:
        found = client.search_units(Select().where(in_("#id", ancestors)).limit(min(len(ancestors), 10_000))
                                    .fields("#id", "Title", "#unitups").build()).results
        known = {unit["#id"]: unit for unit in found}
    nodes = []
    for unit in units:
        node = _node(unit)
        chain, current, seen = [], (unit.get("#unitups") or [None])[0], set()
        while current and current in known and current not in seen:
            seen.add(current)
            chain.append(_first(known[current].get("Title")) or current)
            current = (known[current].get("#unitups") or [None])[0]
        node.path = list(reversed(chain))
        nodes.append(node)
    return _sorted(nodes)


@dataclass
class NodeDetail:
    node: PublishedNode
    unit: dict
    path: list[PublishedNode]
    rules: list[dict]
    filed_units: int
    filed_units_capped: bool


def tree_node(tenant, unit_id: str) -> NodeDetail:
    """A published tree node: metadata, own rules, path from the root, number of archive units filed under it."""
    client = vitam_client(tenant, contract=ACCESS)
    try:
        unit = client.get_unit(unit_id)
    except VitamNotFound:
        raise Http404("No such unit") from None
    if unit.get("#unitType") not in TREE_UNIT_TYPES:
        raise Http404("Not a tree unit")
    ancestors = [a for a in unit.get("#allunitups") or [] if a]
    path = []
    if ancestors:
        query = Select().where(in_("#id", ancestors)).limit(len(ancestors)).fields(*NODE_FIELDS, "#min")
        found = {u["#id"]: u for u in client.search_units(query.build()).results}
        # Order root first: follow the direct parents upwards from the unit.
        chain, current, seen = [], (unit.get("#unitups") or [None])[0], set()
        while current and current in found and current not in seen:
            seen.add(current)
            chain.append(_node(found[current]))
            current = (found[current].get("#unitups") or [None])[0]
        path = list(reversed(chain))
    filed = client.search_units(Select().roots([unit_id]).where(eq("#unitType", "INGEST")).limit(0).build())
    return NodeDetail(node=_node(unit), unit=unit, path=path, rules=unit_rules(unit),
                      filed_units=filed.total, filed_units_capped=filed.total >= 10_000)


def unit_rules(unit: dict) -> list[dict]:
    """Own rules of a unit as rows {category, rule, start_date, end_date, final_action}."""
    rows = []
    management = unit.get("#management") or {}
    for category in RULE_CATEGORIES_ORDER:
        block = management.get(category) or {}
        for rule in block.get("Rules") or []:
            rows.append({"category": category, "rule": rule.get("Rule", ""), "start_date": rule.get("StartDate", ""),
                         "end_date": rule.get("EndDate", ""), "final_action": block.get("FinalAction", "")})
        if not block.get("Rules") and block.get("FinalAction"):
            rows.append({"category": category, "rule": "", "start_date": "", "end_date": "",
                         "final_action": block["FinalAction"]})
    return rows


def published_subtree(tenant, unit_id: str) -> tuple[dict, list[dict]]:
    """A published node and every tree unit under it (for a draft made from the published tree)."""
    client = vitam_client(tenant, contract=ACCESS)
    try:
        root = client.get_unit(unit_id)
    except VitamNotFound:
        raise Http404("No such unit") from None
    if root.get("#unitType") not in TREE_UNIT_TYPES:
        raise Http404("Not a tree unit")
    fields = (*NODE_FIELDS, "Description", "#management")
    query = (Select().roots([unit_id]).where(eq("#unitType", root["#unitType"])).depth(100)
             .limit(10_000).fields(*fields))
    return root, client.search_units(query.build()).results
