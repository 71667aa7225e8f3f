"""Screens of search and consultation: thin, tenant loaded through tenant_get_for_user (404 alike)."""

import json
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sam.consultation import pickers, selectors, services
from sam.consultation.forms import OperationFilterForm, ResearcherSearchForm, SavedSearchForm, SearchForm
from sam.consultation.forms import UnitEditForm, UnitRuleFormSet, plain_values, unit_edit_data, unit_rules_of
from sam.lib import refusals
from sam.lib.display import vitam_total
from sam.consultation.models import SavedSearch
from sam.consultation.selectors import ConsultationUnavailable
from sam.consultation.seda_labels import readable_metadata
from sam.proof import selectors as proof_selectors
from sam.lib.pickers import KINDS as PICKER_KINDS
from sam.lib.pickers import pickers_bind
from sam.vitam.dsl import MAX_RESULT_WINDOW
from sam.vitam.errors import VitamError, VitamNotFound, VitamUnauthorized, VitamUnavailable
from tenants.context import tenant_get_for_request
from tenants.permissions import can, checker_for, is_platform_admin, tenants_for
from tenants.vitam_clients import RESEARCHER, access_contract_for

SEARCH = "search"
CONSULT = "consult_communicable"
# Editing a unit changes archives' metadata as mass rule updates do: the same permission (archivists, referents).
EDIT = "eliminate"


def _tenant(request, tenant_pk, perm=SEARCH):
    # The request's checker: the navigation needs the same permissions, so they are read once per page.
    return tenant_get_for_request(request, tenant_pk, perm)


def _query_with(params, **changes) -> str:
    """The current GET parameters with some changed (None removes one); the page always restarts."""
    values = {key: value for key, value in params.items() if key != "page" and value}
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return urlencode(values)


def _facet_links(facets, params):
    """Each facet bucket with the URL that applies it (or removes it when already applied)."""
    linked = []
    for facet in facets:
        buckets = []
        for value, label, count, selected in facet.buckets:
            if facet.parameter == "period":
                start, end = value.split("-")
                query = _query_with(params, date_from=f"{start}-01-01", date_to=f"{end}-12-31")
            else:
                query = _query_with(params, **{facet.parameter: None if selected else value})
            buckets.append({"label": label, "count": count, "selected": selected, "query": query})
        linked.append({"label": facet.label, "buckets": buckets})
    return linked


_UNIT_ID = re.compile(r"[A-Za-z0-9_.\-]{1,100}")  # the consultation_vitam_id converter's ids: nothing to quote


def _link_units(units, tenant):
    """Each result's page URL, from one reverse() per page instead of one per row."""
    sentinel = "UNIT-ID-SENTINEL"
    pattern = reverse("consultation:unit_detail", args=[tenant.pk, sentinel])
    head, tail = pattern.rsplit(sentinel, 1)
    for unit in units:
        unit_id = str(unit.get("id", ""))
        unit["url"] = (f"{head}{unit_id}{tail}" if _UNIT_ID.fullmatch(unit_id)
                       else reverse("consultation:unit_detail", args=[tenant.pk, unit_id]))


def _fragment(request, template_name: str, context: dict) -> str:
    """Part of a page drawn by Jinja2 (the rows and facets of a result page: sam/lib/jinja2_env.py), escaped
    there, inserted as is into the page's Django template."""
    return mark_safe(render_to_string(template_name, context, request, using="jinja2"))  # noqa: S308


def _select_all_label(total: int) -> str:
    return ngettext("Select the result of this search", "Select all the results of this search (%(shown)s)",
                    total) % {"shown": vitam_total(total)}


def _binary_response(binary):
    response = FileResponse(binary.file, content_type=binary.content_type,
                            as_attachment=binary.disposition == "attachment", filename=binary.filename)
    if binary.disposition == "inline":
        response["Content-Security-Policy"] = binary.csp
        response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def _refused(request, tenant, message, status=403):
    return render(request, "consultation/refused.html", {"tenant": tenant, "message": message}, status=status)


# --- search ----------------------------------------------------------------------------------------


