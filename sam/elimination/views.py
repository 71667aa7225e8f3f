"""Screens of eliminations and mass updates: thin views over selectors and services."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sam.elimination import display, documents, selectors, services
from sam.elimination.forms import AnalysisForm, DecisionForm, MassUpdateForm, UnitFilterForm
from sam.consultation.seda_labels import FINAL_ACTIONS as FINAL_ACTION_LABELS
from sam.elimination.models import MassUpdate, Proposal
from sam.lib import refusals
from sam.vitam import VitamError
from sam.vitam.types import HITS_TOTAL_CAP
from tenants.audit import audit_record
from tenants.context import tenant_get_for_request
from tenants.permissions import can, checker_for, is_platform_admin, may_give_visa, visa_givers
from tenants.vitam_clients import MissingContract

PAGE_SIZE = 25
UNITS_PAGE_SIZE = 50
GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def _detail_url(proposal):
    return reverse("elimination:proposal_detail", kwargs={"tenant_pk": proposal.tenant_id, "pk": proposal.pk})


def _page(request, items, size):
    return Paginator(items, size).get_page(request.GET.get("page"))


@login_required
@require_GET
def proposal_list(request, tenant_pk):
    tenant = tenant_get_for_request(request, tenant_pk, "eliminate")
    state = request.GET.get("state", "")
    state = state if state in Proposal.State.values else ""
    return render(request, "elimination/proposal_list.html", {
        "tenant": tenant, "page": _page(request, selectors.proposal_list(tenant=tenant, state=state), PAGE_SIZE),
        "states": Proposal.State.choices, "state": state,
    })


@login_required
@GET_POST
def analysis_create(request, tenant_pk):
    tenant = tenant_get_for_request(request, tenant_pk, "eliminate")
    # GET parameters prefill the criteria (a link from a search keeps its title, service, node, dates).
    form = AnalysisForm(request.POST or None, initial=_initial(request), tenant=tenant)
    if request.method == "POST" and form.is_valid():
        try:
            criteria = form.criteria()
            criteria.update(selectors.criteria_labels(user=request.user, tenant=tenant, criteria=criteria))
            proposal = services.analysis_start(
                actor=request.user, tenant=tenant, title=form.cleaned_data["proposal_title"],
                mode=form.cleaned_data["mode"], criteria=criteria, date=form.cleaned_data["date"],
                request=request)
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            return redirect(_detail_url(proposal))
    return render(request, "elimination/analysis_create.html", {"tenant": tenant, "form": form})


def _initial(request) -> dict:
    names = ("title", "agency", "node", "date_from", "date_to", "unit_ids", "category", "rule", "action")
    return {name: request.GET[name][:2000] for name in names if request.GET.get(name)}


def _proposal(request, tenant_pk, pk) -> Proposal:
    """The proposal if the user may see it (selectors.proposal_get_for_user), checked on the grants that the
    request reads once for the page (checker_for) and its navigation."""
    checker_for(request)
    return selectors.proposal_get_for_user(request.user, tenant_pk, pk)


def _may_eliminate(request, proposal) -> bool:
    return can(request.user, "eliminate", proposal.organisation)


@login_required
@require_GET
def proposal_detail(request, tenant_pk, pk):
    proposal = _proposal(request, tenant_pk, pk)
    groups = selectors.proposal_groups(proposal)
    agencies = selectors.proposal_agency_choices(proposal, groups)
    filters = UnitFilterForm(request.GET or None, agencies=agencies)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    order = cleaned.get("order") or "tree"
    units = selectors.proposal_units(proposal, status=cleaned.get("status", ""), agency=cleaned.get("agency", ""),
                                     included=cleaned.get("included", ""), outcome=cleaned.get("outcome", ""),
                                     text=cleaned.get("text", ""), parent=cleaned.get("parent", ""), order=order)
    page = _page(request, units, UNITS_PAGE_SIZE)
    rule_names = selectors.proposal_rule_names(proposal)
    page.object_list = display.review_rows(page.object_list, tenant=proposal.tenant, agency_labels=dict(agencies),
                                           rule_names=rule_names, final_action_labels=FINAL_ACTION_LABELS)
    may_eliminate = _may_eliminate(request, proposal)
    tree_groups = selectors.proposal_tree_groups(proposal) if proposal.state != Proposal.State.ANALYSING else []
    return render(request, "elimination/proposal_detail.html", {
        "batches": selectors.batches_of(proposal=proposal, kind="elimination"),
        "tenant": proposal.tenant, "proposal": proposal, "page": page, "filters": filters,
        "grouped_by_tree": order == "tree", "parent": cleaned.get("parent", ""),
        "tree_groups": tree_groups[:selectors.TREE_GROUPS_SHOWN],
        "more_tree_groups": len(tree_groups) > selectors.TREE_GROUPS_SHOWN,
        "groups": groups, "summary": selectors.proposal_summary(proposal),
        "rule_names": rule_names, "agency_labels": dict(agencies),
        "may_eliminate": may_eliminate,
        "may_discard": may_eliminate and proposal.state in (Proposal.State.DRAFT, Proposal.State.FAILED),
        "may_decide": proposal.state == Proposal.State.SUBMITTED and may_give_visa(
            request.user, proposal.organisation),
        "job": proposal.action_job if proposal.state == Proposal.State.EXECUTING else (
            proposal.analysis_job if proposal.state == Proposal.State.ANALYSING else None),
        "certificate_job": proposal.certificate_job if proposal.state == Proposal.State.EXECUTED
        and not proposal.certificate_path else None,
    })


def _act(request, proposal, action, success, **kwargs):
    return refusals.run_and_report(
        request, lambda: action(actor=request.user, proposal=proposal, request=request, **kwargs), lambda: success)


def _require_eliminate(request, proposal):
    if not _may_eliminate(request, proposal):
        raise Http404


@login_required
@require_POST
def proposal_units_update(request, tenant_pk, pk):
    proposal = _proposal(request, tenant_pk, pk)
    _require_eliminate(request, proposal)
    included = request.POST.get("operation") == "include"
    unit_ids = request.POST.getlist("unit")
    back = request.POST.get("next", "")
    back = back if back.startswith(_detail_url(proposal)) else _detail_url(proposal)
    if not unit_ids:
        messages.error(request, _("Tick at least one unit."))
    elif not included and proposal.is_editable and request.POST.get("confirmed") != "yes":
        # Excluding keeps the unit's ancestors too: say which before doing it.
        return render(request, "elimination/proposal_exclude.html", {
            "tenant": proposal.tenant, "proposal": proposal, "back": back,
            "units": selectors.proposal_units(proposal).filter(unit_id__in=unit_ids[:UNITS_PAGE_SIZE * 4]),
            "unit_ids": unit_ids, "parents": selectors.exclusion_effect(proposal, unit_ids)})
    else:
        try:
            changed = services.proposal_units_set_included(actor=request.user, proposal=proposal, unit_ids=unit_ids,
                                                           included=included, request=request)
        except ValidationError as error:
            refusals.as_messages(request, error)
        else:
            messages.success(request, (_("%(count)s units put back into the proposal.") if included else
                                       _("%(count)s units excluded from the proposal.")) % {"count": changed})
    return redirect(back)


@login_required
@GET_POST
def proposal_discard(request, tenant_pk, pk):
    """GET asks for confirmation (abandoning cannot be undone); POST abandons."""
    proposal = _proposal(request, tenant_pk, pk)
    _require_eliminate(request, proposal)
    if request.method == "GET":
        return render(request, "elimination/proposal_discard.html", {"tenant": proposal.tenant, "proposal": proposal})
    _act(request, proposal, services.proposal_discard, _("The proposal was abandoned."))
    return redirect(_detail_url(proposal))


@login_required
@GET_POST
def proposal_submit(request, tenant_pk, pk):
    """GET asks for confirmation (what the controller will receive); POST sends the proposal."""
    proposal = _proposal(request, tenant_pk, pk)
    _require_eliminate(request, proposal)
    if request.method == "POST":
        _act(request, proposal, services.proposal_submit,
             _("The proposal was sent to the departmental archives for their visa."))
        return redirect(_detail_url(proposal))
    return render(request, "elimination/proposal_submit.html", {
        "tenant": proposal.tenant, "proposal": proposal, "summary": selectors.proposal_summary(proposal),
        "controllers": visa_givers(proposal.organisation),
    })


@login_required
@GET_POST
def proposal_decide(request, tenant_pk, pk):
    proposal = _proposal(request, tenant_pk, pk)
    may_decide = may_give_visa(request.user, proposal.organisation)
    # As in the API: the commune's staff may read the page, only the visa holders may post to it (platform
    # administrators reach the service, which refuses them the visa with its message).
    if request.method == "POST" and not may_decide and not is_platform_admin(request.user):
        raise PermissionDenied
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        done = _act(request, proposal, services.proposal_decide,
                    _("The proposal is approved.") if approve else _("The proposal is refused."),
                    approve=approve, comment=form.cleaned_data["comment"])
        if done is not None:
            return redirect(_detail_url(proposal))
    return render(request, "elimination/proposal_decide.html", {
        "tenant": proposal.tenant, "proposal": proposal, "form": form,
        "summary": selectors.proposal_summary(proposal), "groups": selectors.proposal_groups(proposal),
        "may_decide": proposal.state == Proposal.State.SUBMITTED and may_decide,
    })


@login_required
@GET_POST
def proposal_execute(request, tenant_pk, pk):
    proposal = _proposal(request, tenant_pk, pk)
    _require_eliminate(request, proposal)
    if request.method == "POST":
        _act(request, proposal, services.proposal_execute_start, _("The elimination runs in the background."))
        return redirect(_detail_url(proposal))
    return render(request, "elimination/proposal_execute.html", {
        "tenant": proposal.tenant, "proposal": proposal, "summary": selectors.proposal_summary(proposal),
    })


@login_required
@require_POST
def proposal_certificate_restart(request, tenant_pk, pk):
    proposal = _proposal(request, tenant_pk, pk)
    _require_eliminate(request, proposal)
    _act(request, proposal, services.certificate_restart, _("The certificate is being laid out again."))
    return redirect(_detail_url(proposal))


@login_required
@require_POST
def proposal_copy(request, tenant_pk, pk):
    proposal = _proposal(request, tenant_pk, pk)
    _require_eliminate(request, proposal)
    copy = _act(request, proposal, services.proposal_copy, _("A new draft was made from this proposal."))
    return redirect(_detail_url(copy or proposal))


@login_required
@require_GET
def proposal_print(request, tenant_pk, pk):
    """The bordereau d'élimination, printable (print CSS); ?download=1 saves it as an HTML file."""
    proposal = _proposal(request, tenant_pk, pk)
    response = render(request, "elimination/proposal_print.html", documents.bordereau_context(proposal))
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="bordereau-elimination-{proposal.reference}.html"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def proposal_print_pdf(request, tenant_pk, pk):
    """The bordereau d'élimination as PDF, laid out from the same template as its print page.

    Served from disk once built; POST builds it in the background (a large proposal takes minutes).
    """
    proposal = _proposal(request, tenant_pk, pk)
    path = services.bordereau_pdf_path(proposal)
    if path.is_file():
        return _stored_file(path, f"bordereau-elimination-{proposal.reference}.pdf", "application/pdf")
    if request.method == "POST":
        job = services.bordereau_pdf_start(actor=request.user, proposal=proposal)
        return redirect(f"{request.path}?job={job.pk}")
    job = selectors.bordereau_pdf_job(proposal, request.GET.get("job"))
    return render(request, "elimination/bordereau_pdf.html", {"tenant": proposal.tenant, "proposal": proposal,
                                                                "job": job})


