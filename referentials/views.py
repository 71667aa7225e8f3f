"""Screens of the rules and agencies of a tenant, and of the common nomenclature (platform administrators).

Thin views: load the tenant through tenants.permissions (404 alike for missing and forbidden), call
one selector or service, render. Reading needs the "search" permission on the tenant's organisation
(referents and archivists), changing needs "manage_referentials"; controllers and researchers see
nothing here. The two referentials share the views; the URL configuration says which one (kind).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from referentials import forms, selectors, services
from referentials.kinds import KINDS, RULE_TYPE_LABELS, RULES, duration_label
from referentials.models import (
    ApplyMode,
    ReferentialImport,
    ReferentialKind,
    TemplateApplicationResult,
)
from sam.lib import refusals
from sam.vitam import VitamError, VitamUnavailable
from tenants.permissions import can, require_platform_admin, tenant_get_for_user

PAGE_SIZE = 50
GET_POST = require_http_methods(["GET", "HEAD", "POST"])
READ_PERM = "search"
WRITE_PERM = "manage_referentials"


def _names(kind) -> dict:
    prefix = "referentials:rule" if kind is RULES else "referentials:agency"
    return {action: f"{prefix}_{action}" for action in (
        "list", "create", "detail", "update", "delete", "units", "export", "import", "import_detail", "import_confirm")}


def _context(request, tenant, kind, **extra) -> dict:
    entry = extra.get("entry")
    return {"tenant": tenant, "kind": kind, "is_rules": kind is RULES, "names": _names(kind),
            "can_manage": can(request.user, WRITE_PERM, tenant.organisation),
            "key": entry.row[kind.key] if entry else "", "type_labels": RULE_TYPE_LABELS, **extra}


def _vitam_failure(error: VitamError) -> str:
    """Expected refusals are shown in the page; outages go to the 503 page (sam.site.middleware)."""
    if isinstance(error, VitamUnavailable):
        raise error
    return error.user_message()


def vitam_refusal_page(view):
    """A refusal of the archive system (tenant unknown to it, contract missing...) becomes a page that
    says what to do next; outages still go to the 503 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except VitamUnavailable:
            raise
        except VitamError as error:
            return render(request, "referentials/vitam_refused.html", {"message": error.user_message()})

    return wrapper


def _display(kind, row: dict) -> dict:
    shown = dict(row)
    if kind is RULES:
        shown["type_label"] = RULE_TYPE_LABELS.get(row["RuleType"], row["RuleType"])
        shown["duration_label"] = duration_label(row)
    return shown


# --- list, detail, units ----------------------------------------------------------------------------


@login_required
@vitam_refusal_page
def entry_list(request, tenant_pk, kind):
    kind = KINDS[kind]
    tenant = tenant_get_for_user(request.user, tenant_pk, READ_PERM)
    search = (forms.SearchForm if kind is RULES else forms.AgencySearchForm)(request.GET or None)
    criteria = search.cleaned_data if search.is_valid() else {}
    error, rows = "", []
    try:
        rows = selectors.entry_list(tenant=tenant, kind=kind, search=criteria.get("q", ""),
                                    rule_type=criteria.get("type", ""), sort=criteria.get("sort") or "id",
                                    descending=request.GET.get("order") == "desc")
    except VitamError as failure:
        error = _vitam_failure(failure)
    page = Paginator([_display(kind, row) for row in rows], PAGE_SIZE).get_page(request.GET.get("page"))
    imports = ReferentialImport.objects.filter(tenant=tenant, kind=kind.name)[:5]
    return render(request, "referentials/entry_list.html", _context(
        request, tenant, kind, search_form=search, page_obj=page, error=error, imports=imports,
        total=len(rows)))


@login_required
@vitam_refusal_page
def entry_detail(request, tenant_pk, kind, key):
    kind = KINDS[kind]
    tenant = tenant_get_for_user(request.user, tenant_pk, READ_PERM)
    entry = selectors.entry_get(tenant=tenant, kind=kind, key=key)
    usage, usage_error = None, ""
    try:
        usage = selectors.entry_usage(tenant=tenant, kind=kind, key=key)
    except VitamError as failure:
        usage_error = _vitam_failure(failure)
    return render(request, "referentials/entry_detail.html", _context(
        request, tenant, kind, entry=entry, row=_display(kind, entry.row), usage=usage, usage_error=usage_error))


