"""Writes of transfers to definitive archives: start, prepare the SIP in Vitam, record its sending, import the
receiving service's reply, lay out the bordereau. Each step leaves an audit entry.

Partial replies. Vitam's TRANSFER_REPLY purges every unit of the transfer it answers, whatever units the reply
lists (TransferReplyUnitPreparationHandler reads only the transfer's report). So SAM keeps the receiving service's
reply as received and, when it accepts only part of the transfer, starts a second ARCHIVE_TRANSFER of exactly the
accepted units (the regularisation transfer, linked to the first by relatedTransferReference), then answers that
one to Vitam with an ArchiveTransferReply of its own (ReplyCode OK, its Comment naming the first transfer and the
receiving service's reply): Vitam purges exactly the accepted units. A reply accepting everything goes to Vitam as
it is; a KO reply goes nowhere (Vitam would refuse it and purge nothing): the transfer is recorded as refused.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import sys
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from sam.elimination import vitam_side
from sam.lib import safe_xml
from sam.lib.jobs.services import job_enqueue, job_heartbeat
from sam.transfers import documents
from sam.transfers.models import Transfer
from sam.transfers.selectors import NS, REPLY_IN_PROGRESS, SEDA_NS, transferred_units, unanswered_before
from sam.vitam import VitamError, limits
from sam.vitam.dsl import Select, eq, in_, lte
from tenants.audit import audit_record

MAX_REPLY_BYTES = 20 * 1024 * 1024
# Vitam's OK and WARNING replies accept the transfer; KO refuses it whole.
ACCEPTING_REPLY_CODES = ("OK", "WARNING")
REFUSING_REPLY_CODE = "KO"


def storage_dir(transfer: Transfer) -> Path:
    folder = Path(settings.DATA_DIR) / "transfers" / str(transfer.tenant_id) / str(transfer.pk)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def dua_keep_conditions(date: datetime.date) -> list[dict]:
    """Units whose appraisal rule (DUA) has ended at `date` with the final action Keep."""
    return [eq("#management.AppraisalRule.FinalAction", "Keep"),
            lte("#management.AppraisalRule.Rules.EndDate", date.isoformat())]


def _transition(transfer: Transfer, *, actor, action: str, request=None, **changes) -> None:
    """Change the transfer's state and figures with the audit entry of the step, in one transaction."""
    before = {"state": transfer.state}
    with transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).update(**changes)
        transfer.refresh_from_db()
        audit_record(actor=actor, action=f"transfer.{action}", tenant=transfer.tenant, target=transfer,
                     before=before, after={"state": transfer.state, **{
                         key: value for key, value in changes.items()
                         if key in ("operation_id", "reply_operation_id", "unit_count", "accepted_count",
                                    "refused_count", "error", "reply_identifier",
                                    "regularisation_operation_id")}}, request=request)


def transfer_start(*, actor, tenant, mode: str, criteria: dict, archival_agency: str, transferring_agency: str,
                   archival_agreement: str, comment: str = "", request=None) -> Transfer:
    """Record the transfer and prepare its SIP in the background (the units are listed there, past Vitam's
    10,000-unit window; more than one Vitam operation takes make a transfer in parts)."""
    if mode == Transfer.Mode.DUA_KEEP:
        criteria = {"selection": str(Transfer.Mode.DUA_KEEP.label),
                    "conditions": dua_keep_conditions(timezone.localdate())}
    elif not criteria.get("conditions"):
        raise ValidationError(_("The selection is empty: tick units in the search results first."))
    with transaction.atomic():
        transfer = Transfer.objects.create(
            tenant=tenant, organisation=tenant.organisation, created_by=actor, mode=mode, criteria=criteria,
            archival_agency=archival_agency, transferring_agency=transferring_agency,
            archival_agreement=archival_agreement, comment=comment, reference="")
        transfer.reference = f"TR-{tenant.vitam_id}-{transfer.pk:05d}"
        transfer.save(update_fields=["reference"])
        audit_record(actor=actor, action="transfer.start", tenant=tenant, target=transfer, request=request, after={
            "mode": mode, "selection": criteria.get("selection", ""), "archival_agency": archival_agency,
            "archival_agreement": archival_agreement})
        job = job_enqueue(actor=actor, organisation=tenant.organisation, tenant=tenant, kind="transfer_prepare",
                          label=_("Transfer %(reference)s") % {"reference": transfer.reference},
                          task="sam.transfers.tasks.transfer_prepare_task", transfer_id=transfer.pk,
                          result_url=reverse("transfers:detail", args=[tenant.pk, transfer.pk]))
        Transfer.objects.filter(pk=transfer.pk).update(job=job)
    transfer.refresh_from_db()
    return transfer


