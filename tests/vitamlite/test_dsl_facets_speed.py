"""The fast paths of unit searches give exactly what Vitam's semantics (the Python evaluator) give:
facets from the matched-set copy, year-aligned and other date ranges, the FinalAction column, full text
on Title or Description in one FTS query, and databases written before the FinalAction column."""

import json
import sqlite3

import pytest

from vitamlite import units_store
from vitamlite.dsl import search_documents, search_units
from vitamlite.store import Store

UNITS = [
    {"#id": "fonds", "Title": "Fonds de la mairie", "DescriptionLevel": "Fonds", "#unitType": "INGEST",
     "#originating_agency": "CERGY", "StartDate": "1890-01-01", "EndDate": "2010-12-31",
     "#management": {"AppraisalRule": {"Rules": [{"Rule": "APP-1"}], "FinalAction": "Keep"}}},
    {"#id": "voirie", "#unitups": ["fonds"], "Title": "Voirie communale", "Description": "plans des rues",
     "DescriptionLevel": "Series", "#unitType": "INGEST", "#originating_agency": "CERGY",
     "StartDate": "1899-12-31T23:59:59", "EndDate": "1950-01-01",
     "#management": {"AppraisalRule": {"Rules": [{"Rule": "APP-1"}], "FinalAction": "Destroy"}}},
    {"#id": "ecoles", "#unitups": ["fonds"], "Title": "Écoles", "Description": "voirie des écoles",
     "DescriptionLevel": "Series", "#unitType": "INGEST", "#originating_agency": "PONTOISE",
     "StartDate": "1900-01-01", "EndDate": "1900-06-30",
     "#management": {"AppraisalRule": {"Rules": [{"Rule": "APP-1"}], "FinalAction": "Destroy"}}},
    {"#id": "registre", "#unitups": ["ecoles"], "Title": "Registre d'inscription", "DescriptionLevel": "Item",
     "#unitType": "INGEST", "#originating_agency": "PONTOISE", "StartDate": "1905-05", "EndDate": "1910",
     "#management": {"AppraisalRule": {"Rules": [{"Rule": "APP-1"}], "FinalAction": 3}}},
    {"#id": "sans-date", "Title": "Photographies", "DescriptionLevel": "Item", "#unitType": "INGEST",
     "#originating_agency": "OSNY"},
]
ALL = {"$exists": "Title"}


def _facet_query(query, facets):
    return {"$query": [query], "$projection": {}, "$facets": facets}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    connection = Store(tmp_path_factory.mktemp("dsl-facets")).new_connection()
    units_store.insert_units(connection, 0, UNITS)
    connection.commit()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def docs(db):
    return list(units_store.get_unit_docs(db, 0, [unit["#id"] for unit in UNITS]).values())


def _both(db, docs, query):
    sql = search_units(db, 0, query)
    python = search_documents(docs, query, "select_multiple")
    return sql, python


@pytest.mark.parametrize("ranges", [
    [{"$from": "1890", "$to": "1900"}, {"$from": "1900", "$to": "1901"}, {"$from": "1901", "$to": "2011"}],
    [{"$to": "1900"}, {"$from": "1900"}],
    # Not year-aligned, and overlapping: counted range by range.
    [{"$from": "1899-12-31", "$to": "1900-03-01"}, {"$from": "1890", "$to": "1905-06-01"}],
])
def test_date_range_facets_agree_with_python(db, docs, ranges):
    query = _facet_query(ALL, [{"$name": "periode", "$date_range": {"$field": "StartDate", "$format": "yyyy",
                                                                     "$ranges": ranges}}])
    sql, python = _both(db, docs, query)
    assert sql.facets == python.facets
    assert sum(bucket["count"] for bucket in sql.facets[0]["buckets"]) > 0


def test_year_ranges_count_each_unit_in_its_year(db):
    query = _facet_query(ALL, [{"$name": "annees", "$date_range": {"$field": "StartDate", "$ranges": [
        {"$from": "1899", "$to": "1900"}, {"$from": "1900", "$to": "1901"}, {"$from": "1905", "$to": "1906"}]}}])
    (facet,) = search_units(db, 0, query).facets
    assert facet["buckets"] == [{"value": "1899-1900", "count": 1}, {"value": "1900-1901", "count": 1},
                                {"value": "1905-1906", "count": 1}]


