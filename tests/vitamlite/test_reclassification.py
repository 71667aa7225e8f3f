"""Reclassification over HTTP (POST /access-external/v1/reclassification): Vitam's checks, logbook and graph
recomputation, on a holding tree, a filing plan and a deposited SIP ingested into vitam-lite."""

import json

import pytest

from tests.vitamlite.test_elimination_analysis import wait_status
from tests.vitamlite.test_ingest_corpus import ingest, load_baseline_referentials, make_sip, unit_manifest, units_of

RECLASSIFICATION = "/access-external/v1/reclassification"


def _units(*titles, level="Series"):
    """A root unit with the others as its children."""
    children = "".join(f'<ArchiveUnit id="c{n}"><ArchiveUnitRefId>u{n}</ArchiveUnitRefId></ArchiveUnit>'
                       for n in range(1, len(titles)))
    xml = (f'<ArchiveUnit id="u0"><Content><DescriptionLevel>{level}</DescriptionLevel>'
           f"<Title>{titles[0]}</Title></Content>{children}</ArchiveUnit>")
    xml += "".join(f'<ArchiveUnit id="u{n}"><Content><DescriptionLevel>{level}</DescriptionLevel>'
                   f"<Title>{title}</Title></Content></ArchiveUnit>" for n, title in enumerate(titles) if n)
    return unit_manifest(xml)


@pytest.fixture(scope="module")
def world(lite, vitam_reference):
    """Holding "Fonds" > "Série A", "Série B"; filing "Plan 1" > "Dossier 1a", "Plan 2"; deposited
    "Versement" > "Pièce" under "Dossier 1a". Returns {title: id} and the http helper's base."""
    load_baseline_referentials(lite, vitam_reference)
    from tests.vitamlite.conftest import Http

    http = Http(lite.base_url)
    ids = {}
    for manifest, workflow in ((_units("Fonds", "Série A", "Série B"), "HOLDING_SCHEME"),
                               (_units("Plan 1", "Dossier 1a"), "FILING_SCHEME"),
                               (_units("Plan 2"), "FILING_SCHEME")):
        operation_id, status, _ = ingest(http, make_sip(manifest), workflow=workflow)
        assert status == "OK"
        ids.update({unit["Title"]: unit["#id"] for unit in units_of(http, operation_id)})
    deposit = unit_manifest(f"""
      <ArchiveUnit id="attach">
        <Management><UpdateOperation><SystemId>{ids["Dossier 1a"]}</SystemId></UpdateOperation></Management>
        <Content><DescriptionLevel>Series</DescriptionLevel><Title>Dossier 1a</Title></Content>
        <ArchiveUnit id="ref"><ArchiveUnitRefId>u1</ArchiveUnitRefId></ArchiveUnit>
      </ArchiveUnit>
      <ArchiveUnit id="u1"><Content><DescriptionLevel>File</DescriptionLevel><Title>Versement</Title></Content>
        <ArchiveUnit id="u2"><Content><DescriptionLevel>Item</DescriptionLevel><Title>Pièce</Title></Content>
        </ArchiveUnit>
      </ArchiveUnit>""")
    operation_id, status, _ = ingest(http, make_sip(deposit))
    assert status == "WARNING"  # no objects
    ids.update({unit["Title"]: unit["#id"] for unit in units_of(http, operation_id)})
    return ids


def reclassify(http, child, *, add=(), pull=(), expected=202):
    actions = []
    if add:
        actions.append({"$add": {"#unitups": list(add)}})
    if pull:
        actions.append({"$pull": {"#unitups": list(pull)}})
    response = http.post(RECLASSIFICATION, contract="contract",
                         json=[{"$roots": [], "$query": [{"$eq": {"#id": child}}], "$action": actions}])
    assert response.status_code == expected, response.text
    if expected != 202:
        return response
    operation_id = response.headers["X-Request-Id"]
    assert response.json()["$results"][0]["itemId"] == operation_id
    return operation_id, wait_status(http, operation_id)


def operation(http, operation_id):
    response = http.get(f"/access-external/v1/logbookoperations/{operation_id}", contract="contract")
    assert response.status_code == 200, response.text
    return response.json()["$results"][0]


def unit(http, unit_id):
    response = http.get(f"/access-external/v1/units/{unit_id}", contract="contract", json={"$projection": {}})
    assert response.status_code == 200, response.text
    return response.json()["$results"][0]


def ko_event(http, operation_id):
    [event] = [event for event in operation(http, operation_id)["events"] if event["outcome"] == "KO"
               and not event["evType"].startswith("STP_") and event["evType"] != "RECLASSIFICATION"]
    return event


