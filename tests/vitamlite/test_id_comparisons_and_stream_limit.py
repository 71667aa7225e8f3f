"""Two behaviours of Vitam that vitam-lite reproduces over HTTP:

- a comparison ($gt, $gte, $lt, $lte) or a $range on `#id` is refused: Vitam searches `_id` in Elasticsearch,
  which has no range queries on `_id`; `$in`/`$eq`/`$nin` and sorting on `#id` work;
- GET /units/stream is limited per tenant per day (metadata's unitsStreamExecutionLimit, 0 = unlimited).
"""

import datetime
import json

import pytest

from vitamlite import stream_limits, units_store
from vitamlite.ids import new_guid
from vitamlite.referentials import store as referentials

from tests.vitamlite.test_elimination_analysis import wait_status

UNITS = "/access-external/v1/units"
OBJECTS = "/access-external/v1/objects"
INHERITED = "/access-external/v1/unitsWithInheritedRules"
STREAM = "/access-external/v1/units/stream"
CONTRACT = "AC-ID"
ES_REFUSAL = ("org.elasticsearch.ElasticsearchStatusException: Elasticsearch exception "
              "[type=search_phase_execution_exception, reason=all shards failed]")
UNIT_IDS = sorted(new_guid() for _ in range(5))
GROUP_IDS = sorted(new_guid() for _ in range(3))


@pytest.fixture(scope="module")
def loaded(lite):
    db = lite.app.store.new_connection()
    for tenant in (0, 3):
        referentials.put(db, tenant, "access_contracts", {
            "Identifier": CONTRACT, "Name": CONTRACT, "Status": "ACTIVE",
            "EveryOriginatingAgency": True, "EveryDataObjectVersion": True})
    units_store.insert_units(db, 0, [
        {"#id": unit_id, "Title": f"Dossier {index}", "DescriptionLevel": "File", "#unitType": "INGEST",
         "StartDate": f"200{index}-01-01", "#originating_agency": "AG1", "#opi": "op"}
        for index, unit_id in enumerate(UNIT_IDS)
    ])
    units_store.insert_units(db, 3, [{"#id": new_guid(), "Title": "Autre commune", "DescriptionLevel": "File",
                                      "#unitType": "INGEST", "#originating_agency": "AG1", "#opi": "op"}])
    units_store.insert_object_groups(db, 0, [
        {"#id": group_id, "#opi": "op", "#originating_agency": "AG1", "#originating_agencies": ["AG1"],
         "#qualifiers": []}
        for group_id in GROUP_IDS
    ])
    db.commit()
    db.close()


def get(http, path, body, **kwargs):
    return http.get(path, contract=CONTRACT, json=body, **kwargs)


ID_RANGES = [
    {"$gt": {"#id": UNIT_IDS[1]}},
    {"$gte": {"#id": UNIT_IDS[1]}},
    {"$lt": {"#id": UNIT_IDS[3]}},
    {"$lte": {"#id": UNIT_IDS[3]}},
    {"$range": {"#id": {"$gt": UNIT_IDS[0], "$lte": UNIT_IDS[3]}}},
    {"$and": [{"$eq": {"DescriptionLevel": "File"}}, {"$gt": {"#id": UNIT_IDS[1]}}]},
    {"$not": [{"$lt": {"#id": UNIT_IDS[1]}}]},
]


@pytest.mark.parametrize("leaf", ID_RANGES)
def test_comparison_on_id_is_refused_on_units_as_vitam(http, loaded, leaf):
    response = get(http, UNITS, {"$roots": [], "$query": [leaf], "$projection": {}})
    assert response.status_code == 400
    assert response.json() == {"httpCode": 400, "code": "BAD_REQUEST", "context": "ACCESS", "state": "code_vitam",
                               "message": ES_REFUSAL, "description": ES_REFUSAL}


@pytest.mark.parametrize("path", [OBJECTS, INHERITED])
def test_comparison_on_id_is_refused_on_objects_and_inherited_rules_as_vitam(http, loaded, path):
    response = get(http, path, {"$roots": [], "$query": [{"$gt": {"#id": UNIT_IDS[0]}}], "$projection": {}})
    assert response.status_code == 400
    assert response.json() == {"httpCode": 400, "code": "BAD_REQUEST", "context": "ACCESS", "state": "code_vitam",
                               "message": "Invalid Parse Operation", "description": "Invalid Parse Operation"}


def test_comparison_on_id_fails_the_stream_with_an_empty_500(http, loaded):
    response = get(http, STREAM, {"$roots": [], "$query": [{"$gt": {"#id": UNIT_IDS[0]}}], "$projection": {}})
    assert response.status_code == 500 and response.content == b""


