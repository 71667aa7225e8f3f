"""Inherited rules computed exactly like Vitam on its own test cases (shared/vitam-reference/inheritance)."""

import json

import pytest

from vitamlite.inheritance import compute_inherited_rules

CASES = [
    "TestCase2_SingleUnit_SimpleRules",
    "TestCase4_SimpleHierarchy_BasicRules",
    "TestCase5_SimpleHierarchy_PreventInheritance",
    "TestCase6_SimpleHierarchy_PreventRulesId",
    "TestCase7_MultipleParents_MergePaths",
    "TestCase8_ComplexHierarchy",
]


def canonical(value):
    """Order-insensitive form of lists of rules/properties/paths, keeping each path's own order."""
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [canonical(item) for item in value]
        if all(isinstance(item, str) for item in items):
            return items  # a path: order matters
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def test_every_reference_case_is_listed(vitam_reference):
    assert sorted(p.name for p in (vitam_reference / "inheritance").iterdir()) == sorted(CASES)


@pytest.mark.parametrize("case", CASES)
def test_inherited_rules_match_vitam(vitam_reference, case):
    directory = vitam_reference / "inheritance" / case
    units = json.loads((directory / "Input.json").read_text(encoding="utf-8"))
    expected = json.loads((directory / "ExpectedResult.json").read_text(encoding="utf-8"))

    computed = compute_inherited_rules({unit["#id"]: unit for unit in units})

    assert canonical(computed) == canonical(expected)


def test_implicit_keep_hides_other_agencies_final_action():
    units = {
        "parent": {"#id": "parent", "#unitups": [], "#originating_agency": "sp1",
                   "#management": {"AppraisalRule": {"Rules": [], "FinalAction": "Destroy"}}},
        "child": {"#id": "child", "#unitups": ["parent"], "#originating_agency": "sp2", "#management": {}},
        "holding": {"#id": "holding", "#unitups": [], "#management": {}},
    }
    computed = compute_inherited_rules(units)

    assert [(p["UnitId"], p["PropertyValue"]) for p in computed["child"]["AppraisalRule"]["Properties"]] == [
        ("child", "Keep")]
    assert computed["holding"]["AppraisalRule"]["Properties"] == []


def test_a_cycle_is_reported():
    units = {"a": {"#id": "a", "#unitups": ["b"]}, "b": {"#id": "b", "#unitups": ["a"]}}
    with pytest.raises(ValueError, match="cycle"):
        compute_inherited_rules(units)
