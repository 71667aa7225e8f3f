"""What the client puts on the wire, recorded by a loopback server: Vitam's headers, verbs,
bodies, and no retry of non-idempotent calls."""

import hashlib
import io
import json

import pytest

from sam.lib.request_id import _current_request_id
from sam.vitam import Select, VitamClient, VitamContext, VitamUnavailable, eq
from tests.vitam.recording_server import Reply


def client(tenant=7, contract="AC-7", **kwargs):
    return VitamClient(VitamContext(tenant=tenant, access_contract=contract, application_id="SAM-test", **kwargs))


def test_search_is_a_get_with_a_json_body_and_vitam_headers(recorder):
    query = Select().where(eq("Title", "Délibérations")).limit(5).build()
    response = client(request_id="req-0123456789").search_units(query)

    (call,) = recorder.calls("GET", "/access-external/v1/units")
    assert json.loads(call.body) == query
    assert call.headers["X-Tenant-Id"] == "7"
    assert call.headers["X-Access-Contract-Id"] == "AC-7"
    assert call.headers["X-Application-Id"] == "SAM-test"
    assert call.headers["X-Request-Id"] == "req-0123456789"
    assert call.headers["Accept"] == "application/json"
    assert call.headers["Content-Type"] == "application/json"
    assert "X-Http-Method-Override" not in call.headers
    # Vitam's own X-Request-Id is read back.
    assert response.request_id == "vitam-req-1"


def test_request_id_defaults_to_the_current_sam_request(recorder):
    token = _current_request_id.set("samrequest-42abcdef")
    try:
        client().search_rules({"$query": {}, "$projection": {}})
    finally:
        _current_request_id.reset(token)
    (call,) = recorder.calls("GET", "/admin-external/v1/rules")
    assert call.headers["X-Request-Id"] == "samrequest-42abcdef"


def test_request_id_outside_a_request_is_fresh(recorder):
    first, second = VitamContext(tenant=1), VitamContext(tenant=1)
    assert first.request_id != second.request_id and len(first.request_id) >= 16


def test_no_contract_header_without_contract(recorder):
    client(contract=None).search_agencies({"$query": {}, "$projection": {}})
    (call,) = recorder.calls("GET", "/admin-external/v1/agencies")
    assert "X-Access-Contract-Id" not in call.headers
    assert call.headers["X-Tenant-Id"] == "7"


def test_ingest_streams_the_sip_with_workflow_headers(recorder, tmp_path):
    recorder.on("POST", "/ingest-external/v1/ingests",
                Reply(202, {"X-Request-Id": "aeeaaaaaacopid", "X-Global-Execution-State": "PAUSE"}, b""))
    sip = tmp_path / "sip.zip"
    payload = bytes(range(256)) * 5000
    sip.write_bytes(payload)

    operation_id = client().ingest(sip, context_id="HOLDING_SCHEME", manifest_digest="ab" * 64)

    assert operation_id == "aeeaaaaaacopid"
    (call,) = recorder.calls("POST", "/ingest-external/v1/ingests")
    assert call.body == payload
    assert call.headers["Content-Type"] == "application/octet-stream"
    assert call.headers["Content-Length"] == str(len(payload))
    assert call.headers["X-Context-Id"] == "HOLDING_SCHEME"
    assert call.headers["X-Action"] == "RESUME"
    assert call.headers["X-Manifest-Digest-Value"] == "ab" * 64
    assert call.headers["X-Manifest-Digest-Algo"] == "SHA-512"
    assert call.headers["X-Tenant-Id"] == "7"


def test_ingest_refuses_an_unknown_workflow_before_sending(recorder):
    with pytest.raises(ValueError):
        client().ingest(io.BytesIO(b"zip"), context_id="NOT_A_WORKFLOW")
    assert recorder.calls() == []


def test_binary_download_sends_qualifier_and_version(recorder):
    blob = b"\x00binary" * 1000
    recorder.on("GET", "/access-external/v1/units/unit-1/objects",
                Reply(200, {"Content-Type": "application/octet-stream"}, blob))
    out = io.BytesIO()
    result = client().download_object("unit-1", "Dissemination", 2, out)

    (call,) = recorder.calls("GET", "/access-external/v1/units/unit-1/objects")
    assert call.headers["Accept"] == "application/octet-stream"
    assert call.headers["X-Qualifier"] == "Dissemination"
    assert call.headers["X-Version"] == "2"
    assert out.getvalue() == blob and result.size == len(blob)