@login_required
@require_GET
def search(request, tenant_pk):
    tenant = _tenant(request, tenant_pk)
    form = SearchForm(request.GET or None, agencies=selectors.agencies_for(tenant))
    pickers_bind(form, tenant)
    results, error, facets = None, "", []
    # No criteria lists the latest entries (the selector orders them), so the page is never empty.
    if not form.is_bound or form.is_valid():
        cleaned = form.cleaned_data if form.is_bound else {}
        criteria = form.criteria() if form.is_bound else {}
        try:
            results = selectors.search_units(tenant, criteria, user=request.user, page=cleaned.get("page") or 1,
                                             per_page=cleaned.get("per_page") or 25)
            facets = _facet_links(results.facets, request.GET)
            _link_units(results.results, tenant)
            services.search_record(request=request, tenant=tenant, query_dict=request.GET)
        except (VitamError, ConsultationUnavailable) as exc:
            error = exc.user_message() if isinstance(exc, VitamError) else str(exc)
    saved = SavedSearch.objects.filter(user=request.user, tenant=tenant)
    kept_parameters = [(key, value) for key, value in request.GET.items() if key != "page"]
    fragments = {}
    if results and results.results:
        shared = {"tenant": tenant, "kept_parameters": kept_parameters}
        fragments = {
            "rows_html": _fragment(request, "consultation/search_rows.html", {
                **shared, "units": results.results,
                "select_all_label": _select_all_label(results.total) if form.has_criteria() else ""}),
            "export_html": _fragment(request, "consultation/search_export.html", {
                **shared, "export_columns": [(key, label, key in services.DEFAULT_EXPORT_COLUMNS)
                                             for key, (label, _getter) in services.EXPORT_COLUMNS.items()]}),
        }
    if facets:
        fragments["facets_html"] = _fragment(request, "consultation/search_facets.html", {"facets": facets})
    return render(request, "consultation/search.html", {
        "tenant": tenant, "form": form, "results": results, "facets": facets, "error": error,
        "saved_searches": [(item, urlencode(item.parameters)) for item in saved],
        "save_form": SavedSearchForm(), "query": _query_with(request.GET), "kept_parameters": kept_parameters,
        **fragments,
        "max_window": f"{MAX_RESULT_WINDOW:,}".replace(",", "\u202f"),
        "advanced_open": any(request.GET.get(name) for name in (
            "title", "description", "date_from", "date_to", "agency", "node", "level", "rule_type",
            "rule_end_before", "rule_end_after", "final_action", "opi")),
    })


