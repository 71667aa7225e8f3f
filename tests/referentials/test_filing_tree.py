"""Filing-tree drafts: CSV and SEDA import, whole-tree checks, export and SIP building."""

import zipfile

import pytest
from django.utils import translation

from referentials.filing_tree import (
    parse_tree_csv, parse_tree_seda, tree_to_csv, tree_to_sip_units,
)
from sam.lib.seda.sip import SipPackage, write_sip

PLAN = (
    "Identifiant;Identifiant parent;Intitulé;Niveau de description;Description;Règles;Sort final\n"
    "1;;Administration générale;Série;;;\n"
    "1.1;1;Conseil municipal;Sous-série;Délibérations et PV;APP-DELIB;Conserver\n"
    "1.2;1;Arrêtés du maire;Sous-série;;APP-ARR ACC-00001;\n"
    "2;;Urbanisme;Série;;;\n"
    "2.1;2;Permis de construire;Dossier;;APP-PC;Détruire\n"
)
RULES = {"APP-DELIB": "AppraisalRule", "APP-ARR": "AppraisalRule", "ACC-00001": "AccessRule", "APP-PC": "AppraisalRule"}


def problems(tree):
    return sorted((p.identifier, p.message) for p in tree.problems)


def test_a_french_plan_is_read_with_levels_rules_and_final_actions():
    tree = parse_tree_csv(PLAN.encode("cp1252"), RULES)
    assert tree.is_valid, [str(p) for p in tree.problems]
    assert [root.identifier for root in tree.roots] == ["1", "2"]
    council = tree.nodes["1.1"]
    assert (council.level, council.rules, council.final_action) == ("Subseries", ["APP-DELIB"], "Keep")
    assert tree.nodes["1.2"].rules == ["APP-ARR", "ACC-00001"]
    assert tree.nodes["2.1"].final_action == "Destroy"
    assert [node.identifier for node in tree.walk()] == ["1", "1.1", "1.2", "2", "2.1"]
    assert tree.depth() == 2


def test_cycles_orphans_duplicates_and_empty_titles_name_the_offending_identifiers():
    data = (
        "Identifiant,Identifiant parent,Intitulé\n"
        "A,,Racine\n"
        "B,C,Boucle 1\n"
        "C,D,Boucle 2\n"
        "D,B,Boucle 3\n"
        "E,ZZZ,Orphelin\n"
        "A,,Doublon\n"
        "F,A,\n"
        "G,G,Lui-même\n"
    ).encode()
    with translation.override("en"):
        tree = parse_tree_csv(data)
        messages = [str(p) for p in tree.problems]  # rendered in the active language
    assert not tree.is_valid
    flagged = {p.identifier for p in tree.problems}
    assert flagged == {"B", "C", "D", "E", "A", "F", "G"}
    assert any("cycle in the tree" in m and "B" in m and "D" in m for m in messages)
    assert "Line 6 (E): orphan node: the parent ZZZ does not exist." in messages
    assert "Line 7 (A): the identifier is already used on line 2." in messages
    assert "Line 8 (F): the title is empty." in messages
    assert "Line 9 (G): the node is its own parent." in messages


def test_unknown_rules_and_levels_are_refused():
    data = "Identifiant;Identifiant parent;Intitulé;Niveau;Règles\nX;;Titre;Chapitre;APP-404\n".encode()
    with translation.override("en"):
        tree = parse_tree_csv(data, RULES)
    assert {p.message for p in tree.problems} == {
        "“Chapitre” is not a description level.",
        "the rule APP-404 does not exist in this tenant's referential.",
    }


def test_missing_columns_are_a_file_error():
    with translation.override("en"):
        tree = parse_tree_csv(b"Code;Nom\n1;x\n")
    assert tree.file_errors and "Identifiant parent" in tree.file_errors[0]


def test_export_is_reimported_identically():
    tree = parse_tree_csv(PLAN.encode(), RULES)
    again = parse_tree_csv(tree_to_csv(tree), RULES)
    assert again.is_valid
    assert [(n.identifier, n.parent, n.title, n.level, n.rules, n.final_action) for n in again.walk()] == [
        (n.identifier, n.parent, n.title, n.level, n.rules, n.final_action) for n in tree.walk()
    ]


def test_export_neutralises_formulas_and_reimports_them_as_typed():
    tree = parse_tree_csv((PLAN + '3;;=HYPERLINK("http://evil");Série;-x;;\n').encode(), RULES)
    exported = tree_to_csv(tree).decode("utf-8-sig")
    assert '\'=HYPERLINK(""http://evil"")' in exported and ";'-x;" in exported
    again = parse_tree_csv(tree_to_csv(tree), RULES)
    assert again.nodes["3"].title == '=HYPERLINK("http://evil")' and again.nodes["3"].description == "-x"


def test_sip_of_a_plan_and_its_seda_reimport(tmp_path):
    tree = parse_tree_csv(PLAN.encode(), RULES)
    package = SipPackage(
        message_identifier="PLAN-CERGY-1", archival_agency="AD95", transferring_agency="CERGY",
        originating_agency="CERGY", archival_agreement="IC-SAM-2", units=tree_to_sip_units(tree, RULES),
    )
    built = write_sip(package, tmp_path / "plan.zip")
    assert built.unit_count == 5 and built.object_count == 0
    with zipfile.ZipFile(built.path) as archive:
        manifest = archive.read("manifest.xml")
    again = parse_tree_seda(manifest, RULES)
    assert again.is_valid, [str(p) for p in again.problems]
    assert [(n.identifier, n.parent, n.title, n.rules, n.final_action) for n in again.walk()] == [
        (n.identifier, n.parent, n.title, n.rules, n.final_action) for n in tree.walk()
    ]


def test_seda_with_entity_declarations_is_not_expanded():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<ArchiveTransfer xmlns="fr:gouv:culture:archivesdefrance:seda:v2.1"><DataObjectPackage>'
        b"<DescriptiveMetadata><ArchiveUnit id='a'><Content><DescriptionLevel>Series</DescriptionLevel>"
        b"<Title>&lol2;</Title></Content></ArchiveUnit></DescriptiveMetadata></DataObjectPackage></ArchiveTransfer>"
    )
    tree = parse_tree_seda(bomb)
    assert all("lollol" not in node.title for node in tree.nodes.values())


def test_a_plan_of_5000_nodes_is_read_whole():
    lines = ["Identifiant;Identifiant parent;Intitulé;Niveau de description"]
    for series in range(50):
        lines.append(f"S{series};;Série {series};Série")
        for file in range(99):
            lines.append(f"S{series}.{file};S{series};Dossier {series}.{file};Dossier")
    data = "\n".join(lines).encode()
    tree = parse_tree_csv(data)
    assert tree.is_valid and len(tree.nodes) == 5000
    assert len(tree.roots) == 50 and tree.depth() == 2
