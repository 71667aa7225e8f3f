"""Mass updates over HTTP: POST /units/rules (rule actions of mass-update_update-rules.http and
dsl/examples/rulesUpdate.json) and POST /units (descriptive metadata), on units of an ingested SIP."""

import json

import pytest

from tests.vitamlite.test_elimination_analysis import wait_status
from tests.vitamlite.test_ingest_corpus import ingest, load_baseline_referentials, make_sip, unit_manifest

RULES = "/access-external/v1/units/rules"
UNITS = "/access-external/v1/units"
ACTION = "/access-external/v1/elimination/action"

UNITS_XML = """
      <ArchiveUnit id="AU{n}"><Management>
          <AppraisalRule><Rule>APP-00002</Rule><StartDate>2000-01-01</StartDate><FinalAction>Destroy</FinalAction></AppraisalRule>
          <AccessRule><Rule>ACC-00001</Rule><StartDate>2000-01-01</StartDate></AccessRule>
          <ReuseRule><Rule>REU-00001</Rule><StartDate>2000-01-01</StartDate></ReuseRule>
        </Management>
        <Content><DescriptionLevel>File</DescriptionLevel><Title>Dossier {n}</Title></Content></ArchiveUnit>"""


@pytest.fixture(scope="module")
def loaded(lite, vitam_reference):
    load_baseline_referentials(lite, vitam_reference)
    response = lite_post(lite, "/admin-external/v1/accesscontracts", [
        {"Identifier": "AC-READ", "Name": "AC-READ", "Status": "ACTIVE", "EveryOriginatingAgency": True,
         "WritingPermission": False},
        {"Identifier": "AC-DESC", "Name": "AC-DESC", "Status": "ACTIVE", "EveryOriginatingAgency": True,
         "WritingPermission": True, "WritingRestrictedDesc": True}])
    assert response.status_code == 201, response.text


def lite_post(lite, path, body):
    import requests

    return requests.post(lite.base_url + path, json=body, headers={"X-Tenant-Id": "0"}, timeout=30)


@pytest.fixture
def sip_units(http, loaded):
    """A fresh SIP of two units; returns their stored documents by title."""
    manifest = unit_manifest("".join(UNITS_XML.format(n=n) for n in (1, 2)))
    operation_id, status, _ = ingest(http, make_sip(manifest))
    assert status == "WARNING"  # a SIP without objects (OBJECTS_LIST_EMPTY)
    return operation_id, {unit["Title"]: unit for unit in search(http, {"$eq": {"#opi": operation_id}})}


def search(http, query, contract="contract"):
    response = http.get(UNITS, contract=contract, json={"$roots": [], "$query": [query], "$filter": {"$limit": 100},
                                                        "$projection": {}})
    assert response.status_code == 200, response.text
    return response.json()["$results"]


def update_rules(http, unit_ids, actions, contract="contract", expected=200):
    response = http.post(RULES, contract=contract, json={
        "dslRequest": {"$roots": [], "$query": [{"$in": {"#id": unit_ids}}], "$threshold": 1000},
        "ruleActions": {"add": [], "update": [], "delete": [], **actions}})
    assert response.status_code == expected, response.text
    if expected != 200:
        return response
    operation_id = response.headers["X-Request-Id"]
    return operation_id, wait_status(http, operation_id)


def report(http, operation_id):
    response = http.get(f"/admin-external/v1/batchreport/{operation_id}", contract=None)
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.content.splitlines()]


def unit(http, unit_id):
    response = http.get(f"{UNITS}/{unit_id}", contract="contract", json={"$projection": {}})
    assert response.status_code == 200, response.text
    return response.json()["$results"][0]