def _originating_agency(client, unit_id: str) -> str:
    results = client.search_units(Select().where(eq("#id", unit_id)).fields("#id", "#originating_agency")
                                  .limit(1).build()).results
    return (results[0].get("#originating_agency") or "") if results else ""


def _error_message(error) -> str:
    return error.user_message() if hasattr(error, "user_message") else str(error)


def transfer_prepare(*, transfer: Transfer, on_progress) -> None:
    """List the units (and every unit below them); up to the number one Vitam operation takes, one
    ARCHIVE_TRANSFER and its SIP; past it, the transfer becomes parts, each its own ARCHIVE_TRANSFER."""
    if transfer.part_count:  # already made of parts (a job run again): their units are listed, never twice
        parts_run(head=transfer, on_progress=on_progress)
        return
    client = vitam_side.client_for(transfer.tenant)
    try:
        on_progress(0, 0, _("Listing the units"))
        ids = vitam_side.candidate_ids(client, mode=transfer.mode, criteria=transfer.criteria,
                                       date=timezone.localdate().isoformat(), limit=sys.maxsize)
        limit = limits.part_size()  # each part is one `$in` list: at most SAM_VITAM_BATCH_SIZE ids
        if len(ids) > limit:
            ids = _deepest_first(client, ids)
    except (vitam_side.SelectionError, VitamError) as error:
        _transition(transfer, actor=None, action="failed", state=Transfer.State.FAILED, error=_error_message(error))
        return
    if len(ids) <= limit:
        _archive_transfer(client, transfer, ids, on_progress)
        return
    _split(transfer, [ids[start:start + limit] for start in range(0, len(ids), limit)], limit=limit)
    parts_run(head=transfer, on_progress=on_progress)


def _deepest_first(client, ids: list[str]) -> list[str]:
    """The units, deepest first: Vitam purges no unit that still has children, so the parts whose replies come
    first must hold the children."""
    depth: dict[str, int] = {}
    for chunk in vitam_side.batches_of(ids, vitam_side.PAGE):
        for unit in client.search_units(Select().where(in_("#id", chunk)).fields("#id", "#max")
                                        .limit(len(chunk)).build()).results:
            depth[unit["#id"]] = int(unit.get("#max") or 1)
    return sorted(ids, key=lambda unit_id: (-depth.get(unit_id, 1), unit_id))


def _split(head: Transfer, chunks: list[list[str]], *, limit: int) -> None:
    """The transfer becomes its first part; the other parts are new transfers of the same procedure."""
    count, base = len(chunks), head.reference
    with transaction.atomic():
        Transfer.objects.filter(pk=head.pk).update(group=head, part_index=1, part_count=count,
                                                   part_unit_ids=chunks[0], unit_count=len(chunks[0]),
                                                   reference=f"{base}-1")
        Transfer.objects.bulk_create([Transfer(
            tenant=head.tenant, organisation=head.organisation, created_by=head.created_by, mode=head.mode,
            criteria=head.criteria, archival_agency=head.archival_agency,
            transferring_agency=head.transferring_agency, archival_agreement=head.archival_agreement,
            comment=head.comment, group=head, part_index=index, part_count=count, part_unit_ids=chunk,
            unit_count=len(chunk), reference=f"{base}-{index}") for index, chunk in enumerate(chunks[1:], 2)])
        head.refresh_from_db()
        audit_record(actor=None, action="transfer.split", tenant=head.tenant, target=head, after={
            "parts": count, "units": sum(len(chunk) for chunk in chunks), "units_per_operation": limit})


