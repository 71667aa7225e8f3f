"""An archivist creates an API token from her profile, copies it once, sees it work, then revokes it."""

import pytest
from rest_framework.test import APIClient

from tenants.models import ApiToken, AuditEntry
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_archivist_creates_and_revokes_a_token(page, login, live_server, demo):
    login("archiviste.cergy")
    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_role("link", name="Mes jetons d’API").click()
    assert page.locator("h1").inner_text() == "Mes jetons d’API"
    page.get_by_label("Nom").fill("Pastell — versements")
    page.get_by_label("Durée de validité (jours)").fill("30")
    page.get_by_role("button", name="Créer le jeton").click()
    page.wait_for_load_state()
    key = page.get_by_label("Jeton", exact=True).input_value()
    assert key.startswith("sam_")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "api-tokens-created.png"), full_page=True)

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/organisations/").status_code == 200

    page.goto(page.url)  # the key is never shown again; the list shows its beginning only
    assert key not in page.content()
    row = page.get_by_role("row", name="Pastell — versements")
    assert "Valide" in row.inner_text() and key[:12] in row.inner_text()
    row.get_by_role("button", name="Révoquer").click()
    page.wait_for_load_state()
    assert "Jeton « Pastell — versements » révoqué" in page.locator("main").inner_text().replace("\u00a0", " ")
    assert "Révoqué" in page.get_by_role("row", name="Pastell — versements").inner_text()
    assert api.get("/api/v1/organisations/").status_code == 401
    token = ApiToken.objects.get()
    assert token.revoked_at is not None
    actions = list(AuditEntry.objects.filter(actor=token.user, action__startswith="token.").order_by("pk")
                   .values_list("action", flat=True))
    assert actions == ["token.issue", "token.use", "token.revoke"]
    page.screenshot(path=str(ARTIFACTS / "api-tokens-revoked.png"), full_page=True)


def test_platform_admin_reads_sign_ins_and_token_events_in_french(page, login, live_server, demo):
    login("archiviste.cergy", password="not the password")
    login("admin")
    page.goto(f"{live_server.url}/audit/?action=auth.")
    table = page.locator("main table").inner_text()
    # The labels are read; the code is only shown small beside them, for support (class raw-code).
    labels = page.locator("main table td").evaluate_all(
        "cells => cells.map(cell => { const copy = cell.cloneNode(true);"
        " copy.querySelectorAll('.raw-code').forEach(code => code.remove()); return copy.textContent; }).join(' ')")
    assert "Échec de connexion" in table and "Connexion" in table and "auth.login" not in labels
    assert page.locator("main table .raw-code", has_text="auth.login_failed").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "audit-sign-ins.png"), full_page=True)