@login_required
@require_GET
def proposal_csv(request, tenant_pk, pk):
    proposal = _proposal(request, tenant_pk, pk)
    audit_record(actor=request.user, action="elimination.proposal_export", tenant=proposal.tenant, target=proposal,
                 request=request)
    response = StreamingHttpResponse(documents.proposal_csv_rows(proposal), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bordereau-elimination-{proposal.reference}.csv"'
    return response


def _stored_file(path, name, content_type):
    if not path or not Path(path).is_file():
        raise Http404
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type=content_type)


@login_required
@require_GET
def proposal_certificate(request, tenant_pk, pk):
    proposal = _proposal(request, tenant_pk, pk)
    return _stored_file(proposal.certificate_path, f"attestation-elimination-{proposal.reference}.pdf",
                        "application/pdf")


@login_required
@require_GET
def proposal_certificate_annex(request, tenant_pk, pk):
    proposal = _proposal(request, tenant_pk, pk)
    return _stored_file(proposal.certificate_annex_path,
                        f"attestation-elimination-{proposal.reference}-annexe.csv", "text/csv; charset=utf-8")


@login_required
@require_GET
def proposal_report(request, tenant_pk, pk):
    proposal = _proposal(request, tenant_pk, pk)
    return _stored_file(proposal.report_path, f"rapport-elimination-{proposal.reference}.jsonl",
                        "application/x-ndjson")