def parts_run(*, head: Transfer, on_progress) -> None:
    """The ARCHIVE_TRANSFER of each part still in preparation, in order; a part that fails stops the rest
    (they stay in preparation until the archivist resumes)."""
    client = vitam_side.client_for(head.tenant)
    parts = list(Transfer.objects.filter(group=head).select_related("tenant", "organisation")
                 .order_by("part_index"))
    total = sum(part.unit_count for part in parts)
    done = 0
    for part in parts:
        if part.state == Transfer.State.PREPARING:
            message = _("Part %(index)s of %(count)s: Vitam builds the transfer SIP") % {
                "index": part.part_index, "count": part.part_count}
            on_progress(done, total, message)
            _archive_transfer(client, part, part.part_unit_ids,
                              lambda processed, _total, message, done=done: on_progress(done + processed, total,
                                                                                        message),
                              message=message)
            part.refresh_from_db()
            if part.state == Transfer.State.FAILED:
                return
        done += part.unit_count
    on_progress(total, total, _("Every part's SIP is ready"))


def _archive_transfer(client, transfer: Transfer, ids: list[str], on_progress, *, message: str = "") -> None:
    """ARCHIVE_TRANSFER in Vitam on exactly `ids`, then its SIP downloaded, streamed. A part resumed after its
    operation was recorded follows that operation again rather than asking Vitam twice."""
    message = message or _("Vitam builds the transfer SIP")
    try:
        agency = transfer.originating_agency or _originating_agency(client, ids[0])
        status = None
        if transfer.operation_id:
            status = vitam_side.follow(client, transfer.operation_id, lambda done, total: on_progress(
                done, total, message))
        if status is None or status.status not in ("OK", "WARNING"):
            query = Select().where(in_("#id", ids)).threshold(len(ids))
            operation_id = client.transfer(query, {
                "archivalAgreement": transfer.archival_agreement, "originatingAgencyIdentifier": agency,
                "archivalAgencyIdentifier": transfer.archival_agency,
                "transferringAgency": transfer.transferring_agency,
                "comment": transfer.comment or transfer.reference})
            Transfer.objects.filter(pk=transfer.pk).update(operation_id=operation_id, originating_agency=agency,
                                                           unit_count=len(ids))
            transfer.operation_id = operation_id
            status = vitam_side.follow(client, operation_id, lambda done, total: on_progress(done, total, message))
        operation_id = transfer.operation_id
        if status.status not in ("OK", "WARNING"):
            raise vitam_side.SelectionError(_(
                "Vitam could not build the transfer SIP (%(status)s, operation %(op)s): see the journal of "
                "operations.") % {"status": status.status, "op": operation_id})
        on_progress(len(ids), len(ids), _("Downloading the SIP"))
        path = storage_dir(transfer) / f"{transfer.reference}.zip"
        result = client.download_transfer_sip(operation_id, path, on_chunk=job_heartbeat)  # a SIP of gigabytes
    except (vitam_side.SelectionError, VitamError) as error:
        _transition(transfer, actor=None, action="failed", state=Transfer.State.FAILED, error=_error_message(error))
        return
    _transition(transfer, actor=None, action="sip_ready", state=Transfer.State.SIP_READY, sip_path=str(path),
                sip_size=result.size, operation_id=operation_id, unit_count=len(ids), error="")


def preparation_abandon(job) -> None:
    """Its job's worker stopped too many times (sam.lib.jobs.recovery): the transfer (in parts: its first part
    still in preparation) fails with the job's error, and the group's « Reprendre » starts again there."""
    head = Transfer.objects.filter(job=job).first()
    if head is None:
        return
    preparing = (Transfer.objects.filter(group=head) if head.part_count else Transfer.objects.filter(pk=head.pk))
    transfer = preparing.filter(state=Transfer.State.PREPARING).order_by("part_index").first()
    if transfer is not None:
        _transition(transfer, actor=None, action="failed", state=Transfer.State.FAILED, error=job.error)


