"""Pastell's Vitam connector, played over HTTP against SAM's door (live server, vitam-lite behind).

The sequence is the one of Pastell's connecteur/vitam with libriciel's vitam-api-php client:
OPTIONS /ingest-external/v1/ with X-Tenant-Id (connection test); POST /ingest-external/v1/ingests,
body application/octet-stream = a tar.gz, headers X-Tenant-Id, X-Context-Id, X-Action: RESUME, the
operation id read from X-Request-Id; GET .../ingests/{id}/archivetransferreply until 200; accepted
iff ReplyCode is OK; the first SystemId kept. The proxy's X-SSL-Client-Cert header is set as a
trusted nginx would (the live server's clients come from 127.0.0.1, a trusted proxy by default).
"""

import ipaddress
import time

import pytest
import requests
from lxml import etree

from sam.connectors.models import Connector, ConnectorDeposit
from sam.connectors.services import connector_create, connector_suspend
from sam.deposits.models import Deposit
from sam.lib import safe_xml
from sam.lib.seda.checks import XSD_DIR
from tenants.models import AuditEntry
from tests.connectors.helpers import certificate_header, hostile_tar, make_certificate, zip_to_tar
from tests.deposits.conftest import build_sip, stored_files

SEDA = "{fr:gouv:culture:archivesdefrance:seda:v2.1}"
TIMEOUT = 60


@pytest.fixture
def door(transactional_db, vitam_world, live_server, settings, tmp_path):
    settings.DEPOSITS_DIR = str(tmp_path / "deposits")
    pem = make_certificate("Pastell de la commune A")
    connector = connector_create(actor=vitam_world.referent_a, organisation=vitam_world.org_a, name="Pastell",
                                 tenants=[vitam_world.tenant_a], certificate_pem=pem)
    vitam_world.extra.update(pem=pem, connector=connector, base=f"{live_server.url}/vitam/ingest-external/v1")
    return vitam_world


class Pastell:
    """What Pastell's connector sends, and nothing else."""

    def __init__(self, base, tenant_number, pem=None):
        self.base = base
        self.headers = {"X-Tenant-Id": str(tenant_number), **(certificate_header(pem) if pem else {})}

    def test_connection(self):
        return requests.options(f"{self.base}/", headers=self.headers, timeout=TIMEOUT)

    def send(self, sip_path, context="DEFAULT_WORKFLOW"):
        with open(sip_path, "rb") as body:
            return requests.post(f"{self.base}/ingests", data=body, timeout=TIMEOUT, headers={
                **self.headers, "X-Context-Id": context, "X-Action": "RESUME",
                "Content-Type": "application/octet-stream"})

    def reply(self, operation_id, attempts=60):
        for _attempt in range(attempts):
            response = requests.get(f"{self.base}/ingests/{operation_id}/archivetransferreply",
                                    headers=self.headers, timeout=TIMEOUT)
            if response.status_code == 200:
                return etree.fromstring(response.content)
            assert response.status_code == 404, response.text
            time.sleep(0.5)
        raise AssertionError("no ATR")


def pastell(world, pem=None, tenant=None):
    return Pastell(world.extra["base"], (tenant or world.tenant_a).vitam_id, pem or world.extra["pem"])


def tar_sip(world, tmp_path, name="sip.tar.gz", mode="w:gz", **options):
    return zip_to_tar(build_sip(world.tenant_a, tmp_path / name.split(".")[0], **options), tmp_path / name, mode)


def test_accepted_sip_gives_an_ok_atr_with_system_ids_and_an_audited_sam_deposit(door, tmp_path):
    client = pastell(door)
    connection = client.test_connection()
    assert connection.status_code == 200
    assert {"verb": "POST", "endpoint": "/ingest-external/v1/ingests/"}.items() <= connection.json()[0].items()

    answer = client.send(tar_sip(door, tmp_path))
    assert answer.status_code == 202, answer.text
    operation_id = answer.headers["X-Request-Id"]
    atr = client.reply(operation_id)
    assert atr.findtext(f"{SEDA}ReplyCode") == "OK"
    first_system_id = atr.find(f".//{SEDA}ArchiveUnit/{SEDA}Content/{SEDA}SystemId")
    assert first_system_id is not None and first_system_id.text

    link = ConnectorDeposit.objects.select_related("deposit").get(request_id=operation_id)
    deposit = link.deposit
    assert (deposit.tenant, deposit.kind, deposit.state, deposit.operation_status) == (
        door.tenant_a, Deposit.Kind.SIP, Deposit.State.COMPLETED, "OK")
    assert deposit.file_name.endswith(".tar.gz")
    # Vitam's ATR unchanged: the one SAM kept for the deposit.
    with open(deposit.atr_path, "rb") as kept:
        assert etree.fromstring(kept.read()).findtext(f"{SEDA}MessageIdentifier") == atr.findtext(
            f"{SEDA}MessageIdentifier")
    entry = AuditEntry.objects.get(action="connectors.deposit", target_id=str(deposit.pk))
    assert entry.after["connector"] == "Pastell" and entry.tenant == door.tenant_a

    manifest = requests.get(f"{client.base}/ingests/{operation_id}/manifests", headers=client.headers,
                            timeout=TIMEOUT)
    assert manifest.status_code == 200 and b"ArchiveTransfer" in manifest.content


