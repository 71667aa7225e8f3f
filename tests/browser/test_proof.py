"""Issue 11, item 3 in a real browser on the demo data: the archivist of Cergy asks, from a unit page, for the
probative value report of an object, reads it in French and downloads the raw report and the certificate."""

import json
import re

import pytest

from tenants.models import Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = "/tmp/p4-proof-report.png"


def test_archivist_downloads_the_probative_value_report_of_an_object(page, login, live_server, demo, vitam_url):
    from tests.consultation.helpers import seed_archive

    cergy = Tenant.objects.get(organisation__name="Cergy")
    ids = seed_archive(cergy)
    unit_id = ids['Compte rendu ; "quoted"']

    login("archiviste.cergy")
    page.goto(f"{live_server.url}/t/{cergy.pk}/units/{unit_id}/")
    page.screenshot(path="/tmp/p4-proof-unit.png", full_page=True)
    page.get_by_role("button", name=re.compile("Demander une attestation de valeur probante")).click()
    page.wait_for_url(re.compile(r"/proofs/\d+/$"))
    assert "Relevé de valeur probante" in page.locator("h1").inner_text()
    body = page.locator("main").inner_text()
    assert "Empreinte au versement" in body and "Empreinte recalculée" in body
    assert "Les empreintes concordent" in body
    page.screenshot(path=SCREENSHOT, full_page=True)

    with page.expect_download() as raw_download:
        page.get_by_role("link", name="Télécharger le relevé brut (JSON)").click()
    report = json.loads(open(raw_download.value.path(), encoding="utf-8").read())
    [entry] = report["reportEntries"]
    assert unit_id in entry["unitIds"] and entry["checks"][0]["status"] == "OK"
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Télécharger l’attestation (PDF)").click()
    assert open(pdf_download.value.path(), "rb").read(5) == b"%PDF-"
    printable = page.get_by_role("link", name="Attestation imprimable").get_attribute("href")
    page.goto(f"{live_server.url}{printable}")
    assert "Attestation de valeur probante" in page.locator("h1").inner_text()
    page.screenshot(path="/tmp/p4-proof-attestation.png", full_page=True)
    assert page.console_errors == []