def test_move_a_filing_folder_recomputes_the_graph_of_its_subtree(http, world):
    before = unit(http, world["Dossier 1a"])
    assert world["Plan 1"] in unit(http, world["Pièce"])["#allunitups"]

    operation_id, status = reclassify(http, world["Dossier 1a"], add=[world["Plan 2"]], pull=[world["Plan 1"]])
    assert status == "OK"

    moved = unit(http, world["Dossier 1a"])
    assert moved["#unitups"] == [world["Plan 2"]] and moved["#allunitups"] == [world["Plan 2"]]
    assert (moved["#min"], moved["#max"]) == (2, 2)
    assert operation_id in moved["#operations"] and moved["#version"] == before.get("#version", 0) + 1
    piece = unit(http, world["Pièce"])
    assert world["Plan 1"] not in piece["#allunitups"]
    assert {world["Plan 2"], world["Dossier 1a"], world["Versement"]} == set(piece["#allunitups"])
    assert (piece["#min"], piece["#max"]) == (4, 4)
    children = http.get("/access-external/v1/units", contract="contract", json={
        "$roots": [world["Plan 2"]], "$query": [{"$exists": "Title", "$depth": 10}], "$filter": {},
        "$projection": {}}).json()["$results"]
    assert {child["Title"] for child in children} == {"Dossier 1a", "Versement", "Pièce"}

    logbook = operation(http, operation_id)
    assert (logbook["evType"], logbook["evTypeProc"]) == ("RECLASSIFICATION", "RECLASSIFICATION")
    steps = [event["outDetail"] for event in logbook["events"] if event["evType"].startswith("STP_")
             and event["outcome"] == "OK"]
    assert steps == ["STP_RECLASSIFICATION_PREPARATION.OK", "STP_UNIT_DETACHMENT.OK", "STP_UNIT_ATTACHMENT.OK",
                     "STP_UNIT_GRAPH_COMPUTE.OK", "STP_OBJECT_GROUP_GRAPH_COMPUTE.OK",
                     "STP_RECLASSIFICATION_FINALIZATION.OK"]
    final = logbook["events"][-1]
    assert final["outDetail"] == "RECLASSIFICATION.OK"
    assert final["outMessg"] == "Succès de la modification d'arborescence des unités archivistiques"
    lifecycle = http.get(f"/access-external/v1/logbookunitlifecycles/{world['Dossier 1a']}", contract="contract",
                         json={"$projection": {}}).json()["$results"][0]
    assert "LFC.RECLASSIFICATION" in [lifecycle["evType"], *(event["evType"] for event in lifecycle["events"])]


def test_a_cycle_is_refused_with_vitams_code_and_nothing_changes(http, world):
    before = unit(http, world["Plan 2"])
    # Dossier 1a is under Plan 2 since the previous test (or under Plan 1): either way a cycle.
    parent_of_folder = unit(http, world["Dossier 1a"])["#unitups"][0]
    operation_id, status = reclassify(http, parent_of_folder, add=[world["Dossier 1a"]])
    assert status == "KO"
    event = ko_event(http, operation_id)
    assert event["outDetail"] == "RECLASSIFICATION_PREPARATION_CHECK_GRAPH.KO"
    assert event["outMessg"] == ("Échec du contrôle de cohérence du graphe au moment de la modification"
                                 " d'arborescence des unités archivistiques")
    details = json.loads(event["evDetData"])
    assert details["error"] == "Cannot apply reclassification request. Cycle detected"
    assert {parent_of_folder, world["Dossier 1a"]} <= set(details["unitsWithCycles"])
    assert operation(http, operation_id)["events"][-1]["outDetail"] == "RECLASSIFICATION.KO"
    assert unit(http, world["Plan 2"])["#unitups"] == before["#unitups"]


@pytest.mark.parametrize("child, parent, child_type, parent_type", [
    ("Plan 2", "Versement", "FILING_UNIT", "INGEST"),
    ("Série B", "Versement", "HOLDING_UNIT", "INGEST"),
    ("Série B", "Plan 2", "HOLDING_UNIT", "FILING_UNIT"),
])
def test_unit_type_attachment_rules(http, world, child, parent, child_type, parent_type):
    before = unit(http, world[child])
    operation_id, status = reclassify(http, world[child], add=[world[parent]])
    assert status == "KO"
    event = ko_event(http, operation_id)
    assert event["outDetail"] == "RECLASSIFICATION_PREPARATION_CHECK_GRAPH.KO"
    details = json.loads(event["evDetData"])
    assert details["error"] == "Invalid unit type attachment(s)"
    assert details["illegalUnitTypeAttachments"] == [{
        "childUnidId": world[child], "childUnidType": child_type,
        "parentUnidId": world[parent], "parentUnidType": parent_type}]
    assert unit(http, world[child])["#allunitups"] == before["#allunitups"]


