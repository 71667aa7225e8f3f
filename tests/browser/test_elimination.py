"""The issue's browser test: archiviste.cergy runs an analysis and submits a proposal, controle.ad95 approves
it, the archivist executes it, downloads the certificate and its annex, and the units are gone from search."""

import hashlib
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tenants.models import Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERMITS = "Permis de construire — 2008"


def test_elimination_with_the_departmental_archives_visa(page, login, live_server, vitam_url, demo):
    from sam.site.demo import seed_vitam_demo

    cergy = Tenant.objects.get(organisation__name="Cergy")
    seed_vitam_demo([cergy], say=lambda *_: None)  # puts the 2008 permits back if an earlier test eliminated them

    login("archiviste.cergy")
    search_url = f"{live_server.url}/t/{cergy.pk}/search/?title=Permis+de+construire+2008"
    page.goto(search_url)
    assert PERMITS in page.locator("main").inner_text()  # found before, so its absence at the end means something
    page.goto(f"{live_server.url}/t/{cergy.pk}/elimination/new/")
    page.locator("#id_proposal_title").fill("Urbanisme — permis de construire 2008")
    page.locator("input[name=mode][value=criteria]").check()
    page.locator("#id_title").fill("Permis de construire 2008")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Urbanisme — permis de construire 2008"
    assert PERMITS in page.locator("table.proposal-unit-table").inner_text()
    reference = page.locator(".page-header .lead").inner_text()
    detail_url = page.url
    boxes = page.locator(".proposal-unit-table input[name=unit]")
    page.locator("#select-all-units").check()
    assert boxes.count() == 3 and all(boxes.nth(i).is_checked() for i in range(3))
    page.locator("#select-all-units").uncheck()
    assert not any(boxes.nth(i).is_checked() for i in range(3))
    page.locator("#submit-proposal").click()
    page.wait_for_load_state()
    assert "visa" in page.locator("section.confirm h2").inner_text().lower()  # asked before sending
    page.locator("section.confirm button[type=submit]").click()
    page.wait_for_load_state()
    assert "visa" in page.locator(".proposal-status").inner_text().lower()

    page.context.clear_cookies()
    login("controle.ad95")
    page.goto(f"{live_server.url}/visas/")
    page.locator("table.visa-pending a", has_text=reference).click()
    page.wait_for_load_state()
    page.locator("input[name=decision][value=approve]").check()
    page.locator("#id_comment").fill("Visa favorable : DUA échue, pas de contentieux.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    visa = page.locator("section.visa-decision").inner_text()
    assert "Visée" in visa and "Visa favorable" in visa and "Hélène Contrôleuse" in visa

    page.context.clear_cookies()
    login("archiviste.cergy")
    page.goto(detail_url)
    page.locator("#execute-proposal").click()
    page.wait_for_load_state()
    page.locator("section.confirm button[type=submit]").click()
    page.wait_for_load_state()
    page.wait_for_selector("#download-certificate", timeout=60_000)
    assert "Exécutée par" in page.locator(".proposal-facts .execution").inner_text()
    assert "Visée" in page.locator("section.visa-decision").inner_text()  # the visa, not the state
    assert re.search(r"[1-9]\d* unités? détruites?|[1-9]\d* units destroyed", page.content())
    with page.expect_download() as download_info:
        page.locator("#download-certificate").click()
    certificate = Path(download_info.value.path()).read_bytes()
    assert certificate.startswith(b"%PDF")
    # The annex lists every destroyed unit; the certificate prints its SHA-512.
    with page.expect_download() as download_info:
        page.locator("#download-certificate-annex").click()
    annex = Path(download_info.value.path()).read_bytes()
    assert "PC 095 08 0012".encode() in annex
    printed = "".join(p.extract_text() for p in PdfReader(io.BytesIO(certificate)).pages)
    assert hashlib.sha512(annex).hexdigest() in re.sub(r"\s", "", printed)

    page.goto(search_url)
    assert PERMITS not in page.locator("main").inner_text()
    assert "PC 095 08 0012" not in page.locator("main").inner_text()
    assert not page.console_errors
