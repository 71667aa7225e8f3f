"""Screens of probative value reports: thin, tenant loaded with the `search` permission (404 alike otherwise)."""

import hashlib

from django.urls import reverse

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sam.consultation import selectors as consultation
from sam.consultation.selectors import ConsultationUnavailable
from sam.lib import refusals
from sam.lib.refusals import as_messages
from sam.proof import documents, selectors, services
from sam.proof.forms import UnitsProofForm
from sam.proof.models import ProofRequest
from sam.selection import selectors as selection_selectors
from sam.vitam.dsl import eq, in_, or_
from sam.vitam.errors import VitamError, VitamUnavailable
from tenants.context import tenant_get_for_request

# Researchers (consult_communicable only) get 404 here: requesting and reading proofs is archivists' work.
SEARCH = "search"


@login_required
@require_POST
def proof_request(request, tenant_pk, unit_id, usage, version):
    tenant = tenant_get_for_request(request, tenant_pk, SEARCH)
    try:
        proof = services.proof_request(user=request.user, tenant=tenant, unit_id=unit_id, usage=usage,
                                       version=version, request=request)
    except VitamUnavailable:
        raise  # Vitam down or slow: the 503 page of sam.site.middleware says so
    except VitamError as error:
        as_messages(request, error)
        return redirect("consultation:unit_detail", tenant.pk, unit_id)
    except ConsultationUnavailable as error:
        messages.error(request, str(error))
        return redirect("consultation:unit_detail", tenant.pk, unit_id)
    return redirect("proof:detail", tenant.pk, proof.pk)


def _units_proof(request, tenant, *, condition, title, unit_id, back_url):
    """The form of a report of several units, with Vitam's count; POST asks Vitam for the report."""
    form = UnitsProofForm(request.POST or None)
    try:
        count = services.units_proof_count(user=request.user, tenant=tenant, condition=condition)
    except ValidationError as refusal:
        as_messages(request, refusal)
        return redirect(back_url)
    except ConsultationUnavailable as error:
        messages.error(request, str(error))
        return redirect(back_url)
    if request.method == "POST" and form.is_valid():
        try:
            proof = services.units_proof_request(
                user=request.user, tenant=tenant, condition=condition, title=title, unit_id=unit_id,
                request=request, **form.cleaned_data)
        except VitamUnavailable:
            raise
        except (ValidationError, VitamError) as refusal:
            refusals.on_form(form, refusal)
        else:
            return redirect("proof:detail", tenant.pk, proof.pk)
    return render(request, "proof/proof_units_new.html", {
        "tenant": tenant, "form": form, "count": count, "title": title, "back_url": back_url})


@login_required
@require_http_methods(["GET", "POST"])
def proof_selection(request, tenant_pk, selection_pk):
    """A report of the objects of every unit of a selection."""
    tenant = tenant_get_for_request(request, tenant_pk, SEARCH)
    selection = selection_selectors.selection_get_for_user(request.user, tenant.pk, selection_pk)
    back_url = reverse("selection:detail", args=[tenant.pk, selection.pk])
    condition = selection_selectors.selection_condition(selection)
    if condition is None:
        messages.error(request, _("The selection is empty: tick units in the search results first."))
        return redirect(back_url)
    return _units_proof(request, tenant, condition=condition, title=str(selection), unit_id="", back_url=back_url)


@login_required
@require_http_methods(["GET", "POST"])
def proof_unit_tree(request, tenant_pk, unit_id):
    """A report of the objects of a unit and of every unit below it."""
    tenant = tenant_get_for_request(request, tenant_pk, SEARCH)
    unit = consultation.get_unit(tenant, unit_id, user=request.user)
    title = _("%(title)s and the units below it") % {"title": unit.get("Title") or unit_id}
    return _units_proof(request, tenant, condition=or_(eq("#id", unit_id), in_("#allunitups", [unit_id])),
                        title=title, unit_id=unit_id,
                        back_url=reverse("consultation:unit_detail", args=[tenant.pk, unit_id]))


def _report(request, proof):
    """(raw bytes, report) from Vitam, or (None, None) with the reason shown on the page."""
    if proof.state != ProofRequest.State.READY:
        return None, None
    try:
        raw = selectors.report_bytes(proof)
    except VitamError as error:
        as_messages(request, error)
        return None, None
    return raw, selectors.report_of(raw)


@login_required
@require_GET
def proof_detail(request, tenant_pk, pk):
    tenant = tenant_get_for_request(request, tenant_pk, SEARCH)
    proof = selectors.proof_get(tenant, pk)
    raw, report = _report(request, proof)
    units = None
    if report is not None:
        services.proof_consultation_record(request=request, proof=proof, action="proof.view")
        if proof.scope == ProofRequest.Scope.UNITS:
            units = selectors.report_by_unit(proof, report, user=request.user)
    return render(request, "proof/proof_detail.html", {"tenant": tenant, "proof": proof, "report": report,
                                                       "units": units})


@login_required
@require_GET
def proof_report_download(request, tenant_pk, pk):
    tenant = tenant_get_for_request(request, tenant_pk, SEARCH)
    proof = selectors.proof_get(tenant, pk)
    raw, _report_read = _report(request, proof)
    if raw is None:
        return redirect("proof:detail", tenant.pk, proof.pk)
    services.proof_consultation_record(request=request, proof=proof, action="proof.report_download")
    response = HttpResponse(raw, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="releve-valeur-probante-{proof.operation_id}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


def _attestation(request, tenant_pk, pk, *, pdf: bool):
    tenant = tenant_get_for_request(request, tenant_pk, SEARCH)
    proof = selectors.proof_get(tenant, pk)
    raw, report = _report(request, proof)
    if report is None:
        return redirect("proof:detail", tenant.pk, proof.pk)
    sha512 = hashlib.sha512(raw).hexdigest()
    units = (selectors.report_by_unit(proof, report, user=request.user)
             if proof.scope == ProofRequest.Scope.UNITS else None)
    services.proof_consultation_record(request=request, proof=proof, action="proof.attestation_download")
    if not pdf:
        return render(request, "proof/attestation.html", documents.attestation_context(proof, report, sha512, units))
    response = HttpResponse(documents.attestation_pdf(proof, report, sha512, units), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="attestation-valeur-probante-{proof.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def proof_attestation(request, tenant_pk, pk):
    return _attestation(request, tenant_pk, pk, pdf=False)


@login_required
@require_GET
def proof_attestation_pdf(request, tenant_pk, pk):
    return _attestation(request, tenant_pk, pk, pdf=True)

