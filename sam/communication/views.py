"""Screens of communications: thin; the selection through the selection's accessor (its owner, archive staff),
a communication through communication_get_for_user (404 alike for missing and forbidden)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sam.communication import selectors, services
from sam.communication.forms import CommunicationForm
from sam.communication.models import Communication
from sam.consultation.selectors import ConsultationUnavailable
from sam.lib import refusals
from sam.selection.selectors import selection_get_for_user
from sam.vitam import limits
from sam.vitam.errors import VitamError


def _vitam_message(error) -> str:
    return error.user_message() if hasattr(error, "user_message") else str(error)


def _threshold_label() -> str:
    """Units one DIP part holds (Vitam's threshold, at most SAM's batch size), grouped as French readers expect."""
    return number_format(limits.part_size(), force_grouping=True)


@login_required
@require_http_methods(["GET", "POST"])
def communication_create(request, tenant_pk, selection_pk):
    """The request form with Vitam's count of what the DIP would hold; POST starts the export."""
    selection = selection_get_for_user(request.user, tenant_pk, selection_pk)
    selectors.communication_tenant_for_user(request.user, tenant_pk)
    form = CommunicationForm(request.POST or None)
    preview, error = None, ""
    try:
        preview = services.communication_preview(actor=request.user, selection=selection)
    except ValidationError as refusal:
        refusals.as_messages(request, refusal)
        return redirect("selection:detail", tenant_pk=selection.tenant_id, pk=selection.pk)
    except (VitamError, ConsultationUnavailable) as exc:
        error = _vitam_message(exc)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            communication = services.communication_start(
                actor=request.user, selection=selection, purpose=data["purpose"],
                purpose_detail=data["purpose_detail"], requester_name=data["requester_name"],
                requester_service=data["requester_service"], usages=data["usages"],
                with_logbook=data["with_logbook"], request=request)
        except (ValidationError, VitamError) as refusal:
            refusals.on_form(form, refusal)
        except ConsultationUnavailable as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("communication:detail", tenant_pk=selection.tenant_id, pk=communication.pk)
    return render(request, "communication/communication_create.html", {
        "tenant": selection.tenant, "selection": selection, "form": form, "preview": preview, "error": error,
        "threshold": _threshold_label()})


@login_required
@require_GET
def communication_list(request, tenant_pk):
    tenant = selectors.communication_tenant_for_user(request.user, tenant_pk)
    return render(request, "communication/communication_list.html", {
        "tenant": tenant, "communications": selectors.communications_asked_by(tenant, request.user)})


@login_required
@require_GET
def communication_detail(request, tenant_pk, pk):
    communication = selectors.communication_get_for_user(request.user, tenant_pk, pk)
    parts = selectors.communication_parts(communication)
    downloadable = [part for part in parts if part.downloadable]
    return render(request, "communication/communication_detail.html", {
        "tenant": communication.tenant, "communication": communication, "parts": parts,
        "downloadable_parts": downloadable,
        "downloadable_indexes": ", ".join(str(part.index) for part in downloadable),
        "threshold": _threshold_label(),
        "job": communication.job if communication.state == Communication.State.RUNNING else None})


@login_required
@require_POST
def communication_resume(request, tenant_pk, pk):
    """Start a failed communication's job again from its first part not done."""
    communication = selectors.communication_get_for_user(request.user, tenant_pk, pk)
    try:
        services.communication_resume(actor=request.user, communication=communication, request=request)
    except ValidationError as refusal:
        refusals.as_messages(request, refusal)
    return redirect("communication:detail", tenant_pk=communication.tenant_id, pk=communication.pk)


@login_required
@require_GET
def communication_download(request, tenant_pk, pk, index=1):
    """The DIP of one part relayed from Vitam chunk by chunk: never the whole zip in SAM's memory or disk."""
    communication = selectors.communication_get_for_user(request.user, tenant_pk, pk)
    try:
        part, stream = services.communication_download(actor=request.user, communication=communication,
                                                       index=index, request=request)
    except ValidationError as refusal:
        refusals.as_messages(request, refusal)
        return redirect("communication:detail", tenant_pk=communication.tenant_id, pk=communication.pk)
    except (VitamError, ConsultationUnavailable) as exc:
        messages.error(request, _vitam_message(exc))
        return redirect("communication:detail", tenant_pk=communication.tenant_id, pk=communication.pk)
    response = StreamingHttpResponse(stream, content_type="application/zip")
    if stream.size is not None:
        response["Content-Length"] = str(stream.size)
    response["Content-Disposition"] = f'attachment; filename="DIP-{part.operation_id}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response
