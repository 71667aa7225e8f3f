"""Search semantics of the DSL on the units store (SQL) and on documents (Python), and their agreement."""

import pytest

from vitamlite import units_store
from vitamlite.contracts_filter import Restriction, restriction_from_contract
from vitamlite.dsl import get_unit, matches, search_documents, search_unit_ids, search_units
from vitamlite.dsl.search import TrackTotalHitsUnauthorized
from vitamlite.store import Store

# A small fonds of a commune (tenant 0) and one unit of another commune (tenant 3).
UNITS = [
    {"#id": "holding", "Title": "Arbre de positionnement", "DescriptionLevel": "Fonds", "#unitType": "HOLDING_UNIT"},
    {"#id": "fonds", "#unitups": ["holding"], "Title": "Fonds de la mairie de Cergy", "DescriptionLevel": "Fonds",
     "#unitType": "INGEST", "#originating_agency": "CERGY", "#opi": "op1", "StartDate": "1950-01-01",
     "EndDate": "2010-12-31"},
    {"#id": "deliberations", "#unitups": ["fonds"], "Title": "Délibérations du conseil municipal",
     "Title_": {"fr": "Délibérations du conseil municipal", "en": "Council minutes"},
     "Description": "Registres des délibérations, arrêtés du maire", "DescriptionLevel": "Series",
     "#unitType": "INGEST", "#originating_agency": "CERGY", "#opi": "op1", "StartDate": "1990-01-01",
     "EndDate": "1999-12-31", "Identifier": "DEL-1990", "Tags": ["conseil", "registre"],
     "#management": {"AppraisalRule": {"Rules": [{"Rule": "APP-00001", "StartDate": "1999-12-31",
                                                    "EndDate": "2009-12-31"}], "FinalAction": "Destroy"}}},
    {"#id": "ecole", "#unitups": ["deliberations"], "Title": "Délibération sur l'école Jules-Ferry",
     "DescriptionLevel": "Item", "#unitType": "INGEST", "#originating_agency": "CERGY", "#opi": "op1",
     "StartDate": "1995-05-01", "EndDate": "1995-05-01T18:30:00", "Identifier": "DEL-1995-12", "Version": 3,
     "#management": {"AccessRule": {"Rules": [{"Rule": "ACC-00002", "EndDate": "2020-05-01"}]}}},
    {"#id": "voirie", "#unitups": ["deliberations"], "Title": "Délibération voirie et éclairage public",
     "DescriptionLevel": "Item", "#unitType": "INGEST", "#originating_agency": "CERGY", "#opi": "op1",
     "StartDate": "1997-03-10", "EndDate": "1997-03-10", "Identifier": "DEL-1997-03", "Version": 12},
    {"#id": "permis", "#unitups": ["fonds"], "Title": "Permis de construire", "DescriptionLevel": "Series",
     "#unitType": "INGEST", "#originating_agency": "PONTOISE", "#opi": "op2", "StartDate": "2001-02-03T10:00:00",
     "EndDate": "2005-06-30", "Identifier": "PC-2001"},
    {"#id": "permis-1", "#unitups": ["permis"], "Title": "Permis de construire rue de l'Église",
     "DescriptionLevel": "File", "#unitType": "INGEST", "#originating_agency": "PONTOISE", "#opi": "op2",
     "StartDate": "2003-01-01", "Identifier": "PC-2003-1", "Version": 1.5},
    {"#id": "sans-date", "Title": "Photographies aériennes", "DescriptionLevel": "File", "#unitType": "INGEST",
     "#originating_agency": "PONTOISE", "#opi": "op3"},
]
OTHER_TENANT = [{"#id": "ailleurs", "Title": "Délibérations d'une autre commune", "DescriptionLevel": "Series",
                 "#unitType": "INGEST", "#originating_agency": "CERGY", "#opi": "op9"}]
