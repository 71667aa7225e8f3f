"""Mutual TLS: the platform certificate by default, an organisation's own certificate when it has
one (field or SAM_VITAM_CERTS_DIR), and no call at all without a certificate the server trusts."""

import shutil
import ssl
import subprocess
from types import SimpleNamespace

import pytest

from sam.vitam import VitamClient, VitamContext, VitamTlsError, VitamUnavailable
from sam.vitam.session import close_sessions, identity_for
from tests.vitam.recording_server import RecordingServer

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI needed to make test certificates")


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A throwaway CA, a server certificate for 127.0.0.1 and two client certificates."""
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
             "-days", "2", "-subj", "/CN=Test Vitam CA", cwd=d)
    (d / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    for name, cn, extra in (("server", "127.0.0.1", ["-extfile", "san.cnf"]), ("platform", "sam-platform", []),
                            ("21950127", "sam-pontoise", []), ("rogue", "rogue", [])):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={cn}", cwd=d)
        ca = ["-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"]
        if name == "rogue":  # self-signed: not trusted by the server
            ca = ["-signkey", "rogue.key"]
        _openssl("x509", "-req", "-in", f"{name}.csr", *ca, "-out", f"{name}.crt", "-days", "2", *extra, cwd=d)
    return d


@pytest.fixture
def tls_server(pki, settings):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "server.crt", pki / "server.key")
    context.load_verify_locations(pki / "ca.crt")
    context.verify_mode = ssl.CERT_REQUIRED
    server = RecordingServer(ssl_context=context)
    settings.VITAM = {**settings.VITAM, "URL": server.base_url, "INGEST_URL": server.base_url,
                      "CERT": pki / "platform.crt", "KEY": pki / "platform.key", "CA_BUNDLE": pki / "ca.crt"}
    yield server
    close_sessions()
    server.stop()


def _search(organisation=None):
    VitamClient(VitamContext(tenant=2), organisation=organisation).search_rules({"$query": {}, "$projection": {}})


def test_platform_certificate_by_default(tls_server):
    _search()
    assert [c.peer_cn for c in tls_server.calls()] == ["sam-platform"]


def test_organisation_certificate_from_its_fields(tls_server, pki):
    organisation = SimpleNamespace(code="95500", vitam_certificate=str(pki / "21950127.crt"),
                                   vitam_key=str(pki / "21950127.key"))
    _search(organisation)
    assert [c.peer_cn for c in tls_server.calls()] == ["sam-pontoise"]


def test_organisation_certificate_from_the_certificates_folder(tls_server, pki, settings):
    settings.VITAM = {**settings.VITAM, "CERTS_DIR": pki}
    with_cert = SimpleNamespace(code="21950127", vitam_certificate="", vitam_key="")
    without_cert = SimpleNamespace(code="21950500", vitam_certificate="", vitam_key="")
    _search(with_cert)
    _search(without_cert)
    assert [c.peer_cn for c in tls_server.calls()] == ["sam-pontoise", "sam-platform"]


def test_untrusted_client_certificate_never_reaches_the_server(tls_server, pki):
    organisation = SimpleNamespace(code="x", vitam_certificate=str(pki / "rogue.crt"), vitam_key=str(pki / "rogue.key"))
    with pytest.raises(VitamUnavailable):
        _search(organisation)
    assert tls_server.calls() == []


def test_server_certificate_is_verified_against_the_ca(tls_server, settings, pki):
    settings.VITAM = {**settings.VITAM, "CA_BUNDLE": pki / "rogue.crt"}  # wrong CA
    with pytest.raises(VitamTlsError) as raised:
        _search()
    assert raised.value.request_id in raised.value.user_message()
    assert tls_server.calls() == []


def test_identity_resolution_order(settings, pki):
    settings.VITAM = {**settings.VITAM, "CERT": pki / "platform.crt", "KEY": pki / "platform.key",
                      "CERTS_DIR": pki, "CA_BUNDLE": None}
    assert identity_for(None).cert.endswith("platform.crt")
    assert identity_for(SimpleNamespace(code="21950127", vitam_certificate="", vitam_key="")).cert.endswith("21950127.crt")
    own = SimpleNamespace(code="21950127", vitam_certificate="/etc/own.crt", vitam_key="/etc/own.key")
    assert identity_for(own).requests_cert() == ("/etc/own.crt", "/etc/own.key")
