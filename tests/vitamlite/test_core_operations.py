"""Operation status, process list, logbook endpoints and reports, with tenant isolation."""

import json

import pytest

from tests.vitamlite.conftest import Http
from vitamlite import logbook, reports
from vitamlite.referentials import store as referentials

ADMIN = "/admin-external/v1"
ACCESS = "/access-external/v1"


@pytest.fixture(scope="module")
def db(lite):
    connection = lite.app.store.new_connection()
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def contracts(lite, db):
    """An active access contract on tenants 0 and 2, an inactive one on tenant 0."""
    for tenant in (0, 2):
        referentials.put(db, tenant, "access_contracts", {
            "Identifier": "AC-ALL", "Name": "Tout", "Status": "ACTIVE", "EveryOriginatingAgency": True,
            "EveryDataObjectVersion": True,
        })
    referentials.put(db, 0, "access_contracts", {"Identifier": "AC-OFF", "Name": "Inactif", "Status": "INACTIVE"})
    db.commit()


@pytest.fixture
def ingest_op(db):
    op = logbook.start(db, tenant=0, ev_type="PROCESS_SIP_UNITARY", ev_type_proc="INGEST", context_id="Ctx",
                       application_id="app-1", ob_id_in="SIP de test",
                       rights_statement={"ArchivalAgreement": "IC-1"})
    logbook.event(db, op, "STP_SANITY_CHECK_SIP.STARTED", "OK")
    logbook.event(db, op, "STP_SANITY_CHECK_SIP", "OK")
    db.commit()
    return op


def test_head_running_then_completed(http, db, ingest_op):
    response = http.head(f"{ADMIN}/operations/{ingest_op}")
    assert response.status_code == 202
    assert response.headers["X-Global-Execution-State"] == "RUNNING"
    assert response.headers["X-Global-Execution-Status"] == "STARTED"
    assert response.headers["X-Context-Id"] == "INGEST"
    logbook.finish(db, ingest_op, "WARNING")
    db.commit()
    response = http.head(f"{ADMIN}/operations/{ingest_op}")
    assert response.status_code == 200
    assert response.headers["X-Global-Execution-State"] == "COMPLETED"
    assert response.headers["X-Global-Execution-Status"] == "WARNING"


def test_head_of_unknown_or_other_tenant_operation_is_204(http, ingest_op):
    assert http.head(f"{ADMIN}/operations/aeaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").status_code == 204
    other = http.with_(tenant=2).head(f"{ADMIN}/operations/{ingest_op}")
    assert other.status_code == 204
    assert "X-Global-Execution-State" not in other.headers


def test_get_operation_item_status(http, db, ingest_op):
    response = http.get(f"{ADMIN}/operations/{ingest_op}")
    assert response.status_code == 202
    item = response.json()["$results"][0]
    assert item["itemId"] == ingest_op and item["globalState"] == "RUNNING" and item["globalStatus"] == "STARTED"
    assert len(item["statusMeter"]) == 7 and item["statusMeter"][3] == 2
    assert item["itemsStatus"]["STP_SANITY_CHECK_SIP"]["globalStatus"] == "OK"
    logbook.finish(db, ingest_op, "OK")
    db.commit()
    response = http.get(f"{ADMIN}/operations/{ingest_op}")
    assert response.status_code == 200 and response.json()["$results"][0]["globalStatus"] == "OK"
    assert http.with_(tenant=2).get(f"{ADMIN}/operations/{ingest_op}").status_code == 404


def test_process_list_filters_and_isolates_tenants(http, db, ingest_op):
    logbook.finish(db, ingest_op, "KO")
    other = logbook.start(db, tenant=2, ev_type="STP_IMPORT_RULES", ev_type_proc="MASTERDATA")
    db.commit()
    listed = http.get(f"{ADMIN}/operations").json()["$results"]
    ids = {p["operationId"] for p in listed}
    assert ingest_op in ids and other not in ids
    detail = next(p for p in listed if p["operationId"] == ingest_op)
    assert detail["processType"] == "INGEST" and detail["globalState"] == "COMPLETED" and detail["stepStatus"] == "KO"
    running = http.get(f"{ADMIN}/operations", json={"states": ["RUNNING"]}).json()["$results"]
    assert ingest_op not in {p["operationId"] for p in running}
    ko = http.get(f"{ADMIN}/operations", json={"statuses": ["KO"], "workflows": ["INGEST"]}).json()["$results"]
    assert ingest_op in {p["operationId"] for p in ko}