def test_referential_import_sends_filename_and_raw_csv(recorder):
    recorder.on("POST", "/admin-external/v1/rules", Reply(201, {"X-Request-Id": "op-rules"}, b""))
    csv = "RuleId,RuleType,RuleValue,RuleDescription,RuleDuration,RuleMeasurement\n".encode()
    assert client().import_rules(io.BytesIO(csv), "regles.csv") == "op-rules"
    (call,) = recorder.calls("POST", "/admin-external/v1/rules")
    assert call.headers["X-Filename"] == "regles.csv"
    assert call.headers["Content-Type"] == "application/octet-stream"
    assert call.body == csv


def test_contract_update_is_a_put_with_update_by_id_dsl(recorder):
    client().update_access_contract("AC-7", {"Status": "INACTIVE"})
    (call,) = recorder.calls("PUT", "/admin-external/v1/accesscontracts/AC-7")
    assert json.loads(call.body) == {"$action": [{"$set": {"Status": "INACTIVE"}}]}


def test_operation_status_is_a_head_reading_vitam_headers(recorder):
    recorder.on("HEAD", "/admin-external/v1/operations/op-1",
                Reply(200, {"X-Global-Execution-State": "COMPLETED", "X-Global-Execution-Status": "WARNING",
                            "X-Context-Id": "PROCESS_SIP_UNITARY"}))
    status = client().operation_status("op-1")
    assert (status.state, status.status, status.context_id) == ("COMPLETED", "WARNING", "PROCESS_SIP_UNITARY")
    assert status.is_completed and status.is_ok and not status.is_failed


def test_an_ingest_post_is_never_sent_twice(recorder, tmp_path):
    recorder.on("POST", "/ingest-external/v1/ingests", Reply(behaviour="drop"))
    sip = tmp_path / "sip.zip"
    sip.write_bytes(b"PK" + b"x" * 1000)
    with pytest.raises(VitamUnavailable):
        client().ingest(sip)
    assert len(recorder.calls("POST", "/ingest-external/v1/ingests")) == 1

    recorder.on("POST", "/ingest-external/v1/ingests", Reply(503, {}, {"httpCode": 503, "code": "000000"}))
    with pytest.raises(VitamUnavailable):
        client().ingest(sip)
    assert len(recorder.calls("POST", "/ingest-external/v1/ingests")) == 2  # one more, not three


def test_idempotent_calls_are_retried_on_dropped_connections(recorder, fast_vitam_settings):
    recorder.on("GET", "/access-external/v1/units", Reply(behaviour="drop"))
    with pytest.raises(VitamUnavailable):
        client().search_units(Select().build())
    assert len(recorder.calls("GET", "/access-external/v1/units")) == 1 + fast_vitam_settings["RETRIES"]


def test_idempotent_calls_are_retried_on_503_then_succeed(recorder):
    recorder.on("GET", "/admin-external/v1/rules/R1", Reply(503, {}, {"httpCode": 503}))
    with pytest.raises(VitamUnavailable):
        client().get_rule("R1")
    assert len(recorder.calls("GET", "/admin-external/v1/rules/R1")) == 2


def test_digest_of_streamed_upload_matches_file(recorder, tmp_path):
    recorder.on("POST", "/ingest-external/v1/ingests", Reply(202, {"X-Request-Id": "op"}, b""))
    sip = tmp_path / "big.zip"
    sip.write_bytes(b"0123456789abcdef" * 200_000)  # 3.2 MB: several socket blocks
    client().ingest(sip)
    (call,) = recorder.calls("POST", "/ingest-external/v1/ingests")
    assert hashlib.sha256(call.body).digest() == hashlib.sha256(sip.read_bytes()).digest()


def test_every_call_is_logged_with_method_path_tenant_status_duration_and_request_id(recorder, caplog):
    recorder.on("GET", "/admin-external/v1/rules/R9", Reply(404, {"X-Request-Id": "vitam-404"}, {"httpCode": 404}))
    with caplog.at_level("INFO", logger="sam.vitam"):
        client().search_rules({"$query": {}, "$projection": {}})
        with pytest.raises(Exception):
            client().get_rule("R9")
    messages = [r.getMessage() for r in caplog.records if r.name == "sam.vitam"]
    assert len(messages) == 2
    assert messages[0].startswith("vitam GET /admin-external/v1/rules tenant=7 status=200 duration_ms=")
    assert messages[0].endswith("request_id=vitam-req-1")
    assert "GET /admin-external/v1/rules/R9 tenant=7 status=404" in messages[1] and "request_id=vitam-404" in messages[1]
