"""Elimination action on the corpus SIPs, over HTTP (shared/vitam-reference README rows for SIP_TREE and
TEST_ELIMINATION_V2, elimination/action/*).

TEST_ELIMINATION_V2 is a SEDA 2.3 SIP, which vitam-lite refuses; its manifest only uses elements that SEDA 2.1
also has, so the test re-packs it with the 2.1 namespace and checks Vitam's expectations: action WARNING,
5 units and 2 object groups left, accession register as in the corpus after the elimination.
"""

import io
import json
import zipfile

import pytest

from tests.vitamlite.test_elimination_analysis import wait_status
from tests.vitamlite.test_ingest_corpus import ingest, load_baseline_referentials

ANALYSIS = "/access-external/v1/elimination/analysis"
ACTION = "/access-external/v1/elimination/action"
UNITS = "/access-external/v1/units"
COUNTERS = ("TotalUnits", "TotalObjectGroups", "TotalObjects", "ObjectSize")


def seda_2_1(vitam_reference) -> bytes:
    """TEST_ELIMINATION_V2 with its manifest moved to the SEDA 2.1 namespace."""
    source = zipfile.ZipFile(vitam_reference / "sip/valid/TEST_ELIMINATION_V2_seda2.3.zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name.endswith("manifest.xml"):
                data = data.replace(b"seda:v2.3", b"seda:v2.1").replace(b"seda-2.3-main.xsd", b"seda-2.1-main.xsd")
            target.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def corpus(lite, vitam_reference):
    load_baseline_referentials(lite, vitam_reference)
    load_baseline_referentials(lite, vitam_reference, tenant=2)
    return vitam_reference


def start(http, path, query, date, expected=202):
    response = http.post(path, contract="contract", json={"dslRequest": {"$roots": [], "$query": [query]},
                                                          "date": date})
    assert response.status_code == expected, response.text
    return response.headers["X-Request-Id"]


def run(http, path, query, date, tenant=0):
    operation_id = start(http.with_(tenant=tenant), path, query, date)
    return operation_id, wait_status(http, operation_id, tenant=tenant)


def units(http, query, fields=("#id", "Title"), tenant=0):
    response = http.get(UNITS, tenant=tenant, contract="contract", json={
        "$roots": [], "$query": [query], "$filter": {"$limit": 1000},
        "$projection": {"$fields": {field: 1 for field in fields}}})
    assert response.status_code == 200, response.text
    return response.json()["$results"]


def batch_report(http, operation_id, tenant=0):
    response = http.get(f"/admin-external/v1/batchreport/{operation_id}", tenant=tenant, contract=None)
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.content.splitlines() if line.strip()]


def operation(http, operation_id, tenant=0):
    response = http.get(f"/access-external/v1/logbookoperations/{operation_id}", tenant=tenant, contract="contract")
    assert response.status_code == 200, response.text
    return response.json()["$results"][0]


def register_details(http, tenant=0):
    response = http.get("/admin-external/v1/accessionregisterdetails", tenant=tenant, contract="contract",
                        json={"$query": {}, "$projection": {}})
    assert response.status_code == 200, response.text
    return response.json()["$results"]


def test_holding_unit_with_children_is_destroyable_but_not_deleted(http, corpus):
    holding_op, status, _ = ingest(http, corpus / "sip/valid/SIP_TREE_holding-scheme.zip", workflow="HOLDING_SCHEME")
    assert status == "OK"
    [unit4] = units(http, {"$and": [{"$eq": {"Title": "Unit 4"}}, {"$eq": {"#opi": holding_op}}]})
    registers_before = register_details(http)

    analysis, status = run(http, ANALYSIS, {"$eq": {"#id": unit4["#id"]}}, "2018-01-01")
    assert status == "OK"
    [analysed] = units(http, {"$eq": {"#elimination.OperationId": analysis}}, fields=("#id", "#elimination"))
    assert analysed["#id"] == unit4["#id"]
    assert analysed["#elimination"][-1]["GlobalStatus"] == "DESTROY"

    action, status = run(http, ACTION, {"$eq": {"#id": unit4["#id"]}}, "2018-01-01")
    assert status == "WARNING"
    summary, first, *_ = batch_report(http, action)
    assert first["params"]["status"] == "NON_DESTROYABLE_HAS_CHILD_UNITS"
    assert summary["reportSummary"]["reportType"] == "ELIMINATION_ACTION"
    assert summary["reportSummary"]["vitamResults"] == {"OK": 0, "KO": 0, "WARNING": 1, "total": 1}
    assert len(units(http, {"$eq": {"#opi": holding_op}})) == 8
    assert register_details(http) == registers_before