def test_logbook_operation_by_id_in_vitam_shape(http, db, contracts, ingest_op):
    logbook.finish(db, ingest_op, "OK")
    db.commit()
    response = http.with_(contract="AC-ALL").get(f"{ACCESS}/logbookoperations/{ingest_op}", json={"$projection": {}})
    assert response.status_code == 200
    operation = response.json()["$results"][0]
    for field in ("evId", "evParentId", "evType", "evDateTime", "evDetData", "evIdProc", "evTypeProc", "outcome",
                  "outDetail", "outMessg", "agId", "agIdApp", "agIdPers", "evIdAppSession", "evIdReq", "agIdExt",
                  "rightsStatementIdentifier", "obId", "obIdReq", "obIdIn", "events", "#id", "#tenant", "#version",
                  "#lastPersistedDate"):
        assert field in operation, field
    assert operation["agIdApp"] == "Ctx" and operation["evIdAppSession"] == "app-1"
    assert json.loads(operation["rightsStatementIdentifier"]) == {"ArchivalAgreement": "IC-1"}
    assert operation["outMessg"] == f"Début du processus d'entrée du SIP : {ingest_op}"
    assert [e["outDetail"] for e in operation["events"]] == [
        "STP_SANITY_CHECK_SIP.STARTED.OK", "STP_SANITY_CHECK_SIP.OK", "PROCESS_SIP_UNITARY.OK"]
    assert operation["events"][-1]["outMessg"] == "Succès du processus d'entrée du SIP"


def test_logbook_operation_of_another_tenant_is_404_020105(http, contracts, ingest_op):
    response = http.with_(tenant=2, contract="AC-ALL").get(f"{ACCESS}/logbookoperations/{ingest_op}")
    assert response.status_code == 404
    assert response.json()["code"] == "020105"


def test_logbook_needs_an_active_contract(http, contracts, ingest_op):
    assert http.get(f"{ACCESS}/logbookoperations/{ingest_op}").status_code == 401
    assert http.with_(contract="AC-OFF").get(f"{ACCESS}/logbookoperations/{ingest_op}").status_code == 401
    assert http.with_(contract="NOPE").get(f"{ACCESS}/logbookoperations/{ingest_op}").status_code == 401
    # Tenant 0's contract does not exist for tenant 3.
    assert http.with_(tenant=3, contract="AC-ALL").get(f"{ACCESS}/logbookoperations/{ingest_op}").status_code == 401


def test_logbook_search_is_per_tenant_and_sliced(http, db, contracts, ingest_op):
    logbook.finish(db, ingest_op, "OK")
    foreign = logbook.start(db, tenant=2, ev_type="PROCESS_SIP_UNITARY", ev_type_proc="INGEST")
    db.commit()
    query = {"$query": {"$eq": {"evTypeProc": "INGEST"}}, "$filter": {}, "$projection": {}}
    response = http.with_(contract="AC-ALL").get(f"{ACCESS}/logbookoperations", json=query)
    assert response.status_code == 200, response.text
    body = response.json()
    ids = {op["evId"] for op in body["$results"]}
    assert ingest_op in ids and foreign not in ids
    mine = next(op for op in body["$results"] if op["evId"] == ingest_op)
    assert [e["evType"] for e in mine["events"]] == ["STP_SANITY_CHECK_SIP", "PROCESS_SIP_UNITARY"]
    assert body["$context"] == query
    by_id = {"$query": {"$eq": {"evId": ingest_op}}, "$filter": {}, "$projection": {}}
    assert http.with_(tenant=2, contract="AC-ALL").get(f"{ACCESS}/logbookoperations", json=by_id).json()["$results"] == []


