"""Screens of transfers: thin, the transfer loaded through transfer_get_for_user (404 alike)."""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from referentials.trees.selectors import tenant_agencies
from sam.lib import refusals
from sam.selection import selectors as selection_selectors
from sam.selection import services as selection_services
from sam.transfers import delivery, documents, selectors, services
from sam.transfers.forms import PlatformForm, ReplyForm, SendForm, TransferForm
from sam.transfers.models import ReceivingPlatform, Transfer
from sam.vitam import limits
from sam.vitam.errors import VitamError
from tenants.permissions import can


def _limit() -> str:
    """How many units one Vitam operation of a transfer takes (Vitam's threshold, at most SAM's batch size)."""
    return number_format(limits.part_size(), force_grouping=True)


def _detail(transfer):
    return redirect("transfers:detail", tenant_pk=transfer.tenant_id, pk=transfer.pk)


@login_required
@require_GET
def transfer_list(request, tenant_pk):
    tenant = selectors.transfer_tenant_for_user(request.user, tenant_pk)
    return render(request, "transfers/transfer_list.html", {
        "tenant": tenant, "transfers": selectors.transfer_list(tenant=tenant),
        "perms_manage_platforms": can(request.user, selectors.PLATFORM_PERMISSION, tenant.organisation)})


def _new(request, tenant, *, mode, criteria, selection=None):
    form = TransferForm(request.POST or None, agencies=tenant_agencies(tenant))
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.transfer_start(actor=request.user, tenant=tenant, mode=mode, criteria=criteria,
                                               request=request, **form.cleaned_data)
        except (ValidationError, VitamError) as error:
            refusals.on_form(form, error)
        else:
            return _detail(transfer)
    return render(request, "transfers/transfer_new.html", {
        "tenant": tenant, "form": form, "selection": selection, "limit": _limit()})


@login_required
@require_http_methods(["GET", "POST"])
def transfer_new_dua(request, tenant_pk):
    """Every unit whose retention period has ended with the final action Keep."""
    tenant = selectors.transfer_tenant_for_user(request.user, tenant_pk)
    return _new(request, tenant, mode=Transfer.Mode.DUA_KEEP, criteria={})


@login_required
@require_http_methods(["GET", "POST"])
def transfer_new_selection(request, tenant_pk, selection_pk):
    """The units of a selection (its owner's), and everything below them."""
    tenant = selectors.transfer_tenant_for_user(request.user, tenant_pk)
    selection = selection_selectors.selection_get_for_user(request.user, tenant.pk, selection_pk)
    try:
        criteria = selection_services.selection_criteria(selection)
    except ValidationError as error:
        refusals.as_messages(request, error)
        return redirect("selection:detail", tenant_pk=tenant.pk, pk=selection.pk)
    return _new(request, tenant, mode=Transfer.Mode.SELECTION, criteria=criteria, selection=selection)


@login_required
@require_GET
def transfer_detail(request, tenant_pk, pk):
    transfer = selectors.transfer_get_for_user(request.user, tenant_pk, pk)
    return render(request, "transfers/transfer_detail.html", {
        "tenant": transfer.tenant, "transfer": transfer, "job": transfer.job, "reply_form": ReplyForm(),
        "reply_first": selectors.unanswered_before(transfer) if transfer.state in selectors.AWAITING_REPLY else None,
        "send_form": SendForm(tenant=transfer.tenant), "limit": _limit(), **documents.agency_labels(transfer)})


@login_required
@require_GET
def transfer_group(request, tenant_pk, pk):
    """A transfer in parts as one: its parts, their state and files, the totals, the resumption."""
    head = selectors.transfer_group_get_for_user(request.user, tenant_pk, pk)
    return render(request, "transfers/transfer_group.html", {
        "tenant": head.tenant, "head": head, "job": head.job,
        "summary": selectors.group_summary(list(head.parts.all())), "limit": _limit(),
        "send_form": SendForm(tenant=head.tenant)})


@login_required
@require_POST
def transfer_resume(request, tenant_pk, pk):
    """Start a transfer in parts again at its failed part."""
    head = selectors.transfer_group_get_for_user(request.user, tenant_pk, pk)
    try:
        services.parts_resume(actor=request.user, head=head, request=request)
    except ValidationError as error:
        refusals.as_messages(request, error)
    return redirect("transfers:group", tenant_pk=head.tenant_id, pk=head.pk)


@login_required
@require_POST
def transfer_parts_send(request, tenant_pk, pk):
    """Send the ready parts of a transfer in parts to a receiving platform, one after the other."""
    head = selectors.transfer_group_get_for_user(request.user, tenant_pk, pk)
    form = SendForm(request.POST, tenant=head.tenant)
    if not form.is_valid():
        messages.error(request, _("Choose the receiving platform."))
    else:
        try:
            delivery.parts_send(actor=request.user, head=head, platform=form.cleaned_data["platform"],
                                request=request)
        except ValidationError as error:
            refusals.as_messages(request, error)
    return redirect("transfers:group", tenant_pk=head.tenant_id, pk=head.pk)


