"""Issue 11 follow-ups in a real browser on the demo data: the probative value report of a folder and the units
below it, asked from its page and read grouped by unit; the referent's page of receiving platforms, and the
"send to the receiving service" form on a transfer whose SIP is ready."""

import re

import pytest

from sam.transfers import delivery
from tenants.models import Tenant
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_archivist_reads_the_report_of_a_folder_grouped_by_unit(page, login, live_server, demo, vitam_url):
    from tests.consultation.helpers import seed_archive

    cergy = Tenant.objects.get(organisation__name="Cergy")
    ids = seed_archive(cergy)
    ARTIFACTS.mkdir(exist_ok=True)
    login("archiviste.cergy")
    page.goto(f"{live_server.url}/t/{cergy.pk}/units/{ids['Dossier public 2001']}/")
    page.get_by_role("link", name=re.compile("Relevé de valeur probante des objets de cette unité")).click()
    assert "3 unités archivistiques seront couvertes" in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "proof-units-form.png"), full_page=True)
    page.get_by_role("button", name="Demander le relevé").click()
    page.wait_for_url(re.compile(r"/proofs/\d+/$"))
    main = page.locator("main")
    main.get_by_role("heading", name=re.compile("Plan du quartier")).wait_for()
    assert main.get_by_role("heading", name=re.compile("Compte rendu")).count() == 1
    assert "3 unités archivistiques" in main.inner_text()
    page.screenshot(path=str(ARTIFACTS / "proof-units-report.png"), full_page=True)
    assert page.console_errors == []


def test_referent_adds_a_platform_and_the_transfer_page_offers_to_send(page, login, live_server, demo, vitam_url,
                                                                      settings, tmp_path):
    from sam.site.demo import seed_vitam_demo
    from sam.transfers.models import Transfer
    from tenants.models import User

    cergy = Tenant.objects.get(organisation__name="Cergy")
    seed_vitam_demo([cergy], say=lambda *_: None)
    settings.RECEIVING_PLATFORM_CERTS_DIR = tmp_path
    ARTIFACTS.mkdir(exist_ok=True)
    login("referent.cergy")
    page.goto(f"{live_server.url}/t/{cergy.pk}/transfers/")
    page.get_by_role("link", name="Plateformes destinataires").click()
    page.get_by_label("Nom").fill("Archives départementales du Val-d’Oise")
    page.get_by_label("Adresse de l’ingest-external").fill("https://vitam.archives.valdoise.example:8443")
    page.get_by_label("Coffre sur la plateforme destinataire").fill("2")
    page.get_by_label("Contrat d’entrée").fill("IC-DEFINITIF")
    page.get_by_role("button", name="Ajouter la plateforme").click()
    assert "Plateforme destinataire ajoutée" in page.locator("main").inner_text()
    assert "Archives départementales du Val-d’Oise" in page.locator("#platforms").inner_text()
    page.screenshot(path=str(ARTIFACTS / "receiving-platforms.png"), full_page=True)

    # A transfer whose SIP is ready (its preparation is covered by tests/transfers).
    sip = tmp_path / "sip.zip"
    sip.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    transfer = Transfer.objects.create(
        tenant=cergy, organisation=cergy.organisation, created_by=User.objects.get(username="referent.cergy"),
        reference="TR-DEMO-00001", mode=Transfer.Mode.SELECTION, archival_agency="FRAD095",
        transferring_agency="95127-ARCH", archival_agreement="IC-DEFINITIF", state=Transfer.State.SIP_READY,
        operation_id="aeeaaaaaaademotransfer", sip_path=str(sip), unit_count=3, sip_size=22)
    page.goto(f"{live_server.url}/t/{cergy.pk}/transfers/{transfer.pk}/")
    assert page.get_by_role("button", name="Envoyer au service destinataire").count() == 1
    page.screenshot(path=str(ARTIFACTS / "transfer-send.png"), full_page=True)
    assert delivery.platform_client(cergy.receiving_platforms.get()).base_url.endswith(":8443")
    assert page.console_errors == []
