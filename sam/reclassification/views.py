"""Screens that change what is published: move (a unit, a tree node, a selection), rename, delete an empty node,
and the result of each change. Thin: the tenant (manage_referentials) and the unit or selection are loaded
through accessors that answer 404 alike; services do the work."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sam.consultation.selectors import ConsultationUnavailable
from sam.lib import refusals
from sam.reclassification import selectors, services
from sam.reclassification.forms import MoveForm, RenameForm
from sam.selection import selectors as selection_selectors
from sam.selection.services import selection_criteria
from sam.vitam import VitamError
from tenants.permissions import tenant_get_for_user
from tenants.vitam_clients import MissingContract

GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def _query_text(request) -> str:
    return (request.GET.get("q") or request.POST.get("q") or "").strip()[:200]


def _unit_url(tenant, unit: dict) -> str:
    """Where a unit is shown: a tree node in the tree browser, a deposited unit in the consultation."""
    if unit.get("#unitType") in services.TREE_TYPES:
        return reverse("trees:tree_node", args=[tenant.pk, unit["#id"]])
    return reverse("consultation:unit_detail", args=[tenant.pk, unit["#id"]])


def _move_page(request, *, tenant, units, label, cancel_url, unit=None, selection=None):
    """Pick the new parent (search as you type, or the top of the trees), see how many units move, confirm."""
    form = MoveForm(request.POST or None)
    text = _query_text(request)
    candidates = (selectors.parent_candidates(tenant, text, units) if text
                  else selectors.top_candidates(tenant, units))
    chosen, count = None, None
    if request.method == "POST" and form.is_valid():
        try:
            chosen = selectors.unit_get(tenant, form.cleaned_data["new_parent"])
        except Http404:  # a parent that is not in this tenant (or not under its contract)
            form.add_error("new_parent", _("The chosen parent was not found in this tenant: choose it in the list."))
        if chosen is not None:
            count = selectors.subtree_count(tenant, [unit["#id"] for unit in units])
            if request.POST.get("step") == "start":
                try:
                    change = services.move_start(
                        actor=request.user, tenant=tenant, units=units, label=label,
                        new_parent_id=form.cleaned_data["new_parent"], confirmed=form.cleaned_data["confirmed"],
                        request=request)
                except (ValidationError, VitamError) as error:
                    refusals.on_form(form, error)
                else:
                    return redirect("reclassification:change_detail", tenant_pk=tenant.pk, pk=change.pk)
    context = {"tenant": tenant, "units": [selectors.described(tenant, u) for u in units[:10]],
               "unit_total": len(units), "label": label, "form": form, "q": text, "candidates": candidates,
               "chosen": selectors.described(tenant, chosen) if chosen else None, "count": count,
               "cancel_url": cancel_url, "unit": unit, "selection": selection,
               "chosen_listed": chosen is not None and any(c.id == chosen["#id"] for c in candidates)}
    if request.GET.get("fragment"):
        return render(request, "reclassification/_candidates.html", context)
    return render(request, "reclassification/move.html", context)


@login_required
@GET_POST
def unit_move(request, tenant_pk, unit_id):
    tenant = selectors.change_tenant_for_user(request.user, tenant_pk)
    unit = selectors.unit_get(tenant, unit_id)
    return _move_page(request, tenant=tenant, units=[unit], label=unit.get("Title") or unit_id, unit=unit,
                      cancel_url=_unit_url(tenant, unit))


@login_required
@GET_POST
def selection_move(request, tenant_pk, pk):
    """“Move the selection”: its units (those below another selected unit go with it) under one new parent."""
    tenant = selectors.change_tenant_for_user(request.user, tenant_pk)
    selection = selection_selectors.selection_get_for_user(request.user, tenant.pk, pk)
    detail_url = reverse("selection:detail", args=[tenant.pk, selection.pk])
    try:
        condition = selection_criteria(selection)["conditions"][0]
        units = selectors.condition_units(tenant, condition)
    except ValidationError as error:
        refusals.as_messages(request, error)
        return redirect(detail_url)
    except (VitamError, ConsultationUnavailable, MissingContract) as error:
        messages.error(request, error.user_message() if hasattr(error, "user_message") else str(error))
        return redirect(detail_url)
    return _move_page(request, tenant=tenant, units=units, label=str(selection), selection=selection,
                      cancel_url=detail_url)


@login_required
@GET_POST
def unit_rename(request, tenant_pk, unit_id):
    tenant = selectors.change_tenant_for_user(request.user, tenant_pk)
    unit = selectors.unit_get(tenant, unit_id)
    form = RenameForm(request.POST or None, initial={"title": unit.get("Title"),
                                                     "description": unit.get("Description")})
    if request.method == "POST" and form.is_valid():
        try:
            change = services.rename_start(actor=request.user, tenant=tenant, unit=unit, request=request,
                                           title=form.cleaned_data["title"],
                                           description=form.cleaned_data["description"])
        except (ValidationError, VitamError) as error:
            refusals.on_form(form, error)
        else:
            return redirect("reclassification:change_detail", tenant_pk=tenant.pk, pk=change.pk)
    return render(request, "reclassification/rename.html", {"tenant": tenant, "unit": unit, "form": form,
                                                            "cancel_url": _unit_url(tenant, unit)})


@login_required
@GET_POST
def unit_delete(request, tenant_pk, unit_id):
    """An empty node goes through the elimination workflow (proposal, visa): the archivist needs that right too."""
    tenant = selectors.change_tenant_for_user(request.user, tenant_pk)
    tenant_get_for_user(request.user, tenant.pk, "eliminate")
    unit = selectors.unit_get(tenant, unit_id)
    error = ""
    if request.method == "POST":
        try:
            proposal = services.delete_start(actor=request.user, tenant=tenant, unit=unit, request=request)
        except (ValidationError, VitamError) as exc:
            error = " ".join(refusals.messages_of(exc))
        else:
            messages.success(request, _("The deletion of the node is proposed: once Vitam's analysis is done, "
                                        "submit the proposal for the visa."))
            return redirect("elimination:proposal_detail", tenant_pk=tenant.pk, pk=proposal.pk)
    is_filing = unit.get("#unitType") == "FILING_UNIT"
    return render(request, "reclassification/delete.html", {
        "tenant": tenant, "unit": unit, "error": error, "cancel_url": _unit_url(tenant, unit),
        "is_filing": is_filing,
        "kept_reason": selectors.filing_node_kept_reason(tenant, unit_id, timezone.localdate()) if is_filing else "",
        "children": selectors.children_count(tenant, unit_id), "has_object": bool(unit.get("#object"))})


@login_required
@require_GET
def change_detail(request, tenant_pk, pk):
    change = selectors.change_get_for_user(request.user, tenant_pk, pk)
    return render(request, "reclassification/change_detail.html", {
        "tenant": change.tenant, "change": change, "job": change.job,
        "first_unit": next(iter(change.moves), change.unit_id)})