def reply_abandon(job) -> None:
    """A reply or regularisation job whose worker stopped too many times (sam.lib.jobs.recovery): the transfer
    awaits its reply again, with the reason, as when Vitam refused it; the later parts are not sent."""
    transfer = Transfer.objects.filter(job=job, state__in=(Transfer.State.REPLY_RUNNING,
                                                           Transfer.State.REGULARISING)).first()
    if transfer is not None:
        action = "reply_failed" if transfer.state == Transfer.State.REPLY_RUNNING else "regularisation_failed"
        _transition(transfer, actor=None, action=action, state=Transfer.State.SENT, error=job.error)
        _next_parts_stop(transfer)


def sending_abandon(job) -> None:
    """A sending job whose worker stopped too many times: the parts it had not delivered go back to "SIP ready",
    saying to check the receiving platform (it may have received one) before sending again."""
    head = Transfer.objects.filter(job=job).first()
    if head is None:
        return
    sending = Transfer.objects.filter(group=head) if head.part_count else Transfer.objects.filter(pk=head.pk)
    error = job.error + " " + _("Check on the receiving platform whether it received the SIP before sending it "
                                "again.")
    for transfer in sending.filter(state=Transfer.State.SENDING).order_by("part_index"):
        _transition(transfer, actor=None, action="send_failed", state=Transfer.State.SIP_READY, error=error)


def parts_resume(*, actor, head: Transfer, request=None) -> None:
    """Start again at the failed part: the parts whose SIP is ready are left as they are."""
    with transaction.atomic():
        failed = Transfer.objects.select_for_update().filter(group=head, state=Transfer.State.FAILED)
        indexes = sorted(failed.values_list("part_index", flat=True))
        if not indexes:
            raise ValidationError(_("No part of this transfer has failed: there is nothing to resume."))
        failed.update(state=Transfer.State.PREPARING, error="")
        audit_record(actor=actor, action="transfer.resume", tenant=head.tenant, target=head, request=request,
                     after={"parts": indexes})
        job = job_enqueue(actor=actor, organisation=head.organisation, tenant=head.tenant, kind="transfer_parts",
                          label=_("Transfer %(reference)s in parts") % {"reference": head.group_reference},
                          task="sam.transfers.tasks.transfer_parts_task", transfer_id=head.pk,
                          result_url=reverse("transfers:group", args=[head.tenant_id, head.pk]))
        Transfer.objects.filter(pk=head.pk).update(job=job)


def sip_download_record(*, actor, transfer: Transfer, request=None) -> None:
    """The archivist takes the SIP to the receiving service: the transfer now awaits its reply."""
    if transfer.state == Transfer.State.SIP_READY:
        _transition(transfer, actor=actor, action="sent", request=request, state=Transfer.State.SENT,
                    sent_at=timezone.now())
    else:
        audit_record(actor=actor, action="transfer.sip_download", tenant=transfer.tenant, target=transfer,
                     request=request)


@dataclasses.dataclass(frozen=True)
class ReplyReading:
    """What SAM reads of a receiving service's ArchiveTransferReply."""
    code: str
    identifier: str
    accepted: list[str]
    refused: list[str]

    @property
    def accepts(self) -> bool:
        return self.code in ACCEPTING_REPLY_CODES