@login_required
@require_POST
def transfer_send(request, tenant_pk, pk):
    """Send the ready SIP to a receiving platform of the tenant, in the background."""
    transfer = selectors.transfer_get_for_user(request.user, tenant_pk, pk)
    form = SendForm(request.POST, tenant=transfer.tenant)
    if not form.is_valid():
        messages.error(request, _("Choose the receiving platform."))
        return _detail(transfer)
    try:
        delivery.transfer_send(actor=request.user, transfer=transfer, platform=form.cleaned_data["platform"],
                               request=request)
    except ValidationError as error:
        refusals.as_messages(request, error)
    return _detail(transfer)


@login_required
@require_http_methods(["GET", "POST"])
def platform_list(request, tenant_pk):
    """The receiving platforms of the tenant, and the form to add one (the referent's)."""
    tenant = selectors.platform_tenant_for_user(request.user, tenant_pk)
    form = PlatformForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            delivery.platform_save(actor=request.user, tenant=tenant, data=form.cleaned_data, request=request)
        except ValidationError as error:
            refusals.on_form(form, error)
        else:
            messages.success(request, _("Receiving platform added."))
            return redirect("transfers:platforms", tenant_pk=tenant.pk)
    return render(request, "transfers/platform_list.html", {
        "tenant": tenant, "form": form, "platforms": ReceivingPlatform.objects.filter(tenant=tenant),
        "certificates_dir": delivery.certificates_dir(tenant.organisation)})


@login_required
@require_POST
def platform_delete(request, tenant_pk, pk):
    tenant = selectors.platform_tenant_for_user(request.user, tenant_pk)
    platform = selectors.platform_get(tenant, pk)
    delivery.platform_delete(actor=request.user, platform=platform, request=request)
    messages.success(request, _("Receiving platform removed."))
    return redirect("transfers:platforms", tenant_pk=tenant.pk)


@login_required
@require_GET
def transfer_sip(request, tenant_pk, pk):
    """The ArchiveTransfer SIP, streamed from disk; the first download records the transfer as sent."""
    transfer = selectors.transfer_get_for_user(request.user, tenant_pk, pk)
    if not transfer.sip_path or not Path(transfer.sip_path).is_file():
        raise Http404
    services.sip_download_record(actor=request.user, transfer=transfer, request=request)
    return FileResponse(open(transfer.sip_path, "rb"), as_attachment=True, filename=f"{transfer.reference}.zip",
                        content_type="application/zip")


@login_required
@require_POST
def transfer_reply(request, tenant_pk, pk):
    transfer = selectors.transfer_get_for_user(request.user, tenant_pk, pk)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the reply file (XML) of the receiving service."))
        return _detail(transfer)
    upload = form.cleaned_data["reply"]
    if upload.size > services.MAX_REPLY_BYTES:
        messages.error(request, _("The reply is too large (20 Mo at most)."))
        return _detail(transfer)
    try:
        transfer = services.reply_import(actor=request.user, transfer=transfer, data=upload.read(),
                                         request=request)
    except ValidationError as error:
        refusals.as_messages(request, error)
    else:
        if transfer.state == Transfer.State.REFUSED:
            messages.warning(request, _("The receiving service refused the whole transfer: nothing is purged, the "
                                        "units stay in SAM."))
        else:
            messages.success(request, _("The reply is being integrated: Vitam purges the accepted units."))
    return _detail(transfer)


@login_required
@require_GET
def transfer_reply_file(request, tenant_pk, pk):
    """The receiving service's reply, as it was received."""
    transfer = selectors.transfer_get_for_user(request.user, tenant_pk, pk)
    if not transfer.reply_path or not Path(transfer.reply_path).is_file():
        raise Http404
    services.reply_download_record(actor=request.user, transfer=transfer, request=request)
    return FileResponse(open(transfer.reply_path, "rb"), as_attachment=True,
                        filename=f"{transfer.reference}-reponse.xml", content_type="application/xml")


@login_required
@require_GET
def transfer_print(request, tenant_pk, pk):
    """The bordereau de transfert, printable (print CSS)."""
    transfer = selectors.transfer_get_for_user(request.user, tenant_pk, pk)
    return render(request, "transfers/transfer_print.html", documents.bordereau_context(transfer))


@login_required
@require_http_methods(["GET", "POST"])
def transfer_print_pdf(request, tenant_pk, pk):
    """The bordereau as PDF, from the print page's template; built in the background, then served from disk."""
    transfer = selectors.transfer_get_for_user(request.user, tenant_pk, pk)
    path = services.bordereau_pdf_path(transfer)
    if path.is_file():
        return FileResponse(open(path, "rb"), as_attachment=True, filename=f"bordereau-{transfer.reference}.pdf",
                            content_type="application/pdf")
    if request.method == "POST":
        job = services.bordereau_pdf_start(actor=request.user, transfer=transfer)
        return redirect(f"{request.path}?job={job.pk}")
    return render(request, "transfers/bordereau_pdf.html", {
        "tenant": transfer.tenant, "transfer": transfer,
        "job": selectors.bordereau_pdf_job(transfer, request.GET.get("job"))})
