"""The demo's connector: Cergy's Pastell, whose demo certificate and key are in the repository."""

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command

from sam.connectors.models import Connector
from tests.connectors.helpers import certificate_header

DEMO = Path(__file__).resolve().parents[2] / "sam" / "site" / "demo_data" / "connector"


def test_seed_demo_declares_cergys_pastell_once_and_the_door_knows_it(db, client):
    call_command("seed_demo", "--portal-only", verbosity=0)
    call_command("seed_demo", "--portal-only", verbosity=0)
    connector = Connector.objects.get()
    assert connector.organisation.code == "95127" and connector.is_active
    assert [t.vitam_id for t in connector.tenants.all()] == [2]

    pem = (DEMO / "pastell-cergy.crt.pem").read_bytes()
    cergy = client.options("/vitam/ingest-external/v1/", HTTP_X_TENANT_ID="2", headers=certificate_header(pem))
    assert cergy.status_code == 200 and cergy.json()[0]["endpoint"] == "/ingest-external/v1/ingests/"
    pontoise = client.options("/vitam/ingest-external/v1/", HTTP_X_TENANT_ID="3", headers=certificate_header(pem))
    assert pontoise.status_code == 401


def test_the_demo_key_is_the_certificates_and_says_it_is_demo_only():
    certificate = x509.load_pem_x509_certificate((DEMO / "pastell-cergy.crt.pem").read_bytes())
    key = serialization.load_pem_private_key((DEMO / "pastell-cergy.key.pem").read_bytes(), password=None)
    assert key.public_key().public_numbers() == certificate.public_key().public_numbers()
    assert "NOT FOR PRODUCTION" in certificate.subject.rfc4514_string()
    assert "Ne jamais utiliser en production" in (DEMO / "README.md").read_text()