ALL_FIELDS = {"$projection": {}}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("dsl-search"))
    connection = store.new_connection()
    units_store.insert_units(connection, 0, UNITS)
    units_store.insert_units(connection, 3, OTHER_TENANT)
    connection.commit()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def stored_docs(db):
    return list(units_store.get_unit_docs(db, 0, [unit["#id"] for unit in UNITS]).values())


def ids(db, query, restriction=None, tenant=0):
    result = search_units(db, tenant, {"$projection": {}, **query}, restriction)
    return [unit["#id"] for unit in result.results]


def one(db, single_query, **extra):
    return set(ids(db, {"$query": [single_query], **extra}))


# -- operators ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"$eq": {"#id": "ecole"}}, {"ecole"}),
        ({"$eq": {"Title": "Permis de construire"}}, {"permis"}),
        ({"$eq": {"DescriptionLevel": "Item"}}, {"ecole", "voirie"}),
        ({"$ne": {"DescriptionLevel": "Item"}}, {"holding", "fonds", "deliberations", "permis", "permis-1", "sans-date"}),
        ({"$in": {"#originating_agency": ["PONTOISE"]}}, {"permis", "permis-1", "sans-date"}),
        ({"$nin": {"#opi": ["op1", "op2"]}}, {"holding", "sans-date"}),
        ({"$eq": {"StartDate": "1995-05-01T00:00:00"}}, {"ecole"}),
        ({"$gte": {"StartDate": "2001-02-03"}}, {"permis", "permis-1"}),
        ({"$lt": {"EndDate": "1995-05-02"}}, {"ecole"}),
        ({"$lte": {"EndDate": "1995-05-01"}}, set()),  # 18:30 on that day is after midnight
        ({"$range": {"StartDate": {"$gte": "1990", "$lt": "2000"}}}, {"deliberations", "ecole", "voirie"}),
        ({"$range": {"EndDate": {"$gt": "2005-06-30", "$lte": "2010-12-31"}}}, {"fonds"}),
        ({"$exists": "Identifier"}, {"deliberations", "ecole", "voirie", "permis", "permis-1"}),
        ({"$missing": "StartDate"}, {"holding", "sans-date"}),
        ({"$exists": "#management.AppraisalRule"}, {"deliberations"}),
        ({"$wildcard": {"Identifier": "DEL-199?-*"}}, {"ecole", "voirie"}),
        ({"$regex": {"Identifier": "PC-[0-9]+"}}, {"permis"}),
        ({"$gt": {"Version": 2}}, {"ecole", "voirie"}),
        ({"$lte": {"Version": "3"}}, {"ecole", "permis-1"}),
        ({"$eq": {"Tags": "registre"}}, {"deliberations"}),
        ({"$eq": {"#management.AppraisalRule.Rules.Rule": "APP-00001"}}, {"deliberations"}),
        ({"$in": {"#management.AccessRule.Rules.Rule": ["ACC-00002", "ACC-00009"]}}, {"ecole"}),
        ({"$eq": {"#management.AppraisalRule.FinalAction": "Destroy"}}, {"deliberations"}),
        ({"$gt": {"#management.AccessRule.Rules.EndDate": "2018-01-01"}}, {"ecole"}),
        ({"$eq": {"#allunitups": "deliberations"}}, {"ecole", "voirie"}),
        ({"$in": {"#unitups": ["fonds"]}}, {"deliberations", "permis"}),
        ({"$eq": {"#originating_agencies": "CERGY"}}, {"fonds", "deliberations", "ecole", "voirie", "permis", "permis-1"}),
        ({"$eq": {"#unitType": "HOLDING_UNIT"}}, {"holding"}),
        ({"$eq": {"#min": 4}}, {"ecole", "voirie", "permis-1"}),
        ({"$eq": {"#tenant": "0"}}, {u["#id"] for u in UNITS}),
        ({"$eq": {"#tenant": 3}}, set()),
        ({"$eq": {"Title_.en": "Council minutes"}}, {"deliberations"}),
        ({"$and": [{"$eq": {"#opi": "op1"}}, {"$eq": {"DescriptionLevel": "Item"}}]}, {"ecole", "voirie"}),
        ({"$or": [{"$eq": {"#id": "ecole"}}, {"$eq": {"#id": "permis"}}]}, {"ecole", "permis"}),
        ({"$not": [{"$exists": "StartDate"}, {"$eq": {"DescriptionLevel": "Series"}}]}, {"holding", "sans-date"}),
    ],
)
def test_operators(db, query, expected):
    assert one(db, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Accents, case and plural are ignored (light French stemming).
        ({"$match": {"Title": "DELIBERATION ecoles"}}, {"ecole", "voirie", "deliberations"}),
        ({"$match": {"Title": "délibérations"}}, {"deliberations", "ecole", "voirie"}),
        ({"$match_all": {"Title": "délibération école"}}, {"ecole"}),
        ({"$match_phrase": {"Title": "conseil municipal"}}, {"deliberations"}),
        ({"$match_phrase": {"Title": "municipal conseil"}}, set()),
        ({"$match_phrase_prefix": {"Title": "permis de constr"}}, {"permis", "permis-1"}),
        ({"$match": {"Description": "arretes"}}, {"deliberations"}),
        ({"$search": {"Title": "permis +eglise"}}, {"permis-1"}),
        ({"$search": {"Title": "voirie | photo*"}}, {"voirie", "sans-date"}),
        # Default operator OR: "a -b" is "a OR NOT b", as in Elasticsearch's simple query string.
        ({"$search": {"Title": "deliberation -voirie"}}, {u["#id"] for u in UNITS}),
        ({"$search": {"Title": "deliberation + -voirie"}}, {"ecole", "deliberations"}),
        ({"$search": {"Title": '"conseil municipal"'}}, {"deliberations"}),
        ({"$match": {"Identifier": "PC 2001"}}, {"permis", "permis-1"}),
        ({"$match": {"Title": "!!"}}, set()),
    ],
)
def test_full_text(db, query, expected):
    assert one(db, query) == expected