def test_logbook_search_rejects_invalid_dsl(http, contracts):
    response = http.with_(contract="AC-ALL").get(f"{ACCESS}/logbookoperations", json={"$query": {"$nope": {}}})
    assert response.status_code == 400
    assert response.json()["code"] == "000601" and response.json()["message"] == "Dsl query is not valid."
    response = http.with_(contract="AC-ALL").get(f"{ACCESS}/logbookoperations", data=b"{not json")
    assert response.status_code == 400 and response.json()["code"] == "000601"


def test_batch_report_download_is_per_tenant(lite, http, db):
    op = logbook.start(db, tenant=0, ev_type="ELIMINATION_ACTION", ev_type_proc="ELIMINATION")
    db.commit()
    lines = [{"id": "u1", "status": "DELETED"}, {"id": "u2", "status": "NON_DESTROYABLE_HAS_CHILD_UNITS"}]
    reports.write(lite.app.store, 0, op, "batchreport", lines)
    response = http.get(f"{ADMIN}/batchreport/{op}")
    assert response.status_code == 200
    assert [json.loads(line) for line in response.text.splitlines()] == lines
    assert http.with_(tenant=2).get(f"{ADMIN}/batchreport/{op}").status_code == 404
    assert http.get(f"{ADMIN}/batchreport/..%2F..%2Fvitamlite.sqlite3").status_code in (404, 400)


def test_reports_roundtrip_and_refuse_traversal(lite):
    store = lite.app.store
    from vitamlite.ids import new_guid

    op = new_guid()
    reports.write(store, 4, op, "rulesreport", {"error": {}})
    assert reports.read(store, 4, op, "rulesreport") == {"error": {}}
    reports.write(store, 4, op, "rulesreferential.csv", b"RuleId\n")
    assert reports.read(store, 4, op, "rulesreferential.csv") == b"RuleId\n"
    assert reports.read(store, 5, op, "rulesreport") is None
    with pytest.raises(ValueError):
        reports.write(store, 4, "../../x", "rulesreport", {})
    with pytest.raises(ValueError):
        reports.write(store, 4, op, "../x", {})
    assert reports.open(store, 4, op, "nothing") is None


def test_http_helper_reuses_server(lite):
    assert Http(lite.base_url).get("/status", tenant=None).status_code == 204


def test_unit_lifecycle_lists_the_operations_that_touched_it(http, db, contracts):
    from vitamlite import units_store
    from vitamlite.ids import new_guid

    ingest = logbook.start(db, tenant=0, ev_type="PROCESS_SIP_UNITARY", ev_type_proc="INGEST")
    logbook.finish(db, ingest, "OK")
    update = logbook.start(db, tenant=0, ev_type="MASS_UPDATE_UNIT_RULE", ev_type_proc="MASS_UPDATE")
    unit_id = new_guid()
    units_store.insert_units(db, 0, [{"#id": unit_id, "Title": "Délibérations", "DescriptionLevel": "File",
                                      "#unitType": "INGEST", "#opi": ingest, "#operations": [ingest, update],
                                      "#management": {}, "#unitups": []}])
    db.commit()
    response = http.with_(contract="AC-ALL").get(f"{ACCESS}/logbookunitlifecycles/{unit_id}", json={"$projection": {}})
    assert response.status_code == 200, response.text
    lifecycle = response.json()["$results"][0]
    assert lifecycle["#id"] == unit_id and lifecycle["obId"] == unit_id
    assert (lifecycle["evType"], lifecycle["outcome"], lifecycle["evIdProc"]) == ("LFC.PROCESS_SIP_UNITARY", "OK", ingest)
    assert [(e["evType"], e["outcome"]) for e in lifecycle["events"]] == [("LFC.MASS_UPDATE_UNIT_RULE", "STARTED")]
    other_tenant = http.with_(tenant=2, contract="AC-ALL").get(f"{ACCESS}/logbookunitlifecycles/{unit_id}")
    assert other_tenant.status_code == 404
