"""Screens of platform administration, of referents (users of their organisation) and of the audit trail.

Each view: load through tenants.permissions (uniform 404), call one service, render or redirect.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sam.lib import refusals
from sam.lib.csv_export import csv_lines
from tenants import permissions, selectors, services, tokens
from tenants.audit import audit_record
from tenants.context import context_switch, current_organisation
from tenants.filters import AuditEntryFilter
from tenants.forms import (
    ApiTokenForm,
    ControlledOrganisationsForm,
    OrganisationForm,
    OrganisationSearchForm,
    ReferentAppointForm,
    RoleForm,
    TenantForm,
    TenantUpdateForm,
    UserInviteForm,
    UserSearchForm,
    UserUpdateForm,
)
from tenants.models import Organisation, Role

PAGE_SIZE = 25
GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def _paginate(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _platform_admin(request):
    permissions.require_platform_admin(request.user)


# --- platform administration -----------------------------------------------------------------------


@login_required
def organisation_list(request):
    _platform_admin(request)
    search = OrganisationSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    page = _paginate(request, selectors.organisation_list(search=query))
    return render(request, "tenants/organisation_list.html", {"search_form": search, "page_obj": page})


@login_required
@GET_POST
def organisation_create(request):
    _platform_admin(request)
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("The organisation %(name)s has been created.") % {"name": organisation.name})
            return redirect("tenants:organisation_detail", pk=organisation.pk)
    return render(request, "tenants/organisation_form.html", {"form": form, "organisation": None})


def _organisation_for_admin(request, pk) -> Organisation:
    _platform_admin(request)
    return permissions.organisation_get_for_user(request.user, pk, "change_organisation")


@login_required
def organisation_detail(request, pk):
    organisation = _organisation_for_admin(request, pk)
    return render(request, "tenants/organisation_detail.html", {
        "organisation": organisation,
        "tenants": organisation.tenants.all(),
        "referents": selectors.organisation_referents(organisation=organisation),
        "controlled": organisation.controlled_organisations.all(),
        "controllers_of": organisation.controllers.all(),
        "is_departmental_archives": organisation.kind == Organisation.Kind.DEPARTMENTAL_ARCHIVES,
    })


@login_required
@GET_POST
def organisation_update(request, pk):
    organisation = _organisation_for_admin(request, pk)
    form = OrganisationForm(request.POST or None, instance=Organisation.objects.get(pk=organisation.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(actor=request.user, organisation=organisation, request=request,
                                         **{f: form.cleaned_data[f] for f in form.Meta.fields})
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("The organisation has been updated."))
            return redirect("tenants:organisation_detail", pk=organisation.pk)
    return render(request, "tenants/organisation_form.html", {"form": form, "organisation": organisation})


@login_required
@GET_POST
def organisation_deactivate(request, pk):
    organisation = _organisation_for_admin(request, pk)
    if request.method == "POST":
        refusals.run_and_report(
            request,
            lambda: services.organisation_deactivate(actor=request.user, organisation=organisation, request=request),
            lambda: _("The organisation %(name)s has been deactivated.") % {"name": organisation.name},
        )
        return redirect("tenants:organisation_detail", pk=organisation.pk)
    return render(request, "tenants/confirm.html", {
        "title": _("Deactivate %(name)s") % {"name": organisation.name},
        "question": _("Its users will no longer see it. You can reactivate it later."),
        "confirm_label": _("Deactivate"),
        "cancel_url": reverse("tenants:organisation_detail", args=[organisation.pk]),
    })


@login_required
@require_POST
def organisation_reactivate(request, pk):
    organisation = _organisation_for_admin(request, pk)
    refusals.run_and_report(
        request,
        lambda: services.organisation_reactivate(actor=request.user, organisation=organisation, request=request),
        lambda: _("The organisation %(name)s has been reactivated.") % {"name": organisation.name},
    )
    return redirect("tenants:organisation_detail", pk=organisation.pk)


@login_required
@GET_POST
def tenant_create(request, pk):
    organisation = _organisation_for_admin(request, pk)
    form = TenantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tenant_create(actor=request.user, organisation=organisation, request=request, **form.cleaned_data)
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("The tenant has been created."))
            return redirect("tenants:organisation_detail", pk=organisation.pk)
    return render(request, "tenants/tenant_form.html", {"form": form, "organisation": organisation, "tenant": None})


@login_required
@GET_POST
def tenant_update(request, pk):
    _platform_admin(request)
    tenant = permissions.tenant_get_for_user(request.user, pk, "change_organisation")
    form = TenantUpdateForm(request.POST or None, instance=type(tenant).objects.get(pk=tenant.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.tenant_update(actor=request.user, tenant=tenant, request=request,
                                   **{f: form.cleaned_data[f] for f in form.Meta.fields})
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("The tenant has been updated."))
            return redirect("tenants:organisation_detail", pk=tenant.organisation_id)
    return render(request, "tenants/tenant_form.html", {
        "form": form, "organisation": tenant.organisation, "tenant": tenant,
    })


@login_required
@GET_POST
def tenant_deactivate(request, pk):
    _platform_admin(request)
    tenant = permissions.tenant_get_for_user(request.user, pk, "change_organisation")
    if request.method == "POST":
        refusals.run_and_report(
            request,
            lambda: services.tenant_deactivate(actor=request.user, tenant=tenant, request=request),
            lambda: _("The tenant %(tenant)s has been deactivated.") % {"tenant": tenant},
        )
        return redirect("tenants:organisation_detail", pk=tenant.organisation_id)
    return render(request, "tenants/confirm.html", {
        "title": _("Deactivate the tenant %(tenant)s") % {"tenant": tenant},
        "question": _("Nobody will work in this tenant any more until it is reactivated."),
        "confirm_label": _("Deactivate"),
        "cancel_url": reverse("tenants:organisation_detail", args=[tenant.organisation_id]),
    })


@login_required
@GET_POST
def referent_appoint(request, pk):
    organisation = _organisation_for_admin(request, pk)
    form = ReferentAppointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referent_appoint(actor=request.user, organisation=organisation, user=form.cleaned_data["user"],
                                      request=request)
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("%(user)s is now a referent of %(organisation)s.") % {
                "user": form.cleaned_data["user"].username, "organisation": organisation.name})
            return redirect("tenants:organisation_detail", pk=organisation.pk)
    return render(request, "tenants/referent_form.html", {"form": form, "organisation": organisation})


@login_required
@require_POST
def referent_revoke(request, pk, user_pk):
    organisation = _organisation_for_admin(request, pk)
    user = selectors.user_get_for_organisation(actor=request.user, organisation=organisation, pk=user_pk)
    refusals.run_and_report(
        request,
        lambda: services.referent_revoke(actor=request.user, organisation=organisation, user=user, request=request),
        lambda: _("%(user)s is no longer a referent of %(organisation)s.") % {
            "user": user.username, "organisation": organisation.name},
    )
    return redirect("tenants:organisation_detail", pk=organisation.pk)


@login_required
@GET_POST
def controlled_organisations_update(request, pk):
    organisation = _organisation_for_admin(request, pk)
    form = ControlledOrganisationsForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.controlled_organisations_set(actor=request.user, organisation=organisation, request=request,
                                                  controlled=form.cleaned_data["controlled_organisations"])
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("The controlled organisations have been updated."))
            return redirect("tenants:organisation_detail", pk=organisation.pk)
    return render(request, "tenants/controlled_form.html", {"form": form, "organisation": organisation})


# --- referents: users of an organisation ----------------------------------------------------------


def _managed_organisation(request, org_pk) -> Organisation:
    return permissions.organisation_get_for_user(request.user, org_pk, "manage_users")


def _managed_user(request, org_pk, pk):
    organisation = _managed_organisation(request, org_pk)
    user = selectors.user_get_for_organisation(actor=request.user, organisation=organisation, pk=pk)
    return organisation, user


def _user_detail_url(organisation, user):
    return reverse("tenants:user_detail", args=[organisation.pk, user.pk])


@login_required
def user_list(request, org_pk):
    organisation = _managed_organisation(request, org_pk)
    search = UserSearchForm(request.GET or None)
    filters = search.cleaned_data if search.is_valid() else {}
    users = selectors.organisation_users(
        organisation=organisation, search=filters.get("q", ""), role=filters.get("role", "")
    )
    page = _paginate(request, users)
    roles = selectors.user_roles_map(page.object_list, organisation)
    labels = dict(Role.choices)
    rows = [(user, [labels[r] for r in roles.get(user.pk, [])]) for user in page.object_list]
    return render(request, "tenants/user_list.html", {
        "organisation": organisation, "search_form": search, "page_obj": page, "rows": rows,
    })


@login_required
@GET_POST
def user_create(request, org_pk):
    organisation = _managed_organisation(request, org_pk)
    form = UserInviteForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_invite(actor=request.user, organisation=organisation, request=request,
                                        **form.cleaned_data)
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("%(user)s has been invited: an e-mail has been sent to %(email)s.") % {
                "user": user.username, "email": user.email})
            return redirect(_user_detail_url(organisation, user))
    return render(request, "tenants/user_form.html", {"form": form, "organisation": organisation, "member": None})


@login_required
def user_detail(request, org_pk, pk):
    organisation, user = _managed_user(request, org_pk, pk)
    roles = services.user_roles(user=user, organisation=organisation)
    labels = dict(Role.choices)
    return render(request, "tenants/user_detail.html", {
        "organisation": organisation,
        "member": user,
        "roles": [(role, labels[role]) for role in roles],
        "grant_form": RoleForm(organisation=organisation),
        "identity_editable": services.user_identity_editable_by(actor=request.user, user=user),
        "invitation_pending": not user.has_usable_password() and user.last_login is None and not user.is_anonymised,
    })


@login_required
@GET_POST
def user_update(request, org_pk, pk):
    organisation, user = _managed_user(request, org_pk, pk)
    form = UserUpdateForm(request.POST or None, initial={
        "first_name": user.first_name, "last_name": user.last_name, "email": user.email})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, organisation=organisation, user=user, request=request,
                                 **form.cleaned_data)
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("The user has been updated."))
            return redirect(_user_detail_url(organisation, user))
    return render(request, "tenants/user_form.html", {"form": form, "organisation": organisation, "member": user})


@login_required
@require_POST
def role_grant(request, org_pk, pk):
    organisation, user = _managed_user(request, org_pk, pk)
    form = RoleForm(request.POST, organisation=organisation)
    if not form.is_valid():
        messages.error(request, _("Choose a role from the list."))
    else:
        refusals.run_and_report(
            request,
            lambda: services.role_grant(actor=request.user, organisation=organisation, user=user,
                                        role=form.cleaned_data["role"], request=request),
            lambda: _("The role has been granted."),
        )
    return redirect(_user_detail_url(organisation, user))


@login_required
@require_POST
def role_revoke(request, org_pk, pk):
    organisation, user = _managed_user(request, org_pk, pk)
    refusals.run_and_report(
        request,
        lambda: services.role_revoke(actor=request.user, organisation=organisation, user=user,
                                     role=request.POST.get("role", ""), request=request),
        lambda: _("The role has been removed."),
    )
    return redirect(_user_detail_url(organisation, user))


def _confirmed_user_action(request, org_pk, pk, *, service, done, title, question, confirm_label,
                           then_user_list=False):
    """``then_user_list``: after an action that erases the person (anonymisation), their page has nothing
    left to show: the referent lands on the user list."""
    organisation, user = _managed_user(request, org_pk, pk)
    if request.method == "POST":
        name = user.username  # read before the service, which may erase it
        result = refusals.run_and_report(
            request,
            lambda: service(actor=request.user, organisation=organisation, user=user, request=request),
            lambda: done % {"user": name},
        )
        if then_user_list and result is not None:
            return redirect("tenants:user_list", org_pk=organisation.pk)
        return redirect(_user_detail_url(organisation, user))
    return render(request, "tenants/confirm.html", {
        "organisation": organisation, "member": user,
        "title": title % {"user": user.username}, "question": question, "confirm_label": confirm_label,
        "cancel_url": _user_detail_url(organisation, user),
    })


@login_required
@GET_POST
def user_deactivate(request, org_pk, pk):
    return _confirmed_user_action(
        request, org_pk, pk, service=services.user_deactivate,
        done=_("%(user)s has been deactivated."), title=_("Deactivate %(user)s"),
        question=_("This person will no longer be able to sign in. You can reactivate the account later."),
        confirm_label=_("Deactivate"),
    )


@login_required
@require_POST
def user_reactivate(request, org_pk, pk):
    organisation, user = _managed_user(request, org_pk, pk)
    refusals.run_and_report(
        request,
        lambda: services.user_reactivate(actor=request.user, organisation=organisation, user=user, request=request),
        lambda: _("%(user)s has been reactivated.") % {"user": user.username},
    )
    return redirect(_user_detail_url(organisation, user))


@login_required
@GET_POST
def user_anonymise(request, org_pk, pk):
    return _confirmed_user_action(
        request, org_pk, pk, service=services.user_anonymise,
        done=_("%(user)s has been anonymised."), title=_("Anonymise %(user)s"),
        question=_("Login, names and e-mail address will be erased for good and every role removed. "
                   "This cannot be undone."),
        confirm_label=_("Anonymise for good"), then_user_list=True,
    )


@login_required
@require_POST
def user_invitation_resend(request, org_pk, pk):
    organisation, user = _managed_user(request, org_pk, pk)
    refusals.run_and_report(
        request,
        lambda: services.user_invitation_resend(actor=request.user, organisation=organisation, user=user,
                                                request=request),
        lambda: _("The invitation has been sent again to %(email)s.") % {"email": user.email},
    )
    return redirect(_user_detail_url(organisation, user))


# --- API tokens ------------------------------------------------------------------------------------------


def api_tokens_page(request, *, owner):
    """Create, list and revoke ``owner``'s API tokens: the user's own (profile) or, for a platform
    administrator, a connector's service account. One URL: POST action = create or revoke.

    A new key is shown in the answer to the POST that created it, once, and never again.
    """
    form, new_key = ApiTokenForm(), ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            token = selectors.api_token_of(user=owner, pk=request.POST.get("token"))
            if token is None:
                messages.error(request, _("This token does not exist (any more)."))
            else:
                refusals.run_and_report(
                    request, lambda: tokens.token_revoke(actor=request.user, token=token, request=request),
                    lambda: _("Token “%(name)s” revoked: it no longer opens the API.") % {"name": token.name})
            return redirect(request.path)
        if action != "create":
            messages.error(request, _("Unknown action."))
            return redirect(request.path)
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                issued = tokens.token_issue(actor=request.user, user=owner, name=form.cleaned_data["name"],
                                            days=form.cleaned_data["days"], request=request)
            except ValidationError as error:
                refusals.on_form(form, error)
            else:
                form, new_key = ApiTokenForm(), issued.key
    response = render(request, "tenants/api_tokens.html", {
        "owner": owner, "own": owner.pk == request.user.pk, "form": form, "new_key": new_key,
        "tokens": selectors.api_tokens_of(user=owner), "now": timezone.now(),
    })
    response["Cache-Control"] = "private, no-store"  # the page may hold a new key
    return response


@login_required
@GET_POST
def service_account_tokens(request, pk):
    _platform_admin(request)
    return api_tokens_page(request, owner=selectors.service_account_get(pk=pk))


# --- audit trail ---------------------------------------------------------------------------------------


def _audit_filter(request):
    entries = selectors.audit_entries_for(request.user)
    data = request.GET or _audit_defaults(request)
    return AuditEntryFilter(data, queryset=entries, request=request)


def _audit_defaults(request) -> dict | None:
    """Without filters the page opens on the organisation the user is working for (when they may read it)."""
    organisation = current_organisation(request)
    if organisation is not None and permissions.organisations_for(request.user, "view_audit").filter(
            pk=organisation.pk).exists():
        return {"organisation": str(organisation.pk)}
    return None


def _may_read_audit(user) -> bool:
    return permissions.is_platform_admin(user) or permissions.organisations_for(user, "view_audit").exists()


@login_required
def audit_list(request):
    if not _may_read_audit(request.user):
        raise Http404
    audit_filter = _audit_filter(request)
    entries = audit_filter.qs if audit_filter.is_valid() else audit_filter.queryset.none()
    page_obj = _paginate(request, entries, 50)
    return render(request, "tenants/audit_list.html", {"filter": audit_filter, "page_obj": page_obj})


CSV_HEADER = ("date", "actor", "organisation", "tenant", "action", "target_type", "target_id", "target",
              "before", "after", "ip_address", "request_id")


def _audit_rows(entries):
    """The values of each audit entry, in the order of CSV_HEADER."""
    for entry in entries.iterator(chunk_size=500):
        yield (
            timezone.localtime(entry.created_at).isoformat(),
            entry.actor.username if entry.actor else "",
            entry.organisation.name if entry.organisation else "",
            entry.tenant.vitam_id if entry.tenant else "",
            entry.action, entry.target_type, entry.target_id, entry.target_repr,
            "" if entry.before is None else json.dumps(entry.before, ensure_ascii=False, sort_keys=True),
            "" if entry.after is None else json.dumps(entry.after, ensure_ascii=False, sort_keys=True),
            entry.ip_address or "", entry.request_id,
        )


@login_required
def audit_export(request):
    if not _may_read_audit(request.user):
        raise Http404
    audit_filter = _audit_filter(request)
    entries = audit_filter.qs if audit_filter.is_valid() else audit_filter.queryset.none()
    audit_record(actor=request.user, action="audit.export", request=request,
                 after={"filters": {key: value for key, value in request.GET.items() if value}})
    response = StreamingHttpResponse(csv_lines(CSV_HEADER, _audit_rows(entries)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sam-audit-{timezone.localdate():%Y%m%d}.csv"'
    return response


# --- working context ---------------------------------------------------------------------------------


@login_required
@require_POST
def switch(request):
    if context_switch(request, organisation_id=request.POST.get("organisation"),
                      tenant_id=request.POST.get("tenant")):
        messages.success(request, _("Working context changed."))
    else:
        messages.error(request, _("You cannot work in this organisation or tenant."))
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    return redirect(target)