@login_required
@require_GET
def search_export(request, tenant_pk):
    tenant = _tenant(request, tenant_pk)
    form = SearchForm(request.GET, agencies=())
    if not form.is_valid():
        messages.error(request, _("The search is not valid: correct it before exporting."))
        return redirect(f"{reverse('consultation:search', args=[tenant.pk])}?{_query_with(request.GET)}")
    try:
        export = services.export_csv(user=request.user, tenant=tenant, criteria=form.criteria(), columns=request.GET.getlist("columns"))
    except (VitamError, ConsultationUnavailable) as exc:
        messages.error(request, exc.user_message() if isinstance(exc, VitamError) else str(exc))
        return redirect(f"{reverse('consultation:search', args=[tenant.pk])}?{_query_with(request.GET)}")
    services.consultation_record(request=request, tenant=tenant, action="consultation.export", details={
        "criteria": services.search_parameters(request.GET), "rows": export.total})
    response = StreamingHttpResponse(export.rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="recherche-{tenant.vitam_id}-{timezone.localdate():%Y%m%d}.csv"')
    response["X-Total-Results"] = str(export.total)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def saved_search_manage(request, tenant_pk):
    """One POST endpoint for the user's own saved searches: action = create, rename or delete."""
    tenant = _tenant(request, tenant_pk)
    action = request.POST.get("action")
    target = reverse("consultation:search", args=[tenant.pk])
    try:
        if action == "create":
            parameters = services.search_parameters(request.POST)
            saved = services.saved_search_create(user=request.user, tenant=tenant, name=request.POST.get("name", ""),
                                                 parameters=parameters)
            messages.success(request, _("Search “%(name)s” saved.") % {"name": saved.name})
            return redirect(f"{target}?{urlencode(saved.parameters)}")
        saved = SavedSearch.objects.filter(user=request.user, tenant=tenant,
                                           pk=request.POST.get("saved_search") or 0).first()
        if saved is None or not str(request.POST.get("saved_search", "")).isdigit():
            messages.error(request, _("This saved search does not exist (any more)."))
        elif action == "rename":
            services.saved_search_rename(saved_search=saved, name=request.POST.get("name", ""))
            messages.success(request, _("Search renamed to “%(name)s”.") % {"name": saved.name})
        elif action == "delete":
            services.saved_search_delete(saved_search=saved)
            messages.success(request, _("Search “%(name)s” deleted.") % {"name": saved.name})
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as error:
        for message in (error.message_dict.get("name") if hasattr(error, "error_dict") else error.messages):
            messages.error(request, message)
    return redirect(target)


# --- unit view -------------------------------------------------------------------------------------


def _children_pages(children, request):
    return {
        "previous": urlencode({"children_page": children.page - 1}) if children.has_previous else "",
        "next": urlencode({"children_page": children.page + 1}) if children.has_next else "",
    }


def _page_number(request, name, maximum=MAX_RESULT_WINDOW // 20):
    try:
        return min(max(1, int(request.GET.get(name, 1))), maximum)
    except ValueError:
        return 1


@login_required
@require_GET
def unit_detail(request, tenant_pk, unit_id):
    tenant = _tenant(request, tenant_pk)
    try:
        unit = selectors.get_unit(tenant, unit_id, user=request.user)
    except ConsultationUnavailable as exc:
        return _refused(request, tenant, str(exc), status=503)
    services.consultation_record(request=request, tenant=tenant, action="consultation.unit_view", unit_id=unit_id,
                                 title=unit.get("Title", ""))
    children = selectors.children_of(tenant, unit_id, user=request.user,
                                     page=_page_number(request, "children_page"))
    ancestry = selectors.ancestry_of(tenant, unit, user=request.user)
    return render(request, "consultation/unit_detail.html", {
        "tenant": tenant, "unit": unit, "unit_id": unit_id, "metadata": readable_metadata(unit),
        "agency": unit.get("#originating_agency", ""), "opi": unit.get("#opi", ""),
        "ancestors": selectors.ancestors_of(tenant, unit, user=request.user, ancestry=ancestry),
        "children": children, "children_pages": _children_pages(children, request),
        "rules": selectors.rules_of(tenant, unit, user=request.user, ancestry=ancestry),
        "objects": selectors.objects_of(tenant, unit, user=request.user),
        "lifecycle": selectors.lifecycle_of(tenant, unit_id, user=request.user),
        "search_under": urlencode({"node": unit_id}),
        "can_edit": checker_for(request).has_perm(EDIT, tenant.organisation) or is_platform_admin(request.user),
        "proofs": proof_selectors.proofs_of_unit(tenant, unit_id),
        "can_change_published": can(request.user, "manage_referentials", tenant.organisation),
        "unit_is_tree_node": unit.get("#unitType") in ("HOLDING_UNIT", "FILING_UNIT"),
    })


def _edit_forms(data, rules, *, unit=None):
    """Unbound forms showing the unit, or bound ones (`data`), with their rule lines."""
    if data is None:
        data_for_unit = unit_edit_data(selectors.editable_values(unit), version=unit.get("#version", 0))
        form = UnitEditForm(initial=data_for_unit)
        rule_lines = [{"category": category, "rule": rule_id, "start_date": start}
                      for category, lines in selectors.editable_values(unit)["rules"].items()
                      for rule_id, start in lines]
        return form, UnitRuleFormSet(initial=rule_lines, prefix="rules", form_kwargs={"rules": rules})
    return (UnitEditForm(data),
            UnitRuleFormSet(data, prefix="rules", form_kwargs={"rules": rules}))


def _submitted_values(form, formset) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"].strip(), "description": data["description"].strip(), "level": data["level"],
        "start_date": data["start_date"].isoformat() if data["start_date"] else "",
        "end_date": data["end_date"].isoformat() if data["end_date"] else "",
        "keywords": form.keyword_list(), "rules": unit_rules_of(formset.forms),
        "appraisal_final_action": data["appraisal_final_action"], "storage_final_action": data["storage_final_action"],
    }


def _opened(form) -> dict | None:
    try:
        opened = json.loads(form.cleaned_data.get("opened") or "")
    except ValueError:
        return None
    return opened if isinstance(opened, dict) else None


def _unsent(request, tenant, unit_id, error):
    """Vitam cannot be reached as the form is sent: the form comes back as typed, with the reason, nothing sent."""
    posted_rules = [{"RuleId": value, "RuleType": request.POST.get(key[:-len("rule")] + "category", "")}
                    for key, value in request.POST.items() if key.startswith("rules-") and key.endswith("-rule")
                    and value]
    form, formset = _edit_forms(request.POST, posted_rules)
    form.is_valid()
    formset.is_valid()
    refusals.on_form(form, error)
    return render(request, "consultation/unit_edit.html", {
        "tenant": tenant, "unit": {"#id": unit_id, "Title": request.POST.get("title", "")}, "unit_id": unit_id,
        "form": form, "formset": formset, "conflict": None, "ancestors": [],
    }, status=503)


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, tenant_pk, unit_id):
    tenant = _tenant(request, tenant_pk, EDIT)
    try:
        unit = selectors.get_unit(tenant, unit_id, user=request.user)
        rules = selectors.editable_rules(tenant)
    except ConsultationUnavailable as exc:
        return _refused(request, tenant, str(exc), status=503)
    except VitamUnavailable as exc:
        if request.method != "POST":
            raise
        return _unsent(request, tenant, unit_id, exc)
    conflict = None
    if request.method == "POST":
        form, formset = _edit_forms(request.POST, rules)
        if form.is_valid() and formset.is_valid():
            values = _submitted_values(form, formset)
            try:
                changed = services.unit_edit(request=request, tenant=tenant, unit_id=unit_id,
                                             version=form.cleaned_data["version"], values=values)
            except services.UnitEditConflict as exc:
                # Nothing was sent: the form now stands on the stored version, with their changes on top of it.
                merged, conflict = services.merged_on_conflict(selectors.editable_values(exc.unit), values,
                                                               _opened(form), rules)
                data = unit_edit_data(merged, version=exc.unit.get("#version", 0))
                data["opened"] = json.dumps(plain_values(selectors.editable_values(exc.unit)))
                form, formset = _edit_forms(data, rules)
                unit = exc.unit
            except (ValidationError, VitamError) as exc:
                refusals.on_form(form, exc)
            else:
                if changed:
                    messages.success(request, _("The description of the unit is saved."))
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect("consultation:unit_detail", tenant.pk, unit_id)
    else:
        # The form shows the unit's metadata: opening it is a consultation like its page.
        services.consultation_record(request=request, tenant=tenant, action="consultation.unit_view",
                                     unit_id=unit_id, title=unit.get("Title", ""))
        form, formset = _edit_forms(None, rules, unit=unit)
    return render(request, "consultation/unit_edit.html", {
        "tenant": tenant, "unit": unit, "unit_id": unit_id, "form": form, "formset": formset, "conflict": conflict,
        "ancestors": selectors.ancestors_of(tenant, unit, user=request.user),
    }, status=409 if conflict is not None else 200)


