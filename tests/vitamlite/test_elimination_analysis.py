"""Elimination analysis: Vitam's decision per unit (corpus elimination/analysis) and the HTTP workflow.

The corpus gives units with their InheritedRules and the expected `#elimination` entry at date 2018-01-23
(EliminationAnalysisPreparationHandlerTest): the decision is checked on those inputs directly, then the same
units are stored in vitam-lite (their #management and parents reproduce those InheritedRules) and analysed
over HTTP, the entries being read back with a `#elimination.OperationId` query.
"""

import datetime
import json
import time

import pytest

from vitamlite import units_store
from vitamlite.elimination import analyse_unit
from vitamlite.referentials import store as referentials

ANALYSIS = "/access-external/v1/elimination/analysis"
ACTION = "/access-external/v1/elimination/action"
UNITS = "/access-external/v1/units"
DATE = datetime.date(2018, 1, 23)


def corpus_units(vitam_reference):
    return json.loads((vitam_reference / "elimination/analysis/units_with_inherited_rules.json").read_text())


def expected_entry(vitam_reference, name):
    return json.loads((vitam_reference / f"elimination/analysis/{name}.json").read_text())


@pytest.mark.parametrize("name", ["expected_unit1", "expected_unit2", "expected_unit4"])
def test_decision_matches_vitam_on_corpus_inputs(vitam_reference, name):
    expected = expected_entry(vitam_reference, name)
    unit = next(u for u in corpus_units(vitam_reference) if u["#id"] == expected["id"])
    assert analyse_unit(unit, unit["InheritedRules"], DATE, "opId") == expected["params"]


def test_unit_without_appraisal_rule_is_kept(vitam_reference):
    unit3 = next(u for u in corpus_units(vitam_reference) if u["#id"] == "unit3")
    result = analyse_unit(unit3, unit3["InheritedRules"], DATE, "opId")
    assert result["GlobalStatus"] == "KEEP" and result["ExtendedInfo"] == []


def _rule(unit, agency, rule, end, paths=None):
    return {"UnitId": unit, "OriginatingAgency": agency, "Paths": paths or [[unit]], "Rule": rule,
            "StartDate": "2000-01-01", "EndDate": end}


def _final(unit, agency, value, paths=None):
    return {"UnitId": unit, "OriginatingAgency": agency, "Paths": paths or [[unit]], "PropertyName": "FinalAction",
            "PropertyValue": value}


def test_final_action_inconsistency_and_access_link_inconsistency():
    # sp1 (own) destroyable; through parent p1 both sp2 (Destroy) and sp3 (Keep); sp4 has Keep and Destroy.
    rules = [_rule("u", "sp1", "APP-1", "2010-01-01"),
             _rule("p1", "sp2", "APP-1", "2010-01-01", [["u", "p1"]]),
             _rule("p1", "sp3", "APP-1", "2010-01-01", [["u", "p1"]]),
             _rule("p2", "sp4", "APP-1", "2010-01-01", [["u", "p2"]])]
    properties = [_final("u", "sp1", "Destroy"), _final("p1", "sp2", "Destroy", [["u", "p1"]]),
                  _final("p1", "sp3", "Keep", [["u", "p1"]]), _final("p2", "sp4", "Keep", [["u", "p2"]]),
                  _final("p3", "sp4", "Destroy", [["u", "p3"]])]
    result = analyse_unit({"#id": "u", "#unitType": "INGEST", "#originating_agency": "sp1"},
                          {"AppraisalRule": {"Rules": rules, "Properties": properties}}, DATE, "op")
    assert result["GlobalStatus"] == "CONFLICT"
    assert result["DestroyableOriginatingAgencies"] == ["sp1", "sp2"]
    assert result["NonDestroyableOriginatingAgencies"] == ["sp3"]
    assert [info["ExtendedInfoType"] for info in result["ExtendedInfo"]] == [
        "FINAL_ACTION_INCONSISTENCY", "KEEP_ACCESS_SP", "ACCESS_LINK_INCONSISTENCY"]
    assert result["ExtendedInfo"][0]["ExtendedInfoDetails"] == {"OriginatingAgenciesInConflict": ["sp4"]}
    assert result["ExtendedInfo"][2]["ExtendedInfoDetails"] == {
        "ParentUnitId": "p1", "DestroyableOriginatingAgencies": ["sp2"], "NonDestroyableOriginatingAgencies": ["sp3"]}