def test_add_rules_computes_end_dates_and_reports(http, sip_units):
    _, by_title = sip_units
    ids = [by_title["Dossier 1"]["#id"], by_title["Dossier 2"]["#id"]]
    operation_id, status = update_rules(http, ids, {"add": [
        {"AccessRule": {"Rules": [{"Rule": "ACC-00003", "StartDate": "2018-11-14"}], "PreventInheritance": False}},
        {"StorageRule": {"Rules": [{"Rule": "STO-00001", "StartDate": "2000-01-01"}], "FinalAction": "Copy"}},
        {"HoldRule": {"Rules": [{"Rule": "HOL-00002", "StartDate": "2000-01-01", "HoldEndDate": "2005-01-01",
                                 "HoldOwner": "Owner", "HoldReason": "Reason", "HoldReassessingDate": "2015-01-01",
                                 "PreventRearrangement": True}], "PreventRulesId": ["HOL-00003"]}}],
        "addOrUpdateMetadata": {"ArchiveUnitProfile": "AUP-1"}})
    assert status == "OK"
    updated = unit(http, ids[0])
    management = updated["#management"]
    access = {rule["Rule"]: rule for rule in management["AccessRule"]["Rules"]}
    assert access["ACC-00003"]["StartDate"] == "2018-11-14" and access["ACC-00003"]["EndDate"] == "2043-11-14"
    assert access["ACC-00001"]["EndDate"] == "2000-01-01"
    assert management["AccessRule"]["Inheritance"] == {"PreventInheritance": False}
    assert management["StorageRule"]["FinalAction"] == "Copy"
    [hold] = management["HoldRule"]["Rules"]
    assert hold["EndDate"] == "2005-01-01" and hold["HoldOwner"] == "Owner" and hold["PreventRearrangement"] is True
    assert management["HoldRule"]["Inheritance"] == {"PreventRulesId": ["HOL-00003"]}
    assert updated["ArchiveUnitProfile"] == "AUP-1"
    assert operation_id in updated["#operations"] and updated["#version"] == 1

    summary, *lines = report(http, operation_id)
    assert summary["reportSummary"]["reportType"] == "UPDATE_UNIT"
    assert summary["reportSummary"]["vitamResults"] == {"OK": 2, "KO": 0, "WARNING": 0, "total": 2}
    assert summary["operationSummary"]["evType"] == "MASS_UPDATE_UNITS_RULES"
    assert summary["context"]["ruleActions"]["addOrUpdateMetadata"] == {"ArchiveUnitProfile": "AUP-1"}
    assert sorted(line["params"]["id"] for line in lines) == sorted(ids)
    assert {line["params"]["status"] for line in lines} == {"OK"}

    operation = http.get(f"/access-external/v1/logbookoperations/{operation_id}",
                         contract="contract").json()["$results"][0]
    assert (operation["evType"], operation["evTypeProc"]) == ("MASS_UPDATE_UNIT_RULE", "MASS_UPDATE")
    assert operation["events"][-1]["outDetail"] == "MASS_UPDATE_UNIT_RULE.OK"

    # Adding a rule the unit already has: that unit is KO, nothing half-applied; the operation ends WARNING
    # (KO_CAUSES_WARNING in Vitam's workflow), even with every unit refused.
    operation_id, status = update_rules(http, ids[:1], {"add": [
        {"AccessRule": {"Rules": [{"Rule": "ACC-00003", "StartDate": "2000-01-01"}]}}]})
    assert status == "WARNING"
    assert report(http, operation_id)[1]["params"]["status"] == "KO"
    assert unit(http, ids[0])["#management"] == management