@login_required
@require_GET
def visa_list(request):
    pending = selectors.visa_proposals(request.user, pending_only=True)
    decided = selectors.visa_proposals(request.user).exclude(state=Proposal.State.SUBMITTED)
    return render(request, "elimination/visa_list.html", {
        "pending": pending, "page": _page(request, decided, PAGE_SIZE)})


# --- mass updates --------------------------------------------------------------------------


@login_required
@require_GET
def mass_update_list(request, tenant_pk):
    tenant = tenant_get_for_request(request, tenant_pk, "eliminate")
    return render(request, "elimination/mass_update_list.html", {
        "tenant": tenant, "page": _page(request, selectors.mass_update_list(tenant=tenant), PAGE_SIZE)})


@login_required
@GET_POST
def mass_update_create(request, tenant_pk):
    """Two steps: preview (count of the units touched), then start (confirmation above the threshold)."""
    tenant = tenant_get_for_request(request, tenant_pk, "eliminate")
    form = MassUpdateForm(request.POST or None, initial=_initial(request), tenant=tenant)
    count, count_capped = None, False
    if request.method == "POST" and form.is_valid():
        try:
            count, count_capped = services.mass_update_count(tenant=tenant, criteria=form.criteria())
            if request.POST.get("step") == "start" and form.cleaned_data.get("expected_count") is not None:
                criteria = form.criteria()
                criteria.update(selectors.criteria_labels(user=request.user, tenant=tenant, criteria=criteria))
                update = services.mass_update_start(
                    actor=request.user, tenant=tenant, criteria=criteria, change=form.change(),
                    expected_count=count, confirmed=form.cleaned_data["confirmed"], request=request)
                return redirect("elimination:mass_update_detail", tenant_pk=tenant.pk, pk=update.pk)
        except (ValidationError, VitamError, MissingContract) as error:
            refusals.on_form(form, error)
    return render(request, "elimination/mass_update_create.html", {
        "tenant": tenant, "form": form, "count": count, "count_capped": count_capped,
        "threshold": services._threshold(),
        "description": services.rule_actions_for(form.change())[1] if count is not None else "",
    })


