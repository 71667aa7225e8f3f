"""Second factor (tenants/second_factor): enrolment, verification, recovery codes, enforcement, reset."""

import re
import time
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.models import AuditEntry


@pytest.fixture
def otp_required(settings):
    settings.OTP_REQUIRED = True


def _signed_in(client, user):
    client.force_login(user)
    return client


def _code(secret_b32: str) -> str:
    """The current code, computed as the person's authenticator application does."""
    return f"{totp(b32decode(secret_b32)):06d}"


def _enrol(client):
    page = client.get(reverse("second_factor:enrol"))
    secret = re.search(r'class="otp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
    response = client.post(reverse("second_factor:enrol"), {"code": _code(secret), "next": "/"})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())
    return secret, codes


PRIVILEGED_URLS = ["home", "profile", "tenants:audit_list"]


@pytest.mark.parametrize("name", PRIVILEGED_URLS)
def test_referent_without_device_is_sent_to_enrolment(client, world, otp_required, name):
    _signed_in(client, world.referent_a)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor:enrol") + "?next=")


def test_organisation_pages_and_admin_pages_are_guarded_too(client, world, otp_required):
    _signed_in(client, world.referent_a)
    url = reverse("tenants:user_list", args=[world.org_a.pk])
    assert client.get(url)["Location"].startswith(reverse("second_factor:enrol"))
    _signed_in(client, world.admin)
    assert client.get(reverse("tenants:organisation_list"))["Location"].startswith(reverse("second_factor:enrol"))


def test_api_call_by_session_is_refused_without_verification(client, world, otp_required):
    _signed_in(client, world.referent_a)
    response = client.get("/api/v1/organisations/")
    assert response.status_code == 403
    assert "second" in response.json()["detail"].lower() or "facteur" in response.json()["detail"]


def test_archivist_is_not_forced(client, world, otp_required):
    _signed_in(client, world.archivist_a)
    assert client.get(reverse("home")).status_code == 200


def test_enrolment_with_a_valid_code_opens_the_pages(client, world, otp_required):
    _signed_in(client, world.referent_a)
    secret, codes = _enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("tenants:audit_list")).status_code == 200
    assert client.get("/api/v1/organisations/").status_code == 200
    assert TOTPDevice.objects.get(user=world.referent_a).confirmed
    assert AuditEntry.objects.filter(actor=world.referent_a, action="user.second_factor_enrol").exists()


def test_wrong_code_is_refused_at_enrolment(client, world, otp_required):
    _signed_in(client, world.referent_a)
    client.get(reverse("second_factor:enrol"))
    response = client.post(reverse("second_factor:enrol"), {"code": "000000"})
    assert response.status_code == 200
    assert "ne correspond pas" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=world.referent_a).exists()
    assert client.get(reverse("home")).status_code == 302


def test_next_sign_in_asks_for_the_code_and_refuses_a_wrong_one(client, world, otp_required):
    _signed_in(client, world.referent_a)
    secret, _codes = _enrol(client)
    client.logout()
    _signed_in(client, world.referent_a)
    assert client.get(reverse("home"))["Location"].startswith(reverse("second_factor:verify"))
    response = client.post(reverse("second_factor:verify"), {"code": "123456"})
    assert response.status_code == 200 and "ne correspond pas" in response.content.decode()
    assert AuditEntry.objects.filter(actor=world.referent_a, action="user.second_factor_failure").exists()
    assert client.get(reverse("home")).status_code == 302


def test_verification_with_the_application_code(client, world, otp_required):
    _signed_in(client, world.referent_a)
    secret, _codes = _enrol(client)
    client.logout()
    time.sleep(max(0, 30 - time.time() % 30) + 0.1)  # a TOTP code is accepted once: wait for the next one
    _signed_in(client, world.referent_a)
    response = client.post(reverse("second_factor:verify") + "?next=/profile-x", {"code": _code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_recovery_code_works_once(client, world, otp_required):
    _signed_in(client, world.referent_a)
    _secret, codes = _enrol(client)
    client.logout()
    _signed_in(client, world.referent_a)
    assert client.post(reverse("second_factor:verify"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.logout()
    _signed_in(client, world.referent_a)
    response = client.post(reverse("second_factor:verify"), {"code": codes[0]})
    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 302


def test_recovery_codes_regenerated_replace_the_old_ones(client, world, otp_required):
    _signed_in(client, world.referent_a)
    _secret, old = _enrol(client)
    response = client.post(reverse("second_factor:recovery_codes"))
    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    client.logout()
    _signed_in(client, world.referent_a)
    assert client.post(reverse("second_factor:verify"), {"code": old[1]}).status_code == 200
    time.sleep(1.1)  # django-otp throttles the device for a second after a wrong code
    assert client.post(reverse("second_factor:verify"), {"code": new[1]}).status_code == 302


def test_admin_resets_a_referents_second_factor(client, world, otp_required):
    _signed_in(client, world.referent_a)
    _enrol(client)
    admin_client = client.__class__()
    _signed_in(admin_client, world.admin)
    _enrol(admin_client)
    url = reverse("second_factor:reset", args=[world.org_a.pk, world.referent_a.pk])
    assert admin_client.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=world.referent_a).exists()
    entry = AuditEntry.objects.get(action="user.second_factor_reset")
    assert entry.actor == world.admin and entry.organisation == world.org_a and entry.target_id == str(world.referent_a.pk)
    # The referent's open session is no longer verified: enrolment again.
    assert client.get(reverse("home"))["Location"].startswith(reverse("second_factor:enrol"))


def test_referent_of_another_commune_cannot_reset(client, world):
    _signed_in(client, world.referent_b)
    url = reverse("second_factor:reset", args=[world.org_a.pk, world.referent_a.pk])
    assert client.post(url).status_code == 404
    assert not AuditEntry.objects.filter(action="user.second_factor_reset").exists()


def test_not_required_when_the_setting_is_off(client, world):
    _signed_in(client, world.referent_a)
    assert client.get(reverse("home")).status_code == 200


def test_a_password_alone_gets_no_api_token_for_an_account_guarded_by_the_second_factor(world, otp_required):
    from rest_framework.test import APIClient

    from tenants.models import ApiToken
    from tests.factories import PASSWORD

    body = {"username": world.referent_a.username, "password": PASSWORD, "name": "Script"}
    response = APIClient().post(reverse("api-token"), body, format="json")
    assert response.status_code == 403 and "second facteur" in response.json()["detail"]
    assert not ApiToken.objects.filter(user=world.referent_a).exists()
    body["username"] = world.archivist_a.username  # not guarded: the exchange still works
    assert APIClient().post(reverse("api-token"), body, format="json").status_code == 200