def test_update_and_delete_rules(http, sip_units):
    _, by_title = sip_units
    unit_id = by_title["Dossier 1"]["#id"]
    operation_id, status = update_rules(http, [unit_id], {
        "update": [{"AccessRule": {"Rules": [{"OldRule": "ACC-00001", "Rule": "ACC-00002"}]}},
                   {"AppraisalRule": {"Rules": [{"OldRule": "APP-00002", "StartDate": "2010-01-01"}],
                                      "FinalAction": "Keep"}}],
        "delete": [{"ReuseRule": {"Rules": [{"Rule": "REU-00001"}]}}]})
    assert status == "OK"
    management = unit(http, unit_id)["#management"]
    assert [(r["Rule"], r["EndDate"]) for r in management["AccessRule"]["Rules"]] == [("ACC-00002", "2025-01-01")]
    assert management["AppraisalRule"]["Rules"][0]["EndDate"] == "2015-01-01"
    assert management["AppraisalRule"]["FinalAction"] == "Keep"
    assert "ReuseRule" not in management

    operation_id, status = update_rules(http, [unit_id], {
        "add": [{"AppraisalRule": {"PreventRulesIdToAdd": ["APP-00001", "APP-00002"]}}],
        "update": [{"AccessRule": {"Rules": [{"OldRule": "ACC-00002", "DeleteStartDate": True}]}}],
        "delete": [{"AppraisalRule": {"PreventRulesIdToRemove": ["APP-00001"]}}]})
    assert status == "OK"
    management = unit(http, unit_id)["#management"]
    assert management["AccessRule"]["Rules"] == [{"Rule": "ACC-00002"}]  # no StartDate, so no EndDate
    assert management["AppraisalRule"]["Inheritance"] == {"PreventRulesId": ["APP-00002"]}

    operation_id, status = update_rules(http, [unit_id], {"delete": [{"AccessRule": None}, {"AppraisalRule": {}}]})
    assert status == "OK"
    management = unit(http, unit_id)["#management"]
    assert "AccessRule" not in management and "AppraisalRule" not in management

    # Nothing to change any more: OK as in Vitam's MassUpdateUnitsRulesProcess, unit untouched.
    before = unit(http, unit_id)
    operation_id, status = update_rules(http, [unit_id], {"delete": [{"AccessRule": None}]})
    assert status == "OK"
    assert report(http, operation_id)[1]["params"]["key"] == "UNIT_METADATA_NO_CHANGES"
    assert unit(http, unit_id) == before


@pytest.mark.parametrize(("actions", "problem"), [
    ({"add": [{"AccessRule": {"Rules": [{"Rule": "ACC-99999", "StartDate": "2000-01-01"}]}}]}, "ACC-99999"),
    ({"add": [{"AccessRule": {"Rules": [{"Rule": "APP-00001", "StartDate": "2000-01-01"}]}}]}, "APP-00001"),
    # Vitam reads rule dates as yyyy-MM-dd only.
    ({"add": [{"AccessRule": {"Rules": [{"Rule": "ACC-00003", "StartDate": "2018-11-14T00:00:00.000Z"}]}}]},
     "AAAA-MM-JJ"),
    ({"add": [{"AppraisalRule": {"PreventRulesIdToAdd": ["APP-09999"]}}]}, "APP-09999"),
    ({"add": [{"AccessRule": {"Rules": [{"Rule": "ACC-00003", "StartDate": "9500-01-01"}]}}]}, "9000"),
    # Only the platform's classification levels (Vitam's classificationList) may be set.
    ({"add": [{"ClassificationRule": {"ClassificationLevel": "Très secret", "ClassificationOwner": "Vitam"}}]},
     "Très secret"),
])
def test_invalid_rule_actions_end_ko_without_any_change(http, sip_units, actions, problem):
    _, by_title = sip_units
    unit_id = by_title["Dossier 2"]["#id"]
    before = unit(http, unit_id)
    operation_id, status = update_rules(http, [unit_id], actions)
    assert status == "KO"
    events = http.get(f"/access-external/v1/logbookoperations/{operation_id}",
                      contract="contract").json()["$results"][0]["events"]
    [check] = [e for e in events if e["outDetail"] == "MASS_UPDATE_RULES_CHECK.KO"]
    assert problem in check["outMessg"]
    assert unit(http, unit_id) == before


