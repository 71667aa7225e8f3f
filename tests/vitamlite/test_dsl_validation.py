"""DSL validation against Vitam's own conformance files (dsl/valid and dsl/invalid of the corpus)."""

import json

import pytest

from vitamlite.dsl import DslInvalid, validate

CORPUS_DSL = __import__("pathlib").Path(__file__).resolve().parents[2] / ".." / "shared" / "vitam-reference" / "dsl"


def _cases(status):
    directory = CORPUS_DSL / status
    if not directory.is_dir():
        return []
    return sorted(
        pytest.param(path, path.parent.name.replace("-", "_"), id=f"{path.parent.name}/{path.name}")
        for path in directory.glob("*/*.json")
    )


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_corpus_is_present(vitam_reference):
    assert len(list((vitam_reference / "dsl" / "valid").glob("*/*.json"))) == 22
    assert len(list((vitam_reference / "dsl" / "invalid").glob("*/*.json"))) == 32


@pytest.mark.parametrize(("path", "kind"), _cases("valid"))
def test_valid_queries_are_accepted(path, kind):
    validate(_load(path), kind)


@pytest.mark.parametrize(("path", "kind"), _cases("invalid"))
def test_invalid_queries_are_rejected(path, kind):
    with pytest.raises(DslInvalid) as error:
        validate(_load(path), kind)
    assert error.value.description.strip()


# Why each invalid file is rejected: the error must name the right rule (file -> expected fragment).
REASONS = {
    "batch-processing/elimination-query-invalid-threshold.json": "Validating $threshold: posinteger ~ INVALID_VALUE",
    "batch-processing/elimination-query-invalid-with-filter.json": "INVALID_JSON_FIELD: $filter",
    "batch-processing/elimination-query-invalid-with-projection.json": "INVALID_JSON_FIELD: $projection",
    "get-by-id/get_by_id_no_projection.json": "Validating $projection: {$fields: ...} ~ MANDATORY",
    "get-by-id/get_by_id_query.json": "INVALID_JSON_FIELD: $query",
    "get-by-id/get_by_id_unknown_key.json": "INVALID_JSON_FIELD: $unknownKey",
    "select-multiple/select_multiple_complete_facet_no_name.json": "ELEMENT_TOO_SHORT: 1 < 2",
    "select-multiple/select_multiple_complete_facet_terms_invalid_order.json": 'Validating $order: "ASC" | "DESC" ~ INVALID_VALUE',
    "select-multiple/select_multiple_complete_facet_terms_no_size.json": "Validating $size: posinteger ~ MANDATORY",
    "select-multiple/select_multiple_no_query.json": "~ MANDATORY ~ hint: List of query",
    "select-multiple/select_multiple_no_root_graph_invalid.json": "the first query should not contain a field $depth",
    "select-multiple/select_multiple_query_not_array.json": "~ WRONG_JSON_TYPE: OBJECT ~ hint: List of query",
    "select-multiple/select_multiple_root_graph_invalid.json": "the query should contain a field $depth or $exactdepth",
    "select-multiple/select_multiple_unknown_key.json": "INVALID_JSON_FIELD: unknown",
    "select-multiple/select_multiple_wrong_root.json": 'Validating $roots: guid ~ INVALID_VALUE: STRING ~ found json: "fail"',
    "select-single/select_single_no_projection.json": "Validating $projection: {$fields: ...} ~ MANDATORY",
    "select-single/select_single_no_query.json": "~ MANDATORY ~ hint: Single query",
    "select-single/select_single_with_unknown_key.json": "INVALID_JSON_FIELD: $unknown",
    "select-single/select_single_wrong_values_filter.json": "Validating $offset: posinteger ~ INVALID_VALUE: STRING",
    "select-single/select_single_wrong_values_projection.json": "Validating $fields: 1 ~ INVALID_VALUE",
    "update-by-id/update_by_id_empty_action.json": "ELEMENT_TOO_SHORT: 0 < 1",
    "update-by-id/update_by_id_empty_set_action.json": "Validating $set: {[any key]: any} ~ ELEMENT_TOO_SHORT: 0 < 1",
    "update-by-id/update_by_id_empty_unset_action.json": "Validating $unset: [string, ...] ~ ELEMENT_TOO_SHORT: 0 < 1",
    "update-by-id/update_by_id_projection.json": "INVALID_JSON_FIELD: $projection",
    "update-by-id/update_by_id_query.json": "INVALID_JSON_FIELD: $query",
    "update-by-id/update_by_id_wrong_unset_action.json": "Validating $unset: string ~ INVALID_VALUE: NUMBER",
    "update-mass/update_multiple_regex_pattern_without_controlPattern.json": "Validating $controlPattern: string ~ MANDATORY",
    "update-mass/update_multiple_regex_pattern_without_updatePattern.json": "Validating $updatePattern: string ~ MANDATORY",
    "update-mass/update_multiple_with_filter.json": "INVALID_JSON_FIELD: $filter",
    "update-mass/update_multiple_with_invalid_threshold.json": "Validating $threshold: posinteger ~ INVALID_VALUE",
    "update-mass/update_multiple_with_projection.json": "INVALID_JSON_FIELD: $projection",
    "update-mass/update_multiple_with_single_query.json": "~ WRONG_JSON_TYPE: OBJECT ~ hint: List of query",
}


