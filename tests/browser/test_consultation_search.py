"""The issue's browser test: search, open a unit, download an object (archive ingested through the client)."""

import pytest
from playwright.sync_api import expect

from tests.consultation.conftest import archive  # noqa: F401  (fixture)
from tests.consultation.helpers import TEXT
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_open_a_unit_and_download_its_object(page, login, live_server, archive):
    login(archive.archivist_a.username, PASSWORD)
    page.goto(f"{live_server.url}/t/{archive.tenant_a.pk}/search/")
    page.fill("#id_q", "compte rendu")
    page.locator("#search-form .search-box button[type=submit]").click()
    page.wait_for_load_state()
    unit_id = archive.ids['Compte rendu ; "quoted"']
    link = page.locator(f"table a[href$='/units/{unit_id}/']")
    assert link.count() == 1
    link.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == 'Compte rendu ; "quoted"'
    assert "Dossier public 2001" in page.locator("nav.breadcrumbs").inner_text()
    with page.expect_download() as download_info:
        page.locator("a[href$='/objects/BinaryMaster/1/']").click()
    download = download_info.value
    assert open(download.path(), "rb").read() == TEXT.encode()
    assert not page.console_errors


def test_researcher_gets_404_page_on_a_non_communicable_unit(page, login, live_server, archive):
    login(archive.researcher_a.username, PASSWORD)
    hidden = archive.ids["Note nominative"]
    response = page.goto(f"{live_server.url}/researcher/t/{archive.tenant_a.pk}/units/{hidden}/")
    assert response.status == 404
    assert "Note nominative" not in page.content()


def test_search_by_deposit_chosen_by_its_label(page, login, live_server, archive):
    """'Opération (versement)': typed part of the deposit's label, chosen in the list, the search keeps it."""
    from tests.browser.conftest import ARTIFACTS

    login(archive.archivist_a.username, PASSWORD)
    page.goto(f"{live_server.url}/t/{archive.tenant_a.pk}/search/")
    page.locator("#search-form details").first.evaluate("element => element.open = true")
    deposit = page.locator("#id_opi")
    assert deposit.get_attribute("role") == "combobox"
    deposit.focus()
    page.keyboard.type("test-consult")
    option = page.locator("#id_opi-suggestions [role=option]").first
    option.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-deposit-picker.png"), full_page=True)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    # A deposit made outside SAM: labelled by its bordereau's comment, as Vitam's logbook keeps it
    assert page.locator("#id_opi-value").input_value() and deposit.input_value() == "Versement de test"
    page.locator("#search-form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert "Dossier public 2001" in page.locator("main").inner_text()
    # The label again, not the identifier: the picker asks for it once the page is drawn (Playwright's expect
    # retries until then).
    expect(page.locator("#id_opi")).to_have_value("Versement de test")
    assert not page.console_errors
