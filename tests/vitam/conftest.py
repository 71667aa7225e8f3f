"""Fixtures of the Vitam client tests: fast timeouts, a recording loopback server, and
clients pointed at the session's vitam-lite HTTP server."""

import pytest

from sam.vitam import VitamClient, VitamContext
from sam.vitam.session import close_sessions
from tests.vitam.recording_server import RecordingServer


@pytest.fixture(autouse=True)
def fast_vitam_settings(settings):
    """Short timeouts and one retry keep failure tests quick; each test gets fresh sessions."""
    settings.VITAM = {**settings.VITAM, "CONNECT_TIMEOUT": 1.0, "TIMEOUT": 5.0, "UPLOAD_TIMEOUT": 30.0,
                      "RETRIES": 1, "CERT": None, "KEY": None, "CA_BUNDLE": None, "CERTS_DIR": None}
    close_sessions()
    yield settings.VITAM
    close_sessions()


@pytest.fixture
def recorder(settings):
    server = RecordingServer()
    settings.VITAM = {**settings.VITAM, "URL": server.base_url, "INGEST_URL": server.base_url}
    yield server
    close_sessions()
    server.stop()


@pytest.fixture
def make_client(vitam_url):
    """make_client(tenant, contract=None) → VitamClient on the vitam-lite HTTP server."""

    def make(tenant, contract=None, **kwargs):
        return VitamClient(VitamContext(tenant=tenant, access_contract=contract, **kwargs))

    return make


@pytest.fixture
def faults(vitamlite_server):
    """Set vitam-lite faults for one test; always reset afterwards."""
    yield vitamlite_server.set_faults
    vitamlite_server.set_faults("")
