"""Accounts: login, logout, password change and reset, the invitation landing page, the profile."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tenants.models import AuditEntry, Role
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "une phrase de passe assez longue"


def _reset_url(user):
    return reverse(
        "password_reset_confirm",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)},
    )


def test_login_page_has_labelled_username_and_password_fields(client):
    page = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">' in page and 'name="username"' in page
    assert '<label for="id_password">' in page and 'name="password"' in page
    assert 'autocomplete="current-password"' in page
    assert "Mot de passe oublié" in page


def test_login_with_the_right_password_opens_the_home_page(client, world):
    response = client.post(reverse("login"), {"username": "referent.a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == world.referent_a


def test_login_failure_explains_in_french_and_keeps_the_username(client, world):
    response = client.post(reverse("login"), {"username": "referent.a", "password": "wrong"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Il y a un problème" in page
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in page
    assert 'value="referent.a"' in page


def test_login_sets_the_preferred_language_of_the_profile(client, world):
    world.referent_a.language = "en"
    world.referent_a.save()
    response = client.post(reverse("login"), {"username": "referent.a", "password": PASSWORD})
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()


def test_logout_is_a_post_and_ends_the_session(client, world):
    client.force_login(world.referent_a)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_password_change_checks_the_old_password_and_the_validators(client, world):
    client.force_login(world.referent_a)
    url = reverse("password_change")
    response = client.post(url, {"old_password": "wrong", "new_password1": "court", "new_password2": "court"})
    page = response.content.decode()
    assert "Votre ancien mot de passe est incorrect" in page
    response = client.post(url, {"old_password": PASSWORD, "new_password1": "court", "new_password2": "court"})
    page = response.content.decode()
    assert "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères." in page
    assert 'aria-describedby="id_new_password2_help id_new_password2_error" aria-invalid="true"' in page
    world.referent_a.refresh_from_db()
    assert world.referent_a.check_password(PASSWORD)
    response = client.post(url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    world.referent_a.refresh_from_db()
    assert world.referent_a.check_password(NEW_PASSWORD)


def test_password_reset_sends_a_french_email_with_a_working_link(client, world):
    response = client.post(reverse("password_reset"), {"email": world.referent_a.email})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.referent_a.email]
    assert "nouveau mot de passe" in message.subject
    assert "referent.a" in message.body and "trois jours" in message.body
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)
    response = client.get(link, follow=True)
    page = response.content.decode()
    assert "Choisissez un nouveau mot de passe" in page
    response = client.post(response.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("password_reset_complete")
    world.referent_a.refresh_from_db()
    assert world.referent_a.check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client, world):
    response = client.post(reverse("password_reset"), {"email": "personne@example.org"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_invitation_link_welcomes_the_new_user_to_choose_a_password(client, world):
    invited = make_user("invitee", organisation=world.org_a, role=Role.ARCHIVIST)
    invited.set_unusable_password()
    invited.save()
    response = client.get(_reset_url(invited), follow=True)
    page = response.content.decode()
    assert "Choisissez votre mot de passe" in page
    assert "Bienvenue" in page and "invitee" in page
    response = client.post(response.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("password_reset_complete")
    assert client.post(reverse("login"), {"username": "invitee", "password": NEW_PASSWORD}).status_code == 302


def test_used_or_forged_links_are_refused_with_a_next_step(client, world):
    response = client.get(reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "forged-token"}))
    page = response.content.decode()
    assert "Ce lien n’est plus valide" in page
    assert reverse("password_reset") in page


def test_profile_updates_names_email_and_language_with_an_audit_entry(client, world):
    client.force_login(world.referent_a)
    response = client.post(
        reverse("profile"), {"first_name": "Alix", "last_name": "Martin", "email": "alix@example.org", "language": "en"}
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    world.referent_a.refresh_from_db()
    assert (world.referent_a.first_name, world.referent_a.email, world.referent_a.language) == (
        "Alix", "alix@example.org", "en",
    )
    entry = AuditEntry.objects.get(action="user.profile_update")
    assert entry.actor == world.referent_a and entry.target_id == str(world.referent_a.pk)
    assert entry.before["email"] == "referent.a@example.org" and entry.after["email"] == "alix@example.org"


def test_profile_refuses_an_empty_email_naming_the_field(client, world):
    client.force_login(world.referent_a)
    response = client.post(reverse("profile"), {"first_name": "Alix", "last_name": "", "email": "", "language": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_email">' in page and "Ce champ est obligatoire" in page
    world.referent_a.refresh_from_db()
    assert world.referent_a.first_name == "Alice"
    assert not AuditEntry.objects.filter(action="user.profile_update").exists()
