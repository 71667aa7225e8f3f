"""Screens of selections: thin, the selection loaded through selection_get_for_user (its owner only, 404 alike)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sam.consultation import services as consultation_services
from sam.consultation.selectors import ConsultationUnavailable
from sam.elimination import services as elimination_services
from sam.elimination.selectors import elimination_tenant_for_user
from sam.lib import refusals
from sam.selection import selectors, services, zip_export
from sam.selection.forms import (DescriptionUpdateForm, KeepForm, SelectionAnalysisForm, SelectionMassUpdateForm,
                                 SelectionZipForm)
from sam.vitam.errors import VitamError
from tenants.vitam_clients import MissingContract


def _detail(selection):
    return redirect("selection:detail", tenant_pk=selection.tenant_id, pk=selection.pk)


def _back(request, fallback):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def _vitam_message(error) -> str:
    return error.user_message() if hasattr(error, "user_message") else str(error)


@login_required
@require_GET
def selection_current(request, tenant_pk):
    tenant = selectors.selection_tenant_for_user(request.user, tenant_pk)
    return _detail(services.selection_working(user=request.user, tenant=tenant))


@login_required
@require_POST
def selection_add(request, tenant_pk):
    """Ticked units (unit=…, title_<id>=…), or every result of the search whose parameters are posted."""
    tenant = selectors.selection_tenant_for_user(request.user, tenant_pk)
    selection = services.selection_working(user=request.user, tenant=tenant)
    try:
        if request.POST.get("scope") == "search":
            parameters = consultation_services.search_parameters(request.POST)
            services.selection_search_add(selection=selection, query_dict=request.POST,
                                          label=selectors.search_label(parameters))
            messages.success(request, _("Every result of this search is in your selection."))
        else:
            ids = request.POST.getlist("unit")
            if not ids:
                raise ValidationError(_("Tick at least one unit."))
            added = services.selection_units_add(
                selection=selection, units={unit_id: request.POST.get(f"title_{unit_id}", "") for unit_id in ids},
                with_descendants=request.POST.get("with_descendants") == "on")
            messages.success(request, ngettext("%(count)s unit added to your selection.",
                                               "%(count)s units added to your selection.", added) % {"count": added})
    except ValidationError as error:
        refusals.as_messages(request, error)
    return _back(request, reverse("selection:detail", args=[tenant.pk, selection.pk]))


@login_required
@require_GET
def selection_list(request, tenant_pk):
    tenant = selectors.selection_tenant_for_user(request.user, tenant_pk)
    return render(request, "selection/selection_list.html", {
        "tenant": tenant, "selections": selectors.kept_selections(request.user, tenant),
        "working": selectors.working_selection(request.user, tenant)})


def _page(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


@login_required
@require_GET
def selection_detail(request, tenant_pk, pk):
    selection = selectors.selection_get_for_user(request.user, tenant_pk, pk)
    units, error = None, ""
    try:
        units = selectors.selection_units(selection, user=request.user, page=_page(request))
    except (VitamError, ConsultationUnavailable) as exc:
        error = _vitam_message(exc)
    return render(request, "selection/selection_detail.html", {
        "tenant": selection.tenant, "selection": selection, "entries": selection.entries.all(), "units": units,
        "error": error, "keep_form": KeepForm(initial={"name": selection.name}),
        "export_columns": [(key, label, key in consultation_services.DEFAULT_EXPORT_COLUMNS)
                           for key, (label, _getter) in consultation_services.EXPORT_COLUMNS.items()],
    })


@login_required
@require_POST
def selection_update(request, tenant_pk, pk):
    """The owner's changes: action = remove (entries), clear, keep (under a name) or delete (a kept one)."""
    selection = selectors.selection_get_for_user(request.user, tenant_pk, pk)
    action = request.POST.get("action")
    try:
        if action == "remove":
            services.selection_entries_remove(selection=selection, entry_ids=request.POST.getlist("entry"))
            messages.success(request, _("Removed from the selection."))
        elif action == "clear":
            services.selection_clear(selection=selection)
            messages.success(request, _("The selection is empty."))
        elif action == "keep":
            services.selection_keep(actor=request.user, selection=selection, name=request.POST.get("name", ""),
                                    request=request)
            messages.success(request, _("Selection kept as “%(name)s”.") % {"name": selection.name})
        elif action == "delete" and selection.kept:
            services.selection_delete(actor=request.user, selection=selection, request=request)
            messages.success(request, _("Selection “%(name)s” deleted.") % {"name": selection.name})
            return redirect("selection:list", tenant_pk=selection.tenant_id)
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as error:
        refusals.as_messages(request, error)
    return _detail(selection)