# -- the SQL engine and the Python reference agree ----------------------------------------------

AGREEMENT_QUERIES = [
    {"$match": {"Title": "délibération"}},
    {"$match_all": {"Title": "permis construire"}},
    {"$match_phrase_prefix": {"Title": "délibération v"}},
    {"$search": {"Title": "(permis | voirie) -eglise"}},
    {"$range": {"StartDate": {"$gt": "1995-05-01", "$lte": "2003-01-01"}}},
    {"$ne": {"#originating_agency": "CERGY"}},
    {"$nin": {"DescriptionLevel": ["Item", "File"]}},
    {"$in": {"#id": ["ecole", "permis", "nope"]}},
    {"$exists": "EndDate"},
    {"$missing": "#originating_agency"},
    {"$or": [{"$lt": {"EndDate": "1996"}}, {"$match": {"Title": "photographies"}}]},
    {"$not": [{"$eq": {"#opi": "op1"}}]},
    {"$and": [{"$eq": {"#allunitups": "fonds"}}, {"$not": [{"$eq": {"DescriptionLevel": "Item"}}]}]},
    {"$eq": {"#management.AppraisalRule.Rules.Rule": "APP-00001"}},
    {"$gte": {"#max": 3}},
    {"$eq": {"DescriptionLevel": 3}},
    {"$wildcard": {"#opi": "op*"}},
]


@pytest.mark.parametrize("query", AGREEMENT_QUERIES, ids=lambda q: str(q)[:60])
def test_sql_and_python_evaluators_agree(db, stored_docs, query):
    in_sql = one(db, query)
    in_python = {doc["#id"] for doc in stored_docs if matches(doc, query)}
    via_documents = {doc["#id"] for doc in search_documents(stored_docs, {"$query": query, "$projection": {}}).results}
    assert in_sql == in_python == via_documents


