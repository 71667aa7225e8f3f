"""SAM's Vitam client against vitam-lite over HTTPS with client certificates, as against Vitam: the
certificate picks the context (identity referential), the context's security profile limits the endpoints.
Certificates are made by the test (cryptography): a CA, the server, SAM's platform certificate, a
certificate of the same CA that no identity knows, and one of another CA."""

import datetime
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sam.vitam import VitamClient, VitamContext, VitamUnauthorized, VitamUnavailable
from sam.vitam.session import close_sessions
from vitamlite import security
from vitamlite.referentials import store as ref_store
from vitamlite.server import start_in_thread, tls_context

TENANT, ADMIN_TENANT = 2, 1
RULES_CSV = b"RuleId,RuleType,RuleValue,RuleDescription,RuleDuration,RuleMeasurement\nAPP-1,AppraisalRule,DUA,,5,YEAR\n"


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(folder, name, subject, issuer_key=None, issuer_name=None, *, ca=False, ip=None):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer_name or _name(subject))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ip:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
                                        critical=False)
    certificate = builder.sign(issuer_key or key, hashes.SHA256())
    (folder / f"{name}.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / f"{name}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                           serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    return key, certificate


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    ca_key, ca = _issue(folder, "ca", "Test Vitam CA", ca=True)
    _issue(folder, "server", "127.0.0.1", ca_key, ca.subject, ip="127.0.0.1")
    for name in ("sam-platform", "sam-reader", "unknown"):
        _issue(folder, name, name, ca_key, ca.subject)
    _issue(folder, "rogue", "rogue")  # self-signed: another CA
    return folder


@pytest.fixture(scope="module")
def vitamlite_tls(pki, tmp_path_factory):
    """vitam-lite over HTTPS; contexts and identities set up as a Vitam administrator would."""
    server = start_in_thread(tmp_path_factory.mktemp("vitamlite-tls"), tenants="0-9", admin_tenant=ADMIN_TENANT,
                             ssl_context=tls_context(str(pki / "server.crt"), str(pki / "server.key"),
                                                     str(pki / "ca.crt")))
    store = server.app.store
    db = store.connect()
    # What Vitam's deployment writes before any call: the administration context, its full-access profile and
    # the certificate of the application that speaks for it (there is no call to make them without a context).
    ref_store.put(db, ADMIN_TENANT, "security_profiles", {"Identifier": "SP-FULL", "Name": "Accès complet",
                                                          "FullAccess": True, "Permissions": []})
    ref_store.put(db, ADMIN_TENANT, "contexts", {"Identifier": "CT-SAM", "Name": "SAM", "Status": "ACTIVE",
                                                 "SecurityProfile": "SP-FULL", "EnableControl": False,
                                                 "Permissions": []})
    security.link_identity(db, (pki / "sam-platform.crt").read_bytes(), "CT-SAM")
    db.commit()
    # Then an administrator creates a restricted profile and context through the API, and links a certificate.
    admin = _client(pki, server, "sam-platform", tenant=ADMIN_TENANT)
    admin.import_security_profiles([{"Identifier": "SP-READER", "Name": "Lecture des règles", "FullAccess": False,
                                     "Permissions": ["rules:read"]}])
    admin.import_contexts([{"Identifier": "CT-READER", "Name": "Lecteur", "Status": "ACTIVE",
                            "SecurityProfile": "SP-READER", "EnableControl": False}])
    security.link_identity(db, (pki / "sam-reader.crt").read_bytes(), "CT-READER")
    db.commit()
    store.close_thread_connection()
    yield server
    close_sessions()
    server.stop()


def _client(pki, server, identity, *, tenant=TENANT):
    from django.conf import settings

    settings.VITAM = {**settings.VITAM, "URL": server.base_url, "INGEST_URL": server.base_url, "RETRIES": 1,
                      "CERT": pki / f"{identity}.crt", "KEY": pki / f"{identity}.key", "CA_BUNDLE": pki / "ca.crt"}
    close_sessions()
    return VitamClient(VitamContext(tenant=tenant))


@pytest.fixture(autouse=True)
def restore_settings(settings):
    yield
    close_sessions()


def test_good_certificate_reaches_vitamlite_and_its_context_allows_everything(pki, vitamlite_tls):
    client = _client(pki, vitamlite_tls, "sam-platform")
    client.import_rules(RULES_CSV, "regles.csv")
    assert [rule["RuleId"] for rule in client.search_rules({"$query": {}, "$projection": {}}).results] == ["APP-1"]


def test_without_certificate_the_call_is_refused(pki, vitamlite_tls, settings):
    _client(pki, vitamlite_tls, "sam-platform")
    settings.VITAM = {**settings.VITAM, "CERT": None, "KEY": None}
    close_sessions()
    anonymous = VitamClient(VitamContext(tenant=TENANT))
    with pytest.raises(VitamUnauthorized) as refused:
        anonymous.search_rules({"$query": {}, "$projection": {}})
    assert refused.value.description == "No client certificate"
    assert anonymous.status() is True  # /status answers without certificate, as Vitam's


def test_a_certificate_no_identity_knows_is_refused(pki, vitamlite_tls):
    with pytest.raises(VitamUnauthorized) as refused:
        _client(pki, vitamlite_tls, "unknown").search_rules({"$query": {}, "$projection": {}})
    assert refused.value.status == 401


def test_a_certificate_of_another_ca_never_gets_through_tls(pki, vitamlite_tls):
    with pytest.raises(VitamUnavailable):
        _client(pki, vitamlite_tls, "rogue").search_rules({"$query": {}, "$projection": {}})


def test_the_security_profile_limits_the_endpoints(pki, vitamlite_tls):
    reader = _client(pki, vitamlite_tls, "sam-reader")
    reader.search_rules({"$query": {}, "$projection": {}})  # rules:read is granted
    with pytest.raises(VitamUnauthorized) as refused:
        reader.import_rules(RULES_CSV, "regles.csv")  # rules:create is not
    assert refused.value.status == 401
    assert refused.value.description == "Access denied."