def _object(request, tenant, unit_id, usage, version, *, preview):
    try:
        binary = services.fetch_object(user=request.user, tenant=tenant, unit_id=unit_id, usage=usage,
                                       version=version, preview=preview)
    except VitamUnauthorized:
        return _refused(request, tenant, _(
            "The access contract does not allow reading this version (%(usage)s). Ask your archivist or "
            "administrator if you need it.") % {"usage": usage})
    except VitamNotFound:
        raise Http404("No such object") from None
    except ConsultationUnavailable as exc:
        return _refused(request, tenant, str(exc), status=503)
    services.consultation_record(
        request=request, tenant=tenant, unit_id=unit_id,
        action="consultation.object_preview" if preview else "consultation.object_download",
        details={"usage": usage, "version": version, "filename": binary.filename,
                 "contract": access_contract_for(request.user, tenant)})
    return _binary_response(binary)


@login_required
@require_GET
def unit_object_download(request, tenant_pk, unit_id, usage, version):
    tenant = _tenant(request, tenant_pk)
    return _object(request, tenant, unit_id, usage, version, preview=False)


@login_required
@require_GET
def unit_object_preview(request, tenant_pk, unit_id, usage, version):
    tenant = _tenant(request, tenant_pk)
    return _object(request, tenant, unit_id, usage, version, preview=True)


# --- journal des opérations ------------------------------------------------------------------------