@pytest.fixture(scope="module")
def elimination_v2(http_module, corpus):
    ingest_op, status, _ = ingest(http_module, seda_2_1(corpus))
    assert status == "OK"
    return ingest_op


@pytest.fixture(scope="module")
def http_module(lite):
    from tests.vitamlite.conftest import Http

    return Http(lite.base_url)


def test_future_date_is_ko_and_deletes_nothing(http, elimination_v2):
    action, status = run(http, ACTION, {"$eq": {"#opi": elimination_v2}}, "2050-01-01")
    assert status == "KO"
    events = operation(http, action)["events"]
    [failed] = [e for e in events if e["outDetail"] == "ELIMINATION_ACTION_UNIT_PREPARATION.KO"]
    assert json.loads(failed["evDetData"])["error"] == "The elimination date cannot be after current date"
    assert len(units(http, {"$eq": {"#opi": elimination_v2}})) == 8


def test_analysis_of_test_elimination_v2(http, elimination_v2):
    analysis, status = run(http, ANALYSIS, {"$eq": {"#opi": elimination_v2}}, "2018-01-01")
    assert status == "OK"
    found = units(http, {"$eq": {"#elimination.OperationId": analysis}}, fields=("Title", "#elimination"))
    statuses = {unit["Title"]: unit["#elimination"][-1]["GlobalStatus"] for unit in found}
    # Saint Denis Basilique, Saint-Lazare, Montparnasse and Marx Dormoy have expired Destroy rules; the
    # 2_Front Populaire branch is held (HOL-00003 until 2020, HOL-00002 until 2020); Carrefour Pleyel keeps
    # (APP-00001 ends in 2081) and the root gets an implicit Keep: neither is indexed.
    assert statuses == {"Saint Denis Basilique": "DESTROY", "Saint-Lazare": "DESTROY", "Montparnasse.txt": "DESTROY",
                        "Marx Dormoy": "DESTROY", "2_Front Populaire": "CONFLICT", "Porte de la Chapelle": "CONFLICT"}
    held = next(unit for unit in found if unit["Title"] == "Porte de la Chapelle")["#elimination"][-1]
    assert held["ExtendedInfo"] == [{"ExtendedInfoType": "BLOCKED_BY_HOLD_RULE",
                                     "ExtendedInfoDetails": {"HoldRuleIds": ["HOL-00002"]}}]


def test_other_tenant_and_narrow_contract_eliminate_nothing(http, lite, elimination_v2):
    # Same query on tenant 2: none of tenant 0's units is reachable.
    action, status = run(http, ACTION, {"$eq": {"#opi": elimination_v2}}, "2018-01-01", tenant=2)
    assert status == "WARNING"
    assert batch_report(http, action, tenant=2)[1:] == []
    assert http.get(f"/admin-external/v1/batchreport/{action}", tenant=0, contract=None).status_code == 404
    # A contract of another originating agency: nothing selected.
    response = http.post("/admin-external/v1/accesscontracts", contract=None, json=[{
        "Identifier": "AC-OTHER", "Name": "AC-OTHER", "Status": "ACTIVE", "OriginatingAgencies": ["FRAN_NP_009913"]}])
    assert response.status_code == 201, response.text
    response = http.post(ACTION, contract="AC-OTHER", json={
        "dslRequest": {"$query": [{"$eq": {"#opi": elimination_v2}}]}, "date": "2018-01-01"})
    assert wait_status(http, response.headers["X-Request-Id"]) == "WARNING"
    assert len(units(http, {"$eq": {"#opi": elimination_v2}})) == 8


