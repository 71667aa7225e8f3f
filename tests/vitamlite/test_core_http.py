"""The HTTP framework itself: streaming uploads, JSON limits, concurrency, checks order, transactions."""

import hashlib
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from werkzeug import Response

from tests.vitamlite.conftest import Http
from vitamlite import binaries, http as framework, logbook, processing
from vitamlite.http import VitamHttpError, endpoint, json_ok, json_response
from vitamlite.ids import is_guid
from vitamlite.referentials import store as referentials
from vitamlite.server import start_in_thread

PREFIX = "/core-test/v1"


def _register_test_endpoints():
    before = len(framework.ENDPOINTS)

    @endpoint("POST", PREFIX + "/upload")
    def upload(ctx, request):
        stored = binaries.put(ctx.store, ctx.tenant, request.stream)
        return json_response({"size": stored.size, "sha512": stored.sha512})

    @endpoint("POST", PREFIX + "/json")
    def echo_json(ctx, request):
        return json_response({"received": ctx.json()})

    @endpoint("GET", PREFIX + "/slow")
    def slow(ctx, request):
        time.sleep(0.3)
        return json_ok([])

    @endpoint("GET", PREFIX + "/admin", admin_only=True)
    def admin(ctx, request):
        return json_ok([{"tenant": ctx.tenant}])

    @endpoint("GET", "/access-external/v1/core-test", contract=True)
    def contract_echo(ctx, request):
        return json_ok([{"contract": ctx.contract["Identifier"],
                         "every_agency": ctx.restriction.every_originating_agency}])

    @endpoint("POST", PREFIX + "/fail-after-write")
    def fail_after_write(ctx, request):
        logbook.start(ctx.db, tenant=ctx.tenant, ev_type="CORE_TEST", ev_type_proc="MASTERDATA",
                      operation_id=request.args["op"])
        raise VitamHttpError(400, "020120", "refused after writing")

    @endpoint("POST", PREFIX + "/crash")
    def crash(ctx, request):
        raise RuntimeError("boom")

    @endpoint("POST", PREFIX + "/workflow")
    def workflow(ctx, request):
        op = logbook.start(ctx.db, tenant=ctx.tenant, ev_type="CORE_TEST", ev_type_proc="MASTERDATA",
                           operation_id=ctx.request_id)

        def run(db, tenant, operation_id):
            logbook.event(db, operation_id, "CORE_STEP", "OK")
            logbook.finish(db, operation_id, "OK")

        ctx.on_commit(lambda: processing.submit(ctx.store, run, ctx.tenant, op))
        return Response(status=202)

    added = framework.ENDPOINTS[before:]
    return added


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    added = _register_test_endpoints()
    try:
        running = start_in_thread(tmp_path_factory.mktemp("core-http"), tenants="0-9", admin_tenant=1)
    finally:
        for ep in added:
            framework.ENDPOINTS.remove(ep)
    yield running
    running.stop()


@pytest.fixture
def client(server):
    return Http(server.base_url)


