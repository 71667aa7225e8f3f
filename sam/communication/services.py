"""Writes of communications: a DIP asked for from a selection, built by Vitam (EXPORT_DIP) in a background job
that follows the operation to its end, then relayed to the archivist's browser chunk by chunk.

Vitam takes at most its distribution threshold of units per operation: a larger communication is cut once into
parts (CommunicationPart, lists of at most limits.part_size() unit ids) exported one after the other. A part's
operation id is kept before it is followed, so a resumed job follows it instead of asking Vitam again; a failure
stops the rest.

The export runs with the access contract of the archivist who asks (tenants.vitam_clients): units that contract
cannot see are not exported, and the communication says how many of the ticked units were left out so.
"""

from __future__ import annotations

import datetime
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sam.communication import selectors as communication_selectors
from sam.communication.models import USAGES, Communication, CommunicationPart
from sam.consultation.selectors import client_for
from sam.elimination.vitam_side import follow
from sam.lib.jobs.services import job_enqueue
from sam.selection import selectors as selection_selectors
from sam.selection.models import SelectionEntry
from sam.vitam import Select, VitamError, in_, limits
from sam.vitam.ids import tenant_of_id
from sam.vitam.types import HITS_TOTAL_CAP
from tenants.audit import audit_record

OPERATION_TIMEOUT = 6 * 3600  # seconds: a DIP of a whole fonds may take Vitam hours
MAX_UNITS = 1_000_000  # Vitam's unitsStreamThreshold by default: its stream refuses more (417)
PART_STEPS = 100  # progress steps per part: the job's bar runs over the whole communication


def selection_foreign_units(selection) -> list[str]:
    """Ticked units whose Vitam identifier names another tenant than the selection's."""
    ticked = selection.entries.filter(kind=SelectionEntry.Kind.UNIT).values_list("unit_id", flat=True)
    return [unit_id for unit_id in ticked
            if tenant_of_id(unit_id) is not None and tenant_of_id(unit_id) != selection.tenant.vitam_id]


