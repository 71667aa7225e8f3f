"""Enforces the second factor: a session that must be verified reaches only the sign-in pages until it is."""

import time
from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from tenants.second_factor.policy import confirmed_totp, verification_needed

# Pages an unverified session may still open: signing in and out, the second factor's own pages, language.
OPEN_URL_NAMES = {
    "login", "logout", "set_language", "oidc_authentication_init", "oidc_authentication_callback", "sso_refused",
    "second_factor:enrol", "second_factor:verify",
}
OPEN_PATH_PREFIXES = ("/static/", "/healthz")
# Whether the session must be verified costs queries (devices, roles): it is decided once per session and
# decided again every few minutes, so a new role or device counts within that delay without a query per page.
NEEDED_SESSION_KEY = "sam_second_factor_needed"
RECHECK_SECONDS = 300


def decide_at_sign_in(sender, request, user, **kwargs):
    """user_logged_in receiver: the decision is taken when the session opens, not on its first page."""
    if request is not None and hasattr(request, "session"):
        request.session[NEEDED_SESSION_KEY] = (verification_needed(user), time.time())


def session_verification_needed(request) -> bool:
    cached = request.session.get(NEEDED_SESSION_KEY)
    now = time.time()
    if cached and now - cached[1] < RECHECK_SECONDS:
        return cached[0]
    needed = verification_needed(request.user)
    request.session[NEEDED_SESSION_KEY] = (needed, now)
    return needed


class SecondFactorMiddleware:
    """After django_otp's OTPMiddleware (``request.user.is_verified``); API calls by session answer 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.view_name in OPEN_URL_NAMES or request.path.startswith(OPEN_PATH_PREFIXES):
            return None
        if not session_verification_needed(request):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _(
                "Second factor required: verify your sign-in in the portal, then call the API again."
            )}, status=403)
        target = "second_factor:verify" if confirmed_totp(user) else "second_factor:enrol"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