def test_allowed_attachments_follow_the_unit_type_order(http, world):
    # A deposited unit may go under a holding unit, a filing unit under a holding unit.
    for child, parent in (("Versement", "Série A"), ("Plan 2", "Série B")):
        _, status = reclassify(http, world[child], add=[world[parent]])
        assert status == "OK"
        assert world[parent] in unit(http, world[child])["#unitups"]
    assert world["Fonds"] in unit(http, world["Pièce"])["#allunitups"]


def test_unknown_parent_is_refused_at_load(http, world):
    missing = "aeaqaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    operation_id, status = reclassify(http, world["Plan 2"], add=[missing])
    assert status == "KO"
    event = ko_event(http, operation_id)
    assert event["outDetail"] == "RECLASSIFICATION_PREPARATION_LOAD_REQUEST.KO"
    assert json.loads(event["evDetData"]) == {"error": "Access denied or missing units.",
                                              "missingOrForbiddenUnits": [missing]}


def test_a_unit_of_another_tenant_is_not_found(http, world):
    # Tenant 2 has none of these units: the named parent is missing there, whatever exists on tenant 0.
    created = http.post("/admin-external/v1/accesscontracts", tenant=2, contract=None, json=[
        {"Identifier": "contract", "Name": "contract", "Status": "ACTIVE", "EveryOriginatingAgency": True}])
    assert created.status_code == 201, created.text
    before = unit(http, world["Plan 2"])["#unitups"]
    response = http.post(RECLASSIFICATION, tenant=2, contract="contract", json=[
        {"$roots": [], "$query": [{"$eq": {"#id": world["Plan 2"]}}],
         "$action": [{"$add": {"#unitups": [world["Fonds"]]}}]}])
    assert response.status_code == 202, response.text
    operation_id = response.headers["X-Request-Id"]
    assert wait_status(http, operation_id, tenant=2) == "KO"
    events = http.get(f"/access-external/v1/logbookoperations/{operation_id}", tenant=2,
                      contract="contract").json()["$results"][0]["events"]
    [refusal] = [event for event in events if event["outDetail"] == "RECLASSIFICATION_PREPARATION_LOAD_REQUEST.KO"]
    assert json.loads(refusal["evDetData"])["missingOrForbiddenUnits"] == [world["Fonds"]]
    assert unit(http, world["Plan 2"])["#unitups"] == before


def test_same_parent_attached_and_detached_and_empty_selection(http, world):
    operation_id, status = reclassify(http, world["Plan 2"], add=[world["Série A"]], pull=[world["Série A"]])
    assert status == "KO"
    assert json.loads(ko_event(http, operation_id)["evDetData"]) == {
        "error": "Cannot attach & detach same parent units"}
    response = http.post(RECLASSIFICATION, contract="contract", json=[
        {"$roots": [], "$query": [{"$eq": {"Title": "Aucune unité de ce nom"}}],
         "$action": [{"$add": {"#unitups": [world["Série A"]]}}]}])
    operation_id = response.headers["X-Request-Id"]
    assert wait_status(http, operation_id) == "KO"
    assert json.loads(ko_event(http, operation_id)["evDetData"]) == {"error": "No units to update."}


def test_invalid_dsl_is_a_400(http, world):
    response = http.post(RECLASSIFICATION, contract="contract", json=[{"$query": [], "$action": []}])
    assert response.status_code == 400
    assert response.json()["code"] == "000601"
    response = http.post(RECLASSIFICATION, contract=None, json=[
        {"$query": [{"$eq": {"#id": world["Plan 2"]}}], "$action": [{"$add": {"#unitups": [world["Fonds"]]}}]}])
    assert response.status_code == 401


def test_an_active_hold_rule_with_prevent_rearrangement_blocks_the_move(http, world):
    response = http.post("/access-external/v1/units/rules", contract="contract", json={
        "dslRequest": {"$roots": [], "$query": [{"$eq": {"#id": world["Série A"]}}], "$threshold": 1},
        "ruleActions": {"add": [{"HoldRule": {"Rules": [{"Rule": "HOL-00002", "StartDate": "2020-01-01",
                                                          "PreventRearrangement": True}]}}]}})
    assert response.status_code == 200, response.text
    assert wait_status(http, response.headers["X-Request-Id"]) == "OK"
    before = unit(http, world["Série A"])["#unitups"]
    operation_id, status = reclassify(http, world["Série A"], add=[world["Série B"]])
    assert status == "KO"
    event = ko_event(http, operation_id)
    assert event["outDetail"] == "RECLASSIFICATION_PREPARATION_CHECK_HOLD_RULES.KO"
    assert json.loads(event["evDetData"]) == {
        "error": "Cannot apply reclassification request. Hold rules with PreventRearrangement found",
        "unitsBlockedByHoldRules": [world["Série A"]]}
    assert unit(http, world["Série A"])["#unitups"] == before