# -- graph: $roots, $depth and query chains -----------------------------------------------------


def test_depth_zero_selects_the_roots_themselves(db):
    assert set(ids(db, {"$roots": ["fonds", "permis"], "$query": [{"$exists": "Title", "$depth": 0}]})) == {"fonds", "permis"}


def test_positive_depth_selects_descendants_up_to_that_level(db):
    assert set(ids(db, {"$roots": ["fonds"], "$query": [{"$exists": "Title", "$depth": 1}]})) == {"deliberations", "permis"}
    assert set(ids(db, {"$roots": ["fonds"], "$query": [{"$exists": "Title", "$depth": 2}]})) == {
        "deliberations", "permis", "ecole", "voirie", "permis-1"}


def test_negative_depth_selects_ancestors(db):
    assert set(ids(db, {"$roots": ["ecole"], "$query": [{"$exists": "Title", "$depth": -2}]})) == {"deliberations", "fonds"}


def test_queries_chain_from_the_previous_results(db):
    query = {"$query": [{"$eq": {"DescriptionLevel": "Series"}}, {"$match": {"Title": "école"}, "$depth": 1}]}
    assert ids(db, query) == ["ecole"]


def test_roots_without_query_return_the_roots(db):
    assert set(ids(db, {"$roots": ["ecole", "absent"], "$query": []})) == {"ecole"}


def test_roots_of_another_tenant_give_nothing(db):
    assert ids(db, {"$roots": ["ailleurs"], "$query": [{"$depth": 0}]}) == []


# -- filter, hits, projection, facets -----------------------------------------------------------


def test_paging_and_order(db):
    query = {"$query": [{"$exists": "StartDate"}], "$filter": {"$offset": 1, "$limit": 2, "$orderby": {"StartDate": -1}}}
    result = search_units(db, 0, {"$projection": {}, **query})
    assert [unit["#id"] for unit in result.results] == ["permis", "voirie"]
    assert result.hits == {"total": 6, "offset": 1, "limit": 2, "size": 2}


def test_order_by_title_ignores_case_and_accents(db):
    query = {"$query": [{"$eq": {"DescriptionLevel": "Item"}}], "$filter": {"$orderby": {"Title": 1}}}
    assert ids(db, query) == ["ecole", "voirie"]


def test_default_limit_is_the_result_window(db):
    result = search_units(db, 0, {"$query": [], "$projection": {}, "$filter": {"$offset": 2}})
    assert result.hits == {"total": 8, "offset": 2, "limit": 9998, "size": 6}


def test_projection_keeps_listed_fields_including_nested_paths(db):
    result = search_units(db, 0, {"$query": [{"$eq": {"#id": "deliberations"}}],
                                  "$projection": {"$fields": {"Title": 1, "#management.AppraisalRule.FinalAction": 1,
                                                              "Absent": 1}}})
    assert result.results == [{"Title": "Délibérations du conseil municipal",
                               "#management": {"AppraisalRule": {"FinalAction": "Destroy"}}}]


def test_computed_graph_fields_are_returned(db):
    unit = get_unit(db, 0, "ecole")
    assert unit["#allunitups"] == ["deliberations", "fonds", "holding"]
    assert (unit["#min"], unit["#max"], unit["#tenant"]) == (4, 4, 0)
    assert unit["#originating_agencies"] == ["CERGY"]


