"""Sending a transfer's SIP to the receiving service's Vitam over its ingest API, as SAM deposits: the SIP
streamed from disk to POST /ingest-external/v1/ingests (X-Action RESUME, the platform's X-Context-Id), the
receiving ingest followed, its ArchiveTransferReply fetched and imported as the transfer's reply (a receiving
Vitam's ATR names our units by the SIP's ids). A second Vitam client, built for that platform (address, tenant,
certificate), never SAM's own. Each step is audited."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sam.lib.jobs.services import job_heartbeat
from sam.transfers import services
from sam.transfers.models import ReceivingPlatform, Transfer
from sam.transfers.selectors import ANSWERED
from sam.vitam import VitamClient, VitamContext, VitamError
from sam.vitam.client import WORKFLOWS
from sam.vitam.session import TlsIdentity
from tenants.audit import audit_record

# A receiving ingest of thousands of units may take Vitam hours; past this the job says so.
INGEST_TIMEOUT = 6 * 3600


def platform_client(platform: ReceivingPlatform) -> VitamClient:
    identity = TlsIdentity(platform.cert_path or None, platform.key_path or None, platform.ca_path or None)
    return VitamClient(VitamContext(tenant=platform.vitam_tenant), base_url=platform.ingest_url, identity=identity)


def certificates_dir(organisation) -> Path:
    return Path(settings.RECEIVING_PLATFORM_CERTS_DIR) / organisation.code


def platform_save(*, actor, tenant, data: dict, request=None) -> ReceivingPlatform:
    """Record a receiving platform; its certificate files must lie in the organisation's own folder."""
    if data.get("context_id") not in WORKFLOWS:
        raise ValidationError({"context_id": _("Choose one of Vitam's ingest workflows.")})
    folder = certificates_dir(tenant.organisation).resolve()
    for field in ("cert_path", "key_path", "ca_path"):
        if not data.get(field):
            continue
        path = Path(data[field]).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            raise ValidationError({field: _("No such file in %(folder)s, the folder of your organisation's "
                                            "receiving platforms' certificates.") % {"folder": folder}})
    with transaction.atomic():
        platform = ReceivingPlatform.objects.create(tenant=tenant, organisation=tenant.organisation,
                                                    created_by=actor, **data)
        audit_record(actor=actor, action="transfer.platform_create", tenant=tenant, target=platform,
                     request=request, after={key: str(value) for key, value in data.items()})
    return platform


def platform_delete(*, actor, platform: ReceivingPlatform, request=None) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action="transfer.platform_delete", tenant=platform.tenant, target=platform,
                     request=request, before={"name": platform.name, "ingest_url": platform.ingest_url})
        platform.delete()


def transfer_send(*, actor, transfer: Transfer, platform: ReceivingPlatform, request=None) -> Transfer:
    """Send the ready SIP to the platform in the background; refused when the SIP is not ready, or when the
    platform expects another ingest contract than the SIP's ArchivalAgreement (its ingest would be refused)."""
    if transfer.state != Transfer.State.SIP_READY:
        raise ValidationError(_("Only a transfer whose SIP is ready can be sent (it is %(state)s).") % {
            "state": transfer.get_state_display()})
    _check_platform(transfer, platform)
    services.reply_order_check(transfer)
    with transaction.atomic():
        services._transition(transfer, actor=actor, action="send", request=request, state=Transfer.State.SENDING,
                             platform=platform, error="")
        services._enqueue_step(transfer, actor=actor, kind="transfer_send",
                               task="sam.transfers.tasks.transfer_send_task",
                               label=_("Sending of transfer %(reference)s") % {"reference": transfer.reference})
    transfer.refresh_from_db()
    return transfer


def parts_send(*, actor, head: Transfer, platform: ReceivingPlatform, request=None) -> None:
    """Send the ready parts of a transfer in parts one after the other, in one job: in the order of the parts,
    so that their replies purge the deepest units first."""
    parts = list(Transfer.objects.filter(group=head, state=Transfer.State.SIP_READY).order_by("part_index"))
    if not parts:
        raise ValidationError(_("No part of this transfer has its SIP ready to be sent."))
    for part in parts:
        _check_platform(part, platform)
    services.reply_order_check(parts[0])  # the platform's replies come at once: each needs the one before it
    with transaction.atomic():
        for part in parts:
            services._transition(part, actor=actor, action="send", request=request, state=Transfer.State.SENDING,
                                 platform=platform, error="")
        services.parts_send_enqueue(head, actor=actor)


