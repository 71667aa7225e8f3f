"""Single sign-on with OpenID Connect (ProConnect or a commune's own provider), on mozilla-django-oidc.

SSO is off until SAM_OIDC_CLIENT_ID and an issuer (or explicit endpoints) are set. Signing in never
creates an account: the provider's e-mail must match one active user a referent invited. Endpoints left
unset are read from the issuer's discovery document (fetched once per process, with a timeout).
"""

import json
import logging
import urllib.request
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404
from django.shortcuts import render, resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from tenants.models import Organisation

logger = logging.getLogger(__name__)

DISCOVERY_TIMEOUT = 10  # seconds for each blocking step of the discovery request
# mozilla-django-oidc setting -> key of the provider's discovery document (OpenID Connect Discovery 1.0).
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}
REFUSED_EMAIL_SESSION_KEY = "sso_refused_email"


def sso_enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID and (settings.OIDC_ISSUER or settings.OIDC_OP_AUTHORIZATION_ENDPOINT))


@lru_cache(maxsize=4)
def _discovery(issuer: str) -> dict:
    """The provider's discovery document. The standard library reads it: requests is the Vitam client's alone
    (mozilla-django-oidc keeps its own use of it for the code flow)."""
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    with urllib.request.urlopen(url, timeout=DISCOVERY_TIMEOUT) as response:  # noqa: S310 — an https URL from settings
        return json.loads(response.read(1024 * 1024))


def sso_setting(attr, *default):
    """A mozilla-django-oidc setting; an endpoint left empty comes from the issuer's discovery document."""
    value = getattr(settings, attr, None)
    if not value and attr in DISCOVERED and settings.OIDC_ISSUER:
        value = _discovery(settings.OIDC_ISSUER).get(DISCOVERED[attr])
    if value is None or value == "":
        if default:
            return default[0]
        raise ImproperlyConfigured(f"{attr} is not set (SAM_OIDC_* settings, docs/configuration.md)")
    return value


def local_password_allowed(user) -> bool:
    """False for a user all of whose organisations sign in with SSO only; platform admins always keep it.

    Platform administrators keep their local password on purpose: the break-glass way in when the
    identity provider is down.
    """
    if user.is_platform_admin:
        return True
    organisations = Organisation.objects.filter(role_groups__group__user=user).distinct()
    return not organisations.exists() or organisations.filter(local_passwords_enabled=True).exists()


def provider_logout_url(request) -> str:
    """OIDC_OP_LOGOUT_URL_METHOD: RP-initiated logout at the provider for a session opened by SSO."""
    after_logout = resolve_url(settings.LOGOUT_REDIRECT_URL)
    id_token = request.session.get("oidc_id_token")
    endpoint = sso_setting("OIDC_OP_LOGOUT_ENDPOINT", "") if id_token and sso_enabled() else ""
    if not endpoint:
        return after_logout
    query = urlencode({
        "id_token_hint": id_token,
        "post_logout_redirect_uri": request.build_absolute_uri(after_logout),
        "client_id": settings.OIDC_RP_CLIENT_ID,
    })
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


class InvitedUsersOIDCBackend(OIDCAuthenticationBackend):
    """Matches the provider's e-mail to one active SAM user, case-insensitively; never creates a user."""

    get_settings = staticmethod(sso_setting)

    def __init__(self, *args, **kwargs):
        # Django builds every backend for every password login too: endpoints are read only for a callback.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if request is None or not sso_enabled() or not request.GET.get("code"):
            return None
        super().__init__()
        return super().authenticate(request, **kwargs)

    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        users = self.UserModel.objects.filter(email__iexact=email, is_active=True) if email else None
        if users is None or users.count() != 1:
            # Unknown, deactivated, or an address two accounts share: nobody is signed in.
            self.request.session[REFUSED_EMAIL_SESSION_KEY] = email
            return self.UserModel.objects.none()
        return users

    def update_user(self, user, claims):
        # SAM's copy of the names is the referent's: the provider only proves who signs in.
        return user

    def create_user(self, claims):
        raise PermissionDenied("SAM never creates an account at sign-in: a referent invites each person.")


def _sso_or_404():
    if not sso_enabled():
        raise Http404


class SsoLoginView(OIDCAuthenticationRequestView):
    """Redirects to the provider's login (state, nonce, PKCE S256 challenge)."""

    get_settings = staticmethod(sso_setting)

    def __init__(self, *args, **kwargs):
        # The parent reads the endpoint here, before get() can answer 404 (SSO off) or 503 (provider down).
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        _sso_or_404()
        try:
            self.OIDC_OP_AUTH_ENDPOINT = sso_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except (OSError, ValueError) as error:  # unreachable or refusing provider (URLError), or not JSON
            logger.warning("OIDC provider discovery failed: %s", error)
            return render(request, "sso/refused.html", {"unreachable": True}, status=503)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(sso_setting)

    def get(self, request):
        _sso_or_404()
        request.session.pop(REFUSED_EMAIL_SESSION_KEY, None)
        return super().get(request)

    # The sign-in is recorded by tenants.audit.record_login (user_logged_in), with its method.


class SsoLogoutView(OIDCLogoutView):
    """The site's logout: at the provider too when the session was opened by SSO."""

    get_settings = staticmethod(sso_setting)


def sso_refused(request):
    """Where a refused SSO sign-in lands: no SAM account for that address (or a deactivated one)."""
    _sso_or_404()
    email = request.session.get(REFUSED_EMAIL_SESSION_KEY, "")
    return render(request, "sso/refused.html", {"email": email}, status=403)