def test_action_on_test_elimination_v2_matches_vitam(http, lite, corpus, elimination_v2):
    paths_before = {p.name for p in (lite.app.store.tenant_objects_dir(0)).rglob("*") if p.is_file()}
    action, status = run(http, ACTION, {"$eq": {"#opi": elimination_v2}}, "2018-01-01")
    assert status == "WARNING"

    remaining = units(http, {"$eq": {"#opi": elimination_v2}}, fields=("Title", "#object"))
    assert sorted(unit["Title"] for unit in remaining) == [
        "1_Saint Denis Université (ligne 13)", "2_Front Populaire", "Carrefour Pleyel", "Porte de la Chapelle",
        "Saint Denis Basilique"]
    groups = http.get("/access-external/v1/objects", contract="contract", json={
        "$roots": [], "$query": [{"$eq": {"#opi": elimination_v2}}], "$projection": {}}).json()["$results"]
    assert len(groups) == 2

    summary, *lines = batch_report(http, action)
    unit_lines = [line["params"] for line in lines if "objectGroupId" in line["params"]]
    group_lines = [line["params"] for line in lines if "objectGroupId" not in line["params"]]
    by_status = {}
    for line in unit_lines:
        by_status.setdefault(line["status"], []).append(line)
    assert {status: len(found) for status, found in by_status.items()} == {
        "DELETED": 3, "NON_DESTROYABLE_HAS_CHILD_UNITS": 1, "GLOBAL_STATUS_CONFLICT": 2, "GLOBAL_STATUS_KEEP": 2}
    assert all(set(line) == {"id", "originatingAgency", "opi", "objectGroupId", "status"} for line in unit_lines)
    assert all(line["opi"] == elimination_v2 and line["originatingAgency"] == "RATP" for line in unit_lines)
    assert sorted(line["status"] for line in group_lines) == ["DELETED", "PARTIAL_DETACHMENT"]
    detached = next(line for line in group_lines if line["status"] == "PARTIAL_DETACHMENT")
    assert len(detached["deletedParentUnitIds"]) == 1
    deleted_group = next(line for line in group_lines if line["status"] == "DELETED")
    assert len(deleted_group["objectIds"]) == 1
    assert summary["reportSummary"]["vitamResults"] == {"OK": 3, "KO": 0, "WARNING": 5, "total": 8}
    assert summary["operationSummary"]["outcome"] == "WARNING"

    # The deleted group's binary is gone from disk, the others are still there.
    paths_after = {p.name for p in (lite.app.store.tenant_objects_dir(0)).rglob("*") if p.is_file()}
    assert paths_before - paths_after == set(deleted_group["objectIds"])

    expected_detail = json.loads((corpus / "elimination/action/TEST_ELIMINATION_V2_accession_register_detail_after.json")
                                 .read_text())[0]
    [detail] = [d for d in register_details(http) if d["Opi"] == elimination_v2]
    for counter in COUNTERS:
        assert detail[counter] == expected_detail[counter], counter
    assert [(e["OpType"], e["Units"], e["Gots"], e["Objects"], e["ObjSize"]) for e in detail["Events"]] == [
        (e["OpType"], e["Units"], e["Gots"], e["Objects"], e["ObjSize"]) for e in expected_detail["Events"]]
    assert detail["Events"][-1]["Opc"] == action and detail["Status"] == "STORED_AND_UPDATED"

    events = [e["outDetail"] for e in operation(http, action)["events"]]
    assert events[-1] == "ELIMINATION_ACTION.WARNING"
    for step in ("STP_ELIMINATION_ACTION_UNIT_PREPARATION", "STP_ELIMINATION_ACTION_DELETE_UNIT",
                 "STP_ELIMINATION_ACTION_DELETE_OBJECT_GROUP", "STP_ELIMINATION_ACTION_ACCESSION_REGISTER_PREPARATION",
                 "STP_ELIMINATION_ACTION_REPORT_GENERATION"):
        assert any(event.startswith(step + ".") and not event.endswith("STARTED") for event in events), step

    # Nothing left to destroy: a second action deletes nothing and says so.
    again, status = run(http, ACTION, {"$eq": {"#opi": elimination_v2}}, "2018-01-01")
    assert status == "WARNING"
    assert batch_report(http, again)[0]["reportSummary"]["vitamResults"]["OK"] == 0
