"""Failures end within the configured timeouts: a closed port, a server that never answers."""

import time

import pytest

from sam.vitam import Select, VitamClient, VitamContext, VitamTimeout, VitamUnavailable
from tests.vitam.recording_server import SilentServer, closed_port


def _client():
    return VitamClient(VitamContext(tenant=1, access_contract="AC"))


def test_connection_refused_is_unavailable_quickly(settings):
    url = f"http://127.0.0.1:{closed_port()}"
    settings.VITAM = {**settings.VITAM, "URL": url, "INGEST_URL": url}
    started = time.monotonic()
    with pytest.raises(VitamUnavailable) as raised:
        _client().search_units(Select().build())
    assert time.monotonic() - started < 3  # one retry with a 0.3 s back-off at most
    assert raised.value.status is None
    assert raised.value.path == "/access-external/v1/units"
    assert raised.value.request_id in raised.value.user_message()


def test_a_server_that_never_answers_times_out_within_the_read_timeout(settings):
    server = SilentServer()
    settings.VITAM = {**settings.VITAM, "URL": server.base_url, "INGEST_URL": server.base_url,
                      "TIMEOUT": 0.5, "RETRIES": 1}
    try:
        started = time.monotonic()
        with pytest.raises(VitamTimeout):
            _client().search_units(Select().build())
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    # Two attempts of 0.5 s plus one short back-off; never the 30 s default.
    assert 0.9 <= elapsed < 3


def test_ingest_to_a_silent_server_fails_once_within_the_upload_timeout(settings, tmp_path):
    server = SilentServer()
    settings.VITAM = {**settings.VITAM, "URL": server.base_url, "INGEST_URL": server.base_url,
                      "UPLOAD_TIMEOUT": 0.8}
    sip = tmp_path / "sip.zip"
    sip.write_bytes(b"PK" * 100)
    try:
        started = time.monotonic()
        with pytest.raises(VitamTimeout):
            _client().ingest(sip)
        elapsed = time.monotonic() - started
        assert len(server.accepted) == 1  # a POST is not replayed
    finally:
        server.stop()
    assert 0.7 <= elapsed < 2


def test_wait_for_operation_gives_up_at_its_deadline(recorder):
    from tests.vitam.recording_server import Reply

    recorder.on("HEAD", "/admin-external/v1/operations/op-slow",
                Reply(202, {"X-Global-Execution-State": "RUNNING", "X-Global-Execution-Status": "STARTED"}))
    started = time.monotonic()
    with pytest.raises(VitamTimeout):
        _client().wait_for_operation("op-slow", timeout=1.0, poll_interval=0.1)
    assert 0.9 <= time.monotonic() - started < 2
    polls = recorder.calls("HEAD", "/admin-external/v1/operations/op-slow")
    assert 3 <= len(polls) <= 10  # back-off: fewer polls than 1 s / 0.1 s