def _action_context(request, tenant_pk, pk):
    selection = selectors.selection_get_for_user(request.user, tenant_pk, pk)
    elimination_tenant_for_user(request.user, tenant_pk)  # the actions need the right to eliminate too
    return selection


@login_required
@require_http_methods(["GET", "POST"])
def selection_mass_update(request, tenant_pk, pk):
    """Preview (Vitam's count of the selection), then start in the background (confirmation above the threshold)."""
    selection = _action_context(request, tenant_pk, pk)
    try:
        criteria = services.selection_criteria(selection)
    except ValidationError as error:
        refusals.as_messages(request, error)
        return _detail(selection)
    form = SelectionMassUpdateForm(request.POST or None, selection_criteria=criteria, tenant=selection.tenant)
    count, count_capped = None, False
    if request.method == "POST" and form.is_valid():
        try:
            count, count_capped = elimination_services.mass_update_count(tenant=selection.tenant, criteria=criteria)
            if request.POST.get("step") == "start" and form.cleaned_data.get("expected_count") is not None:
                update = elimination_services.mass_update_start(
                    actor=request.user, tenant=selection.tenant, criteria=criteria, change=form.change(),
                    expected_count=count, confirmed=form.cleaned_data["confirmed"], request=request)
                return redirect("elimination:mass_update_detail", tenant_pk=selection.tenant_id, pk=update.pk)
        except (ValidationError, VitamError, MissingContract) as error:
            refusals.on_form(form, error)
    return render(request, "selection/selection_mass_update.html", {
        "tenant": selection.tenant, "selection": selection, "form": form, "count": count,
        "count_capped": count_capped, "threshold": elimination_services._threshold(),
        "description": elimination_services.rule_actions_for(form.change())[1] if count is not None else "",
    })


@login_required
@require_http_methods(["GET", "POST"])
def selection_description_update(request, tenant_pk, pk):
    """Change descriptive metadata of every unit: preview (Vitam's count, examples of a replacement), then start
    in the background (confirmation above the threshold)."""
    selection = _action_context(request, tenant_pk, pk)
    try:
        criteria = services.selection_criteria(selection)
    except ValidationError as error:
        refusals.as_messages(request, error)
        return _detail(selection)
    form = DescriptionUpdateForm(request.POST or None)
    count, count_capped, description, examples = None, False, "", []
    if request.method == "POST" and form.is_valid():
        change = form.change()
        try:
            count, count_capped = elimination_services.mass_update_count(tenant=selection.tenant, criteria=criteria)
            description = services.description_actions_for(change)[1]
            if change["action"] == "replace_text":
                examples = selectors.replacement_examples(
                    selection, user=request.user, target=change["target"], text=change["search_text"],
                    replacement=change["replacement"])
            if request.POST.get("step") == "start" and form.cleaned_data.get("expected_count") is not None:
                update = services.selection_description_update_start(
                    actor=request.user, selection=selection, change=change, expected_count=count,
                    confirmed=form.cleaned_data["confirmed"], request=request)
                return redirect("elimination:mass_update_detail", tenant_pk=selection.tenant_id, pk=update.pk)
        except (ValidationError, VitamError, MissingContract) as error:
            refusals.on_form(form, error)
        except ConsultationUnavailable as error:
            form.add_error(None, str(error))
    return render(request, "selection/selection_description_update.html", {
        "tenant": selection.tenant, "selection": selection, "form": form, "count": count,
        "count_capped": count_capped, "threshold": elimination_services._threshold(), "description": description,
        "examples": examples, "show_examples": count is not None and form.cleaned_data.get("action") == "replace_text",
        "target": form.cleaned_data.get("target") if form.is_bound and form.is_valid() else "",
    })