def reply_check(transfer: Transfer, data: bytes) -> ReplyReading:
    """The reply's code, identifier, accepted and refused unit ids (in the SIP's order), or a French refusal
    naming what is wrong. A KO reply refuses every unit."""
    if len(data) > MAX_REPLY_BYTES:
        raise ValidationError(_("The reply is too large (20 Mo at most)."))
    try:
        tree = safe_xml.parse_bytes(data)
    except etree.XMLSyntaxError as error:
        raise ValidationError(_("The reply is not a well-formed XML file (line %(line)s: %(error)s).") % {
            "line": error.lineno or "?", "error": error.msg}) from None
    if safe_xml.declares_doctype(tree):
        raise ValidationError(_("The reply declares a DOCTYPE, refused for security."))
    root = tree.getroot()
    if root.tag != f"{{{SEDA_NS}}}ArchiveTransferReply":
        raise ValidationError(_("The file is not a SEDA 2.1 ArchiveTransferReply (its root element is "
                                "%(tag)s).") % {"tag": etree.QName(root).localname})
    request_id = (root.findtext("s:MessageRequestIdentifier", default="", namespaces=NS) or "").strip()
    if request_id != transfer.operation_id:
        raise ValidationError(_("This reply answers the transfer %(other)s, not this one (%(this)s).") % {
            "other": request_id or _("(none)"), "this": transfer.operation_id})
    code = (root.findtext("s:ReplyCode", default="", namespaces=NS) or "").strip()
    if code not in (*ACCEPTING_REPLY_CODES, REFUSING_REPLY_CODE):
        raise ValidationError(_("The reply code %(code)s is none of OK, WARNING or KO.") % {
            "code": code or _("(none)")})
    identifier = (root.findtext("s:MessageIdentifier", default="", namespaces=NS) or "").strip()
    transferred = [unit["id"] for unit in transferred_units(transfer)]
    if code == REFUSING_REPLY_CODE:
        return ReplyReading(code, identifier, [], transferred)
    known = set(transferred)
    # A receiving Vitam's ATR keeps the SIP's ids (our units' ids) as ArchiveUnit/@id and gives its own new ids as
    # SystemId; a reply written by hand may name our units by SystemId: either names a transferred unit.
    listed, unknown = set(), []
    for unit in root.iterfind(".//s:DescriptiveMetadata//s:ArchiveUnit", NS):
        names = {name.strip() for name in (unit.get("id"), unit.findtext("s:Content/s:SystemId", namespaces=NS))
                 if name and name.strip()}
        if names & known:
            listed |= names & known
        else:
            unknown.append(unit.findtext("s:Content/s:SystemId", namespaces=NS) or unit.get("id") or "?")
    if unknown:
        raise ValidationError(_("The reply names %(count)s unit(s) this transfer does not hold: %(ids)s.") % {
            "count": len(unknown), "ids": ", ".join(unknown[:5]) + ("…" if len(unknown) > 5 else "")})
    accepted = listed or known
    return ReplyReading(code, identifier, [unit_id for unit_id in transferred if unit_id in accepted],
                        [unit_id for unit_id in transferred if unit_id not in accepted])


def reply_order_check(transfer: Transfer) -> None:
    """Refuse a part's reply while an earlier part's reply is not integrated (selectors.ANSWERED says why the
    order matters), naming the part to answer first. Sending a part to a receiving platform, which answers at
    once, is refused alike."""
    earlier = unanswered_before(transfer)
    if earlier is None:
        return
    named = {"part": earlier.part_index, "parts": earlier.part_count, "reference": earlier.reference}
    if earlier.state in REPLY_IN_PROGRESS:
        raise ValidationError(_(
            "The reply of part %(part)s of %(parts)s (%(reference)s) is still being integrated in Vitam: import "
            "this part's reply once it is done. The parts are answered in their order, the deepest units first: "
            "Vitam purges no unit that still has children.") % named)
    raise ValidationError(_(
        "Import first the reply of part %(part)s of %(parts)s (%(reference)s): the parts are answered in their "
        "order, the deepest units first, as Vitam purges no unit that still has children.") % named)


def _enqueue_step(transfer: Transfer, *, actor, kind: str, label: str, task: str) -> None:
    job = job_enqueue(actor=actor, organisation=transfer.organisation, tenant=transfer.tenant, kind=kind,
                      label=label, task=task, transfer_id=transfer.pk,
                      result_url=reverse("transfers:detail", args=[transfer.tenant_id, transfer.pk]))
    Transfer.objects.filter(pk=transfer.pk).update(job=job)


