"""Single sign-on against a real OpenID Connect provider (oidc-provider-mock: authlib, RS256-signed ID tokens)
served over HTTP on the loopback, with SAM under Django's live server and requests following the redirects."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.urls import reverse
from oidc_provider_mock import run_server_in_thread

from tenants import sso
from tenants.models import AuditEntry, User
from tests.factories import PASSWORD


@pytest.fixture(scope="module")
def provider():
    with run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def sso_on(settings, provider):
    settings.OIDC_ISSUER = provider
    settings.OIDC_RP_CLIENT_ID = "sam-portal"
    settings.OIDC_RP_CLIENT_SECRET = "sam-secret"
    settings.OIDC_RP_SCOPES = "openid email"
    # This provider signs with one RSA key published without a "kid": the signature is still checked with it.
    settings.OIDC_VERIFY_KID = False
    sso._discovery.cache_clear()
    yield provider
    sso._discovery.cache_clear()


def _provider_user(provider, sub, email):
    requests.put(f"{provider}/users/{sub}", json={"email": email}, timeout=5).raise_for_status()


def _sign_in(live_server, sub):
    """Starts at SAM's SSO button, signs in at the provider as ``sub``, follows the redirects back to SAM."""
    browser = requests.Session()
    start = browser.get(f"{live_server.url}{reverse('oidc_authentication_init')}", allow_redirects=False, timeout=10)
    assert start.status_code == 302
    authorize_url = start.headers["Location"]
    landing = browser.post(authorize_url, data={"sub": sub}, timeout=10)
    return browser, authorize_url, landing


def test_invited_user_signs_in_and_out_at_the_provider(live_server, world, sso_on):
    _provider_user(sso_on, "alice", "Referent.A@EXAMPLE.org")  # case differs from SAM's referent.a@example.org
    browser, authorize_url, landing = _sign_in(live_server, "alice")
    query = parse_qs(urlparse(authorize_url).query)
    assert authorize_url.startswith(f"{sso_on}/oauth2/authorize")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["nonce"][0] and query["state"][0] and query["response_type"] == ["code"]
    assert landing.status_code == 200 and landing.url == f"{live_server.url}/"
    assert "Alice" in landing.text
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.actor == world.referent_a and entry.after == {"method": "oidc"}

    csrf = browser.cookies["csrftoken"]
    out = browser.post(f"{live_server.url}{reverse('logout')}", data={"csrfmiddlewaretoken": csrf},
                       headers={"Referer": live_server.url}, allow_redirects=False, timeout=10)
    logout_url = out.headers["Location"]
    assert logout_url.startswith(f"{sso_on}/oauth2/end_session?")
    logout_query = parse_qs(urlparse(logout_url).query)
    assert logout_query["id_token_hint"][0].count(".") == 2  # the signed ID token SAM received
    assert logout_query["post_logout_redirect_uri"] == [f"{live_server.url}/accounts/login/"]
    assert browser.get(logout_url, timeout=10).status_code == 200
    assert browser.get(f"{live_server.url}/", timeout=10).url.startswith(f"{live_server.url}/accounts/login/")


def test_unknown_email_is_refused_and_no_user_created(live_server, world, sso_on):
    _provider_user(sso_on, "stranger", "nobody@ville.example")
    users = User.objects.count()
    _browser, _url, landing = _sign_in(live_server, "stranger")
    assert landing.status_code == 403
    assert "nobody@ville.example" in landing.text and "référent" in landing.text
    assert User.objects.count() == users
    assert not AuditEntry.objects.filter(action="auth.login").exists()


def test_inactive_user_is_refused(live_server, world, sso_on):
    User.objects.filter(pk=world.archivist_a.pk).update(is_active=False)
    _provider_user(sso_on, "former", world.archivist_a.email)
    _browser, _url, landing = _sign_in(live_server, "former")
    assert landing.status_code == 403
    assert landing.url.endswith(reverse("sso_refused"))


def test_login_page_shows_the_button_only_when_configured(client, db, settings, sso_on):
    settings.OIDC_LOGIN_LABEL = "Se connecter avec Ma Ville"
    assert "Se connecter avec Ma Ville" in client.get(reverse("login")).content.decode()
    settings.OIDC_RP_CLIENT_ID = ""
    assert "Se connecter avec" not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("oidc_authentication_init")).status_code == 404


def test_organisation_without_local_passwords_refuses_password_login(client, world):
    for organisation in (world.org_a,):
        organisation.local_passwords_enabled = False
        organisation.save()
    response = client.post(reverse("login"), {"username": world.referent_a.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "authentification unique" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Password reset sends nothing to them; a platform administrator keeps the local password (break-glass).
    from django.core import mail

    client.post(reverse("password_reset"), {"email": world.referent_a.email})
    assert mail.outbox == []
    response = client.post(reverse("login"), {"username": world.admin.username, "password": PASSWORD})
    assert response.status_code == 302
    other = client.__class__()
    assert other.post(reverse("login"), {"username": world.referent_b.username, "password": PASSWORD}).status_code == 302