@login_required
@require_GET
def mass_update_detail(request, tenant_pk, pk):
    update = selectors.mass_update_get_for_user(request.user, tenant_pk, pk)
    batches = selectors.batches_of(mass_update=update)
    return render(request, "elimination/mass_update_detail.html", {
        "tenant": update.tenant, "update": update,
        "job": update.job if update.state == MassUpdate.State.RUNNING else None,
        "batches": batches,
        # Until the run lists the units, the count is Vitam's, which stops at 10,000.
        "unit_count_capped": not batches and update.unit_count >= HITS_TOTAL_CAP,
        "lines": documents.report_lines_preview(update.report_path) if update.report_path else [],
    })


@login_required
@require_POST
def mass_update_resume(request, tenant_pk, pk):
    update = selectors.mass_update_get_for_user(request.user, tenant_pk, pk)  # archivists of the tenant only
    refusals.run_and_report(request, lambda: services.mass_update_resume(actor=request.user, update=update,
                                                                         request=request),
                            lambda: _("The update resumes in the background with the remaining units."))
    return redirect("elimination:mass_update_detail", tenant_pk=update.tenant_id, pk=update.pk)


@login_required
@require_GET
def mass_update_report(request, tenant_pk, pk):
    update = selectors.mass_update_get_for_user(request.user, tenant_pk, pk)
    return _stored_file(update.report_path, f"rapport-mise-a-jour-{update.pk}.jsonl", "application/x-ndjson")


# --- notifications -------------------------------------------------------------------------


@login_required
@GET_POST
def notification_list(request):
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("elimination:notification_list")
    return render(request, "elimination/notification_list.html", {
        "page": _page(request, selectors.notifications_for(request.user), PAGE_SIZE),
        "unread": selectors.unread_notification_count(request.user),
    })