def _enqueue_reply(transfer: Transfer, *, actor) -> None:
    _enqueue_step(transfer, actor=actor, kind="transfer_reply", task="sam.transfers.tasks.transfer_reply_task",
                  label=_("Reply to transfer %(reference)s") % {"reference": transfer.reference})


def reply_download_record(*, actor, transfer: Transfer, request=None) -> None:
    audit_record(actor=actor, action="transfer.reply_download", tenant=transfer.tenant, target=transfer,
                 request=request)


def reply_import(*, actor, transfer: Transfer, data: bytes, request=None) -> Transfer:
    """Check the reply and keep it as received; then, in the background, send it to Vitam (everything accepted)
    or start the regularisation transfer (part accepted); a KO reply purges nothing."""
    if transfer.state not in (Transfer.State.SIP_READY, Transfer.State.SENT):
        raise ValidationError(_("This transfer does not await a reply (it is %(state)s).") % {
            "state": transfer.get_state_display()})
    reply_order_check(transfer)
    reading = reply_check(transfer, data)
    path = storage_dir(transfer) / f"{transfer.reference}-reply-{hashlib.sha256(data).hexdigest()[:12]}.xml"
    path.write_bytes(data)
    received = {"reply_path": str(path), "reply_identifier": reading.identifier[:200],
                "accepted_unit_ids": reading.accepted, "accepted_count": len(reading.accepted),
                "refused_count": len(reading.refused), "error": ""}
    with transaction.atomic():
        if not reading.accepts:
            _transition(transfer, actor=actor, action="reply_refused", request=request, **received,
                        state=Transfer.State.REFUSED, refused_unit_ids=reading.refused, replied_at=timezone.now())
        elif reading.refused:
            _transition(transfer, actor=actor, action="reply_partial", request=request, **received,
                        state=Transfer.State.REGULARISING, regularisation_operation_id="")
            _enqueue_step(transfer, actor=actor, kind="transfer_regularisation",
                          task="sam.transfers.tasks.transfer_regularisation_task",
                          label=_("Regularisation transfer of %(reference)s") % {"reference": transfer.reference})
        else:
            _transition(transfer, actor=actor, action="reply_import", request=request, **received,
                        state=Transfer.State.REPLY_RUNNING, vitam_reply_path=str(path), reply_operation_id="")
            _enqueue_reply(transfer, actor=actor)
    transfer.refresh_from_db()
    return transfer


