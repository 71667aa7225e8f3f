"""The issue's test: a referent invites an archivist, who chooses a password and sees their commune only."""

import re

import pytest
from django.core import mail

from tenants.models import Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_referent_invites_an_archivist_who_then_sees_cergy_only(page, login, live_server, demo):
    cergy = Organisation.objects.get(name="Cergy")
    pontoise = Organisation.objects.get(name="Pontoise")

    # The referent of Cergy logs in and invites a new archivist from the home page.
    login("referent.cergy")
    assert page.locator("h1").inner_text().startswith("Bonjour")
    page.get_by_role("link", name="Inviter un utilisateur").first.click()
    page.get_by_label("Identifiant").fill("nouvelle.archiviste")
    page.get_by_label("Prénom").fill("Nora")
    page.get_by_label("Nom", exact=True).fill("Vasseur")
    page.get_by_label("Adresse électronique").fill("nora.vasseur@cergy.example")
    page.get_by_label("Rôle").select_option("archivist")
    page.get_by_role("button", name="Envoyer l’invitation").click()
    page.wait_for_load_state()
    assert "nouvelle.archiviste" in page.content()

    # She receives the invitation e-mail and follows its link.
    invitations = [m for m in mail.outbox if m.to == ["nora.vasseur@cergy.example"]]
    assert len(invitations) == 1
    link = re.search(r"https?://\S+/accounts/reset/\S+/", invitations[0].body).group(0)
    page.context.clear_cookies()
    page.goto(link)
    assert page.locator("h1").inner_text() == "Choisissez votre mot de passe"
    page.locator("#id_new_password1").fill("les archives de Cergy 2026")
    page.locator("#id_new_password2").fill("les archives de Cergy 2026")
    page.get_by_role("button", name="Enregistrer mon mot de passe").click()
    assert page.locator("h1").inner_text() == "Mot de passe enregistré"

    # She logs in and works for Cergy only.
    login("nouvelle.archiviste", "les archives de Cergy 2026")
    assert page.locator("h1").inner_text() == "Bonjour Nora"
    header = page.locator("header").inner_text()
    assert "Cergy" in header
    assert page.locator("#switch-organisation").count() == 0
    assert "Pontoise" not in page.content()
    assert page.locator("#archives-title").is_visible()
    assert page.locator("#users-title").count() == 0
    assert page.console_errors == []

    # Pontoise's screens answer 404 to her, exactly like pages that do not exist.
    for path in (f"/organisations/{pontoise.pk}/users/", f"/platform/organisations/{pontoise.pk}/",
                 f"/organisations/{cergy.pk}/users/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 404, path
        assert "Page introuvable" in page.content()
        assert "Pontoise" not in page.content()
