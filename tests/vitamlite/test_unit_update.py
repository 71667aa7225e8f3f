"""PUT /access-external/v1/units/{idu} over HTTP: Vitam's single-unit update (UPDATE_BY_ID)."""

import pytest

from tests.vitamlite.test_mass_update_rules import UNITS, UNITS_XML, loaded, unit  # noqa: F401 (fixture)
from tests.vitamlite.test_ingest_corpus import ingest, make_sip, unit_manifest

OPERATIONS = "/access-external/v1/logbookoperations"


@pytest.fixture
def unit_id(http, loaded):  # noqa: F811
    operation_id, status, _ = ingest(http, make_sip(unit_manifest(UNITS_XML.format(n=1))))
    assert status == "WARNING"
    response = http.get(UNITS, contract="contract", json={"$roots": [], "$query": [{"$eq": {"#opi": operation_id}}],
                                                           "$projection": {}})
    return response.json()["$results"][0]["#id"]


def put(http, unit_id, body, contract="contract"):
    return http.put(f"{UNITS}/{unit_id}", contract=contract, json=body)


def operation(http, operation_id):
    response = http.get(f"{OPERATIONS}/{operation_id}", contract="contract")
    assert response.status_code == 200, response.text
    return response.json()["$results"][0]


def test_update_sets_and_unsets_fields_and_increments_version(http, unit_id):
    before = unit(http, unit_id)
    response = put(http, unit_id, {"$action": [{"$set": {"Title": "Dossier renommé", "Description": "Lettres",
                                                          "StartDate": "1990-01-01", "EndDate": "1995-12-31"}},
                                               {"$unset": ["Keyword"]}]})
    assert response.status_code == 200, response.text
    [result] = response.json()["$results"]
    assert result["#id"] == unit_id
    assert '+  "Title" : "Dossier renommé"' in result["#diff"] and '-  "Title" : "Dossier 1"' in result["#diff"]
    after = unit(http, unit_id)
    assert (after["Title"], after["Description"], after["EndDate"]) == ("Dossier renommé", "Lettres", "1995-12-31")
    assert after["#version"] == before["#version"] + 1
    operation_id = response.headers["X-Request-Id"]
    assert operation_id in after["#operations"]
    logged = operation(http, operation_id)
    assert (logged["evType"], logged["evTypeProc"], logged["obIdIn"]) == ("STP_UPDATE_UNIT_DESC", "UPDATE", unit_id)
    assert [(event["evType"], event["outcome"]) for event in logged["events"]] == [
        ("UNIT_METADATA_UPDATE_CHECK_PERMISSION", "OK"), ("UNIT_METADATA_UPDATE", "OK"),
        ("STP_UPDATE_UNIT_DESC", "OK")]
    assert logged["events"][-1]["outMessg"] == ("Succès du processus de mise à jour des métadonnées descriptives de"
                                                " l'unité archivistique")
    assert "Dossier renommé" in logged["events"][1]["evDetData"]


def test_management_update_checks_rules_and_computes_end_dates(http, unit_id):
    response = put(http, unit_id, {"$action": [{"$set": {"#management.AccessRule": {
        "Rules": [{"Rule": "ACC-00003", "StartDate": "2018-11-14"}]}}}]})
    assert response.status_code == 200, response.text
    assert unit(http, unit_id)["#management"]["AccessRule"]["Rules"][0]["EndDate"] == "2043-11-14"
    logged = operation(http, response.headers["X-Request-Id"])
    assert logged["evType"] == "STP_UPDATE_UNIT"
    assert [event["evType"] for event in logged["events"]][:2] == ["UNIT_METADATA_UPDATE_CHECK_PERMISSION",
                                                                  "UNIT_METADATA_UPDATE_CHECK_RULES"]

    unknown = put(http, unit_id, {"$action": [{"$set": {"#management.AccessRule": {
        "Rules": [{"Rule": "ACC-99999", "StartDate": "2018-11-14"}]}}}]})
    assert unknown.status_code == 400, unknown.text
    assert operation(http, unknown.headers["X-Request-Id"])["events"][-1]["outcome"] == "KO"


@pytest.mark.parametrize(("actions", "description"), [
    ([{"$unset": ["Title"]}], "Invalid unit format : Title is mandatory"),
    ([{"$set": {"StartDate": "2001-02-30"}}], "Invalid unit format : StartDate '2001-02-30' is not a date"),
    ([{"$set": {"StartDate": "2001-01-01", "EndDate": "2000-01-01"}}], "EndDate is before StartDate"),
    ([{"$set": {"DescriptionLevel": "Dossier"}}],
     "Invalid unit format : DescriptionLevel 'Dossier' is not a SEDA level"),
    ([{"$set": {"#version": 0}}], "Invalid DSL query: cannot contains '#version' internal field(s)."),
])
def test_invalid_update_is_refused_and_changes_nothing(http, unit_id, actions, description):
    before = unit(http, unit_id)
    response = put(http, unit_id, {"$action": actions})
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["code"], body["description"]) == ("020102", description)
    assert body["message"] == "Access external client error in updateUnitbyId method."
    assert unit(http, unit_id) == before


def test_a_version_condition_is_refused_as_by_vitam_schema(http, unit_id):
    # Vitam's update-by-id schema has no $query: the optimistic lock is the client's own read of #version.
    response = put(http, unit_id, {"$query": [{"$eq": {"#version": 0}}], "$action": [{"$set": {"Title": "x"}}]})
    assert response.status_code == 400
    assert response.json()["code"] == "000601"
    assert put(http, unit_id, {"$action": [{"$push": {"Keyword": ["x"]}}]}).status_code == 400


def test_unknown_unit_and_read_only_contract(http, unit_id):
    missing = put(http, "aeaqaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", {"$action": [{"$set": {"Title": "x"}}]})
    assert missing.status_code == 404 and missing.json()["code"] == "020150"
    before = unit(http, unit_id)
    refused = put(http, unit_id, {"$action": [{"$set": {"Title": "x"}}]}, contract="AC-READ")
    assert refused.status_code == 401 and refused.json()["description"] == "UPDATE_UNIT_PERMISSION"
    restricted = put(http, unit_id, {"$action": [{"$set": {"#management.AccessRule": {"Rules": []}}}]},
                     contract="AC-DESC")
    assert restricted.status_code == 401 and restricted.json()["description"] == "UPDATE_UNIT_DESC_PERMISSION"
    assert unit(http, unit_id) == before
