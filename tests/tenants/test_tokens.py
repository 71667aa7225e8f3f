"""SAM's API tokens (tenants/tokens.py): hashed, named, expiring, revocable, audited, and the API throttled."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tenants import services
from tenants.models import ApiToken, AuditEntry
from tenants.tokens import AnonymousThrottle, UserThrottle, hash_key, token_issue, token_revoke
from tests.factories import PASSWORD
from tests.tenants.helpers import in_french, page_text

ORGANISATIONS = "/api/v1/organisations/"


def bearer(key, word="Bearer"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{word} {key}")
    return client


def actions(user=None, since=0):
    entries = AuditEntry.objects.filter(pk__gt=since).order_by("pk")
    if user is not None:
        entries = entries.filter(actor=user)
    return [entry.action for entry in entries]


def test_only_the_hash_is_stored_and_the_key_opens_the_api(world, settings):
    issued = token_issue(actor=world.referent_a, user=world.referent_a, name="Pastell")
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.key.startswith("sam_") and len(issued.key) > 40
    assert token.key_hash == hash_key(issued.key) and issued.key not in (token.key_hash, token.prefix)
    assert issued.key.startswith(token.prefix) and len(token.prefix) == 12
    assert token.name == "Pastell" and token.created_by == world.referent_a
    expected = timezone.now() + timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)
    assert abs((token.expires_at - expected).total_seconds()) < 60
    entry = AuditEntry.objects.filter(action="token.issue").latest("pk")
    assert entry.actor == world.referent_a and entry.after["name"] == "Pastell"
    assert issued.key not in str(entry.after)
    for word in ("Bearer", "Token", "bearer"):
        response = bearer(issued.key, word).get(ORGANISATIONS)
        assert response.status_code == 200, (word, response.content)
        assert [row["id"] for row in response.json()["results"]] == [world.org_a.pk]


@pytest.mark.parametrize("spoil", ["expired", "revoked", "inactive", "unknown", "malformed"])
def test_a_spoilt_token_is_refused(world, spoil):
    issued = token_issue(actor=world.archivist_a, user=world.archivist_a, name="Connector")
    key = issued.key
    if spoil == "expired":
        ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif spoil == "revoked":
        token_revoke(actor=world.archivist_a, token=issued.token)
    elif spoil == "inactive":
        type(world.archivist_a).objects.filter(pk=world.archivist_a.pk).update(is_active=False)
    elif spoil == "unknown":
        key = key[:-4] + "AAAA"
    elif spoil == "malformed":
        key = f"{key} extra"
    response = bearer(key).get(ORGANISATIONS)
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Bearer")
    message = in_french("Malformed Authorization header: one key is expected." if spoil == "malformed"
                        else "Invalid, expired or revoked token.")
    assert response.json() == {"detail": message}


def test_validity_is_bounded_and_a_name_is_required(world, settings):
    settings.API_TOKEN_MAX_DAYS = 30
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as too_long:
        token_issue(actor=world.admin, user=world.archivist_a, name="X", days=31)
    assert too_long.value.message_dict["days"] == [in_french("A token is valid for 1 to %(max)s days.", max=30)]
    with pytest.raises(ValidationError) as unnamed:
        token_issue(actor=world.admin, user=world.archivist_a, name="  ")
    assert "name" in unnamed.value.message_dict
    assert not ApiToken.objects.exists()


def test_use_is_audited_once_per_period(world, settings):
    settings.API_TOKEN_USE_AUDIT_MINUTES = 60
    issued = token_issue(actor=world.archivist_a, user=world.archivist_a, name="Connector")
    start = AuditEntry.objects.latest("pk").pk
    client = bearer(issued.key)
    for _ in range(3):
        assert client.get(ORGANISATIONS).status_code == 200
    assert actions(since=start) == ["token.use"]
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert token.last_used_at is not None
    entry = AuditEntry.objects.get(pk__gt=start)
    assert entry.actor == world.archivist_a and entry.target_id == str(token.pk) and entry.after == {
        "path": ORGANISATIONS}
    # An hour later, the next call is recorded again.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=61))
    assert client.get(ORGANISATIONS).status_code == 200
    assert actions(since=start) == ["token.use", "token.use"]


def test_password_change_revokes_every_token(world, client):
    first = token_issue(actor=world.archivist_a, user=world.archivist_a, name="One")
    second = token_issue(actor=world.archivist_a, user=world.archivist_a, name="Two")
    other = token_issue(actor=world.referent_a, user=world.referent_a, name="Someone else's")
    start = AuditEntry.objects.latest("pk").pk
    client.force_login(world.archivist_a)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "another-long-passphrase-42", "new_password2": "another-long-passphrase-42"})
    assert response.status_code == 302, page_text(response)
    for issued in (first, second):
        assert bearer(issued.key).get(ORGANISATIONS).status_code == 401
    assert bearer(other.key).get(ORGANISATIONS).status_code == 200
    entry = AuditEntry.objects.get(pk__gt=start, action="token.revoke_all")
    assert entry.after == {"reason": "password_change", "tokens": ["Two", "One"]}


def test_password_set_by_code_revokes_too(world):
    issued = token_issue(actor=world.archivist_a, user=world.archivist_a, name="One")
    world.archivist_a.set_password("yet-another-long-passphrase")
    world.archivist_a.save()
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None


def test_deactivation_revokes_every_token(world):
    issued = token_issue(actor=world.archivist_a, user=world.archivist_a, name="One")
    services.user_deactivate(actor=world.referent_a, organisation=world.org_a, user=world.archivist_a)
    assert bearer(issued.key).get(ORGANISATIONS).status_code == 401
    entry = AuditEntry.objects.get(action="token.revoke_all")
    assert entry.actor == world.referent_a and entry.after == {"reason": "deactivation", "tokens": ["One"]}


def test_the_token_exchange_issues_a_named_token(world):
    response = APIClient().post(reverse("api-token"), {"username": "archivist.a", "password": PASSWORD,
                                                        "name": "Script d'export"}, format="json")
    assert response.status_code == 200, response.content
    token = ApiToken.objects.get(key_hash=hash_key(response.json()["token"]))
    assert token.name == "Script d'export" and token.user == world.archivist_a
    assert response.json()["name"] == "Script d'export"


# --- throttling -------------------------------------------------------------------------------------------


def _api_views():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/"):
                yield route, getattr(pattern.callback, "cls", None)
    return list(walk(get_resolver().url_patterns))


def test_every_api_view_is_throttled():
    views = [(route, cls) for route, cls in _api_views() if cls is not None]
    assert len(views) >= 10
    for route, cls in views:
        throttles = set(cls.throttle_classes)
        if cls.authentication_classes:
            assert UserThrottle in throttles, route
        else:  # the token exchange: no caller to count but the address
            assert AnonymousThrottle in throttles, route


def test_user_rate_is_enforced(world, settings):
    settings.API_THROTTLE_USER = "3/min"
    cache.clear()
    client = bearer(token_issue(actor=world.archivist_a, user=world.archivist_a, name="Busy").key)
    assert [client.get(ORGANISATIONS).status_code for _ in range(4)] == [200, 200, 200, 429]
    other = bearer(token_issue(actor=world.referent_a, user=world.referent_a, name="Calm").key)
    assert other.get(ORGANISATIONS).status_code == 200  # counted per user
    cache.clear()


def test_anonymous_rate_is_enforced(world, settings):
    settings.API_THROTTLE_ANON = "2/min"
    cache.clear()
    client = APIClient()
    body = {"username": "archivist.a", "password": "wrong"}
    codes = [client.post(reverse("api-token"), body, format="json").status_code for _ in range(3)]
    assert codes == [400, 400, 429]
    cache.clear()


# --- the pages --------------------------------------------------------------------------------------------


def test_profile_page_creates_shows_once_and_revokes(world, client):
    client.force_login(world.archivist_a)
    url = reverse("api_tokens")
    created = client.post(url, {"action": "create", "name": "Pastell — versements", "days": 30})
    assert created.status_code == 200 and created["Cache-Control"] == "private, no-store"
    token = ApiToken.objects.get(user=world.archivist_a)
    text = page_text(created)
    key = text.split('id="new-token-key" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert hash_key(key) == token.key_hash
    again = page_text(client.get(url))
    assert key not in again and token.prefix in again and "Pastell — versements" in again
    assert (token.expires_at - timezone.now()).days in (29, 30)
    revoked = client.post(url, {"action": "revoke", "token": token.pk}, follow=True)
    assert in_french("Token “%(name)s” revoked: it no longer opens the API.", name=token.name) in page_text(revoked)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert actions(world.archivist_a)[-2:] == ["token.issue", "token.revoke"]


def test_profile_page_refuses_a_too_long_validity_in_french(world, client, settings):
    settings.API_TOKEN_MAX_DAYS = 90
    client.force_login(world.archivist_a)
    response = client.post(reverse("api_tokens"), {"action": "create", "name": "X", "days": 400})
    assert response.status_code == 200 and not ApiToken.objects.exists()
    assert "90" in page_text(response) and 'aria-invalid="true"' in page_text(response)


def test_platform_admin_manages_a_service_accounts_tokens(world, client):
    client.force_login(world.admin)
    url = reverse("tenants:service_account_tokens", args=[world.archivist_b.pk])
    response = client.post(url, {"action": "create", "name": "Connecteur Pastell", "days": 365})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=world.archivist_b)
    assert token.created_by == world.admin
    entry = AuditEntry.objects.filter(action="token.issue").latest("pk")
    assert entry.actor == world.admin and entry.after["user"] == world.archivist_b.username
    client.post(url, {"action": "revoke", "token": token.pk})
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    # A referent reaches the same account's page only as 404.
    client.force_login(world.referent_b)
    assert client.get(url).status_code == 404
