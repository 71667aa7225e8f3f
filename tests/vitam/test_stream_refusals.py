"""Vitam's refusals of GET /units/stream (AccessExternalResource.streamUnits) over HTTP: an empty 401 once the
tenant's stream reads of the day are spent (metadata's unitsStreamExecutionLimit), 417 above unitsStreamThreshold
units. They become VitamStreamRefused naming the setting in French; a 401 carrying Vitam's error envelope (a
contract refused) stays VitamUnauthorized. The daily limit is answered by a loopback server: vitam-lite does not
count stream reads yet; its 417 is tested against vitam-lite in tests/communication/test_unit_ids.py."""

import pytest

from sam.vitam import Select, VitamClient, VitamContext, VitamUnauthorized, eq
from sam.vitam.errors import VitamStreamRefused
from tests.vitam.recording_server import Reply

STREAM = "/access-external/v1/units/stream"


def stream(recorder):
    client = VitamClient(VitamContext(tenant=3, access_contract="CA-SAM"))
    return client.stream_units(Select().where(eq("Title", "x")).fields("#id"))


def test_an_empty_401_is_the_daily_limit_of_stream_reads(recorder):
    recorder.on("GET", STREAM, Reply(401, {"X-Request-Id": "req-limit"}, b""))
    with pytest.raises(VitamStreamRefused) as refused:
        stream(recorder)
    assert (refused.value.status, refused.value.setting) == (401, "unitsStreamExecutionLimit")
    message = refused.value.user_message()
    assert "unitsStreamExecutionLimit à 0" in message and "réessayez demain" in message
    assert "req-limit" in message


def test_417_is_the_threshold_of_units_one_stream_reads(recorder):
    recorder.on("GET", STREAM, Reply(417, {}, b""))
    with pytest.raises(VitamStreamRefused) as refused:
        stream(recorder)
    assert (refused.value.status, refused.value.setting) == (417, "unitsStreamThreshold")
    assert "augmenter unitsStreamThreshold" in refused.value.user_message()


def test_a_401_with_vitams_envelope_stays_a_refused_contract(recorder):
    recorder.on("GET", STREAM, Reply(401, {}, {"httpCode": 401, "code": "010103", "context": "ACCESS_EXTERNAL",
                                              "state": "code_vitam", "message": "Unauthorized",
                                              "description": "Access contract not found"}))
    with pytest.raises(VitamUnauthorized) as refused:
        stream(recorder)
    assert not isinstance(refused.value, VitamStreamRefused)
    assert refused.value.description == "Access contract not found"
