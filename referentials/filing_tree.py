"""Filing trees (plan de classement, arbre de positionnement) as drafts: import, check, export, SIP.

A tree is read whole from a CSV (identifier, parent identifier, title, description level,
description, rules, final action) or from a SEDA manifest, checked whole (duplicates, empty titles,
orphans, cycles, unknown levels or rules), and only then turned into a SEDA 2.1 SIP that Vitam
ingests with the FILING_SCHEME or HOLDING_SCHEME workflow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from lxml import etree

from referentials.spreadsheets import SpreadsheetError, map_columns, normalise_name, read_table
from sam.lib import safe_xml
from sam.lib.csv_export import csv_bytes, restore
from sam.lib.seda.sip import DESCRIPTION_LEVELS, SipRule, SipUnit

COLUMN_ALIASES = {
    "identifier": ("identifiant", "id", "code", "cote"),
    "parent": ("parentidentifier", "identifiantparent", "parent", "idparent", "codeparent"),
    "title": ("intitule", "titre", "libelle"),
    "level": ("descriptionlevel", "niveau", "niveaudedescription"),
    "description": ("description", "presentation"),
    "rules": ("regles", "reglesdegestion", "regle"),
    "final_action": ("finalaction", "sortfinal"),
}
CSV_HEADER = ("Identifiant", "Identifiant parent", "Intitulé", "Niveau de description", "Description", "Règles", "Sort final")
LEVEL_ALIASES = {
    normalise_name(alias): level
    for level, aliases in {
        "Fonds": ("Fonds",), "Subfonds": ("Sous-fonds",), "Class": ("Classe",),
        "Collection": ("Collection",), "Series": ("Série",), "Subseries": ("Sous-série",),
        "RecordGrp": ("Groupe de documents", "Groupe d'articles"), "SubGrp": ("Sous-groupe de documents",),
        "File": ("Dossier",), "Item": ("Pièce", "Document"), "OtherLevel": ("Autre",),
    }.items()
    for alias in (*aliases, level)
}
FINAL_ACTIONS = {"keep": "Keep", "conserver": "Keep", "conservation": "Keep",
                 "destroy": "Destroy", "detruire": "Destroy", "destruction": "Destroy", "eliminer": "Destroy"}
RULE_SPLIT = re.compile(r"[\s,;|]+")
# Characters XML 1.0 cannot carry (a SIP could not be built): control characters other than tab and newlines.
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_IDENTIFIER = 200
MAX_TITLE = 500
MAX_NODES = 50_000
MAX_MANIFEST_BYTES = 50 * 1024 * 1024


@dataclass
class Node:
    identifier: str
    title: str
    parent: str = ""
    level: str = "Series"
    description: str = ""
    rules: list[str] = field(default_factory=list)
    final_action: str = ""
    line: int = 0
    children: list[Node] = field(default_factory=list, repr=False)


@dataclass
class TreeProblem:
    line: int
    identifier: str
    message: str

    def __str__(self):
        if self.line:
            return _("Line %(line)s (%(id)s): %(message)s") % {"line": self.line, "id": self.identifier or "—", "message": self.message}
        return f"{self.identifier}: {self.message}"


@dataclass
class Tree:
    nodes: dict[str, Node] = field(default_factory=dict)
    roots: list[Node] = field(default_factory=list)
    problems: list[TreeProblem] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)

    @property
    def is_valid(self):
        return not self.problems and not self.file_errors

    def walk(self):
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def depth(self):
        best = 0
        stack = [(root, 1) for root in self.roots]
        while stack:
            node, depth = stack.pop()
            best = max(best, depth)
            stack.extend((child, depth + 1) for child in node.children)
        return best


def check_tree(nodes: list[Node], known_rules: dict[str, str] | None = None) -> Tree:
    """Link the nodes and report every problem: nothing is published from a tree with problems."""
    tree = Tree()
    if len(nodes) > MAX_NODES:
        tree.file_errors.append(_("The tree has more than %(max)s nodes.") % {"max": MAX_NODES})
        return tree
    for node in nodes:
        if not node.identifier:
            tree.problems.append(TreeProblem(node.line, "", _("the identifier is missing.")))
            continue
        if node.identifier in tree.nodes:
            first = tree.nodes[node.identifier]
            tree.problems.append(TreeProblem(
                node.line, node.identifier,
                _("the identifier is already used on line %(other)s.") % {"other": first.line},
            ))
            continue
        tree.nodes[node.identifier] = node
        if not node.title.strip():
            tree.problems.append(TreeProblem(node.line, node.identifier, _("the title is empty.")))
        if len(node.identifier) > MAX_IDENTIFIER or len(node.title) > MAX_TITLE:
            tree.problems.append(TreeProblem(node.line, node.identifier, _(
                "the identifier is longer than %(id_max)s characters or the title longer than %(title_max)s.")
                % {"id_max": MAX_IDENTIFIER, "title_max": MAX_TITLE}))
        if any(NOT_XML.search(value) for value in (node.identifier, node.title, node.description, node.parent)):
            tree.problems.append(TreeProblem(node.line, node.identifier, _(
                "the line contains an invisible control character: retype it.")))
        if node.level not in DESCRIPTION_LEVELS:
            tree.problems.append(TreeProblem(
                node.line, node.identifier, _("“%(level)s” is not a description level.") % {"level": node.level},
            ))
        for rule_id in node.rules:
            if known_rules is not None and rule_id not in known_rules:
                tree.problems.append(TreeProblem(
                    node.line, node.identifier,
                    _("the rule %(rule)s does not exist in this tenant's referential.") % {"rule": rule_id},
                ))
        if node.final_action and node.final_action not in ("Keep", "Destroy"):
            tree.problems.append(TreeProblem(
                node.line, node.identifier,
                _("“%(value)s” is not a final action: write Conserver or Détruire.") % {"value": node.final_action},
            ))
    for node in tree.nodes.values():
        if not node.parent:
            tree.roots.append(node)
        elif node.parent == node.identifier:
            tree.problems.append(TreeProblem(node.line, node.identifier, _("the node is its own parent.")))
        elif node.parent not in tree.nodes:
            tree.problems.append(TreeProblem(
                node.line, node.identifier,
                _("orphan node: the parent %(parent)s does not exist.") % {"parent": node.parent},
            ))
        else:
            tree.nodes[node.parent].children.append(node)
    _report_cycles(tree)
    if not tree.nodes and not tree.problems:
        tree.file_errors.append(_("The tree is empty."))
    return tree


def _report_cycles(tree: Tree):
    """Nodes whose chain of parents loops never reach a root: report each cycle once."""
    done: set[str] = set()
    for start in tree.nodes:
        path: list[str] = []
        position: dict[str, int] = {}
        current = start
        while current in tree.nodes and current not in done and current not in position:
            position[current] = len(path)
            path.append(current)
            current = tree.nodes[current].parent
        cycle = path[position[current]:] if current in position else []
        if len(cycle) > 1:  # a node that is its own parent is reported on its own
            for identifier in cycle:
                node = tree.nodes[identifier]
                tree.problems.append(TreeProblem(
                    node.line, identifier,
                    _("cycle in the tree: %(cycle)s.") % {"cycle": " → ".join([*cycle, cycle[0]])},
                ))
        done.update(path)


def parse_tree_csv(data: bytes, known_rules: dict[str, str] | None = None) -> Tree:
    try:
        table = read_table(data)
    except SpreadsheetError as exc:
        return Tree(file_errors=[str(exc)])
    positions, _unknown = map_columns(table.header, COLUMN_ALIASES)
    missing = [name for name in ("identifier", "parent", "title") if name not in positions]
    if missing:
        labels = {"identifier": "Identifiant", "parent": "Identifiant parent", "title": "Intitulé"}
        return Tree(file_errors=[
            _("Missing columns: %(columns)s. Expected: %(expected)s.")
            % {"columns": ", ".join(labels[m] for m in missing), "expected": ", ".join(CSV_HEADER)}
        ])
    nodes = []
    for line, values in table.rows:
        if not any(values):
            continue

        def cell(name):
            index = positions.get(name)
            return restore(values[index].strip()) if index is not None and index < len(values) else ""

        raw_level = cell("level")
        raw_action = cell("final_action")
        nodes.append(Node(
            identifier=cell("identifier"), parent=cell("parent"), title=cell("title"),
            level=LEVEL_ALIASES.get(normalise_name(raw_level), raw_level) if raw_level else "Series",
            description=cell("description"),
            rules=[rule for rule in RULE_SPLIT.split(cell("rules")) if rule],
            final_action=FINAL_ACTIONS.get(normalise_name(raw_action), raw_action) if raw_action else "",
            line=line,
        ))
    return check_tree(nodes, known_rules)


SEDA = "{fr:gouv:culture:archivesdefrance:seda:v2.1}"


def parse_tree_seda(data: bytes, known_rules: dict[str, str] | None = None) -> Tree:
    """Read the ArchiveUnit hierarchy of a SEDA 2.1 manifest (hostile XML: no entities, no network)."""
    if len(data) > MAX_MANIFEST_BYTES:
        return Tree(file_errors=[_("The manifest is larger than %(size)s MB.") % {"size": MAX_MANIFEST_BYTES // 1024**2}])
    try:
        document = safe_xml.parse_bytes(data)
    except etree.XMLSyntaxError as exc:
        return Tree(file_errors=[_("The manifest is not well-formed XML: %(error)s") % {"error": exc}])
    if safe_xml.declares_doctype(document):
        # SEDA never needs a DOCTYPE: it is how entity bombs and external entities get in.
        return Tree(file_errors=[_("The manifest contains a DOCTYPE declaration, refused for security.")])
    root = document.getroot()
    if root.tag != f"{SEDA}ArchiveTransfer":
        return Tree(file_errors=[_("This is not a SEDA 2.1 ArchiveTransfer manifest.")])
    descriptive = root.find(f"{SEDA}DataObjectPackage/{SEDA}DescriptiveMetadata")
    if descriptive is None:
        return Tree(file_errors=[_("The manifest has no DescriptiveMetadata.")])
    nodes = []
    by_id = {unit.get("id"): unit for unit in descriptive.iter(f"{SEDA}ArchiveUnit") if unit.get("id")}

    def visit(unit, parent_identifier):
        reference = unit.findtext(f"{SEDA}ArchiveUnitRefId")
        if reference:
            unit = by_id.get(reference, unit)
        content = unit.find(f"{SEDA}Content")
        identifier = (content.findtext(f"{SEDA}ArchivalAgencyArchiveUnitIdentifier") if content is not None else None) or unit.get("id") or ""
        rules = []
        final_action = ""
        management = unit.find(f"{SEDA}Management")
        if management is not None:
            for category in management:
                rules.extend(rule.text.strip() for rule in category.findall(f"{SEDA}Rule") if rule.text)
                final_action = final_action or (category.findtext(f"{SEDA}FinalAction") or "")
        nodes.append(Node(
            identifier=identifier, parent=parent_identifier, line=unit.sourceline or 0,
            title=(content.findtext(f"{SEDA}Title") or "") if content is not None else "",
            level=(content.findtext(f"{SEDA}DescriptionLevel") or "Series") if content is not None else "Series",
            description=(content.findtext(f"{SEDA}Description") or "") if content is not None else "",
            rules=rules, final_action=final_action,
        ))
        for child in unit.findall(f"{SEDA}ArchiveUnit"):
            visit(child, identifier)

    referenced = {unit.findtext(f"{SEDA}ArchiveUnitRefId") for unit in descriptive.iter(f"{SEDA}ArchiveUnit")}
    for unit in descriptive.findall(f"{SEDA}ArchiveUnit"):
        if unit.get("id") not in referenced:
            visit(unit, "")
    return check_tree(nodes, known_rules)


def tree_to_csv(tree: Tree) -> bytes:
    """The CSV a spreadsheet opens (UTF-8 with BOM, ';' for French locales, formulas neutralised),
    re-importable as is."""
    actions = {"Keep": "Conserver", "Destroy": "Détruire"}
    rows = ([node.identifier, node.parent, node.title, node.level, node.description, " ".join(node.rules),
             actions.get(node.final_action, "")] for node in tree.walk())
    return csv_bytes(CSV_HEADER, rows)


def tree_to_sip_units(tree: Tree, rule_types: dict[str, str], *, start_date=None) -> list[SipUnit]:
    """SIP units for publication; `rule_types` maps each rule id to its Vitam category."""

    def convert(node: Node) -> SipUnit:
        rules = [SipRule(rule_types[rule_id], rule_id, start_date) for rule_id in node.rules]
        if node.final_action:
            appraisal = [rule for rule in rules if rule.category == "AppraisalRule"]
            if appraisal:
                appraisal[0].final_action = node.final_action
            else:
                rules.append(SipRule("AppraisalRule", None, None, final_action=node.final_action))
        return SipUnit(
            title=node.title, description_level=node.level, description=node.description,
            identifier=node.identifier, rules=rules, children=[convert(child) for child in node.children],
        )

    if not tree.is_valid:
        raise ValueError("a tree with problems cannot be published")
    return [convert(root) for root in tree.roots]
