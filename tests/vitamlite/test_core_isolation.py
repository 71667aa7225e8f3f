"""Tenant filter on every registered endpoint, and the logbook document shape against Vitam's real response."""

import json
import re

import pytest
import requests

from vitamlite import http as framework, logbook
from vitamlite.server import load_endpoint_modules

# Import every endpoint module now so that the parametrization below sees all routes.
load_endpoint_modules()

GUID = "aeaqaaaaaahkaaaaaaaaaaaaaaaaaaaaaaaa"


def _routes():
    routes = []
    for ep in framework.ENDPOINTS:
        if not ep.tenant:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?[^<>]+>", GUID, ep.rule)
        routes.append(pytest.param(ep.method, path, id=f"{ep.method} {ep.rule}"))
    return routes


@pytest.fixture(scope="module", autouse=True)
def _loaded(lite):
    return lite


def test_every_endpoint_module_is_loaded(lite):
    assert {"vitamlite.access", "vitamlite.operations"} <= set(lite.app.config.loaded_modules)


@pytest.mark.parametrize("method, path", _routes())
def test_every_endpoint_applies_the_tenant_filter(lite, method, path):
    url = lite.base_url + path
    missing = requests.request(method, url, timeout=10, data=b"{}")
    assert missing.status_code == 412, missing.text
    unknown = requests.request(method, url, headers={"X-Tenant-Id": "99"}, timeout=10, data=b"{}")
    assert unknown.status_code == 401
    if method != "HEAD":
        assert unknown.json() == {"Error": "X-Tenant-Id check failed!"}


def test_logbook_document_has_vitam_fields(lite, vitam_reference):
    reference = json.loads((vitam_reference / "logbook" / "logbook_operation_search_response.json").read_text())
    expected = reference["$results"][0]
    db = lite.app.store.new_connection()
    op = logbook.start(db, tenant=0, ev_type="BULK_ATOMIC_UPDATE_UNIT_DESC", ev_type_proc="BULK_UPDATE")
    logbook.event(db, op, "STP_CHECK_AND_COMPUTE.STARTED", "OK")
    logbook.finish(db, op, "OK")
    ours = logbook.get(db, 0, op)
    db.rollback()
    db.close()
    assert set(ours) == set(expected)
    assert set(ours["events"][0]) == set(expected["events"][0])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", ours["evDateTime"])