def test_rules_not_all_expired_or_without_end_date_keep_the_unit():
    for end in ("2019-01-01", None):
        result = analyse_unit({"#id": "u", "#unitType": "INGEST", "#originating_agency": "sp1"},
                              {"AppraisalRule": {"Rules": [_rule("u", "sp1", "APP-1", "2010-01-01"),
                                                           _rule("u", "sp1", "APP-2", end)],
                                                 "Properties": [_final("u", "sp1", "Destroy")]}}, DATE, "op")
        assert result["GlobalStatus"] == "KEEP" and result["DestroyableOriginatingAgencies"] == []
    # An end date equal to the analysis date is reached.
    result = analyse_unit({"#id": "u", "#unitType": "INGEST"},
                          {"AppraisalRule": {"Rules": [_rule("u", "sp1", "APP-1", "2018-01-23")],
                                             "Properties": [_final("u", "sp1", "Destroy")]}}, DATE, "op")
    assert result["GlobalStatus"] == "DESTROY"


def test_holding_unit_is_always_destroyable():
    result = analyse_unit({"#id": "h", "#unitType": "HOLDING_UNIT"}, {}, DATE, "op")
    assert result == {"OperationId": "op", "GlobalStatus": "DESTROY", "DestroyableOriginatingAgencies": [],
                      "NonDestroyableOriginatingAgencies": [], "ExtendedInfo": []}


def test_expired_hold_rule_does_not_block():
    inherited = {"AppraisalRule": {"Rules": [_rule("u", "sp1", "APP-1", "2010-01-01")],
                                   "Properties": [_final("u", "sp1", "Destroy")]},
                 "HoldRule": {"Rules": [_rule("u", "sp1", "HOL-1", "2018-01-23"), _rule("u", "sp1", "HOL-2", None)]}}
    result = analyse_unit({"#id": "u", "#unitType": "INGEST", "#originating_agency": "sp1"}, inherited, DATE, "op")
    # HOL-1 ends on the analysis date (not active); HOL-2 has no end date (active).
    assert result["GlobalStatus"] == "CONFLICT"
    assert result["ExtendedInfo"] == [{"ExtendedInfoType": "BLOCKED_BY_HOLD_RULE",
                                       "ExtendedInfoDetails": {"HoldRuleIds": ["HOL-2"]}}]


# ----- over HTTP, on units stored in vitam-lite


