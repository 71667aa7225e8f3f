"""Language switch: French by default, English on request, and back."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switch_to_english_and_back_to_french(page, login, live_server, demo):
    login("archiviste.cergy")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("link", name="Accueil").is_visible()

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Hello")
    assert page.get_by_role("link", name="Home").is_visible()
    assert page.url == f"{live_server.url}/"

    page.goto(f"{live_server.url}/accounts/profile/")
    assert page.locator("h1").inner_text() == "My profile"

    page.get_by_role("button", name="Français").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Mon profil"
    assert page.url == f"{live_server.url}/accounts/profile/"
