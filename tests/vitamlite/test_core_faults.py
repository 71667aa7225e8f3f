"""Fault injection: each mode, bounded in time, settable at runtime and cleared afterwards."""

import time

import pytest
import requests

from vitamlite.faults import FaultSpecError, parse


@pytest.fixture
def faulty(lite):
    yield lite
    lite.set_faults("")


def test_parse_modes_and_defaults():
    faults = parse("slow:/access-external=0.5; error:/ingest-external ;error404:/admin;drop:/x;truncate:*")
    assert [(f.mode, f.prefix, f.value) for f in faults] == [
        ("slow", "/access-external", 0.5), ("error", "/ingest-external", 503), ("error", "/admin", 404),
        ("drop", "/x", None), ("truncate", "*", None)]
    assert parse("") == [] and parse(None) == []


@pytest.mark.parametrize("spec", ["explode:/x", "slow", "slow:/x=abc", "error:/x=200"])
def test_bad_specs_name_the_faulty_part(spec):
    with pytest.raises(FaultSpecError, match="fault"):
        parse(spec)


def test_slow_delays_only_matching_paths(faulty, http):
    faulty.set_faults("slow:/admin-external=0.4")
    started = time.monotonic()
    assert http.head("/admin-external/v1/operations/x").status_code == 204
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    assert http.get("/status", tenant=None).status_code == 204
    assert time.monotonic() - started < 0.4


def test_error_answers_a_vitam_error(faulty, http):
    faulty.set_faults("error:/admin-external")
    response = http.head("/admin-external/v1/operations/x")
    assert response.status_code == 503
    faulty.set_faults("error500:/admin-external")
    response = http.get("/admin-external/v1/operations")
    assert response.status_code == 500
    assert response.json()["httpCode"] == 500 and "Injected fault" in response.json()["description"]
    faulty.set_faults("")
    assert http.get("/admin-external/v1/operations").status_code == 200


def test_drop_closes_the_connection(faulty, http):
    faulty.set_faults("drop:/admin-external")
    with pytest.raises(requests.ConnectionError):
        requests.get(faulty.base_url + "/admin-external/v1/operations", headers={"X-Tenant-Id": "0"}, timeout=5)
    assert http.get("/status", tenant=None).status_code == 204


def test_truncate_sends_half_the_body(faulty):
    faulty.set_faults("truncate:/admin-external")
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        requests.get(faulty.base_url + "/admin-external/v1/operations", headers={"X-Tenant-Id": "0"}, timeout=5)