def communication_preview(*, actor, selection) -> dict:
    """What the DIP would hold: Vitam's count of the selection under the archivist's contract, and how many of
    the ticked units that contract does not show. Refuses an empty selection or one mixing tenants."""
    condition = selection_selectors.selection_condition(selection)
    if condition is None:
        raise ValidationError(_("The selection is empty: tick units in the search results first."))
    foreign = selection_foreign_units(selection)
    if foreign:
        raise ValidationError(_(
            "The selection mixes archive units of several tenants (%(count)s from another tenant, e.g. "
            "%(unit)s): remove them before asking for a communication.") % {"count": len(foreign), "unit": foreign[0]})
    client = client_for(selection.tenant, user=actor)
    count = client.search_units(Select().where(condition).fields("#id").limit(1)).total
    ticked = list(selection.entries.filter(kind=SelectionEntry.Kind.UNIT).values_list("unit_id", flat=True))
    visible = client.search_units(Select().where(in_("#id", ticked)).fields("#id").limit(1)).total if ticked else 0
    size = limits.part_size()
    # Past Vitam's capped $hits.total (`capped`: "at least") the job counts exactly and cuts; here the parts of
    # the count known, a lower bound when capped.
    return {"condition": condition, "count": count, "hidden": max(0, len(ticked) - visible),
            "parts": -(-count // size) if count > size else 1, "capped": count >= HITS_TOTAL_CAP}


def communication_start(*, actor, selection, purpose: str, purpose_detail: str, requester_name: str,
                        requester_service: str, usages, with_logbook: bool, request=None) -> Communication:
    """Record the request (who asked, why, what), audit it, and start the export in a background job."""
    if purpose not in Communication.Purpose.values:
        raise ValidationError({"purpose": _("Choose the purpose of the communication.")})
    if purpose == Communication.Purpose.OTHER and not purpose_detail.strip():
        raise ValidationError({"purpose_detail": _("Say what the communication is for.")})
    if not requester_name.strip():
        raise ValidationError({"requester_name": _("Say who asked for the communication.")})
    known = [code for code, _label in USAGES]
    unknown = [usage for usage in usages if usage not in known]
    if unknown:
        raise ValidationError({"usages": _("Unknown usage of objects: %(usage)s.") % {"usage": unknown[0]}})
    preview = communication_preview(actor=actor, selection=selection)
    if preview["count"] == 0:
        raise ValidationError(_("Your access contract shows none of the selection's units: there is nothing to "
                                "communicate."))
    tenant = selection.tenant
    with transaction.atomic():
        communication = Communication.objects.create(
            tenant=tenant, organisation=tenant.organisation, created_by=actor, title=_title_of(selection),
            purpose=purpose, purpose_detail=purpose_detail.strip()[:500], requester_name=requester_name.strip()[:200],
            requester_service=requester_service.strip()[:200], usages=list(usages), with_logbook=with_logbook,
            condition=preview["condition"], selected_count=preview["count"], hidden_count=preview["hidden"])
        audit_record(actor=actor, action="communication.request", tenant=tenant, target=communication,
                     after={"selection": str(selection), "purpose": purpose, "detail": communication.purpose_detail,
                            "requester": communication.requester_name, "service": communication.requester_service,
                            "usages": list(usages), "logbook": with_logbook, "units": preview["count"],
                            "hidden": preview["hidden"]}, request=request)
        _export_enqueue(actor=actor, communication=communication)
    communication.refresh_from_db()
    return communication


def _export_enqueue(*, actor, communication: Communication) -> None:
    """The job that asks Vitam for the communication's DIPs (its parts not done yet) and follows them."""
    tenant = communication.tenant
    url = reverse("communication:detail", kwargs={"tenant_pk": tenant.pk, "pk": communication.pk})
    job = job_enqueue(actor=actor, organisation=tenant.organisation, tenant=tenant, kind="communication_dip",
                      label=_("Communication: %(title)s") % {"title": communication.title},
                      task="sam.communication.tasks.communication_export_task", result_url=url,
                      communication_id=communication.pk)
    Communication.objects.filter(pk=communication.pk).update(job=job)


def _title_of(selection) -> str:
    """A kept selection's name; for the working selection, what it holds (its entries' labels)."""
    if selection.kept:
        return str(selection)[:500]
    labels = [entry.label for entry in selection.entries.all() if entry.label]
    return (", ".join(labels) or str(selection))[:500]


def communication_run(*, communication: Communication, on_progress) -> None:
    """Cut the communication into parts (once), then export each part not done yet, in order. A part that ends
    KO, or Vitam failing meanwhile, stops the rest: the communication fails saying which parts were done."""
    client = client_for(communication.tenant, user=communication.created_by)
    parts = list(communication.parts.all())
    current = None
    try:
        parts = parts or _cut_into_parts(client, communication)
        for current in parts:
            if current.state != CommunicationPart.State.DONE and not _export_part(
                    client, communication, current, len(parts), on_progress):
                communication_fail(communication=communication,
                                   message=_failure_message(parts, current, current.error))
                return
            _keep_totals(communication, parts)
    except VitamError as error:  # the part keeps its operation id: resuming follows it
        reason = error.user_message()
        communication_fail(communication=communication,
                           message=_failure_message(parts, current, reason) if current else reason)
        raise
    # Ready when its last part ended; the DIP as a whole is available while every part is: until the first expires.
    retention = datetime.timedelta(days=settings.DIP_RETENTION_DAYS)
    Communication.objects.filter(pk=communication.pk).update(
        state=Communication.State.READY, finished_at=max(part.expires_at for part in parts) - retention, error="",
        expires_at=min(part.expires_at for part in parts))


def _export_part(client, communication: Communication, part: CommunicationPart, parts: int, on_progress) -> bool:
    """Ask Vitam for the part's DIP unless its operation is already known (kept before following it), follow
    the operation to its end and keep its report. False when Vitam ended it KO."""
    if not part.operation_id:
        conditions = [communication.condition]
        if part.unit_ids:
            conditions.append(in_("#id", part.unit_ids))
        part.operation_id = client.export_dip(
            Select().where(*conditions).threshold(limits.distribution_threshold()), usages=communication.usages,
            with_logbook=communication.with_logbook, without_objects=not communication.usages,
            parameters=_export_parameters(communication, part, parts))
        part.state = CommunicationPart.State.RUNNING
        part.save(update_fields=["operation_id", "state"])
    status = follow(client, part.operation_id, lambda done, total: on_progress(
        *_overall(part.index, parts, done, total), _progress_message(part.index, parts, done, total)),
        timeout=OPERATION_TIMEOUT)
    if status.status not in ("OK", "WARNING"):
        part.state = CommunicationPart.State.FAILED
        part.error = _("Vitam could not build the DIP (%(status)s, operation %(op)s): see the journal of "
                       "operations.") % {"status": status.status, "op": part.operation_id}
        part.save(update_fields=["state", "error"])
        return False
    report = _operation_report(client, part.operation_id)
    part.state, part.error = CommunicationPart.State.DONE, ""
    part.exported_units = report.get("nbUnits", 0)
    part.exported_objects = report.get("nbObjects", 0)
    part.size = report.get("size", 0)
    part.expires_at = timezone.now() + datetime.timedelta(days=settings.DIP_RETENTION_DAYS)
    part.save(update_fields=["state", "error", "exported_units", "exported_objects", "size", "expires_at"])
    on_progress(part.index * PART_STEPS, parts * PART_STEPS,
                _("Part %(part)s of %(parts)s ready") % {"part": part.index, "parts": parts})
    return True


def _cut_into_parts(client, communication: Communication) -> list[CommunicationPart]:
    """One part (the whole condition) within limits.part_size(); past it, lists of at most that many unit ids.
    The preview counted at most 10,000 (Vitam's $hits.total): the ids are read past it from Vitam's stream."""
    size = limits.part_size()
    ids = limits.unit_ids(client, [communication.condition], limit=MAX_UNITS)
    chunks = [ids[start:start + size] for start in range(0, len(ids), size)] if len(ids) > size else [[]]
    with transaction.atomic():
        # The units counted exactly, where the request had Vitam's capped count ("at least 10,000").
        Communication.objects.filter(pk=communication.pk).update(selected_count=len(ids))
        return [CommunicationPart.objects.create(communication=communication, index=index, unit_ids=chunk)
                for index, chunk in enumerate(chunks, 1)]


def _export_parameters(communication: Communication, part: CommunicationPart, parts: int) -> dict:
    suffix = f"-{part.index}" if parts > 1 else ""
    return {"requesterIdentifier": communication.requester_service or communication.requester_name,
            "comment": communication.purpose_text,
            "messageRequestIdentifier": f"SAM-COMMUNICATION-{communication.pk}{suffix}"}


def _overall(index: int, parts: int, done: int, total: int) -> tuple[int, int]:
    within = done * PART_STEPS // total if total else 0
    return (index - 1) * PART_STEPS + within, parts * PART_STEPS


def _progress_message(index: int, parts: int, done: int, total: int) -> str:
    message = _("Vitam prepares the DIP (%(done)s of %(total)s)") % {"done": done, "total": total}
    if parts == 1:
        return message
    return _("Part %(part)s of %(parts)s: %(message)s") % {"part": index, "parts": parts, "message": message}


def _keep_totals(communication: Communication, parts: list[CommunicationPart]) -> None:
    done = [part for part in parts if part.state == CommunicationPart.State.DONE]
    Communication.objects.filter(pk=communication.pk).update(
        exported_units=sum(part.exported_units for part in done),
        exported_objects=sum(part.exported_objects for part in done), size=sum(part.size for part in done))


def _failure_message(parts: list[CommunicationPart], failed: CommunicationPart, reason: str) -> str:
    """Which part stopped the communication, and what was done before it."""
    if len(parts) == 1:
        return reason
    done = [part for part in parts if part.state == CommunicationPart.State.DONE]
    return _("Part %(part)s of %(parts)s failed: %(reason)s Parts done: %(done)s (%(units)s units); parts not "
             "done: %(left)s. “Resume” goes on from part %(part)s.") % {
        "part": failed.index, "parts": len(parts), "reason": reason,
        "done": ", ".join(str(part.index) for part in done) or _("none"),
        "units": sum(part.exported_units for part in done),
        "left": ", ".join(str(part.index) for part in parts if part.state != CommunicationPart.State.DONE)}


def _operation_report(client, operation_id: str) -> dict:
    """The counts Vitam left on the operation's final EXPORT_DIP event (evDetData: nbUnits, nbObjects, size)."""
    events = client.get_operation(operation_id).get("events") or []
    final = next((event for event in reversed(events) if event.get("evType") == "EXPORT_DIP"), {})
    raw = final.get("evDetData")
    try:
        data = json.loads(raw) if isinstance(raw, str) else (raw or {})
    except ValueError:
        return {}
    return {key: int(value) for key, value in data.items()
            if key in ("nbUnits", "nbObjects", "size") and isinstance(value, int)} if isinstance(data, dict) else {}


def communication_abandon(job) -> None:
    """Its job's worker stopped too many times (sam.lib.jobs.recovery): the communication fails saying which
    parts were done, and shows « Reprendre »."""
    communication = Communication.objects.filter(job=job, state=Communication.State.RUNNING).first()
    if communication is None:
        return
    parts = list(communication.parts.defer("unit_ids"))
    current = next((part for part in parts if part.state != CommunicationPart.State.DONE), None)
    communication_fail(communication=communication,
                       message=_failure_message(parts, current, job.error) if current else job.error)


def communication_fail(*, communication: Communication, message: str) -> None:
    Communication.objects.filter(pk=communication.pk).update(state=Communication.State.FAILED, error=message,
                                                             finished_at=timezone.now())


def communication_download(*, actor, communication: Communication, index: int = 1, request=None):
    """One part (the only one within Vitam's threshold) and its DIP as a stream of chunks (never held whole),
    once the download is recorded in the audit trail. A part done is downloaded whatever the state of the
    others (a communication still running or stopped by a later part), until its own retention ends."""
    part = communication_selectors.part_of(communication, index)
    if not part.downloadable:
        if part.is_expired:
            raise ValidationError(_("This DIP is no longer available: its retention period has ended. Ask for a "
                                    "new communication."))
        parts = communication.parts.count()
        raise ValidationError(part.unavailable_reason(parts) if parts > 1 else _("The DIP is not ready."))
    stream = client_for(communication.tenant, user=actor).open_dip(part.operation_id)
    audit_record(actor=actor, action="communication.download", tenant=communication.tenant, target=communication,
                 after={"operation": part.operation_id, "part": part.index, "parts": communication.parts.count(),
                        "units": part.exported_units, "size": stream.size}, request=request)
    return part, stream


def communication_resume(*, actor, communication: Communication, request=None) -> Communication:
    """Start the job again on a failed communication: parts done stay done, a part whose operation Vitam
    ended KO is asked again, a part whose operation was not followed to its end is followed."""
    tenant = communication.tenant
    with transaction.atomic():
        # Conditional on the state: of two clicks on "Reprendre", only one starts a job.
        if not Communication.objects.filter(pk=communication.pk, state=Communication.State.FAILED).update(
                state=Communication.State.RUNNING, error="", finished_at=None):
            raise ValidationError(_("Only a failed communication can be resumed."))
        communication.parts.filter(state=CommunicationPart.State.FAILED).update(
            state=CommunicationPart.State.PENDING, operation_id="", error="")
        parts = list(communication.parts.defer("unit_ids"))
        audit_record(actor=actor, action="communication.resume", tenant=tenant, target=communication,
                     before={"error": communication.error},
                     after={"parts": len(parts), "done": [part.index for part in parts
                                                          if part.state == CommunicationPart.State.DONE]},
                     request=request)
        _export_enqueue(actor=actor, communication=communication)
    communication.refresh_from_db()
    return communication