def test_facets_terms_date_range_and_filters(db):
    result = search_units(db, 0, {
        "$query": [{"$eq": {"#allunitups": "fonds"}}], "$projection": {"$fields": {"#id": 1}}, "$filter": {"$limit": 1},
        "$facets": [
            {"$name": "niveaux", "$terms": {"$field": "DescriptionLevel", "$size": 10, "$order": "ASC"}},
            {"$name": "services", "$terms": {"$field": "#originating_agency", "$size": 1, "$order": "ASC"}},
            {"$name": "tags", "$terms": {"$field": "Tags", "$size": 5, "$order": "DESC"}},
            {"$name": "periodes", "$date_range": {"$field": "StartDate", "$format": "yyyy",
                                                  "$ranges": [{"$from": "1990", "$to": "2000"}, {"$from": "2000"},
                                                              {"$to": "1990"}]}},
            {"$name": "regles", "$date_range": {"$field": "#management.AccessRule.Rules.EndDate", "$format": "yyyy",
                                                "$ranges": [{"$from": "2020", "$to": "2021"}]}},
            {"$name": "filtres", "$filters": {"$query_filters": [
                {"$name": "avec_identifiant", "$query": {"$exists": "Identifier"}},
                {"$name": "permis", "$query": {"$match": {"Title": "permis"}}}]}},
        ],
    })
    assert result.hits["total"] == 5 and len(result.results) == 1
    facets = {facet["name"]: facet["buckets"] for facet in result.facets}
    assert facets["niveaux"] == [{"value": "Item", "count": 2}, {"value": "Series", "count": 2},
                                 {"value": "File", "count": 1}]
    assert facets["services"] == [{"value": "CERGY", "count": 3}]
    assert facets["tags"] == [{"value": "registre", "count": 1}, {"value": "conseil", "count": 1}]
    assert facets["periodes"] == [{"value": "1990-2000", "count": 3}, {"value": "2000-*", "count": 2},
                                  {"value": "*-1990", "count": 0}]
    assert facets["regles"] == [{"value": "2020-2021", "count": 1}]
    assert facets["filtres"] == [{"value": "avec_identifiant", "count": 5}, {"value": "permis", "count": 2}]


def test_python_facets_match_sql_facets(db, stored_docs):
    query = {"$query": [{"$exists": "Title"}], "$projection": {}, "$facets": [
        {"$name": "niveaux", "$terms": {"$field": "DescriptionLevel", "$size": 10, "$order": "ASC"}},
        {"$name": "dates", "$date_range": {"$field": "EndDate", "$format": "yyyy", "$ranges": [{"$from": "1995"}]}},
        {"$name": "f", "$filters": {"$query_filters": [{"$name": "a", "$query": {"$eq": {"#opi": "op2"}}}]}}]}
    assert search_units(db, 0, query).facets == search_documents(stored_docs, query, "select_multiple").facets


def test_total_is_capped_and_track_total_hits_needs_authorisation(db):
    with pytest.raises(TrackTotalHitsUnauthorized):
        search_units(db, 0, {"$query": [], "$projection": {}, "$filter": {"$track_total_hits": True}})
    result = search_units(db, 0, {"$query": [], "$projection": {}, "$filter": {"$track_total_hits": True}},
                          allow_track_total_hits=True)
    assert result.hits["total"] == 8


# -- access contracts and tenants ---------------------------------------------------------------


def test_contract_agencies_keep_holding_units_visible(db):
    restriction = restriction_from_contract({"OriginatingAgencies": ["PONTOISE"]})
    assert set(ids(db, {"$query": []}, restriction)) == {"holding", "permis", "permis-1", "sans-date"}
    assert get_unit(db, 0, "ecole", restriction) is None
    assert get_unit(db, 0, "holding", restriction)["#id"] == "holding"


def test_contract_without_agency_sees_only_holding_units(db):
    assert ids(db, {"$query": []}, restriction_from_contract({})) == ["holding"]


def test_contract_root_units_and_excluded_root_units(db):
    rooted = Restriction(root_units=frozenset({"deliberations"}))
    assert set(ids(db, {"$query": []}, rooted)) == {"deliberations", "ecole", "voirie"}
    excluded = Restriction(excluded_root_units=frozenset({"deliberations", "permis-1"}))
    assert set(ids(db, {"$query": []}, excluded)) == {"holding", "fonds", "permis", "sans-date"}


