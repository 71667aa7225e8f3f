"""Issue 14, items 2 and 5 in a real browser on the demo data: each role's home page says what to do, the
contrats menu reaches the three screens, the audit trail opens on the user's commune."""

import pytest

from tenants.models import Organisation, Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_archivist_home_lists_a_refused_deposit_and_leads_to_it(page, login, live_server, demo):
    from sam.deposits.models import Deposit

    cergy = Tenant.objects.get(organisation__name="Cergy")
    Deposit.objects.create(tenant=cergy, organisation=cergy.organisation, title="Délibérations 2019 (refusé)",
                           state=Deposit.State.REJECTED)
    login("archiviste.cergy")
    work = page.locator("section.home-work")
    assert "À faire" in work.locator("h2").inner_text()
    work.locator("table.deposits-to-handle a", has_text="Délibérations 2019 (refusé)").click()
    page.wait_for_load_state()
    assert "Délibérations 2019 (refusé)" in page.locator("h1").inner_text()
    assert page.locator("a", has_text="Bordereau de versement").count() == 0  # no slip for a refused deposit
    assert "Bientôt disponible" not in page.content()
    assert not page.console_errors


def test_referent_sees_waiting_imports_reaches_contracts_and_their_audit(page, login, live_server, demo):
    from referentials.models import ReferentialImport

    cergy = Tenant.objects.get(organisation__name="Cergy")
    ReferentialImport.objects.create(tenant=cergy, kind="rules", filename="regles-cergy-2026.csv",
                                     base_fingerprint="demo")
    login("referent.cergy")
    assert "regles-cergy-2026.csv" in page.locator("ul.waiting-imports").inner_text()
    menu = page.locator("nav.main-nav")
    for label in ("Contrats d’entrée", "Contrats d’accès", "Profils d’archivage"):
        assert menu.locator("a", has_text=label).count() == 1, label
    page.goto(f"{live_server.url}/audit/")
    selected = page.locator("#id_organisation option:checked").inner_text()
    assert selected == "Cergy"


def test_platform_admin_sees_the_state_of_every_commune(page, login, live_server, demo):
    login("admin")
    rows = page.locator("tr.organisation-state")
    assert rows.count() == Organisation.objects.count()
    header = page.locator("#platform-title ~ div table thead").inner_text()
    assert "Versements en erreur" in header and "Dernière activité" in header
    page.screenshot(path="/tmp/p14b-admin-home.png", full_page=True)
