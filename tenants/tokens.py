"""SAM's API tokens: named, expiring, kept as a SHA-256 hash; issued, revoked and used on the record.

A key is ``sam_`` followed by 32 random bytes: with that much entropy a plain SHA-256 is enough (there
is nothing to brute-force, so no salt and no slow hash), and a request finds its token by one indexed
lookup on the hash. The key itself is shown once, when the token is issued, and never stored.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling

from tenants.audit import audit_record
from tenants.models import ApiToken

KEY_PREFIX = "sam_"
# Shown in lists so that a user recognises a key without it being stored: "sam_" and 8 characters.
DISPLAYED_PREFIX_LENGTH = 12


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # the secret: give it to the caller once, then forget it


def token_issue(*, actor, user, name: str, days: int | None = None, request=None) -> IssuedToken:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name: the application or person that will use it.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name is too long (100 characters at most).")})
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError({"days": _("A token is valid for 1 to %(max)s days.") % {"max": settings.API_TOKEN_MAX_DAYS}})
    if not user.is_active:
        raise ValidationError(_("This account is deactivated: it cannot receive a token."))
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=key[:DISPLAYED_PREFIX_LENGTH], key_hash=hash_key(key),
            created_by=actor, expires_at=timezone.now() + timedelta(days=days),
        )
        audit_record(actor=actor, action="token.issue", target=token, request=request,
                     after={"user": user.username, "name": name, "expires_at": token.expires_at.isoformat()})
    return IssuedToken(token=token, key=key)


def token_revoke(*, actor, token: ApiToken, request=None) -> ApiToken:
    now = timezone.now()
    with transaction.atomic():
        if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
            raise ValidationError(_("This token is already revoked."))
        token.revoked_at = now
        audit_record(actor=actor, action="token.revoke", target=token, request=request,
                     after={"user": token.user.username, "name": token.name})
    return token


def tokens_revoke_all(*, user, reason: str, actor=None, request=None) -> int:
    """Every live token of ``user`` (password change, deactivation, anonymisation), in one audit entry."""
    with transaction.atomic():
        live = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
        names = list(live.values_list("name", flat=True))
        if names:
            live.update(revoked_at=timezone.now())
            audit_record(actor=actor or user, action="token.revoke_all", target=user, request=request,
                         after={"reason": reason, "tokens": names})
    return len(names)


class RevokeTokensOnPasswordChange:
    """Listed in AUTH_PASSWORD_VALIDATORS for its hook: Django calls password_changed() after every
    password change (profile, reset link, administrator), so no path can keep the old tokens alive."""

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is not None and user.pk:
            tokens_revoke_all(user=user, reason="password_change")

    def get_help_text(self):
        return _("Changing your password revokes your API tokens.")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>``; the word ``Token`` is accepted too (DRF's, used by older connectors)."""

    keywords = (b"bearer", b"token")

    def authenticate(self, request):
        words = authentication.get_authorization_header(request).split()
        if not words or words[0].lower() not in self.keywords:
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header: one key is expected."))
        try:
            key = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token.")) from None
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        now = timezone.now()
        if token is None or token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        _record_use(token, request, now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes ApiTokenAuthentication."""

    target_class = "tenants.tokens.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A SAM API token (profile > API tokens): Authorization: Bearer <key>."}


def _record_use(token: ApiToken, request, now) -> None:
    """At most one audit entry (and one UPDATE) per token and per API_TOKEN_USE_AUDIT_MINUTES.

    A connector polls the API many times a minute: one entry per call would bury the trail's other
    entries and cost two writes per request. The conditional UPDATE is race-free: when several
    workers serve the same token at once, only the one whose UPDATE changed the row writes the entry.
    """
    since = now - timedelta(minutes=settings.API_TOKEN_USE_AUDIT_MINUTES)
    if token.last_used_at is not None and token.last_used_at >= since:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=since)
    with transaction.atomic():
        if ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now):
            token.last_used_at = now
            audit_record(actor=token.user, action="token.use", target=token,
                         request=getattr(request, "_request", request), after={"path": request.path[:200]})


class AnonymousThrottle(throttling.AnonRateThrottle):
    """DRF's anonymous throttle, with its rate read from settings at each request (SAM_API_THROTTLE_ANON)."""

    def get_rate(self):
        return settings.API_THROTTLE_ANON


class UserThrottle(throttling.UserRateThrottle):
    """DRF's per-user throttle (per address when anonymous), rate from SAM_API_THROTTLE_USER."""

    def get_rate(self):
        return settings.API_THROTTLE_USER

