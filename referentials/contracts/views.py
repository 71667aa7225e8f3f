"""Screens of a tenant's ingest and access contracts and archival profiles (all read from Vitam).

Reading needs the `search` permission on the tenant's organisation, changing needs
`manage_referentials`; the tenant is loaded through tenants.permissions (404 alike for missing and
forbidden). Each view calls one selector or service.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from referentials.contracts import domain, selectors, services
from referentials.contracts.domain import INGEST, KINDS
from referentials.contracts.forms import (
    ConfirmStatusForm,
    ContractForm,
    ProfileForm,
    ProfileLinkForm,
    ProfileUploadForm,
    SearchForm,
)
from sam.lib import refusals
from sam.lib.pickers import pickers_bind
from sam.vitam import VitamError
from tenants.permissions import can, tenant_get_for_user

PAGE_SIZE = 25
READ = "search"
WRITE = "manage_referentials"
GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def _tenant(request, tenant_pk, perm=READ):
    return tenant_get_for_user(request.user, tenant_pk, perm)


def _base(request, tenant, **extra):
    return {"tenant": tenant, "can_change": can(request.user, WRITE, tenant.organisation), **extra}


def _detail_url(kind, tenant, identifier):
    return reverse(f"contracts:{kind.url_prefix}_detail", args=[tenant.pk, identifier])


# --- contracts -------------------------------------------------------------------------------

@login_required
def contract_list(request, tenant_pk, kind):
    kind = KINDS[kind]
    tenant = _tenant(request, tenant_pk)
    search = SearchForm(request.GET or None)
    filters = search.cleaned_data if search.is_valid() else {}
    documents = selectors.contract_list(tenant=tenant, kind=kind, search=filters.get("q", ""),
                                        status=filters.get("status", ""))
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    defaults = {getattr(tenant, attribute) for attribute, _consequence in kind.tenant_fields}
    return render(request, "contracts/contract_list.html", _base(
        request, tenant, kind=kind, search_form=search, page_obj=page, defaults=defaults, total=len(documents)))


def _form_choices(kind, tenant):
    units = selectors.tree_unit_choices(tenant=tenant)
    choices = {"units": units.choices}
    if kind is INGEST:
        choices["profiles"] = selectors.profile_choices(tenant=tenant)
    else:
        choices["agencies"] = selectors.agency_choices(tenant=tenant)
    return choices, units.available


@login_required
@GET_POST
def contract_create(request, tenant_pk, kind):
    kind = KINDS[kind]
    tenant = _tenant(request, tenant_pk, WRITE)
    choices, units_available = _form_choices(kind, tenant)
    form = ContractForm(request.POST or None, kind=kind, creating=True, **choices)
    if request.method == "POST" and form.is_valid():
        try:
            stored = services.contract_create(actor=request.user, tenant=tenant, kind=kind, values=form.values(),
                                              identifier=form.cleaned_data["identifier"], request=request)
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("Contract %(identifier)s created.") % {"identifier": stored["Identifier"]})
            return redirect(_detail_url(kind, tenant, stored["Identifier"]))
    pickers_bind(form, tenant)  # the formats picker asks this tenant's referential
    return render(request, "contracts/contract_form.html", _base(
        request, tenant, kind=kind, form=form, units_available=units_available))


@login_required
def contract_detail(request, tenant_pk, kind, identifier):
    kind = KINDS[kind]
    tenant = _tenant(request, tenant_pk)
    document = selectors.contract_get(tenant=tenant, kind=kind, identifier=identifier)
    rows = selectors.contract_rows(tenant=tenant, kind=kind, document=document)
    return render(request, "contracts/contract_detail.html", _base(
        request, tenant, kind=kind, contract=document, rows=rows,
        usage=selectors.contract_usage(tenant=tenant, kind=kind, identifier=identifier),
        snapshot=services.snapshot_sign(kind.fields, document)))


@login_required
@GET_POST
def contract_update(request, tenant_pk, kind, identifier):
    kind = KINDS[kind]
    tenant = _tenant(request, tenant_pk, WRITE)
    document = selectors.contract_get(tenant=tenant, kind=kind, identifier=identifier)
    choices, units_available = _form_choices(kind, tenant)
    changes = []
    if request.method == "POST":
        form = ContractForm(request.POST, kind=kind, creating=False, document=document, **choices)
        if form.is_valid():
            try:
                services.contract_update(actor=request.user, tenant=tenant, kind=kind, identifier=identifier,
                                         values=form.values(), snapshot=services.snapshot_load(
                                             form.cleaned_data["snapshot"]), request=request)
            except services.Conflict as conflict:
                changes = conflict.changes
                form.add_error(None, conflict.message)
                # The next save applies the user's version over the one they have now seen.
                form.data = form.data.copy()
                form.data["snapshot"] = services.snapshot_sign(kind.fields, conflict.current)
            except ValidationError as error:
                refusals.on_form(form, error)
            else:
                messages.success(request, _("Contract %(identifier)s saved.") % {"identifier": identifier})
                return redirect(_detail_url(kind, tenant, identifier))
    else:
        form = ContractForm(kind=kind, creating=False, document=document, **choices)
        form.initial["snapshot"] = services.snapshot_sign(kind.fields, document)
    pickers_bind(form, tenant)  # the formats picker asks this tenant's referential
    return render(request, "contracts/contract_form.html", _base(
        request, tenant, kind=kind, form=form, contract=document, changes=changes,
        units_available=units_available))


@login_required
@require_POST
def contract_activate(request, tenant_pk, kind, identifier):
    kind = KINDS[kind]
    tenant = _tenant(request, tenant_pk, WRITE)
    try:
        services.contract_set_status(actor=request.user, tenant=tenant, kind=kind, identifier=identifier, active=True,
                                     snapshot=services.snapshot_load(request.POST.get("snapshot", "")),
                                     request=request)
    except services.Conflict as conflict:
        messages.error(request, _conflict_message(conflict))
    except ValidationError as error:
        refusals.as_messages(request, error)
    else:
        messages.success(request, _("Contract %(identifier)s activated.") % {"identifier": identifier})
    return redirect(_detail_url(kind, tenant, identifier))


def _conflict_message(conflict) -> str:
    changes = "; ".join(f"{label}: {then} → {now}" for label, then, now in conflict.changes)
    return _("Someone else changed this contract meanwhile: %(changes)s. Check it and try again.") % {
        "changes": changes}


@login_required
@GET_POST
def contract_deactivate(request, tenant_pk, kind, identifier):
    """Asks for confirmation, saying what stops working when a SAM tenant uses the contract by default."""
    kind = KINDS[kind]
    tenant = _tenant(request, tenant_pk, WRITE)
    document = selectors.contract_get(tenant=tenant, kind=kind, identifier=identifier)
    usage = selectors.contract_usage(tenant=tenant, kind=kind, identifier=identifier)
    form = ConfirmStatusForm(request.POST or None) if usage else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            services.contract_set_status(actor=request.user, tenant=tenant, kind=kind, identifier=identifier,
                                         active=False, request=request,
                                         snapshot=services.snapshot_load(request.POST.get("snapshot", "")))
        except services.Conflict as conflict:
            messages.error(request, _conflict_message(conflict))
        except ValidationError as error:
            refusals.as_messages(request, error)
        else:
            messages.success(request, _("Contract %(identifier)s deactivated.") % {"identifier": identifier})
        return redirect(_detail_url(kind, tenant, identifier))
    return render(request, "contracts/contract_deactivate.html", _base(
        request, tenant, kind=kind, contract=document, usage=usage, form=form,
        consequences=[use.consequence for use in usage],
        snapshot=services.snapshot_sign(kind.fields, document)))


# --- archival profiles -----------------------------------------------------------------------

def _profile_url(tenant, identifier):
    return reverse("contracts:profile_detail", args=[tenant.pk, identifier])


@login_required
def profile_list(request, tenant_pk):
    tenant = _tenant(request, tenant_pk)
    search = SearchForm(request.GET or None)
    filters = search.cleaned_data if search.is_valid() else {}
    documents = selectors.profile_list(tenant=tenant, search=filters.get("q", ""), status=filters.get("status", ""))
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "contracts/profile_list.html", _base(
        request, tenant, search_form=search, page_obj=page, total=len(documents)))


@login_required
@GET_POST
def profile_create(request, tenant_pk):
    tenant = _tenant(request, tenant_pk, WRITE)
    form = ProfileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stored = services.profile_create(actor=request.user, tenant=tenant, request=request, data=services.ProfileInput(
                identifier=data["identifier"], name=data["Name"], description=data["Description"],
                status=data["Status"], format=data["Format"], content=data["file"]))
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("Archival profile %(identifier)s created.") % {
                "identifier": stored["Identifier"]})
            return redirect(_profile_url(tenant, stored["Identifier"]))
    return render(request, "contracts/profile_form.html", _base(request, tenant, form=form))


@login_required
def profile_detail(request, tenant_pk, identifier):
    tenant = _tenant(request, tenant_pk)
    profile = selectors.profile_get(tenant=tenant, identifier=identifier)
    contracts = selectors.contract_list(tenant=tenant, kind=INGEST)
    linked = [c for c in contracts if identifier in (c.get("ArchiveProfiles") or [])]
    link_form = ProfileLinkForm(contracts=[(c["Identifier"], f"{c['Identifier']} — {c.get('Name', '')}")
                                           for c in contracts if c not in linked])
    return render(request, "contracts/profile_detail.html", _base(
        request, tenant, profile=profile, linked=linked, link_form=link_form, upload_form=ProfileUploadForm()))


@login_required
@GET_POST
def profile_update(request, tenant_pk, identifier):
    tenant = _tenant(request, tenant_pk, WRITE)
    profile = selectors.profile_get(tenant=tenant, identifier=identifier)
    changes = []
    if request.method == "POST":
        form = ProfileForm(request.POST, creating=False, document=profile)
        if form.is_valid():
            try:
                services.profile_update(actor=request.user, tenant=tenant, identifier=identifier, request=request,
                                        values={name: form.cleaned_data[name] for name in domain.PROFILE_FIELDS},
                                        snapshot=services.snapshot_load(form.cleaned_data["snapshot"]))
            except services.Conflict as conflict:
                changes = conflict.changes
                form.add_error(None, conflict.message)
                form.data = form.data.copy()
                form.data["snapshot"] = services.snapshot_sign(domain.PROFILE_FIELDS, conflict.current)
            except ValidationError as error:
                refusals.on_form(form, error)
            else:
                messages.success(request, _("Archival profile %(identifier)s saved.") % {"identifier": identifier})
                return redirect(_profile_url(tenant, identifier))
    else:
        form = ProfileForm(creating=False, document=profile)
        form.initial["snapshot"] = services.snapshot_sign(domain.PROFILE_FIELDS, profile)
    return render(request, "contracts/profile_form.html", _base(
        request, tenant, form=form, profile=profile, changes=changes))


@login_required
@GET_POST
def profile_upload(request, tenant_pk, identifier):
    tenant = _tenant(request, tenant_pk, WRITE)
    profile = selectors.profile_get(tenant=tenant, identifier=identifier)
    form = ProfileUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_upload(actor=request.user, tenant=tenant, identifier=identifier,
                                    content=form.cleaned_data["file"], request=request)
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("The file of profile %(identifier)s is attached.") % {"identifier": identifier})
            return redirect(_profile_url(tenant, identifier))
    return render(request, "contracts/profile_upload.html", _base(request, tenant, form=form, profile=profile))


@login_required
def profile_download(request, tenant_pk, identifier):
    tenant = _tenant(request, tenant_pk)
    profile = selectors.profile_get(tenant=tenant, identifier=identifier)
    if not profile.get("Path"):
        messages.error(request, _("No file is attached to this profile yet."))
        return redirect(_profile_url(tenant, identifier))
    buffer = io.BytesIO()
    try:
        selectors.profile_file(tenant=tenant, identifier=identifier, dest=buffer)
    except VitamError as error:
        refusals.as_messages(request, error)
        return redirect(_profile_url(tenant, identifier))
    buffer.seek(0)
    extension = "rng" if profile.get("Format") == "RNG" else "xsd"
    return FileResponse(buffer, as_attachment=True, filename=f"{identifier}.{extension}",
                        content_type="application/xml")


@login_required
@require_POST
def profile_link(request, tenant_pk, identifier):
    tenant = _tenant(request, tenant_pk, WRITE)
    contracts = selectors.contract_list(tenant=tenant, kind=INGEST)
    form = ProfileLinkForm(request.POST, contracts=[(c["Identifier"], c["Identifier"]) for c in contracts])
    if form.is_valid():
        try:
            services.profile_link(actor=request.user, tenant=tenant, identifier=identifier,
                                  contract_identifier=form.cleaned_data["contract"], request=request)
        except ValidationError as error:
            refusals.as_messages(request, error)
        else:
            messages.success(request, _("Profile %(profile)s linked to ingest contract %(contract)s.") % {
                "profile": identifier, "contract": form.cleaned_data["contract"]})
    else:
        messages.error(request, _("Choose an ingest contract."))
    return redirect(_profile_url(tenant, identifier))