@pytest.mark.parametrize("name", sorted(REASONS))
def test_invalid_queries_are_rejected_for_the_right_reason(vitam_reference, name):
    path = vitam_reference / "dsl" / "invalid" / name
    with pytest.raises(DslInvalid) as error:
        validate(_load(path), path.parent.name.replace("-", "_"))
    assert REASONS[name] in error.value.description


def test_reasons_cover_every_invalid_file(vitam_reference):
    files = {f"{p.parent.name}/{p.name}" for p in (vitam_reference / "dsl" / "invalid").glob("*/*.json")}
    assert files == set(REASONS)


def test_error_text_follows_vitam_layout():
    with pytest.raises(DslInvalid) as error:
        validate({"$query": [], "$projection": {}, "$filter": {"$limit": "10"}}, "select_multiple")
    assert error.value.description == (
        'Validating $limit: posinteger ~ INVALID_VALUE: STRING ~ hint: Max number of results ~ found json: "10"'
        " ~ path: [$filter, $limit]\n"
    )


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"$query": [{"$eq": {"Title": "a"}, "$foo": 1}], "$projection": {}}, "INVALID_JSON_FIELD: $foo"),
        ({"$query": [{"$eq": {"Title": "a", "Description": "b"}}], "$projection": {}}, "ELEMENT_TOO_LONG: 2 > 1"),
        ({"$query": [{"$exists": {"Title": 1}}], "$projection": {}}, "Validating $exists: string ~ INVALID_VALUE: OBJECT"),
        ({"$query": [{"$range": {"StartDate": {"$gte": "2000"}}}], "$projection": {}}, "ELEMENT_TOO_SHORT: 1 < 2"),
        ({"$query": [{"$in": {"#id": "a"}}], "$projection": {}}, "WRONG_JSON_TYPE: STRING"),
        ({"$query": [{"$and": []}], "$projection": {}}, "ELEMENT_TOO_SHORT: 0 < 1"),
        ({"$query": [{}], "$projection": {}}, "ELEMENT_TOO_SHORT: 0 < 1"),
        ({"$query": [{"$eq": {"_id": "x"}}], "$projection": {}}, "fields starting with _ are forbidden"),
        ({"$query": [{"$range": {"StartDate": {"$gte": "2000", "$foo": "2001"}}}], "$projection": {}}, "Invalid $range bound $foo"),
        ({"$query": [], "$filter": {"$offset": 9990, "$limit": 20}, "$projection": {}}, "exceeds the result window of 10000"),
        ({"$query": [], "$filter": {"$orderby": {"Title": 2}}, "$projection": {}}, "Validating $orderby: -1 | 1 ~ INVALID_VALUE"),
        ({"$query": [], "$filter": {"$track_total_hits": "yes"}, "$projection": {}}, "INVALID_VALUE: STRING"),
    ],
)
def test_semantic_and_schema_errors_of_select_multiple(query, fragment):
    with pytest.raises(DslInvalid) as error:
        validate(query, "select_multiple")
    assert fragment in error.value.description


def test_depth_alone_is_a_valid_root_query_as_in_vitam():
    # The union ROOT_QUERY = QUERY & {$depth}: {"$depth": n} has one key, so the key choice's size is met.
    validate({"$roots": ["aeaqaaaaaagdmvr3abnwoak7fzjq75qaaaca"], "$query": [{"$depth": 2}], "$projection": {}},
             "select_multiple")


def test_projection_value_must_be_the_integer_one():
    for flag in (1.0, True, "1"):
        with pytest.raises(DslInvalid):
            validate({"$projection": {"$fields": {"Title": flag}}}, "get_by_id")
    validate({"$projection": {"$fields": {"Title": 1}}}, "get_by_id")


def test_select_single_accepts_empty_query_and_rejects_two_operators():
    validate({"$query": {}, "$projection": {}}, "select_single")
    with pytest.raises(DslInvalid) as error:
        validate({"$query": {"$eq": {"a": 1}, "$ne": {"b": 2}}, "$projection": {}}, "select_single")
    assert "ELEMENT_TOO_LONG: 2 > 1" in error.value.description


def test_subobject_on_object_groups_is_accepted():
    validate(
        {"$query": [{"$subobject": {"#qualifiers.versions": {"$eq": {"FormatIdentification.MimeType": "text/plain"}}}}],
         "$projection": {}},
        "select_multiple",
    )


def test_reclassification_and_bulk_update_schemas():
    guid = "aeaqaaaaaagdmvr3abnwoak7fzjq75qaaaca"
    validate([{"$roots": [], "$query": [{"$eq": {"#id": guid}}], "$action": [{"$add": {"#unitups": [guid]}}]}],
             "reclassification")
    with pytest.raises(DslInvalid):
        validate([{"$query": [{"$eq": {"#id": guid}}], "$action": [{"$add": {"#unitups": ["x"]}}]}], "reclassification")
    validate({"queries": [{"$query": [{"$eq": {"#id": guid}}], "$action": [{"$set": {"Title": "t"}}]}]}, "update_bulk")
    with pytest.raises(DslInvalid):
        validate({"queries": []}, "update_bulk")


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        validate({}, "select_everything")