def parts_deliver(*, head: Transfer, on_progress, actor=None) -> None:
    """Deliver the parts being sent, in order; a part that could not be delivered stops the others, which go
    back to "SIP ready" to be sent again. Replies are integrated in the order of the parts: while a part's reply
    is still being integrated (its own job), the next parts wait in "being sent"; the end of that reply
    delivers them (services.reply_run)."""
    parts = list(Transfer.objects.filter(group=head, state=Transfer.State.SENDING)
                 .select_related("tenant", "organisation", "platform").order_by("part_index"))
    for number, part in enumerate(parts):
        transfer_deliver(transfer=part, actor=actor, on_progress=on_progress)
        part.refresh_from_db()
        if part.error:
            for left in parts[number + 1:]:
                services._transition(left, actor=None, action="send_failed", state=Transfer.State.SIP_READY,
                                     error=_("Not sent: part %(index)s could not be delivered.") % {
                                         "index": part.part_index})
            return
        if part.state not in ANSWERED:
            return


def _check_platform(transfer: Transfer, platform: ReceivingPlatform) -> None:
    if platform.tenant_id != transfer.tenant_id:
        raise ValidationError(_("This receiving platform is not one of this tenant's."))
    if platform.ingest_contract and platform.ingest_contract != transfer.archival_agreement:
        raise ValidationError(_(
            "The platform %(platform)s takes the ingest contract %(expected)s, and this transfer's SIP names "
            "%(agreement)s: its ingest would be refused.") % {
            "platform": platform.name, "expected": platform.ingest_contract, "agreement": transfer.archival_agreement})


def transfer_deliver(*, transfer: Transfer, on_progress, actor=None) -> None:
    """Upload, follow the receiving ingest, fetch its ATR and import it as the reply (on behalf of `actor`)."""
    platform = transfer.platform
    if platform is None:  # removed by the referent while the job waited
        services._transition(transfer, actor=None, action="send_failed", state=Transfer.State.SIP_READY,
                             error=_("The receiving platform was removed before the transfer was sent."))
        return
    client = platform_client(platform)
    try:
        on_progress(0, 3, _("Sending the SIP to %(platform)s") % {"platform": platform.name})
        operation_id = client.ingest(transfer.sip_path, context_id=platform.context_id, action="RESUME")
        services._transition(transfer, actor=None, action="delivered", state=Transfer.State.SENT,
                             delivery_operation_id=operation_id, sent_at=timezone.now())
        on_progress(1, 3, _("The receiving platform takes the SIP in"))
        status = client.wait_for_operation(operation_id, timeout=INGEST_TIMEOUT, on_poll=job_heartbeat)
        on_progress(2, 3, _("Fetching the receiving platform's reply"))
        atr = client.get_atr(operation_id)
    except VitamError as error:
        state = Transfer.State.SENT if transfer.delivery_operation_id else Transfer.State.SIP_READY
        services._transition(transfer, actor=None, action="send_failed", state=state, error=_(
            "The receiving platform %(platform)s could not be reached or did not answer (%(reason)s): send the "
            "transfer again, or take its SIP there.") % {"platform": platform.name, "reason": error.user_message()})
        return
    audit_record(actor=None, action="transfer.atr_received", tenant=transfer.tenant, target=transfer,
                 after={"operation": operation_id, "status": status.status})
    transfer.refresh_from_db()
    try:
        services.reply_import(actor=actor, transfer=transfer, data=atr)
    except ValidationError as refusal:
        services._transition(transfer, actor=None, action="send_failed", state=Transfer.State.SENT, error=_(
            "The receiving platform's reply could not be imported: %(reason)s") % {
            "reason": " ".join(refusal.messages)})
    on_progress(3, 3, "")
