"""Smoke tests of the vitam-lite framework: status, tenant filter, envelopes, store, logbook, ids."""

import sqlite3

import pytest

from vitamlite import logbook
from vitamlite.http import VitamHttpError, json_ok
from vitamlite.ids import is_guid, new_guid
from vitamlite.store import Store, register_schema


def test_status_needs_no_tenant(http):
    response = http.get("/status", tenant=None)
    assert response.status_code == 204
    assert is_guid(response.headers["X-Request-Id"])


def test_missing_or_bad_tenant_is_412(http):
    for tenant in (None, "abc"):
        response = http.get("/admin-external/v1/operations/x", tenant=tenant)
        assert response.status_code == 412
        assert response.json() == {"Error": "X-Tenant-Id check failed!"}


def test_unknown_tenant_is_401(http):
    response = http.get("/admin-external/v1/operations/x", tenant=42)
    assert response.status_code == 401
    assert response.json() == {"Error": "X-Tenant-Id check failed!"}


def test_unknown_path_is_a_vitam_error(http):
    response = http.get("/access-external/v1/nothing-here")
    assert response.status_code == 404
    assert set(response.json()) == {"httpCode", "code", "context", "state", "message", "description"}


def test_vitam_error_envelope_derives_context_and_state_from_code():
    body = VitamHttpError(404, "020101", "Unit not found").body()
    assert body == {
        "httpCode": 404, "code": "020101", "context": "External Access", "state": "Input / Output",
        "message": "Not Found", "description": "Unit not found",
    }


def test_json_ok_envelope():
    response = json_ok([{"a": 1}], context={"$query": {}})
    assert response.status_code == 200
    import json

    body = json.loads(response.get_data())
    assert body["$hits"] == {"total": 1, "offset": 0, "limit": 1, "size": 1}
    assert body["$results"] == [{"a": 1}] and body["$facetResults"] == [] and body["$context"] == {"$query": {}}


def test_guids_are_unique_and_shaped():
    ids = {new_guid(tenant=3) for _ in range(20000)}
    assert len(ids) == 20000
    assert all(is_guid(i) for i in ids)


def test_store_applies_schemas_registered_later(tmp_path):
    store = Store(tmp_path)
    register_schema("CREATE TABLE IF NOT EXISTS core_smoke_late (tenant INTEGER, x TEXT)")
    db = store.connect()
    db.execute("INSERT INTO core_smoke_late VALUES (0, 'y')")
    assert db.execute("SELECT x FROM core_smoke_late").fetchone()["x"] == "y"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.objects_dir.is_dir() and store.work_dir.is_dir() and store.reports_dir.is_dir()


def test_logbook_lifecycle_and_tenant_isolation(tmp_path):
    db = Store(tmp_path).connect()
    op = logbook.start(db, tenant=2, ev_type="STP_IMPORT_RULES", ev_type_proc="MASTERDATA", context_id="Ctx")
    assert logbook.state(db, 2, op) == ("RUNNING", "STARTED", "MASTERDATA")
    logbook.event(db, op, "CHECK_RULES", "OK")
    logbook.finish(db, op, "KO")
    doc = logbook.get(db, 2, op)
    assert doc["evId"] == doc["#id"] == doc["evIdProc"] == op
    assert doc["outcome"] == "STARTED" and doc["outDetail"] == "STP_IMPORT_RULES.STARTED"
    assert [e["outDetail"] for e in doc["events"]] == ["CHECK_RULES.OK", "STP_IMPORT_RULES.KO"]
    assert doc["events"][-1]["outMessg"].startswith("Échec du processus d'import du référentiel des règles")
    assert logbook.state(db, 2, op) == ("COMPLETED", "KO", "MASTERDATA")
    assert logbook.get(db, 3, op) is None and logbook.state(db, 3, op) is None
    with pytest.raises(ValueError):
        logbook.finish(db, op, "STARTED")
    with pytest.raises(sqlite3.IntegrityError):
        logbook.start(db, tenant=2, ev_type="X", ev_type_proc="Y", operation_id=op)


def test_generic_messages_match_vitam_wording_of_the_reference_ingest(vitam_reference):
    """Steps of the reference ingest logbook: our generic French messages equal Vitam's for step lines."""
    import json

    expected = json.loads((vitam_reference / "logbook" / "expected-logbook-ingest-4_UNITS_2_GOTS.json").read_text())
    checked = 0
    for event in expected["events"]:
        if event["evType"].startswith("STP_") and event["outcome"] == "OK":
            assert logbook.french_message(event["evType"], "OK") == event["outMessg"], event["evType"]
            checked += 1
    assert checked >= 20
    assert logbook.french_message("PROCESS_SIP_UNITARY", "STARTED") + " : OP" == expected["outMessg"].replace(
        "OPERATION_ID_REPLACE", "OP")