def test_upload_with_content_length_is_streamed_to_disk(client):
    payload = os.urandom(5 * 1024 * 1024 + 3)
    response = client.post(PREFIX + "/upload", data=payload, headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 200
    assert response.json() == {"size": len(payload), "sha512": hashlib.sha512(payload).hexdigest()}


def test_chunked_upload(client):
    parts = [os.urandom(300_000) for _ in range(7)]
    response = client.post(PREFIX + "/upload", data=iter(parts), headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 200
    joined = b"".join(parts)
    assert response.json() == {"size": len(joined), "sha512": hashlib.sha512(joined).hexdigest()}


def test_json_body_limits(client):
    assert client.post(PREFIX + "/json", json={"a": "é"}).json() == {"received": {"a": "é"}}
    bad = client.post(PREFIX + "/json", data=b"{oops", headers={"Content-Type": "application/json"})
    assert bad.status_code == 412 and bad.json()["httpCode"] == 412
    empty = client.post(PREFIX + "/json", data=b"")
    assert empty.status_code == 412
    too_big = client.post(PREFIX + "/json", data=b" " * (framework.MAX_JSON_BODY + 10))
    assert too_big.status_code == 413
    chunked_big = client.post(PREFIX + "/json", data=iter([b" " * 1024 * 1024] * 11))
    assert chunked_big.status_code == 413


def test_requests_are_served_concurrently(client):
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(lambda _: client.with_().get(PREFIX + "/slow").status_code, range(10)))
    assert statuses == [200] * 10
    assert time.monotonic() - started < 2.0  # 10 x 0.3 s sequentially would be 3 s


def test_head_on_a_get_endpoint_and_wrong_method(client):
    response = client.head(PREFIX + "/slow")
    assert response.status_code == 200 and response.content == b""
    wrong = client.delete(PREFIX + "/slow")
    assert wrong.status_code == 405 and wrong.json()["httpCode"] == 405
    assert is_guid(wrong.headers["X-Request-Id"])


def test_admin_only_endpoints(client):
    refused = client.get(PREFIX + "/admin")
    assert refused.status_code == 401
    assert refused.json()["code"] == "000700" and refused.json()["description"] == "Tenant administration is required"
    assert client.with_(tenant=1).get(PREFIX + "/admin").status_code == 200


def test_handler_error_rolls_back_everything_written(server, client):
    op = "aeaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"
    response = client.post(PREFIX + "/fail-after-write", params={"op": op})
    assert response.status_code == 400 and response.json()["code"] == "020120"
    db = server.app.store.new_connection()
    assert logbook.get(db, 0, op) is None
    db.close()


def test_unexpected_exception_is_a_500_vitam_error(client):
    response = client.post(PREFIX + "/crash")
    assert response.status_code == 500
    assert response.json()["httpCode"] == 500 and "boom" not in response.text


def test_background_workflow_runs_after_commit(client):
    response = client.post(PREFIX + "/workflow")
    assert response.status_code == 202
    op = response.headers["X-Request-Id"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        head = client.head(f"/admin-external/v1/operations/{op}")
        if head.status_code == 200:
            break
        time.sleep(0.05)
    assert head.status_code == 200 and head.headers["X-Global-Execution-Status"] == "OK"


@pytest.fixture
def referential_docs(server):
    db = server.app.store.new_connection()
    for tenant in (0, 2):
        referentials.put(db, tenant, "access_contracts", {"Identifier": "AC-OK", "Name": "ok", "Status": "ACTIVE",
                                                          "EveryOriginatingAgency": True})
        referentials.put(db, tenant, "access_contracts", {"Identifier": "AC-OUT", "Name": "out", "Status": "ACTIVE"})
    referentials.put(db, 1, "contexts", {
        "Identifier": "CTX", "Name": "CTX", "Status": "ACTIVE", "EnableControl": True,
        "SecurityProfile": "admin-security-profile",
        "Permissions": [{"tenant": 0, "AccessContracts": ["AC-OK"], "IngestContracts": ["IC-1"]}],
    })
    referentials.put(db, 1, "contexts", {"Identifier": "OPEN", "Name": "OPEN", "Status": "ACTIVE",
                                         "EnableControl": False, "Permissions": []})
    db.commit()
    db.close()
    yield
    server.set_context(None)


def test_contract_header_is_checked_and_exposed(client, referential_docs):
    ok = client.with_(contract="AC-OK").get("/access-external/v1/core-test")
    assert ok.status_code == 200 and ok.json()["$results"] == [{"contract": "AC-OK", "every_agency": True}]
    # Only the part before the first comma names the contract, as in Vitam.
    assert client.with_(contract="AC-OK,whatever").get("/access-external/v1/core-test").status_code == 200
    assert client.get("/access-external/v1/core-test").status_code == 401
    assert client.with_(tenant=3, contract="AC-OK").get("/access-external/v1/core-test").status_code == 401


def test_security_context_with_enable_control(server, client, referential_docs):
    server.set_context("CTX")
    assert client.with_(contract="AC-OK").get("/access-external/v1/core-test").status_code == 200
    refused = client.with_(contract="AC-OUT").get("/access-external/v1/core-test")
    assert refused.status_code == 401 and refused.json()["code"] == "000700"
    assert refused.json()["description"] == "Access contract AC-OUT not found in the context for the tenant id :0"
    # Tenant 2 has no permission in the context: even admin calls are refused.
    assert client.with_(tenant=2).get("/admin-external/v1/operations").status_code == 401
    server.set_context("OPEN")
    assert client.with_(contract="AC-OUT").get("/access-external/v1/core-test").status_code == 200
    server.set_context(None)
    assert client.with_(tenant=2).get("/admin-external/v1/operations").status_code == 200


def test_method_override_only_get_and_delete(client):
    response = client.post(PREFIX + "/slow", headers={"X-Http-Method-Override": "GET"})
    assert response.status_code == 200
    response = client.post(PREFIX + "/slow", headers={"X-Http-Method-Override": "PUT"})
    assert response.status_code == 405


def test_store_connections_are_per_thread(server):
    store = server.app.store
    barrier = threading.Barrier(4)

    def grab(_):
        connection = store.connect()
        assert store.connect() is connection  # same thread, same connection
        barrier.wait(timeout=10)  # all four alive at once: four distinct connections
        connection.execute("SELECT 1").fetchone()
        return connection

    with ThreadPoolExecutor(max_workers=4) as pool:
        connections = list(pool.map(grab, range(4)))
    assert len({id(c) for c in connections}) == 4
    for connection in connections:
        connection.close()


def test_invalid_dsl_is_reported_before_a_missing_contract(lite):
    # As in Vitam: access-external validates the DSL (400) before access-internal checks the contract (401).
    response = requests.get(lite.base_url + "/access-external/v1/units", headers={"X-Tenant-Id": "0"},
                            json={"$query": "nope"}, timeout=10)
    assert response.status_code == 400 and response.json()["code"] == "000601"
    query = {"$roots": [], "$query": [{"$exists": "Title"}], "$filter": {}, "$projection": {}}
    response = requests.get(lite.base_url + "/access-external/v1/units", headers={"X-Tenant-Id": "0"},
                            json=query, timeout=10)
    assert response.status_code == 401


def test_database_busy_beyond_the_timeout_is_a_retryable_503(server, client):
    store = server.app.store
    store.busy_timeout = 0.2
    blocker = store.new_connection()
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database
        response = client.post(PREFIX + "/workflow")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1" and response.json()["httpCode"] == 503
    finally:
        blocker.rollback()
        blocker.close()
        store.busy_timeout = 30
    assert client.post(PREFIX + "/workflow").status_code == 202