def regularisation_reply_xml(transfer: Transfer) -> bytes:
    """The ArchiveTransferReply SAM sends Vitam for the regularisation transfer: it accepts that transfer whole
    (ReplyCode OK) and says why in its Comment."""
    root = etree.Element(f"{{{SEDA_NS}}}ArchiveTransferReply", nsmap={None: SEDA_NS})

    def sub(parent, name, text=None):
        element = etree.SubElement(parent, f"{{{SEDA_NS}}}{name}")
        if text is not None:
            element.text = text
        return element

    sub(root, "Comment", _(
        "Regularisation of transfer %(reference)s (Vitam operation %(operation)s): the receiving service's reply "
        "%(reply)s accepted %(accepted)s unit(s) and refused %(refused)s; only the accepted units were "
        "transferred again and are purged.") % {
        "reference": transfer.reference, "operation": transfer.operation_id,
        "reply": transfer.reply_identifier or _("(no identifier)"), "accepted": transfer.accepted_count,
        "refused": transfer.refused_count})
    sub(root, "Date", timezone.now().isoformat(timespec="seconds"))
    sub(root, "MessageIdentifier", f"{transfer.reference}-REG-{transfer.regularisation_operation_id}")
    sub(root, "ArchivalAgreement", transfer.archival_agreement)
    code_lists = sub(root, "CodeListVersions")
    sub(code_lists, "ReplyCodeListVersion", "ReplyCodeListVersion0")
    sub(root, "ReplyCode", "OK")
    sub(root, "MessageRequestIdentifier", transfer.regularisation_operation_id)
    sub(sub(root, "ArchivalAgency"), "Identifier", transfer.archival_agency)
    sub(sub(root, "TransferringAgency"), "Identifier", transfer.transferring_agency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def regularisation_run(*, transfer: Transfer, on_progress, actor=None) -> None:
    """ARCHIVE_TRANSFER of exactly the accepted units, then SAM's reply to it written and sent to Vitam (next
    job, on behalf of `actor`, who imported the receiving service's reply)."""
    client = vitam_side.client_for(transfer.tenant)
    ids = list(transfer.accepted_unit_ids)
    try:
        on_progress(0, len(ids), _("Vitam transfers the accepted units again"))
        # Run again after its worker stopped, the job follows the operation Vitam already has.
        operation_id = transfer.regularisation_operation_id or _regularisation_ask(client, transfer, ids)
        status = vitam_side.follow(client, operation_id, lambda done, total: on_progress(
            done, total, _("Vitam transfers the accepted units again")))
        if status.status not in ("OK", "WARNING"):
            raise vitam_side.SelectionError(_(
                "Vitam could not make the regularisation transfer (%(status)s, operation %(op)s): see the journal "
                "of operations; the reply can be imported again.") % {"status": status.status, "op": operation_id})
    except (vitam_side.SelectionError, VitamError) as error:
        message = error.user_message() if hasattr(error, "user_message") else str(error)
        _transition(transfer, actor=None, action="regularisation_failed", state=Transfer.State.SENT, error=message)
        _next_parts_stop(transfer)
        return
    transfer.refresh_from_db()
    path = storage_dir(transfer) / f"{transfer.reference}-regularisation-reply.xml"
    path.write_bytes(regularisation_reply_xml(transfer))
    with transaction.atomic():
        _transition(transfer, actor=None, action="regularisation_ready", state=Transfer.State.REPLY_RUNNING,
                    regularisation_operation_id=operation_id, vitam_reply_path=str(path), reply_operation_id="")
        _enqueue_reply(transfer, actor=actor)


def _regularisation_ask(client, transfer: Transfer, ids: list[str]) -> str:
    """ARCHIVE_TRANSFER of the accepted units; its id kept before it is followed."""
    operation_id = client.transfer(Select().where(in_("#id", ids)).threshold(len(ids)), {
        "archivalAgreement": transfer.archival_agreement,
        "originatingAgencyIdentifier": transfer.originating_agency,
        "archivalAgencyIdentifier": transfer.archival_agency, "transferringAgency": transfer.transferring_agency,
        "relatedTransferReference": [transfer.operation_id],
        "comment": _("Regularisation of transfer %(reference)s") % {"reference": transfer.reference}})
    Transfer.objects.filter(pk=transfer.pk).update(regularisation_operation_id=operation_id)
    return operation_id


def parts_send_enqueue(head: Transfer, *, actor) -> None:
    """The job delivering the parts of a transfer in parts being sent (delivery.parts_deliver)."""
    job = job_enqueue(actor=actor, organisation=head.organisation, tenant=head.tenant, kind="transfer_send_parts",
                      label=_("Sending of transfer %(reference)s in parts") % {"reference": head.group_reference},
                      task="sam.transfers.tasks.transfer_parts_send_task", transfer_id=head.pk,
                      result_url=reverse("transfers:group", args=[head.tenant_id, head.pk]))
    Transfer.objects.filter(pk=head.pk).update(job=job)


def _parts_waiting_to_be_sent(transfer: Transfer):
    """The later parts being sent that wait for this part's reply to be integrated (delivery.parts_deliver)."""
    return Transfer.objects.filter(group_id=transfer.group_id, part_index__gt=transfer.part_index,
                                   state=Transfer.State.SENDING).order_by("part_index")


def _next_parts_deliver(transfer: Transfer, *, actor) -> None:
    if transfer.group_id and _parts_waiting_to_be_sent(transfer).exists():
        parts_send_enqueue(Transfer.objects.select_related("tenant", "organisation").get(pk=transfer.group_id),
                           actor=actor)


def _next_parts_stop(transfer: Transfer) -> None:
    """This part's reply failed: the later parts waiting to be sent go back to "SIP ready", not sent."""
    if not transfer.group_id:
        return
    for left in _parts_waiting_to_be_sent(transfer):
        _transition(left, actor=None, action="send_failed", state=Transfer.State.SIP_READY, error=_(
            "Not sent: the reply of part %(index)s could not be integrated.") % {"index": transfer.part_index})


def reply_run(*, transfer: Transfer, on_progress, actor=None) -> None:
    """TRANSFER_REPLY in Vitam, then the units still there counted: those are the refused ones. The later parts
    of a transfer in parts waiting to be sent are delivered then (on behalf of `actor`, who imported the reply)."""
    client = vitam_side.client_for(transfer.tenant)
    try:
        operation_id = transfer.reply_operation_id  # run again after its worker stopped: followed, not re-sent
        if not operation_id:
            operation_id = client.transfer_reply(transfer.vitam_reply_path)
            Transfer.objects.filter(pk=transfer.pk).update(reply_operation_id=operation_id)
        status = vitam_side.follow(client, operation_id, lambda done, total: on_progress(
            done, total, _("Vitam purges the accepted units")))
        if status.status not in ("OK", "WARNING"):
            raise vitam_side.SelectionError(_(
                "Vitam refused the reply (%(status)s, operation %(op)s): see the journal of operations; the "
                "reply can be imported again.") % {"status": status.status, "op": operation_id})
        ids = [unit["id"] for unit in transferred_units(transfer)]
        left = [unit_id for chunk in vitam_side.batches_of(ids, vitam_side.PAGE)
                for unit_id in vitam_side.matching_ids(client, [in_("#id", chunk)], limit=len(chunk))]
    except (vitam_side.SelectionError, VitamError) as error:
        message = error.user_message() if hasattr(error, "user_message") else str(error)
        _transition(transfer, actor=None, action="reply_failed", state=Transfer.State.SENT, error=message)
        _next_parts_stop(transfer)
        return
    _transition(transfer, actor=None, action="reply_done", state=Transfer.State.DONE, reply_operation_id=operation_id,
                accepted_count=len(ids) - len(left), refused_count=len(left), refused_unit_ids=sorted(left),
                replied_at=timezone.now(), error="")
    _next_parts_deliver(transfer, actor=actor)


# --- bordereau de transfert ----------------------------------------------------------------------------

def bordereau_pdf_path(transfer: Transfer) -> Path:
    """The PDF as the transfer stands: its name follows the Vitam operation, the state and the figures it shows."""
    shown = (f"{transfer.operation_id}|{transfer.state}|{transfer.accepted_count}|{transfer.refused_count}|"
             f"{transfer.sip_size}")
    return storage_dir(transfer) / f"bordereau-{hashlib.sha256(shown.encode()).hexdigest()[:16]}.pdf"


def bordereau_pdf_start(*, actor, transfer: Transfer):
    """Lay out the bordereau's PDF in the background: thousands of units take WeasyPrint minutes."""
    audit_record(actor=actor, action="transfer.bordereau_pdf", tenant=transfer.tenant, target=transfer)
    return job_enqueue(actor=actor, organisation=transfer.organisation, tenant=transfer.tenant,
                       kind="transfer_bordereau_pdf", label=_("Transfer bordereau %(reference)s (PDF)") % {
                           "reference": transfer.reference},
                       task="sam.transfers.tasks.bordereau_pdf_task", transfer_id=transfer.pk,
                       result_url=reverse("transfers:print_pdf", args=[transfer.tenant_id, transfer.pk]))


def bordereau_pdf_build(*, transfer: Transfer) -> Path:
    path = bordereau_pdf_path(transfer)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(documents.bordereau_pdf(transfer))
    partial.replace(path)
    return path
