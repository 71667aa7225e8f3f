"""The DSL builder produces Vitam's query shapes (vitam-api.md section 6) and refuses misuse."""

import pytest

from sam.vitam import GetById, Select, SelectSingle, and_, eq, exists, in_, match, not_, or_, range_
from sam.vitam.dsl import update_by_id


def test_select_multiple_full_shape():
    query = (Select().where(eq("DescriptionLevel", "File"), match("Title", "marché"))
             .roots(["aeaq1"]).depth(3).offset(10).limit(20).order_by("Title").order_by("StartDate", desc=True)
             .fields("Title", "#id").facet_terms("agency", "#originating_agency", size=5, order="ASC")
             .facet_filters("rules", {"access": exists("#management.AccessRule.Rules.Rule")}).build())
    assert query == {
        "$roots": ["aeaq1"],
        "$query": [{"$and": [{"$eq": {"DescriptionLevel": "File"}}, {"$match": {"Title": "marché"}}], "$depth": 3}],
        "$filter": {"$offset": 10, "$limit": 20, "$orderby": {"Title": 1, "StartDate": -1}},
        "$projection": {"$fields": {"Title": 1, "#id": 1}},
        "$facets": [
            {"$name": "agency", "$terms": {"$field": "#originating_agency", "$size": 5, "$order": "ASC"}},
            {"$name": "rules", "$filters": {"$query_filters": [
                {"$name": "access", "$query": {"$exists": "#management.AccessRule.Rules.Rule"}}]}},
        ],
    }


def test_builders_are_immutable():
    base = Select().where(eq("Title", "a"))
    limited = base.limit(5)
    assert "$filter" not in base.build() and limited.build()["$filter"] == {"$limit": 5}


def test_projection_is_always_present():
    assert Select().build() == {"$query": [], "$projection": {}}
    assert SelectSingle().build() == {"$query": {}, "$projection": {}}
    assert GetById().build() == {"$projection": {}}


def test_roots_with_depth_alone_match_every_unit_at_that_depth():
    assert Select().roots(["r"]).depth(1).build()["$query"] == [{"$exists": "#id", "$depth": 1}]
    assert Select().roots(["r"]).build()["$query"] == []  # the roots themselves
    assert Select().roots(["r"]).where(eq("Title", "x")).build()["$query"][0]["$depth"] == 100


def test_range_uses_two_bounds_or_one_comparison():
    assert range_("StartDate", gte="2000-01-01", lt="2001-01-01") == {
        "$range": {"StartDate": {"$gte": "2000-01-01", "$lt": "2001-01-01"}}}
    assert range_("StartDate", gte="2000-01-01") == {"$gte": {"StartDate": "2000-01-01"}}
    with pytest.raises(ValueError):
        range_("StartDate")
    with pytest.raises(ValueError):
        range_("StartDate", gt=1, gte=2)


def test_logical_operators_and_narrowing():
    query = Select().where(or_(in_("#id", ["a", "b"]), not_(eq("Title", "x")))).then(eq("DescriptionLevel", "Item"),
                                                                                      depth=2).build()
    assert query["$query"] == [{"$or": [{"$in": {"#id": ["a", "b"]}}, {"$not": [{"$eq": {"Title": "x"}}]}]},
                               {"$eq": {"DescriptionLevel": "Item"}, "$depth": 2}]
    assert and_(eq("a", 1)) == {"$and": [{"$eq": {"a": 1}}]}


def test_date_histogram_is_a_vitam_date_range_facet():
    facet = Select().facet_date_histogram("years", "StartDate", start_year=1990, end_year=1992).build()["$facets"][0]
    assert facet == {"$name": "years", "$date_range": {"$field": "StartDate", "$format": "yyyy", "$ranges": [
        {"$from": "1990", "$to": "1991"}, {"$from": "1991", "$to": "1992"}, {"$from": "1992", "$to": "1993"}]}}


def test_batch_form_drops_filter_projection_and_facets():
    batch = Select().where(eq("#opi", "op")).limit(5).fields("Title").threshold(1000).build_batch()
    assert batch == {"$query": [{"$eq": {"#opi": "op"}}], "$threshold": 1000}


def test_update_by_id_body():
    assert update_by_id({"Status": "ACTIVE"}, ["Description"]) == {
        "$action": [{"$set": {"Status": "ACTIVE"}}, {"$unset": ["Description"]}]}
    with pytest.raises(ValueError):
        update_by_id()