@login_required
@vitam_refusal_page
def entry_units(request, tenant_pk, kind, key):
    kind = KINDS[kind]
    tenant = tenant_get_for_user(request.user, tenant_pk, READ_PERM)
    entry = selectors.entry_get(tenant=tenant, kind=kind, key=key)
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    number = min(number, 10_000 // PAGE_SIZE)
    usage = selectors.entry_usage(tenant=tenant, kind=kind, key=key, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    pages = max(1, -(-min(usage.total, 10_000) // PAGE_SIZE))
    return render(request, "referentials/entry_units.html", _context(
        request, tenant, kind, entry=entry, row=_display(kind, entry.row), usage=usage, page_number=number,
        pages=pages, previous_page=number - 1 if number > 1 else None, next_page=number + 1 if number < pages else None))


# --- create, update, delete ---------------------------------------------------------------------------


def _form_class(kind):
    return forms.RuleForm if kind is RULES else forms.AgencyForm


def _conflict_rows(kind, conflict):
    labels = {name: forms_label(kind, name) for name in kind.columns}
    return [(labels[column], seen, now) for column, seen, now in conflict.differences]


def forms_label(kind, column):
    field = _form_class(kind).base_fields.get(column)
    return str(field.label) if field else column


@login_required
@vitam_refusal_page
@GET_POST
def entry_create(request, tenant_pk, kind):
    kind = KINDS[kind]
    tenant = tenant_get_for_user(request.user, tenant_pk, WRITE_PERM)
    form = _form_class(kind)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        row = form.row()
        try:
            services.entry_save(actor=request.user, tenant=tenant, kind=kind, row=row, creating=True, request=request)
        except services.ReferentialRefused as refused:
            for message in refused.messages:
                form.add_error(None, message)
        except (ValidationError, VitamError) as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("%(id)s has been created.") % {"id": row[kind.key]})
            return redirect(_names(kind)["detail"], tenant_pk=tenant.pk, key=row[kind.key])
    return render(request, "referentials/entry_form.html", _context(request, tenant, kind, form=form, entry=None))


@login_required
@vitam_refusal_page
@GET_POST
def entry_update(request, tenant_pk, kind, key):
    kind = KINDS[kind]
    tenant = tenant_get_for_user(request.user, tenant_pk, WRITE_PERM)
    entry = selectors.entry_get(tenant=tenant, kind=kind, key=key)
    form_class = _form_class(kind)
    conflict = None
    if request.method == "POST":
        form = form_class(request.POST, initial={kind.key: key}, editing=True)
        if form.is_valid():
            row = form.row()
            try:
                services.entry_save(actor=request.user, tenant=tenant, kind=kind, row=row, creating=False,
                                    base_version=form.cleaned_data.get("base_version"), base_row=form.base_row(),
                                    request=request)
            except services.ReferentialConflict as error:
                conflict = error
                form.add_error(None, error.message)
                if error.current is not None:
                    # Saving again now overwrites the other person's version knowingly.
                    form.data = form.data.copy()
                    form.data["base_version"] = error.current.version
                    form.data["base"] = form_class.initial_for(error.current.row)["base"]
            except services.ReferentialRefused as refused:
                for message in refused.messages:
                    form.add_error(None, message)
            except VitamError as failure:
                refusals.on_form(form, failure)
            else:
                messages.success(request, _("%(id)s has been saved.") % {"id": key})
                return redirect(_names(kind)["detail"], tenant_pk=tenant.pk, key=key)
    else:
        form = form_class(initial=form_class.initial_for(entry.row, entry.version), editing=True)
    return render(request, "referentials/entry_form.html", _context(
        request, tenant, kind, form=form, entry=entry, conflict=conflict,
        conflict_rows=_conflict_rows(kind, conflict) if conflict else []))


@login_required
@vitam_refusal_page
@GET_POST
def entry_delete(request, tenant_pk, kind, key):
    kind = KINDS[kind]
    tenant = tenant_get_for_user(request.user, tenant_pk, WRITE_PERM)
    entry = selectors.entry_get(tenant=tenant, kind=kind, key=key)
    usage, refusal = None, []
    if request.method == "POST":
        form = forms.DeleteForm(request.POST)
        form.is_valid()
        try:
            services.entry_delete(actor=request.user, tenant=tenant, kind=kind, key=key,
                                  base_version=form.cleaned_data.get("base_version"), request=request)
        except services.EntryInUse as error:
            usage, refusal = error.usage, [error.message]
        except services.ReferentialConflict as error:
            refusal = [error.message]
            entry = error.current or entry
        except services.ReferentialRefused as refused:
            refusal = refused.messages
        except VitamError as failure:
            refusal = refusals.messages_of(failure)
        else:
            messages.success(request, _("%(id)s has been deleted.") % {"id": key})
            return redirect(_names(kind)["list"], tenant_pk=tenant.pk)
    return render(request, "referentials/entry_delete.html", _context(
        request, tenant, kind, entry=entry, row=_display(kind, entry.row), usage=usage, refusal=refusal))


# --- export and import ----------------------------------------------------------------------------------


@login_required
@vitam_refusal_page
def entry_export(request, tenant_pk, kind):
    kind = KINDS[kind]
    tenant = tenant_get_for_user(request.user, tenant_pk, READ_PERM)
    spreadsheet = request.GET.get("format") == "spreadsheet"
    rows = selectors.referential_rows(tenant=tenant, kind=kind)
    response = HttpResponse(kind.to_csv(rows, spreadsheet=spreadsheet), content_type="text/csv; charset=utf-8")
    name = f"{kind.name}-{tenant.vitam_id}{'-tableur' if spreadsheet else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@vitam_refusal_page
@GET_POST
def import_upload(request, tenant_pk, kind):
    kind = KINDS[kind]
    tenant = tenant_get_for_user(request.user, tenant_pk, WRITE_PERM)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    file_errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            import_ = services.import_prepare(actor=request.user, tenant=tenant, kind=kind, filename=upload.name,
                                              data=upload.read(), mode=form.cleaned_data["mode"])
        except services.FileRefused as refused:
            file_errors = refused.messages
        except VitamError as failure:
            refusals.on_form(form, failure)
        else:
            return redirect(_names(kind)["import_detail"], tenant_pk=tenant.pk, pk=import_.pk)
    return render(request, "referentials/import_form.html", _context(
        request, tenant, kind, form=form, file_errors=file_errors))


@login_required
@vitam_refusal_page
def import_detail(request, tenant_pk, kind, pk):
    kind = KINDS[kind]
    tenant = tenant_get_for_user(request.user, tenant_pk, READ_PERM)
    import_ = selectors.import_get(tenant=tenant, kind=kind, pk=pk)
    changes = import_.diff.get("changes", {})
    base = {row[kind.key]: row for row in import_.base_rows}
    incoming = {row[kind.key]: row for row in import_.rows}
    changed = [(key, [(forms_label(kind, column), base.get(key, {}).get(column, ""), incoming.get(key, {}).get(column, ""))
                      for column in changes.get(key, [])]) for key in import_.diff.get("changed", [])]
    return render(request, "referentials/import_detail.html", _context(
        request, tenant, kind, import_=import_, changed=changed,
        added=[_display(kind, incoming[key]) for key in import_.diff.get("added", []) if key in incoming],
        removed=[_display(kind, base[key]) for key in import_.diff.get("removed", []) if key in base]))


@login_required
@vitam_refusal_page
@require_POST
def import_confirm(request, tenant_pk, kind, pk):
    kind = KINDS[kind]
    tenant = tenant_get_for_user(request.user, tenant_pk, WRITE_PERM)
    import_ = selectors.import_get(tenant=tenant, kind=kind, pk=pk)
    detail_url = reverse(_names(kind)["import_detail"], kwargs={"tenant_pk": tenant.pk, "pk": import_.pk})
    try:
        import_ = services.import_confirm(actor=request.user, import_=import_, request=request, result_url=detail_url)
    except ValidationError as error:
        refusals.as_messages(request, error)
    else:
        if import_.state == ReferentialImport.State.IMPORTED:
            messages.success(request, _("The file has been imported."))
    return redirect(detail_url)


# --- common nomenclature (platform administrators) --------------------------------------------------------


def _platform(request):
    require_platform_admin(request.user)


@login_required
def nomenclature_list(request):
    _platform(request)
    return render(request, "referentials/nomenclature_list.html", {
        "templates": selectors.template_list(user=request.user)})


def _rows_from(form, kind, request) -> tuple[list[dict], str]:
    upload = form.cleaned_data.get("file")
    if upload:
        return services.template_rows_from_file(kind=kind, data=upload.read()), upload.name
    tenant = form.cleaned_data["source_tenant"]
    return selectors.referential_rows(tenant=tenant, kind=kind), _("tenant %(tenant)s") % {"tenant": tenant}


@login_required
@vitam_refusal_page
@GET_POST
def template_create(request):
    _platform(request)
    form = forms.TemplateForm(request.POST or None, request.FILES or None)
    file_errors = []
    if request.method == "POST" and form.is_valid():
        kind = KINDS[form.cleaned_data["kind"]]
        try:
            rows, source = _rows_from(form, kind, request)
            template = services.template_create(actor=request.user, kind=kind, name=form.cleaned_data["name"],
                                                description=form.cleaned_data["description"], rows=rows,
                                                source=source, request=request)
        except services.FileRefused as refused:
            file_errors = refused.messages
        except (ValidationError, VitamError) as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("The template %(name)s has been created.") % {"name": template.name})
            return redirect("referentials:template_detail", pk=template.pk)
    return render(request, "referentials/template_form.html", {"form": form, "file_errors": file_errors,
                                                                 "template": None})


@login_required
def template_detail(request, pk):
    _platform(request)
    template = selectors.template_get(user=request.user, pk=pk)
    kind = KINDS[template.kind]
    versions = list(template.versions.select_related("created_by"))
    try:
        wanted = int(request.GET.get("version") or (versions[0].number if versions else 0))
    except ValueError:
        wanted = versions[0].number if versions else 0
    version = next((v for v in versions if v.number == wanted), versions[0] if versions else None)
    rows = [_display(kind, row) for row in (version.rows if version else [])]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "referentials/template_detail.html", {
        "template": template, "kind": kind, "is_rules": kind is RULES, "versions": versions, "version": version,
        "page_obj": page, "applications": selectors.template_applications(template)})


@login_required
@GET_POST
def template_update(request, pk):
    _platform(request)
    template = selectors.template_get(user=request.user, pk=pk)
    form = forms.TemplateEditForm(request.POST or None, initial={"name": template.name,
                                                                 "description": template.description})
    if request.method == "POST" and form.is_valid():
        try:
            services.template_update(actor=request.user, template=template, request=request, **form.cleaned_data)
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("The template has been saved."))
            return redirect("referentials:template_detail", pk=template.pk)
    return render(request, "referentials/template_edit.html", {"form": form, "template": template})


