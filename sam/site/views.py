"""Site-wide screens: home page, accounts (login, password, invitation landing), profile, error pages."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET, require_http_methods

from sam.site import selectors
from sam.site.forms import LoginForm, ProfileForm, SsoAwarePasswordResetForm
from sam.site.health import health_report
from sam.lib.request_id import current_request_id
from tenants.audit import audit_record
from tenants.context import current_organisation
from tenants.permissions import checker_for, is_platform_admin, organisations_for
from tenants.sso import sso_enabled
from tenants.views import api_tokens_page

logger = logging.getLogger(__name__)

# How long the 503 page asks clients to wait before retrying (seconds).
VITAM_RETRY_AFTER = 60


@require_GET
@never_cache
def healthz(request):
    """Monitoring probe, no login: 200 when database, task queue, Vitam and disk are fine, else 503."""
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


@login_required
def home(request):
    """One page, several sections: each shown only to the roles it concerns."""
    organisation = current_organisation(request)
    checker = checker_for(request)
    context = {"organisation": organisation}
    if is_platform_admin(request.user):
        context["platform"] = selectors.platform_summary()
    # A platform administrator's powers are technical: the work lists belong to the commune's own people.
    works_here = organisation is not None and not is_platform_admin(request.user)
    if organisation is not None and checker.has_perm("manage_users", organisation):
        context["users_summary"] = selectors.organisation_users_summary(organisation=organisation)
    if works_here and checker.has_perm("manage_users", organisation):
        context["referent_work"] = selectors.referent_work(organisation=organisation)
    if works_here and (checker.has_perm("deposit", organisation) or checker.has_perm("eliminate", organisation)):
        context["archivist_work"] = selectors.archivist_work(organisation=organisation)
    if organisation is not None and checker.has_perm("view_audit", organisation):
        context["recent_audit"] = selectors.recent_audit_entries(user=request.user, organisation=organisation)
    elif is_platform_admin(request.user):
        context["recent_audit"] = selectors.recent_audit_entries(user=request.user)
    else:
        # Controllers give visas on the communes their departmental archives control.
        context["controlled"] = list(organisations_for(request.user, "give_visa").order_by("name"))
        if context["controlled"]:
            context["pending_visas"] = selectors.pending_visas(user=request.user)
    return render(request, "home/home.html", context)


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            before = {name: form.initial.get(name, "") for name in form.changed_data}
            user = form.save()
            if form.changed_data:
                audit_record(
                    actor=user, action="user.profile_update", target=user, before=before,
                    after={name: form.cleaned_data[name] for name in form.changed_data}, request=request,
                )
        if user.language:
            translation.activate(user.language)
        messages.success(request, _("Your profile has been saved."))
        return _remember_language(redirect("profile"), user)
    return render(request, "registration/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_tokens(request):
    """The profile's API tokens page."""
    return api_tokens_page(request, owner=request.user)


def _remember_language(response, user):
    """The preferred language of the profile becomes the language cookie LocaleMiddleware reads."""
    if user.language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, user.language, max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH, secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_label"] = settings.OIDC_LOGIN_LABEL if sso_enabled() else ""
        return context

    def form_valid(self, form):
        return _remember_language(super().form_valid(form), form.get_user())


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    form_class = SsoAwarePasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Password reset, and the landing page of invitation links (the invited person chooses a password)."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # An invited person has no password yet: the page welcomes them instead of "resetting".
        context["is_invitation"] = self.user is not None and not self.user.has_usable_password()
        return context


def vitam_unavailable_response(request, error=None, *, status=503):
    """The page shown when Vitam fails: what happened, the request id, what to do next.

    ``error`` is a ``sam.vitam.errors.VitamError`` (its user_message() and request id are shown) or None.
    ``status`` 503 (default) means Vitam could not be reached; 502 that it refused unexpectedly.
    """
    request_id = getattr(error, "request_id", "") or getattr(request, "request_id", "") or current_request_id()
    logger.warning("Vitam failure (HTTP %s to the user, request %s): %s", status, request_id, error)
    detail = error.user_message() if hasattr(error, "user_message") else ""
    context = {"request_id": request_id, "detail": detail, "unreachable": status == 503}
    response = render(request, "errors/vitam_unavailable.html", context, status=status)
    if status == 503:
        response["Retry-After"] = str(VITAM_RETRY_AFTER)
    return response


def page_not_found(request, exception):
    return render(request, "404.html", {"request_id": getattr(request, "request_id", "")}, status=404)


@requires_csrf_token
def server_error(request):
    """Rendered without context processors: the database may be what failed."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"request_id": current_request_id(), "request": request}))