def test_restriction_agrees_with_the_contract_filter_in_python(db, stored_docs):
    restriction = Restriction(every_originating_agency=False, originating_agencies=frozenset({"CERGY"}),
                              excluded_root_units=frozenset({"voirie"}))
    assert set(ids(db, {"$query": []}, restriction)) == {d["#id"] for d in stored_docs if restriction.unit_visible(d)}


def test_tenants_are_isolated(db):
    assert ids(db, {"$query": [{"$match": {"Title": "délibérations"}}]}, tenant=3) == ["ailleurs"]
    assert "ailleurs" not in ids(db, {"$query": [{"$match": {"Title": "délibérations"}}]})
    assert get_unit(db, 0, "ailleurs") is None
    assert get_unit(db, 3, "ailleurs")["#tenant"] == 3


def test_search_unit_ids_has_no_result_window(db):
    assert search_unit_ids(db, 0, {"$roots": ["deliberations"], "$query": [{"$depth": 1}]}) == ["ecole", "voirie"]


# -- documents (referentials, logbook) ----------------------------------------------------------

RULES = [
    {"RuleId": "APP-00001", "RuleType": "AppraisalRule", "RuleValue": "Dossier individuel", "RuleDuration": "80",
     "CreationDate": "2017-07-21"},
    {"RuleId": "ACC-00002", "RuleType": "AccessRule", "RuleValue": "Secret des délibérations", "RuleDuration": "25",
     "CreationDate": "2019-01-02T10:00:00"},
    {"RuleId": "ACC-00003", "RuleType": "AccessRule", "RuleValue": "Vie privée", "RuleDuration": "50",
     "CreationDate": "2018-03-04"},
]


def test_search_documents_select_single(db):
    result = search_documents(RULES, {"$query": {"$eq": {"RuleType": "AccessRule"}},
                                      "$filter": {"$orderby": {"RuleId": -1}},
                                      "$projection": {"$fields": {"RuleId": 1}}})
    assert result.results == [{"RuleId": "ACC-00003"}, {"RuleId": "ACC-00002"}]
    assert result.hits == {"total": 2, "offset": 0, "limit": 10000, "size": 2}


def test_search_documents_empty_query_full_text_and_dates():
    assert len(search_documents(RULES, {"$query": {}, "$projection": {}}).results) == 3
    names = search_documents(RULES, {"$query": {"$match": {"RuleValue": "deliberations"}}, "$projection": {}}).results
    assert [rule["RuleId"] for rule in names] == ["ACC-00002"]
    recent = search_documents(RULES, {"$query": {"$gte": {"CreationDate": "2018-03-04"}}, "$projection": {},
                                      "$filter": {"$orderby": {"CreationDate": 1}, "$limit": 1}})
    assert [rule["RuleId"] for rule in recent.results] == ["ACC-00003"]
    assert recent.hits == {"total": 2, "offset": 0, "limit": 1, "size": 1}


def test_subobject_fields_are_full_paths_matched_by_one_element():
    # An Elasticsearch nested query as Vitam sends it: inner fields repeat the nested path, and the
    # conditions must hold on the same version, not on two different ones.
    group = {"#qualifiers": [{"qualifier": "BinaryMaster", "versions": [
        {"Size": 500000, "FormatIdentification": {"MimeType": "text/plain"}},
        {"Size": 1200, "FormatIdentification": {"MimeType": "application/pdf"}}]}]}

    def nested(mime_type, max_size):
        return {"$subobject": {"#qualifiers.versions": {"$and": [
            {"$eq": {"#qualifiers.versions.FormatIdentification.MimeType": mime_type}},
            {"$lte": {"#qualifiers.versions.Size": max_size}}]}}}

    assert matches(group, nested("text/plain", 600000))
    assert matches(group, nested("application/pdf", 2000))
    assert not matches(group, nested("text/plain", 20000))
