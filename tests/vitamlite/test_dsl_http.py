"""The DSL engine behind vitam-lite's HTTP API: Vitam's response shapes and error codes."""

import json

import pytest

from vitamlite import units_store
from vitamlite.ids import new_guid
from vitamlite.referentials import store as referentials

UNITS_URL = "/access-external/v1/units"
LEVELS = ["Item"] * 6 + ["RecordGrp"] * 3 + ["File", "Fonds"]


@pytest.fixture(scope="module")
def loaded(lite):
    db = lite.app.store.new_connection()
    referentials.put(db, 0, "access_contracts", {"Identifier": "AC-DSL", "Name": "AC-DSL", "Status": "ACTIVE",
                                                 "EveryOriginatingAgency": True, "EveryDataObjectVersion": True})
    units_store.insert_units(db, 0, [
        {"#id": new_guid(), "Title": f"Unité {index}", "DescriptionLevel": level, "#unitType": "INGEST",
         "#originating_agency": "AG1", "#opi": "op"}
        for index, level in enumerate(LEVELS)
    ])
    units_store.insert_units(db, 4, [{"#id": new_guid(), "Title": "Autre tenant", "DescriptionLevel": "Item"}])
    db.commit()
    db.close()


def search(http, body, **kwargs):
    return http.post(UNITS_URL, data=json.dumps(body),
                     headers={"X-Http-Method-Override": "GET", "Content-Type": "application/json"}, **kwargs)


def test_facet_request_gives_vitam_response_shape(http, loaded, vitam_reference):
    request = json.loads((vitam_reference / "responses" / "accessUnitRequestWithFacet.json").read_text())
    expected = json.loads((vitam_reference / "responses" / "accessUnitResponseWithFacet.json").read_text())
    response = search(http.with_(contract="AC-DSL"), request)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == set(expected)
    assert body["httpCode"] == 200
    assert body["$hits"] == {"total": len(LEVELS), "offset": 0, "limit": 5, "size": 5}
    assert set(body["$hits"]) == set(expected["$hits"])
    assert all(set(result) == {"Title"} for result in body["$results"]) and len(body["$results"]) == 5
    assert body["$facetResults"] == [{"name": "ObjectTypeFacet", "buckets": [
        {"value": "Item", "count": 6}, {"value": "RecordGrp", "count": 3},
        {"value": "File", "count": 1}, {"value": "Fonds", "count": 1}]}]
    assert body["$context"] == request == expected["$context"]


def test_other_tenants_units_are_invisible(http, loaded, lite):
    db = lite.app.store.new_connection()
    referentials.put(db, 4, "access_contracts", {"Identifier": "AC-DSL", "Name": "AC-DSL", "Status": "ACTIVE",
                                                 "EveryOriginatingAgency": True})
    db.commit()
    db.close()
    query = {"$query": [{"$match": {"Title": "unite tenant"}}], "$projection": {"$fields": {"Title": 1}}}
    assert [u["Title"] for u in search(http.with_(tenant=4, contract="AC-DSL"), query).json()["$results"]] == [
        "Autre tenant"]
    assert len(search(http.with_(contract="AC-DSL"), query).json()["$results"]) == len(LEVELS)


@pytest.mark.parametrize("name", ["select_multiple_wrong_root.json", "select_multiple_root_graph_invalid.json"])
def test_invalid_corpus_query_is_a_400_000601(http, loaded, vitam_reference, name):
    body = json.loads((vitam_reference / "dsl" / "invalid" / "select-multiple" / name).read_text())
    response = search(http.with_(contract="AC-DSL"), body)
    assert response.status_code == 400
    error = response.json()
    assert (error["code"], error["message"], error["state"]) == ("000601", "Dsl query is not valid.", "Business")
    assert error["description"]


def test_result_window_is_enforced(http, loaded):
    body = {"$query": [], "$filter": {"$offset": 9999, "$limit": 10}, "$projection": {}}
    response = search(http.with_(contract="AC-DSL"), body)
    assert response.status_code == 400
    assert "result window" in response.json()["description"]
