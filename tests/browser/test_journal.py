"""Issue 14, item 3 in a real browser on the demo data: the archivist of Cergy deposits a SIP, finds it in the
journal des opérations by its title and follows the link to the deposit."""

import re

import pytest

from sam.deposits.models import Deposit
from tenants.models import Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_archivist_finds_a_deposit_in_the_journal_and_opens_it(page, login, live_server, demo, vitam_url, tmp_path):
    from sam.site.demo import ensure_contracts, ensure_referentials
    from tenants.vitam_clients import ADMIN, vitam_client
    from tests.deposits.conftest import build_sip

    cergy = Tenant.objects.get(organisation__name="Cergy")
    client = vitam_client(cergy, contract=ADMIN)
    ensure_referentials(client, cergy.organisation, say=lambda *_: None)
    ensure_contracts(client, cergy, say=lambda *_: None)
    sip = build_sip(cergy, tmp_path / "sip", title="Registre des délibérations 2021", files=2)

    login("archiviste.cergy")
    page.goto(f"{live_server.url}/t/{cergy.pk}/deposits/new/")
    page.locator("#id_sip").set_input_files(str(sip))
    page.locator("form.upload-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/deposits/\d+/$"))
    deposit = Deposit.objects.get(tenant=cergy)
    assert deposit.state == Deposit.State.COMPLETED, deposit.explanation

    page.goto(f"{live_server.url}/t/{cergy.pk}/journal/")
    row = page.locator("tbody tr", has_text="Registre des délibérations 2021")
    assert row.count() == 1
    person = page.evaluate("(r) => r.cells[3].innerText", row.element_handle())
    assert person.strip() == deposit.created_by.get_full_name()  # a person's name, not a login or a service code
    page.screenshot(path="/tmp/p14c-journal.png", full_page=True)
    row.locator("td.operation-subject a", has_text="Registre des délibérations 2021").click()
    page.wait_for_url(re.compile(rf"/deposits/{deposit.pk}/$"))
    assert "Registre des délibérations 2021" in page.locator("h1").inner_text()
    assert page.console_errors == []
