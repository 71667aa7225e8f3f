"""Keyboard use: the login form and the main menu work with Tab and Enter, with a visible focus."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _focused(page):
    return page.evaluate(
        "() => { const e = document.activeElement; return {tag: e.tagName, id: e.id, name: e.name || '',"
        " text: (e.innerText || '').trim(), outline: getComputedStyle(e).outlineStyle,"
        " outlineWidth: parseFloat(getComputedStyle(e).outlineWidth)}; }"
    )


def _tab_until(page, predicate, limit=40):
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if predicate(focused):
            return focused
    raise AssertionError("never reached with Tab")


def test_skip_link_comes_first_and_leads_to_the_content(page, login, live_server, demo):
    login("archiviste.cergy")
    page.goto(f"{live_server.url}/accounts/profile/")  # a page without autofocus
    page.keyboard.press("Tab")
    focused = _focused(page)
    assert focused["text"] == "Aller au contenu"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"


def test_login_form_is_usable_with_the_keyboard_alone(page, live_server, demo):
    page.goto(f"{live_server.url}/accounts/login/")
    username = _focused(page)
    if username["id"] != "id_username":  # the field has autofocus; otherwise tab to it
        username = _tab_until(page, lambda f: f["id"] == "id_username")
    assert username["outline"] != "none" and username["outlineWidth"] >= 2
    page.keyboard.type("referent.cergy")
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "id_password"
    page.keyboard.type("sam-demo-2026")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text().startswith("Bonjour")


def test_main_menu_and_user_menu_work_with_tab_and_enter(page, login, live_server, demo):
    login("referent.cergy")
    page.evaluate("() => document.activeElement.blur()")
    # "Utilisateurs" is in the "Administration" group: Enter on the group opens it.
    group = _tab_until(page, lambda f: f["tag"] == "SUMMARY" and f["text"] == "Administration")
    assert group["outline"] == "solid"
    page.keyboard.press("Enter")
    link = _tab_until(page, lambda f: f["tag"] == "A" and f["text"] == "Utilisateurs")
    assert link["outline"] == "solid" and link["outlineWidth"] >= 2
    page.keyboard.press("Enter")
    page.wait_for_url("**/users/")
    assert page.locator('.main-nav a[aria-current="page"]').get_attribute("href").endswith("/users/")
    assert page.locator(".main-nav .nav-group-current summary").inner_text().startswith("Administration")

    # Escape closes an open group and gives the focus back to its summary.
    page.locator(".nav-group-current summary").focus()
    page.keyboard.press("Enter")
    assert page.locator(".nav-group-current details").get_attribute("open") is not None
    page.keyboard.press("Escape")
    assert page.locator(".nav-group-current details").get_attribute("open") is None
    page.evaluate("() => document.activeElement.blur()")

    # The user menu opens with Enter, its log-out button is reachable and works.
    _tab_until(page, lambda f: f["tag"] == "SUMMARY")
    page.keyboard.press("Enter")
    assert page.locator("details.user-menu").get_attribute("open") is not None
    _tab_until(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Se déconnecter")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_error_summary_takes_the_focus_and_links_to_the_field(page, live_server, demo):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    assert "error-summary" in page.evaluate("() => document.activeElement.className")
    page.locator(".error-summary a").first.click()
    assert page.evaluate("() => location.hash") == "#id_username"