def test_tar_and_tar_bz2_are_accepted_too(door, tmp_path):
    client = pastell(door)
    for name, mode in (("plain.tar", "w"), ("bzip.tar.bz2", "w:bz2")):
        answer = client.send(tar_sip(door, tmp_path, name=name, mode=mode, title=f"Versement {name}"))
        assert client.reply(answer.headers["X-Request-Id"]).findtext(f"{SEDA}ReplyCode") == "OK", name


def _refusal(client, sip):
    answer = client.send(sip)
    assert answer.status_code == 202, answer.text
    atr = client.reply(answer.headers["X-Request-Id"])
    safe_xml.local_xsd_schema(XSD_DIR / "seda-2.1" / "seda-2.1-main.xsd", locations=[
        ("http://www.w3.org/XML/1998/namespace", str(XSD_DIR / "w3c" / "xml.xsd")),
        ("http://www.w3.org/1999/xlink", str(XSD_DIR / "w3c" / "xlink.xsd"))]).validate(atr)
    assert atr.findtext(f"{SEDA}ReplyCode") == "KO"
    return answer.headers["X-Request-Id"], [m.text for m in atr.iter(f"{SEDA}OutcomeDetailMessage")]


def test_unknown_contract_gives_a_valid_ko_atr_in_french(door, tmp_path):
    door.tenant_a.ingest_contract = "IC-INCONNU"
    operation_id, reasons = _refusal(pastell(door), tar_sip(door, tmp_path))
    assert any("IC-INCONNU" in reason and "contrat d’entrée" in reason for reason in reasons), reasons
    deposit = ConnectorDeposit.objects.get(request_id=operation_id).deposit
    assert deposit.state == Deposit.State.REJECTED and not deposit.operation_id


@pytest.mark.parametrize("hostile", ["traversal", "bomb"])
def test_hostile_tar_gives_a_ko_atr_and_nothing_is_stored(door, tmp_path, settings, hostile):
    sip = hostile_tar(tmp_path / "hostile.tar.gz", **{hostile: True})
    operation_id, reasons = _refusal(pastell(door), sip)
    assert reasons and all(reason for reason in reasons)
    deposit = ConnectorDeposit.objects.get(request_id=operation_id).deposit
    assert deposit.state == Deposit.State.REJECTED and not deposit.operation_id
    from pathlib import Path
    assert stored_files(Path(settings.DEPOSITS_DIR)) == []
    assert not (tmp_path / "evil.txt").exists()


def test_blank_test_is_a_test_deposit(door, tmp_path):
    client = pastell(door)
    answer = client.send(tar_sip(door, tmp_path), context="BLANK_TEST")
    atr = client.reply(answer.headers["X-Request-Id"])
    assert atr.findtext(f"{SEDA}ReplyCode") == "OK"
    assert ConnectorDeposit.objects.get(request_id=answer.headers["X-Request-Id"]).deposit.kind == Deposit.Kind.TEST


def test_a_connector_of_another_commune_is_refused_on_this_tenant(door, tmp_path):
    pem_b = make_certificate("Pastell de la commune B")
    connector_create(actor=door.referent_b, organisation=door.org_b, name="Pastell B", tenants=[door.tenant_b],
                     certificate_pem=pem_b)
    client = pastell(door, pem=pem_b, tenant=door.tenant_a)
    assert client.test_connection().status_code == 401
    answer = client.send(tar_sip(door, tmp_path))
    assert answer.status_code == 401 and answer.json()["code"] == "000700"
    # Nor can it read A's replies.
    mine = pastell(door).send(tar_sip(door, tmp_path, name="a.tar.gz"))
    stolen = requests.get(f"{client.base}/ingests/{mine.headers['X-Request-Id']}/archivetransferreply",
                          headers=pastell(door, pem=pem_b, tenant=door.tenant_b).headers, timeout=TIMEOUT)
    assert stolen.status_code == 404
    assert Deposit.objects.filter(tenant=door.tenant_a).count() == 1


def test_without_a_valid_active_certificate_the_door_is_closed(door, tmp_path, settings):
    sip = tar_sip(door, tmp_path)
    base, number = door.extra["base"], door.tenant_a.vitam_id
    no_certificate = Pastell(base, number)
    unknown = Pastell(base, number, make_certificate("Inconnu"))
    assert no_certificate.send(sip).status_code == 401
    assert unknown.send(sip).status_code == 401
    assert requests.post(f"{base}/ingests", headers={**pastell(door).headers, "X-Tenant-Id": ""},
                         timeout=TIMEOUT).status_code == 412
    connector_suspend(actor=door.referent_a, connector=door.extra["connector"])
    assert pastell(door).send(sip).status_code == 401
    Connector.objects.update(state=Connector.State.ACTIVE)
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("192.0.2.10"),)  # the live server's clients are no longer a trusted proxy
    assert pastell(door).send(sip).status_code == 403
    assert Deposit.objects.count() == 0