@login_required
@require_http_methods(["GET", "POST"])
def selection_analysis(request, tenant_pk, pk):
    """An elimination analysis of the selection's units, which becomes a proposal (the visa workflow)."""
    selection = _action_context(request, tenant_pk, pk)
    try:
        criteria = services.selection_criteria(selection)
    except ValidationError as error:
        refusals.as_messages(request, error)
        return _detail(selection)
    form = SelectionAnalysisForm(request.POST or None, selection_criteria=criteria,
                                 initial={"proposal_title": str(selection)}, tenant=selection.tenant)
    count, error = None, ""
    try:
        count = selectors.selection_count(selection, user=request.user)
    except (VitamError, ConsultationUnavailable) as exc:
        error = _vitam_message(exc)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.selection_analysis_start(
                actor=request.user, selection=selection, title=form.cleaned_data["proposal_title"],
                mode=form.cleaned_data["mode"], date=form.cleaned_data["date"],
                confirmed=form.cleaned_data["confirmed"], request=request)
        except (ValidationError, VitamError) as exc:
            refusals.on_form(form, exc)
        except ConsultationUnavailable as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("elimination:proposal_detail", tenant_pk=selection.tenant_id, pk=proposal.pk)
    return render(request, "selection/selection_analysis.html", {
        "tenant": selection.tenant, "selection": selection, "form": form, "count": count, "error": error})


@login_required
@require_GET
def selection_export(request, tenant_pk, pk):
    """The chosen columns of every unit of the selection, streamed as the search export is (no window)."""
    selection = selectors.selection_get_for_user(request.user, tenant_pk, pk)
    tenant = selection.tenant
    try:
        export = consultation_services.export_csv(user=request.user, tenant=tenant,
                                                  criteria=services.selection_criteria(selection),
                                                  columns=request.GET.getlist("columns"))
    except ValidationError as error:
        refusals.as_messages(request, error)
        return _detail(selection)
    except (VitamError, ConsultationUnavailable) as exc:
        messages.error(request, _vitam_message(exc))
        return _detail(selection)
    consultation_services.consultation_record(request=request, tenant=tenant, action="consultation.export", details={
        "selection": str(selection), "rows": export.total})
    response = StreamingHttpResponse(export.rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="selection-{tenant.vitam_id}-{timezone.localdate():%Y%m%d}.csv"')
    response["X-Total-Results"] = str(export.total)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def selection_zip(request, tenant_pk, pk):
    """The chosen usages of the selection's files, a folder per unit, streamed as a zip while Vitam sends them
    (a confirmation with the count and size above the threshold; refused above the cap, for a DIP)."""
    selection = selectors.selection_get_for_user(request.user, tenant_pk, pk)
    try:
        usages = zip_export.allowed_usages(selection.tenant, user=request.user)
    except (VitamError, MissingContract) as exc:
        messages.error(request, _vitam_message(exc))
        return _detail(selection)
    form = SelectionZipForm(request.POST or None, usages=usages)
    plan, too_large, needs_confirmation = None, False, False
    if request.method == "POST" and form.is_valid():
        try:
            plan = zip_export.zip_plan(actor=request.user, selection=selection, usages=form.cleaned_data["usages"])
            zip_export.zip_check(plan, confirmed=form.cleaned_data["confirmed"])
        except zip_export.ZipTooLarge as exc:
            too_large = True
            refusals.on_form(form, exc)
        except zip_export.ZipNeedsConfirmation as exc:
            needs_confirmation = True
            refusals.on_form(form, exc)
        except (ValidationError, VitamError) as exc:
            refusals.on_form(form, exc)
        except ConsultationUnavailable as exc:
            form.add_error(None, str(exc))
        else:
            response = StreamingHttpResponse(zip_export.zip_stream(
                actor=request.user, selection=selection, plan=plan,
                with_description=form.cleaned_data["with_description"], request=request),
                content_type="application/zip")
            response["Content-Disposition"] = (
                f'attachment; filename="fichiers-selection-{selection.tenant.vitam_id}-{timezone.localdate():%Y%m%d}.zip"')
            response["Cache-Control"] = "private, no-store"
            return response
    if not needs_confirmation:
        form.without_confirmation()
    return render(request, "selection/selection_zip.html", {
        "tenant": selection.tenant, "selection": selection, "form": form, "plan": plan, "too_large": too_large,
        "confirm_units": settings.ZIP_EXPORT_CONFIRM_UNITS})
