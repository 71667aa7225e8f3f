"""Screens of probative value reports: thin, tenant loaded with the `search` permission (404 alike otherwise)."""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from sam.consultation.selectors import ConsultationUnavailable
from sam.lib.refusals import as_messages
from sam.proof import documents, selectors, services
from sam.proof.models import ProofRequest
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
    if report is not None:
        services.proof_consultation_record(request=request, proof=proof, action="proof.view")
    return render(request, "proof/proof_detail.html", {"tenant": tenant, "proof": proof, "report": report})


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
    services.proof_consultation_record(request=request, proof=proof, action="proof.attestation_download")
    if not pdf:
        return render(request, "proof/attestation.html", documents.attestation_context(proof, report, sha512))
    response = HttpResponse(documents.attestation_pdf(proof, report, sha512), content_type="application/pdf")
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