def test_contract_without_writing_permission_is_refused(http, sip_units):
    _, by_title = sip_units
    unit_id = by_title["Dossier 1"]["#id"]
    for contract in ("AC-READ", "AC-DESC"):
        response = update_rules(http, [unit_id], {"delete": [{"ReuseRule": None}]}, contract=contract, expected=401)
        assert response.json()["code"] == "020140"
    response = http.post(UNITS, contract="AC-READ", json={"$query": [{"$eq": {"#id": unit_id}}],
                                                          "$action": [{"$set": {"Title": "x"}}]})
    assert response.status_code == 401 and response.json()["code"] == "020140"


def test_bad_bodies(http, sip_units):
    response = http.post(RULES, contract="contract", json={"dslRequest": {"$query": []}})
    assert response.status_code == 412
    response = http.post(RULES, contract="contract", json={"dslRequest": {"$query": [], "$filter": {}},
                                                           "ruleActions": {}})
    assert (response.status_code, response.json()["code"]) == (400, "000601")
    response = http.post(RULES, contract="contract", json={"dslRequest": {"$query": []},
                                                           "ruleActions": {"add": [{"Nope": {}}]}})
    assert response.status_code == 412


def test_values_the_unit_schema_refuses_are_refused_unit_by_unit_with_warning(http, sip_units):
    _, by_title = sip_units
    unit_id = by_title["Dossier 2"]["#id"]
    before = unit(http, unit_id)
    operation_id, status = update_rules(http, [unit_id], {"add": [{"AppraisalRule": {"FinalAction": "Copy"}}]})
    assert status == "WARNING"
    [line] = report(http, operation_id)[1:]
    assert (line["params"]["status"], line["params"]["key"]) == ("KO", "CHECK_UNIT_SCHEMA")
    assert "Copy" in line["params"]["message"]
    assert unit(http, unit_id) == before

    response = http.post(UNITS, contract="contract", json={
        "$query": [{"$in": {"#id": [unit_id]}}], "$action": [{"$unset": ["Title"]}]})
    assert wait_status(http, response.headers["X-Request-Id"]) == "WARNING"
    assert unit(http, unit_id) == before


def test_threshold(http, sip_units):
    _, by_title = sip_units
    ids = [u["#id"] for u in by_title.values()]
    response = http.post(RULES, contract="contract", json={
        "dslRequest": {"$query": [{"$in": {"#id": ids}}], "$threshold": 1},
        "ruleActions": {"delete": [{"ReuseRule": None}]}})
    assert wait_status(http, response.headers["X-Request-Id"]) == "KO"
    assert all("ReuseRule" in unit(http, unit_id)["#management"] for unit_id in ids)


def test_hold_put_by_mass_update_blocks_the_elimination(http, sip_units):
    operation_id, by_title = sip_units
    held = by_title["Dossier 1"]["#id"]
    _, status = update_rules(http, [held], {"add": [{"HoldRule": {"Rules": [{"Rule": "HOL-00002"}]}}]})
    assert status == "OK"
    response = http.post(ACTION, contract="contract", json={
        "dslRequest": {"$query": [{"$eq": {"#opi": operation_id}}]}, "date": "2018-01-01"})
    action = response.headers["X-Request-Id"]
    assert wait_status(http, action) == "WARNING"
    statuses = {line["params"]["id"]: line["params"]["status"] for line in report(http, action)[1:]}
    assert statuses == {held: "GLOBAL_STATUS_CONFLICT", by_title["Dossier 2"]["#id"]: "DELETED"}
    assert [u["#id"] for u in search(http, {"$eq": {"#opi": operation_id}})] == [held]