def wait_status(http, operation_id, tenant=0, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = http.head(f"/admin-external/v1/operations/{operation_id}", tenant=tenant, contract=None)
        if response.headers.get("X-Global-Execution-State") == "COMPLETED":
            return response.headers["X-Global-Execution-Status"]
        time.sleep(0.05)
    raise AssertionError(f"operation {operation_id} still running")


def management(rule=None, end=None, final=None, holds=()):
    appraisal = {}
    if rule:
        appraisal["Rules"] = [{"Rule": rule, "StartDate": "2000-01-01", "EndDate": end}]
    if final:
        appraisal["FinalAction"] = final
    result = {"AppraisalRule": appraisal} if appraisal else {}
    if holds:
        result["HoldRule"] = {"Rules": [{"Rule": r, "StartDate": s, "EndDate": e} for r, s, e in holds]}
    return result


@pytest.fixture(scope="module")
def corpus_stored(lite):
    """unit1..unit4 (+ unit9, sp9's parent of unit2) stored so that they get the corpus's decisions.

    The corpus input gives unit2 an inherited FinalAction Keep of sp9 beside its own Destroy, which Vitam's
    inheritance cannot produce (a local FinalAction hides inherited ones); here sp9 reaches unit2 through an
    inherited rule without FinalAction, which is also "keep" for sp9: same expected entry."""
    db = lite.app.store.new_connection()
    referentials.put(db, 0, "access_contracts", {"Identifier": "AC-ALL", "Name": "AC-ALL", "Status": "ACTIVE",
                                                 "EveryOriginatingAgency": True, "EveryDataObjectVersion": True})
    referentials.put(db, 0, "access_contracts", {"Identifier": "AC-SP1", "Name": "AC-SP1", "Status": "ACTIVE",
                                                 "OriginatingAgencies": ["sp1"], "EveryDataObjectVersion": True})
    referentials.put(db, 3, "access_contracts", {"Identifier": "AC-ALL", "Name": "AC-ALL", "Status": "ACTIVE",
                                                 "EveryOriginatingAgency": True, "EveryDataObjectVersion": True})

    def unit(unit_id, agency, mgt, parents=()):
        return {"#id": unit_id, "Title": unit_id, "DescriptionLevel": "Item", "#unitType": "INGEST",
                "#originating_agency": agency, "#opi": "opi-" + agency, "#unitups": list(parents), "#management": mgt}

    units_store.insert_units(db, 0, [
        unit("unit9", "sp9", management("APP-00002", "2015-01-01", "Keep")),
        unit("unit1", "sp1", management("APP-00001", "2015-01-01", "Destroy")),
        unit("unit2", "sp2", management("APP-00001", "2015-01-01", "Destroy"), ["unit9"]),
        unit("unit3", "sp1", {}),
        unit("unit4", "sp1", management("APP-00001", "2015-01-01", "Destroy", [("HOL-00001", "2050-01-01", "2051-01-01")])),
    ])
    # The same ids on another tenant: an analysis there must never touch tenant 0.
    units_store.insert_units(db, 3, [unit("unit1", "sp1", management("APP-00001", "2015-01-01", "Destroy"))])
    db.commit()
    db.close()


def analyse(http, query, date="2018-01-23", **kwargs):
    response = http.post(ANALYSIS, json={"dslRequest": {"$roots": [], "$query": [query], "$threshold": 1000},
                                         "date": date}, **kwargs)
    assert response.status_code == 202, response.text
    operation_id = response.headers["X-Request-Id"]
    assert response.json()["$results"][0]["itemId"] == operation_id
    return operation_id


def eliminated(http, operation_id, tenant=0, contract="AC-ALL"):
    response = http.get(UNITS, tenant=tenant, contract=contract, json={
        "$roots": [], "$query": [{"$eq": {"#elimination.OperationId": operation_id}}],
        "$projection": {"$fields": {"#id": 1, "#elimination": 1}}})
    assert response.status_code == 200, response.text
    return {unit["#id"]: unit["#elimination"] for unit in response.json()["$results"]}


def test_analysis_over_http_indexes_vitam_entries(http, corpus_stored, vitam_reference):
    client = http.with_(contract="AC-ALL")
    operation_id = analyse(client, {"$in": {"#id": ["unit1", "unit2", "unit3", "unit4"]}})
    assert wait_status(client, operation_id) == "OK"
    entries = eliminated(client, operation_id)
    assert sorted(entries) == ["unit1", "unit2", "unit4"]  # unit3 is KEEP: not indexed
    for name in ("expected_unit1", "expected_unit2", "expected_unit4"):
        expected = expected_entry(vitam_reference, name)
        [entry] = [e for e in entries[expected["id"]] if e["OperationId"] == operation_id]
        assert entry == {**expected["params"], "OperationId": operation_id}

    operation = client.get(f"/access-external/v1/logbookoperations/{operation_id}").json()["$results"][0]
    assert (operation["evType"], operation["evTypeProc"]) == ("ELIMINATION_ANALYSIS", "ELIMINATION")
    assert json.loads(operation["rightsStatementIdentifier"]) == {"AccessContract": "AC-ALL"}
    details = [event["outDetail"] for event in operation["events"]]
    assert details[-1] == "ELIMINATION_ANALYSIS.OK"
    assert "ELIMINATION_ANALYSIS_UNIT_INDEXATION.OK" in details
    progress = json.loads(operation["evDetData"])
    assert progress["Progress"] == {"step": "STP_ELIMINATION_ANALYSIS_UNIT_INDEXATION", "processed": 4, "total": 4}

    # A second analysis adds its own entry next to the first one.
    second = analyse(client, {"$eq": {"#id": "unit1"}})
    assert wait_status(client, second) == "OK"
    assert [e["OperationId"] for e in eliminated(client, second)["unit1"]] == [operation_id, second]


def test_analysis_is_restricted_by_the_contract_and_the_tenant(http, corpus_stored):
    # AC-SP1 sees only sp1 units: unit2 (sp2, sp9) is not analysed.
    client = http.with_(contract="AC-SP1")
    operation_id = analyse(client, {"$in": {"#id": ["unit1", "unit2"]}})
    assert wait_status(client, operation_id) == "OK"
    assert sorted(eliminated(http, operation_id, contract="AC-ALL")) == ["unit1"]

    other = http.with_(tenant=3, contract="AC-ALL")
    other_operation = analyse(other, {"$in": {"#id": ["unit1", "unit2", "unit4"]}})
    assert wait_status(other, other_operation, tenant=3) == "OK"
    assert sorted(eliminated(other, other_operation, tenant=3)) == ["unit1"]
    assert eliminated(http, other_operation, contract="AC-ALL") == {}
    # Tenant 0's operation is unknown to tenant 3.
    assert other.head(f"/admin-external/v1/operations/{operation_id}", contract=None).status_code == 204


def test_threshold_exceeded_ends_ko(http, corpus_stored):
    client = http.with_(contract="AC-ALL")
    response = client.post(ANALYSIS, json={"dslRequest": {"$query": [{"$in": {"#id": ["unit1", "unit2"]}}],
                                                          "$threshold": 1}, "date": "2018-01-23"})
    operation_id = response.headers["X-Request-Id"]
    assert wait_status(client, operation_id) == "KO"
    operation = client.get(f"/access-external/v1/logbookoperations/{operation_id}").json()["$results"][0]
    assert "CHECK_DISTRIBUTION_THRESHOLD.KO" in [e["outDetail"] for e in operation["events"]]
    assert eliminated(client, operation_id) == {}


@pytest.mark.parametrize("path", [ANALYSIS, ACTION])
@pytest.mark.parametrize("body", [
    {"date": "2018-01-23"},
    {"dslRequest": {"$query": []}, "date": "23/01/2018"},
    {"dslRequest": {"$query": []}, "date": "2018-02-30"},
    {"dslRequest": {"$query": []}},
    {"dslRequest": {"$query": [], "$filter": {"$limit": 10}}, "date": "2018-01-23"},
    {"dslRequest": {"$query": [], "$projection": {}}, "date": "2018-01-23"},
])
def test_bad_requests_are_412_in_access_external_form(http, corpus_stored, path, body):
    response = http.post(path, json=body, contract="AC-ALL")
    assert response.status_code == 412, response.text
    error = response.json()
    assert (error["httpCode"], error["code"], error["context"], error["state"]) == (
        412, "PRECONDITION_FAILED", "ACCESS_EXTERNAL", "code_vitam")
    assert error["description"]


def test_contract_is_required(http, corpus_stored):
    response = http.post(ANALYSIS, json={"dslRequest": {"$query": []}, "date": "2018-01-23"})
    assert response.status_code == 401
    response = http.post(ACTION, json={"dslRequest": {"$query": []}, "date": "2018-01-23"}, contract="unknown")
    assert response.status_code == 401


def test_progress_is_readable_while_the_analysis_runs(http, lite, corpus_stored, monkeypatch):
    from vitamlite import elimination

    db = lite.app.store.new_connection()
    referentials.put(db, 5, "access_contracts", {"Identifier": "AC-ALL", "Name": "AC-ALL", "Status": "ACTIVE",
                                                 "EveryOriginatingAgency": True, "EveryDataObjectVersion": True})
    units_store.insert_units(db, 5, [
        {"#id": f"p{n}", "Title": f"p{n}", "#unitType": "INGEST", "#originating_agency": "sp1",
         "#management": management("APP-00001", "2015-01-01", "Destroy")} for n in range(3000)])
    db.commit()
    db.close()
    monkeypatch.setattr(elimination, "BATCH_SIZE", 50)  # many small steps, each committed
    client = http.with_(tenant=5, contract="AC-ALL")
    response = client.post(ANALYSIS, json={"dslRequest": {"$query": [{"$exists": "Title"}]}, "date": "2018-01-23"})
    operation_id = response.headers["X-Request-Id"]
    seen = []
    while True:
        response = client.get(f"/admin-external/v1/operations/{operation_id}", contract=None)
        progress = json.loads(response.json()["$results"][0]["evDetailData"] or "{}").get("Progress")
        if progress and (not seen or seen[-1] != progress["processed"]):
            seen.append(progress["processed"])
        if response.headers["X-Global-Execution-State"] == "COMPLETED":
            break
    assert response.headers["X-Global-Execution-Status"] == "OK"
    assert seen[-1] == 3000 and len(seen) >= 2 and seen == sorted(seen)
    assert any(0 <= value < 3000 for value in seen)