@login_required
@vitam_refusal_page
@GET_POST
def template_version_add(request, pk):
    _platform(request)
    template = selectors.template_get(user=request.user, pk=pk)
    kind = KINDS[template.kind]
    form = forms.TemplateVersionForm(request.POST or None, request.FILES or None)
    file_errors = []
    if request.method == "POST" and form.is_valid():
        try:
            rows, source = _rows_from(form, kind, request)
            version = services.template_version_add(actor=request.user, template=template, rows=rows, source=source,
                                                    comment=form.cleaned_data["comment"], request=request)
        except services.FileRefused as refused:
            file_errors = refused.messages
        except (ValidationError, VitamError) as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("Version %(number)s has been recorded.") % {"number": version.number})
            return redirect("referentials:template_detail", pk=template.pk)
    return render(request, "referentials/template_version_form.html", {
        "form": form, "template": template, "file_errors": file_errors})


@login_required
def template_export(request, pk):
    _platform(request)
    template = selectors.template_get(user=request.user, pk=pk)
    kind = KINDS[template.kind]
    version = template.versions.filter(number=request.GET.get("version") or 0).first() or template.current
    spreadsheet = request.GET.get("format") == "spreadsheet"
    response = HttpResponse(kind.to_csv(version.rows if version else [], spreadsheet=spreadsheet),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="nomenclature-{template.pk}-v{version.number if version else 0}.csv"'
    return response


@login_required
@GET_POST
def template_apply(request, pk):
    """GET: choose tenants and mode; POST "preview": per-tenant preview; POST "confirm": apply."""
    _platform(request)
    template = selectors.template_get(user=request.user, pk=pk)
    kind = KINDS[template.kind]
    current = template.current
    form = forms.ApplyForm(request.POST or None, initial={"version": current.number if current else None})
    previews = None
    if request.method == "POST" and form.is_valid():
        version = template.versions.filter(number=form.cleaned_data.get("version") or 0).first() or current
        tenants, mode = list(form.cleaned_data["tenants"]), form.cleaned_data["mode"]
        if "confirm" in request.POST:
            try:
                application = services.template_apply(actor=request.user, version=version, tenants=tenants,
                                                      mode=mode, request=request)
            except ValidationError as error:
                refusals.on_form(form, error)
            else:
                return redirect("referentials:application_detail", pk=template.pk, application_pk=application.pk)
        else:
            previews = services.template_preview(version=version, tenants=tenants, mode=mode)
    return render(request, "referentials/template_apply.html", {
        "template": template, "kind": kind, "form": form, "previews": previews, "version": current,
        "ApplyMode": ApplyMode})


@login_required
def application_detail(request, pk, application_pk):
    _platform(request)
    template = selectors.template_get(user=request.user, pk=pk)
    application = selectors.application_get(user=request.user, template=template, pk=application_pk)
    results = list(application.results.select_related("tenant", "tenant__organisation", "job"))
    running = [result for result in results if result.status == TemplateApplicationResult.Status.PENDING]
    return render(request, "referentials/application_detail.html", {
        "template": template, "application": application, "results": results, "running": running,
        "kinds": ReferentialKind})