@login_required
@require_GET
def operation_list(request, tenant_pk):
    tenant = _tenant(request, tenant_pk)
    form = OperationFilterForm(request.GET)
    operations, error = None, ""
    if form.is_valid():
        try:
            operations = selectors.search_operations(tenant, form.cleaned_data, user=request.user,
                                                     page=form.cleaned_data.get("page") or 1)
        except (VitamError, ConsultationUnavailable) as exc:
            error = exc.user_message() if isinstance(exc, VitamError) else str(exc)
    return render(request, "consultation/operation_list.html", {
        "tenant": tenant, "form": form, "operations": operations, "error": error,
    })


@login_required
@require_GET
def operation_detail(request, tenant_pk, operation_id):
    tenant = _tenant(request, tenant_pk)
    try:
        operation = selectors.get_operation(tenant, operation_id, user=request.user)
    except ConsultationUnavailable as exc:
        return _refused(request, tenant, str(exc), status=503)
    return render(request, "consultation/operation_detail.html", {
        "tenant": tenant, "operation": operation,
        "has_atr": operation.get("evTypeProc") == "INGEST",
        "has_report": operation.get("evTypeProc") in ("ELIMINATION", "UPDATE", "MASS_UPDATE")
        or "RULES" in operation.get("evType", ""),
        "units_query": urlencode({"opi": operation_id}) if operation.get("evTypeProc") == "INGEST" else "",
    })


@login_required
@require_GET
def operation_atr(request, tenant_pk, operation_id):
    tenant = _tenant(request, tenant_pk)
    operation = selectors.get_operation(tenant, operation_id, user=request.user)
    if operation.get("evTypeProc") != "INGEST":
        raise Http404("Only deposits have an ATR")
    try:
        binary = services.download_atr(user=request.user, tenant=tenant, operation_id=operation_id)
    except VitamNotFound:
        return _refused(request, tenant, _("The archive system has no transfer reply (ATR) for this operation yet: "
                                           "try again once the operation has ended."), status=404)
    services.consultation_record(request=request, tenant=tenant, action="consultation.atr_download",
                                 details={"operation": operation_id})
    return _binary_response(binary)


@login_required
@require_GET
def operation_report(request, tenant_pk, operation_id):
    tenant = _tenant(request, tenant_pk)
    operation = selectors.get_operation(tenant, operation_id, user=request.user)
    try:
        binary = services.download_report(user=request.user, tenant=tenant, operation=operation)
    except VitamNotFound:
        return _refused(request, tenant, _("The archive system keeps no report for this operation."), status=404)
    services.consultation_record(request=request, tenant=tenant, action="consultation.report_download",
                                 details={"operation": operation_id})
    return _binary_response(binary)