def test_mass_update_of_descriptive_metadata(http, sip_units):
    _, by_title = sip_units
    ids = [u["#id"] for u in by_title.values()]
    response = http.post(UNITS, contract="contract", json={
        "$roots": [], "$query": [{"$in": {"#id": ids}}], "$threshold": 10,
        "$action": [{"$set": {"Description": "Revu en 2026"}, "$unset": ["StartDate"]},
                    {"$setregex": {"$target": "Title", "$controlPattern": "Dossier", "$updatePattern": "Liasse"}}]})
    assert response.status_code == 200, response.text
    operation_id = response.headers["X-Request-Id"]
    assert wait_status(http, operation_id) == "OK"
    titles = sorted(unit(http, unit_id)["Title"] for unit_id in ids)
    assert titles == ["Liasse 1", "Liasse 2"]
    assert all(unit(http, unit_id)["Description"] == "Revu en 2026" for unit_id in ids)
    assert search(http, {"$match": {"Title": "liasse"}}) != []  # reindexed for full text
    summary = report(http, operation_id)[0]
    assert summary["operationSummary"]["evType"] == "MASS_UPDATE_UNITS"
    assert summary["reportSummary"]["vitamResults"]["OK"] == 2
    operation = http.get(f"/access-external/v1/logbookoperations/{operation_id}",
                         contract="contract").json()["$results"][0]
    assert (operation["evType"], operation["evTypeProc"]) == ("MASS_UPDATE_UNIT_DESC", "MASS_UPDATE")

    # Management metadata cannot be changed that way: the check step is KO.
    response = http.post(UNITS, contract="contract", json={
        "$query": [{"$in": {"#id": ids}}], "$action": [{"$set": {"#management.AccessRule": {}}}]})
    operation_id = response.headers["X-Request-Id"]
    assert wait_status(http, operation_id) == "KO"
    events = http.get(f"/access-external/v1/logbookoperations/{operation_id}",
                      contract="contract").json()["$results"][0]["events"]
    assert any(e["outDetail"] == "MASS_UPDATE_CHECK.KO" and "internal field" in e["evDetData"] for e in events)


def test_description_update_replacements_and_invalid_units(http, sip_units):
    """$updatePattern follows Java's Matcher (groups `$1`, `\\` quoting), and a unit the actions would make invalid
    (no Title left) is reported KO and kept, the others updated: WARNING. Array actions are refused (400), as
    Vitam's MASS_UPDATE schema allows $set, $unset and $setregex only."""
    _, by_title = sip_units
    ids = sorted(u["#id"] for u in by_title.values())
    response = http.post(UNITS, contract="contract", json={
        "$query": [{"$in": {"#id": ids}}],
        "$action": [{"$setregex": {"$target": "Title", "$controlPattern": "Dossier (\\d)",
                                   "$updatePattern": "Dossier n° $1 \\$ \\\\"}}]})
    assert wait_status(http, response.headers["X-Request-Id"]) == "OK"
    assert sorted(unit(http, unit_id)["Title"] for unit_id in ids) == ["Dossier n° 1 $ \\", "Dossier n° 2 $ \\"]

    first = next(unit_id for unit_id in ids if unit(http, unit_id)["Title"].startswith("Dossier n° 1"))
    response = http.post(UNITS, contract="contract", json={
        "$query": [{"$in": {"#id": ids}}],
        "$action": [{"$setregex": {"$target": "Title", "$controlPattern": "^Dossier n° 1 \\$ \\\\$",
                                   "$updatePattern": ""}}]})
    operation_id = response.headers["X-Request-Id"]
    assert wait_status(http, operation_id) == "WARNING"
    lines = {line["params"]["id"]: line["params"] for line in report(http, operation_id)[1:]}
    assert lines[first]["status"] == "KO" and "Title is mandatory" in lines[first]["message"]
    assert unit(http, first)["Title"] == "Dossier n° 1 $ \\"

    response = http.post(UNITS, contract="contract", json={
        "$query": [{"$in": {"#id": ids}}], "$action": [{"$add": {"Keyword": [{"KeywordContent": "x"}]}}]})
    assert response.status_code == 400
