"""Embedded server (one per process and configuration) and the `manage.py vitamlite` command."""

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from vitamlite import embedded
from vitamlite.referentials import store as referentials
from vitamlite.store import Store

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def embedded_settings(settings, tmp_path):
    settings.VITAMLITE = {"DATA_DIR": str(tmp_path / "lite"), "TENANTS": "0-3", "FAULTS": ""}
    yield settings
    embedded.stop_all()


def test_base_url_starts_one_server_per_process(embedded_settings):
    urls = []
    threads = [threading.Thread(target=lambda: urls.append(embedded.base_url())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(urls)) == 1 and urls[0].startswith("http://127.0.0.1:")
    assert requests.get(urls[0] + "/status", timeout=5).status_code == 204
    # Tenants come from the settings: 3 is known, 4 is not.
    assert requests.get(urls[0] + "/admin-external/v1/operations", headers={"X-Tenant-Id": "3"}, timeout=5).status_code == 200
    assert requests.get(urls[0] + "/admin-external/v1/operations", headers={"X-Tenant-Id": "4"}, timeout=5).status_code == 401
    assert (Path(embedded_settings.VITAMLITE["DATA_DIR"]) / "vitamlite.sqlite3").is_file()


def test_faults_setting_is_applied_to_the_running_server(embedded_settings):
    url = embedded.base_url()
    embedded_settings.VITAMLITE = {**embedded_settings.VITAMLITE, "FAULTS": "error:/admin-external"}
    assert embedded.base_url() == url
    assert requests.get(url + "/admin-external/v1/operations", headers={"X-Tenant-Id": "0"}, timeout=5).status_code == 503
    embedded_settings.VITAMLITE = {**embedded_settings.VITAMLITE, "FAULTS": ""}
    embedded.base_url()
    assert requests.get(url + "/admin-external/v1/operations", headers={"X-Tenant-Id": "0"}, timeout=5).status_code == 200


def test_management_command_serves_until_interrupted(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "manage.py", "vitamlite", "--port", "0", "--data-dir", str(tmp_path), "--tenants", "0-2"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url + "/status", timeout=5).status_code == 204
        assert requests.get(url + "/admin-external/v1/operations", headers={"X-Tenant-Id": "5"}, timeout=5).status_code == 401
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_management_command_rejects_bad_options(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "vitamlite", "--port", "0", "--data-dir", str(tmp_path), "--faults", "boom:/x"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0 and "unknown mode" in result.stderr
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", "vitamlite", "--port", "0", "--data-dir", str(tmp_path), "--tenants", "0-3",
         "--admin-tenant", "7"], cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0 and "--admin-tenant 7" in result.stderr
    assert time.monotonic() - started < 60


STREAM = "/access-external/v1/units/stream"
STREAM_HEADERS = {"X-Tenant-Id": "0", "X-Access-Contract-Id": "AC-STREAM"}
STREAM_QUERY = {"$roots": [], "$query": [], "$projection": {}}


def _add_stream_contract(store) -> None:
    db = store.new_connection()
    referentials.put(db, 0, "access_contracts", {"Identifier": "AC-STREAM", "Name": "AC-STREAM", "Status": "ACTIVE",
                                                 "EveryOriginatingAgency": True})
    db.commit()
    db.close()


def _stream_statuses(url, count):
    return [requests.get(url + STREAM, headers=STREAM_HEADERS, json=STREAM_QUERY, timeout=10).status_code
            for _ in range(count)]


def test_units_stream_limit_setting_is_applied_to_the_embedded_server(embedded_settings):
    url = embedded.base_url()
    _add_stream_contract(embedded.server().app.store)
    assert _stream_statuses(url, 3) == [200, 200, 200]  # default 0: unlimited
    embedded_settings.VITAMLITE = {**embedded_settings.VITAMLITE, "UNITS_STREAM_EXECUTION_LIMIT": 4}
    assert embedded.base_url() == url
    assert _stream_statuses(url, 2) == [200, 401]


def test_management_command_takes_the_units_stream_limit(tmp_path):
    _add_stream_contract(Store(tmp_path))
    process = subprocess.Popen(
        [sys.executable, "manage.py", "vitamlite", "--port", "0", "--data-dir", str(tmp_path), "--tenants", "0-2",
         "--units-stream-execution-limit", "1"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert _stream_statuses(url, 2) == [200, 401]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
    result = subprocess.run(
        [sys.executable, "manage.py", "vitamlite", "--port", "0", "--data-dir", str(tmp_path),
         "--units-stream-execution-limit", "-1"], cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0 and "--units-stream-execution-limit" in result.stderr
