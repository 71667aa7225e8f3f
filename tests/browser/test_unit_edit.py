"""The issue's browser test: archiviste.cergy edits a unit's title while another session (referent.cergy, in a
second browser) edits it too; the second to save sees the conflict with what changed, keeps their input, and
saves on top of it: nothing lost."""

import pytest

from tenants.models import AuditEntry, Tenant
from tests.browser.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def other_session(browser_context, live_server):
    """A second chromium with its own cookies: another person at another desk."""
    browser = browser_context.playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                         args=CHROMIUM_ARGS)
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
    browser.close()


def _log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def test_two_sessions_edit_a_unit_and_nothing_is_lost(page, login, other_session, live_server, vitam_url, demo):
    from sam.site.demo import seed_vitam_demo
    from tenants.vitam_clients import vitam_client

    cergy = Tenant.objects.get(organisation__name="Cergy")
    seed_vitam_demo([cergy], say=lambda *_: None)
    cergy.refresh_from_db()
    login("archiviste.cergy")
    page.goto(f"{live_server.url}/t/{cergy.pk}/search/?title=Courrier+arriv%C3%A9")
    page.locator("main table a").first.click()
    page.wait_for_load_state()
    unit_url = page.url
    original_title = page.locator("h1").inner_text()
    page.locator("#edit-description").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Modifier la description"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "unit-edit-form.png"), full_page=True)

    # The other session opens the same form, changes the title and a keyword, and saves first.
    _log_in(other_session, live_server, "referent.cergy")
    other_session.goto(unit_url + "edit/")
    other_session.fill("#id_title", "Courrier arrivé — titre de la référente")
    other_session.fill("#id_keywords", "courrier de la référente")
    other_session.locator("#save-description").click()
    other_session.wait_for_load_state()
    assert "La description de l’unité est enregistrée." in other_session.locator("main").inner_text()

    # archiviste.cergy, still on the form opened before, changes the title and the description.
    page.fill("#id_title", "Courrier arrivé — titre de l’archiviste")
    page.fill("#id_description", "Description de l’archiviste")
    page.locator("#save-description").click()
    page.wait_for_load_state()
    conflict = page.locator("#edit-conflict")
    assert "Quelqu’un d’autre a modifié cette unité entre-temps" in conflict.inner_text()
    rows = conflict.locator("tbody tr")
    assert rows.count() == 2
    title_row = conflict.locator("tbody tr", has_text="Intitulé").inner_text()
    assert "titre de la référente" in title_row and "titre de l’archiviste" in title_row
    assert "courrier de la référente" in conflict.locator("tbody tr", has_text="Mots-clés").inner_text()
    assert page.locator("#id_title").input_value() == "Courrier arrivé — titre de l’archiviste"
    assert page.locator("#id_description").input_value() == "Description de l’archiviste"
    assert page.locator("#id_keywords").input_value() == "courrier de la référente"
    page.screenshot(path=str(ARTIFACTS / "unit-edit-conflict.png"), full_page=True)

    page.locator("#save-description").click()
    page.wait_for_load_state()
    assert page.url == unit_url
    main = page.locator("main").inner_text()
    assert "Courrier arrivé — titre de l’archiviste" in page.locator("h1").inner_text()
    assert "Description de l’archiviste" in main and "courrier de la référente" in main
    unit_id = unit_url.rstrip("/").rsplit("/", 1)[1]
    unit = vitam_client(cergy).get_unit(unit_id)
    assert unit["Title"] == "Courrier arrivé — titre de l’archiviste" != original_title
    assert [entry.actor.username for entry in AuditEntry.objects.filter(
        action="consultation.unit_edit", target_id=unit_id).order_by("pk")] == ["referent.cergy", "archiviste.cergy"]
