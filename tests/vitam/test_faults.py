"""Each vitam-lite fault mode ends in a typed exception, within a bounded time, and the client
keeps working once the fault is gone."""

import time

import pytest

from sam.vitam import (
    Select,
    VitamClient,
    VitamContext,
    VitamServerError,
    VitamTimeout,
    VitamUnauthorized,
    VitamUnavailable,
)

UNITS = "/access-external/v1/units"
TENANT = 45  # this module's own tenant on the shared vitam-lite


def _search():
    VitamClient(VitamContext(tenant=TENANT, access_contract="NO_SUCH_CONTRACT")).search_units(Select().build())


@pytest.mark.parametrize(
    ("spec", "expected", "max_seconds"),
    [
        # Read timeout 1 s, one retry: ~2 s, never the 5 s the server sleeps.
        (f"slow:{UNITS}=5", VitamTimeout, 3.5),
        (f"error:{UNITS}=503", VitamUnavailable, 2.0),
        (f"error:{UNITS}=502", VitamUnavailable, 2.0),
        (f"error:{UNITS}=500", VitamServerError, 2.0),
        (f"drop:{UNITS}", VitamUnavailable, 2.0),
        (f"truncate:{UNITS}", VitamUnavailable, 2.0),
    ],
)
def test_fault_becomes_a_typed_error_in_bounded_time(vitam_url, faults, settings, spec, expected, max_seconds):
    settings.VITAM = {**settings.VITAM, "TIMEOUT": 1.0}
    faults(spec)
    started = time.monotonic()
    with pytest.raises(expected) as raised:
        _search()
    assert time.monotonic() - started < max_seconds
    assert raised.value.user_message()  # something to show the user, never a traceback

    faults("")
    # Without the fault, the same call reaches vitam-lite again (here: unknown contract → 401).
    with pytest.raises(VitamUnauthorized):
        _search()


def test_a_fault_elsewhere_does_not_touch_other_paths(vitam_url, faults):
    faults("error:/ingest-external=503")
    assert VitamClient(VitamContext(tenant=TENANT)).operation_status  # client builds fine
    with pytest.raises(VitamUnauthorized):
        _search()


def test_slow_status_within_timeout_succeeds(vitam_url, faults, settings):
    settings.VITAM = {**settings.VITAM, "TIMEOUT": 3.0}
    faults("slow:/access-external/v1/status=0.3")
    assert VitamClient(VitamContext(tenant=TENANT)).status() is True