@login_required
@require_GET
def operation_evidence(request, tenant_pk, operation_id):
    tenant = _tenant(request, tenant_pk)
    try:
        evidence = services.operation_evidence(tenant=tenant, operation_id=operation_id, actor=request.user)
    except VitamNotFound:
        raise Http404("No such operation") from None
    services.consultation_record(request=request, tenant=tenant, action="consultation.evidence_download",
                                 details={"operation": operation_id, "sha512": evidence.sha512})
    response = HttpResponse(evidence.content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{evidence.filename}"'
    response["Digest"] = evidence.digest_header
    response["X-Content-SHA512"] = evidence.sha512
    response["Cache-Control"] = "private, no-store"
    return response


# --- registre des fonds ----------------------------------------------------------------------------


@login_required
@require_GET
def register(request, tenant_pk):
    tenant = _tenant(request, tenant_pk)
    summaries, error = [], ""
    try:
        summaries = selectors.register_summary(tenant, user=request.user)
    except (VitamError, ConsultationUnavailable) as exc:
        error = exc.user_message() if isinstance(exc, VitamError) else str(exc)
    names = selectors.agency_names(tenant) if summaries else {}
    for summary in summaries:
        summary["name"] = names.get(summary.get("OriginatingAgency", ""), "")
    totals = {key: sum(((s.get(key) or {}).get("remained") or 0) for s in summaries)
              for key in ("TotalUnits", "TotalObjectGroups", "TotalObjects", "ObjectSize")}
    return render(request, "consultation/register.html", {
        "tenant": tenant, "summaries": summaries, "totals": totals, "error": error,
    })


@login_required
@require_GET
def register_detail(request, tenant_pk, agency):
    tenant = _tenant(request, tenant_pk)
    details, error = None, ""
    try:
        details = selectors.register_details(tenant, agency, user=request.user, page=_page_number(request, "page"))
    except (VitamError, ConsultationUnavailable) as exc:
        error = exc.user_message() if isinstance(exc, VitamError) else str(exc)
    return render(request, "consultation/register_detail.html", {
        "tenant": tenant, "agency": agency, "agency_name": selectors.agency_names(tenant).get(agency, ""),
        "details": details, "error": error,
    })


# --- researchers' portal ---------------------------------------------------------------------------


@login_required
@require_GET
def researcher_home(request):
    """Read-only search of communicable archives in every organisation the user may consult."""
    tenants = list(tenants_for(request.user, CONSULT).filter(is_active=True).order_by("organisation__name", "label"))
    form = ResearcherSearchForm(request.GET or None, tenants=tenants)
    sections = []
    if form.is_bound and form.is_valid() and tenants:
        criteria = {key: value for key, value in form.cleaned_data.items()
                    if key in ("q", "date_from", "date_to", "level") and value}
        chosen = [t for t in tenants if t.pk == form.cleaned_data.get("tenant")] or tenants
        page = (form.cleaned_data.get("page") or 1) if len(chosen) == 1 else 1
        for tenant in chosen:
            section = {"tenant": tenant, "results": None, "error": ""}
            try:
                section["results"] = selectors.search_units(tenant, criteria, user=request.user, page=page,
                                                            per_page=25, facets=False)
            except (VitamError, ConsultationUnavailable) as exc:
                section["error"] = exc.user_message() if isinstance(exc, VitamError) else str(exc)
            if section["results"] is not None:
                services.search_record(request=request, tenant=tenant, query_dict={**criteria, "page": page})
            section["only_query"] = _query_with(request.GET, tenant=str(tenant.pk))
            sections.append(section)
    return render(request, "consultation/researcher_home.html", {
        "tenants": tenants, "form": form, "sections": sections, "single": len(sections) == 1,
    })


@login_required
@require_GET
def researcher_unit(request, tenant_pk, unit_id):
    tenant = _tenant(request, tenant_pk, CONSULT)
    try:
        unit = selectors.get_unit(tenant, unit_id, user=request.user)
    except ConsultationUnavailable as exc:
        return _refused(request, tenant, str(exc), status=503)
    services.consultation_record(request=request, tenant=tenant, action="consultation.unit_view", unit_id=unit_id,
                                 title=unit.get("Title", ""), details={"contract": RESEARCHER})
    public = {key: value for key, value in unit.items() if not key.startswith("#")}
    children = selectors.children_of(tenant, unit_id, user=request.user,
                                     page=_page_number(request, "children_page"))
    return render(request, "consultation/researcher_unit.html", {
        "tenant": tenant, "unit": unit, "unit_id": unit_id, "metadata": readable_metadata(public),
        "ancestors": selectors.ancestors_of(tenant, unit, user=request.user), "children": children,
        "children_pages": _children_pages(children, request),
        "objects": selectors.objects_of(tenant, unit, user=request.user),
    })


@login_required
@require_GET
def researcher_object_download(request, tenant_pk, unit_id, usage, version):
    tenant = _tenant(request, tenant_pk, CONSULT)
    return _object(request, tenant, unit_id, usage, version,
                   preview=request.GET.get("preview") == "1")


@login_required
@require_GET
def picker(request, tenant_pk, kind):
    """Suggestions of a picker (sam/lib/pickers.py) as JSON: labels of the tenant's services producteurs, rules
    or archive units matching ?q= (or the entry whose identifier is ?value=), for users who may search it."""
    tenant = tenant_get_for_request(request, tenant_pk, "search")
    if kind not in PICKER_KINDS:
        raise Http404
    try:
        results = pickers.suggestions(user=request.user, tenant=tenant, kind=kind,
                                      text=request.GET.get("q", "")[:200], value=request.GET.get("value", "")[:100],
                                      rule_type=request.GET.get("type", "")[:40])
    except (VitamError, ConsultationUnavailable) as error:
        message = str(error) if isinstance(error, ConsultationUnavailable) else _(
            "Vitam does not answer: the list cannot be shown. Type the identifier, or try again later.")
        return JsonResponse({"results": [], "error": message}, status=503)
    return JsonResponse({"results": results})