def test_term_facets_from_columns_and_documents_agree_with_python(db, docs):
    query = _facet_query({"$match": {"Title": "voirie ecoles registre fonds"}}, [
        {"$name": "services", "$terms": {"$field": "#originating_agency", "$size": 10, "$order": "ASC"}},
        {"$name": "sort_final", "$terms": {"$field": "#management.AppraisalRule.FinalAction", "$size": 10,
                                           "$order": "ASC"}},
        {"$name": "regles", "$terms": {"$field": "#management.AppraisalRule.Rules.Rule", "$size": 10,
                                       "$order": "ASC"}},
        {"$name": "annees", "$date_range": {"$field": "EndDate", "$ranges": [{"$from": "1900", "$to": "1950"}]}},
    ])
    sql, python = _both(db, docs, query)
    facets = {facet["name"]: facet["buckets"] for facet in sql.facets}
    assert [facet["name"] for facet in sql.facets] == ["services", "sort_final", "regles", "annees"]
    assert facets["sort_final"] == [{"value": "Destroy", "count": 2}, {"value": "Keep", "count": 1}]
    assert facets["regles"] == [{"value": "APP-1", "count": 4}]
    assert sql.hits["total"] == 4
    # The numeric FinalAction of "registre" is a value for Python but not a string for the column.
    python_final = {facet["name"]: facet["buckets"] for facet in python.facets}["sort_final"]
    assert {"value": 3, "count": 1} in python_final
    assert [bucket for bucket in python_final if bucket["value"] != 3] == facets["sort_final"]
    assert [f for f in sql.facets if f["name"] != "sort_final"] == [f for f in python.facets if f["name"] != "sort_final"]


@pytest.mark.parametrize("query, expected", [
    ({"$eq": {"#management.AppraisalRule.FinalAction": "Destroy"}}, {"voirie", "ecoles"}),
    ({"$in": {"#management.AppraisalRule.FinalAction": ["Keep", "Destroy"]}}, {"fonds", "voirie", "ecoles"}),
    ({"$eq": {"#management.AppraisalRule.FinalAction": 3}}, {"registre"}),
    ({"$exists": "#management.AppraisalRule.FinalAction"}, {"fonds", "voirie", "ecoles", "registre"}),
    ({"$ne": {"#management.AppraisalRule.FinalAction": "Destroy"}}, {"fonds", "registre", "sans-date"}),
    ({"$or": [{"$match": {"Title": "voirie"}}, {"$match": {"Description": "voirie"}}]}, {"voirie", "ecoles"}),
    ({"$or": [{"$match_phrase": {"Title": "voirie communale"}}, {"$match": {"Description": "écoles"}}]},
     {"voirie", "ecoles"}),
    ({"$or": [{"$match": {"Title": "  "}}, {"$match": {"Description": "rues"}}]}, {"voirie"}),
    ({"$or": [{"$match": {"Title": "  "}}, {"$match": {"Description": ""}}]}, set()),
    ({"$or": [{"$match": {"Title": "registre"}}, {"$eq": {"DescriptionLevel": "Fonds"}}]}, {"registre", "fonds"}),
])
def test_indexed_paths_select_what_python_selects(db, docs, query, expected):
    body = {"$query": [query], "$projection": {"$fields": {"#id": 1}}}
    sql, python = _both(db, docs, body)
    assert {unit["#id"] for unit in sql.results} == expected
    assert {unit["#id"] for unit in python.results} == expected


def test_database_without_final_action_column_is_migrated(tmp_path):
    # A data directory written by an earlier vitam-lite: units without the final_action column.
    store = Store(tmp_path)
    connection = store.new_connection()
    units_store.insert_units(connection, 0, UNITS)
    connection.commit()
    connection.execute("DROP INDEX units_by_final_action")
    connection.execute("DROP INDEX units_search_cover")
    connection.execute("ALTER TABLE units DROP COLUMN final_action")
    connection.commit()
    connection.close()
    raw = sqlite3.connect(tmp_path / "vitamlite.sqlite3")
    assert "final_action" not in {row[1] for row in raw.execute("PRAGMA table_info(units)")}
    raw.close()

    connection = Store(tmp_path).new_connection()  # opening the store applies the schemas and migrations
    values = dict(connection.execute("SELECT id, final_action FROM units WHERE tenant = 0"))
    assert values == {"fonds": "Keep", "voirie": "Destroy", "ecoles": "Destroy", "registre": None, "sans-date": None}
    query = {"$query": [{"$eq": {"#management.AppraisalRule.FinalAction": "Destroy"}}], "$projection": {}}
    assert {unit["#id"] for unit in search_units(connection, 0, query).results} == {"voirie", "ecoles"}
    assert json.loads(connection.execute("SELECT doc FROM units WHERE id = 'registre'").fetchone()[0])[
        "#management"]["AppraisalRule"]["FinalAction"] == 3
    connection.close()