def test_a_workflow_selecting_with_a_comparison_on_id_ends_fatal(http, loaded):
    # CheckDistributionThresholdBase answers FATAL when metadata refuses the selection.
    response = http.post("/access-external/v1/dipexport", contract=CONTRACT,
                         json={"$roots": [], "$query": [{"$gt": {"#id": UNIT_IDS[0]}}], "$projection": {}})
    assert response.status_code == 202, response.text
    assert wait_status(http, response.headers["X-Request-Id"]) == "FATAL"


def test_comparison_on_another_field_still_works(http, loaded):
    response = get(http, UNITS, {"$roots": [], "$query": [{"$gt": {"StartDate": "2002-06-01"}}],
                                 "$projection": {"$fields": {"Title": 1}}})
    assert response.status_code == 200, response.text
    assert sorted(unit["Title"] for unit in response.json()["$results"]) == ["Dossier 3", "Dossier 4"]


@pytest.mark.parametrize("leaf, expected", [
    ({"$in": {"#id": [UNIT_IDS[0], UNIT_IDS[4]]}}, [UNIT_IDS[0], UNIT_IDS[4]]),
    ({"$eq": {"#id": UNIT_IDS[2]}}, [UNIT_IDS[2]]),
    ({"$nin": {"#id": UNIT_IDS[:3]}}, UNIT_IDS[3:]),
])
def test_terms_on_id_still_work(http, loaded, leaf, expected):
    response = get(http, UNITS, {"$roots": [], "$query": [leaf], "$projection": {"$fields": {"#id": 1}}})
    assert response.status_code == 200, response.text
    assert sorted(unit["#id"] for unit in response.json()["$results"]) == expected


def test_in_on_id_still_works_on_object_groups(http, loaded):
    response = get(http, OBJECTS, {"$roots": [], "$query": [{"$in": {"#id": GROUP_IDS[1:]}}], "$projection": {}})
    assert response.status_code == 200, response.text
    assert sorted(group["#id"] for group in response.json()["$results"]) == GROUP_IDS[1:]


@pytest.mark.parametrize("direction", [1, -1])
def test_sort_on_id_still_works(http, loaded, direction):
    response = get(http, UNITS, {"$roots": [], "$query": [{"$eq": {"DescriptionLevel": "File"}}],
                                 "$filter": {"$orderby": {"#id": direction}}, "$projection": {"$fields": {"#id": 1}}})
    assert response.status_code == 200, response.text
    assert [unit["#id"] for unit in response.json()["$results"]] == UNIT_IDS[::direction]


# -- daily limit of /units/stream -----------------------------------------------------------------

STREAM_QUERY = {"$roots": [], "$query": [{"$eq": {"DescriptionLevel": "File"}}], "$projection": {}}


@pytest.fixture
def stream_limit(lite, loaded):
    """Sets the server's limit for one test, on a clean counter."""
    def set_limit(limit):
        lite.app.config.units_stream_execution_limit = limit
    db = lite.app.store.new_connection()
    db.execute("DELETE FROM stream_executions")
    db.commit()
    db.close()
    yield set_limit
    lite.app.config.units_stream_execution_limit = 0


def stream(http, tenant=0):
    return http.with_(tenant=tenant).get(STREAM, contract=CONTRACT, json=STREAM_QUERY)


def test_streams_past_the_daily_limit_get_an_empty_401_until_the_next_day(http, stream_limit, monkeypatch):
    stream_limit(2)
    for _ in range(2):
        response = stream(http)
        assert response.status_code == 200 and response.headers["X-Units-Count"] == "5"
        assert len(response.content.splitlines()) == 5
    refused = stream(http)
    assert refused.status_code == 401 and refused.content == b""
    assert stream(http).status_code == 401  # a refused stream does not reset anything
    assert stream(http, tenant=3).status_code == 200  # the counter is per tenant

    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    monkeypatch.setattr(stream_limits, "today", lambda: tomorrow)
    assert stream(http).status_code == 200
    assert stream(http).status_code == 200
    assert stream(http).status_code == 401


def test_refused_or_failed_streams_are_not_counted(http, stream_limit):
    stream_limit(1)
    with_window = {**STREAM_QUERY, "$filter": {"$limit": 10}}
    assert http.get(STREAM, contract=CONTRACT, json=with_window).status_code == 401
    failing = {**STREAM_QUERY, "$query": [{"$gt": {"#id": UNIT_IDS[0]}}]}
    assert http.get(STREAM, contract=CONTRACT, json=failing).status_code == 500
    assert stream(http).status_code == 200
    assert stream(http).status_code == 401


def test_zero_means_unlimited(http, stream_limit):
    stream_limit(0)
    for _ in range(6):
        assert stream(http).status_code == 200
