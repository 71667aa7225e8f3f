"""Writes of communications: a DIP asked for from a selection, built by Vitam (EXPORT_DIP) in a background job
that follows the operation to its end, then relayed to the archivist's browser chunk by chunk.

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

from sam.communication.models import USAGES, Communication
from sam.consultation.selectors import client_for
from sam.elimination.vitam_side import follow
from sam.lib.jobs.services import job_enqueue
from sam.selection import selectors as selection_selectors
from sam.selection.models import SelectionEntry
from sam.vitam import Select, in_, limits
from sam.vitam.ids import tenant_of_id
from tenants.audit import audit_record

OPERATION_TIMEOUT = 6 * 3600  # seconds: a DIP of a whole fonds may take Vitam hours


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
    counted = client.search_units(Select().where(condition).fields("#id").limit(1))
    count = counted.total
    limits.refuse_over_threshold(count, what=_("The communication"), at_least=counted.total_is_capped)
    ticked = list(selection.entries.filter(kind=SelectionEntry.Kind.UNIT).values_list("unit_id", flat=True))
    visible = client.search_units(Select().where(in_("#id", ticked)).fields("#id").limit(1)).total if ticked else 0
    return {"condition": condition, "count": count, "hidden": max(0, len(ticked) - visible)}


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
        url = reverse("communication:detail", kwargs={"tenant_pk": tenant.pk, "pk": communication.pk})
        job = job_enqueue(actor=actor, organisation=tenant.organisation, tenant=tenant, kind="communication_dip",
                          label=_("Communication: %(title)s") % {"title": communication.title},
                          task="sam.communication.tasks.communication_export_task", result_url=url,
                          communication_id=communication.pk)
        Communication.objects.filter(pk=communication.pk).update(job=job)
    communication.refresh_from_db()
    return communication


def _title_of(selection) -> str:
    """A kept selection's name; for the working selection, what it holds (its entries' labels)."""
    if selection.kept:
        return str(selection)[:500]
    labels = [entry.label for entry in selection.entries.all() if entry.label]
    return (", ".join(labels) or str(selection))[:500]


def communication_run(*, communication: Communication, on_progress) -> None:
    """Ask Vitam for the DIP (once), follow its operation to the end, keep its report."""
    client = client_for(communication.tenant, user=communication.created_by)
    if not communication.operation_id:
        # The preview counted at most 10,000 (Vitam's $hits.total): count past it before asking for the DIP.
        limits.refuse_over_threshold(limits.count_units(client, [communication.condition],
                                                        limit=limits.distribution_threshold()),
                                     what=_("The communication"))
        parameters = {"requesterIdentifier": communication.requester_service or communication.requester_name,
                      "comment": communication.purpose_text,
                      "messageRequestIdentifier": f"SAM-COMMUNICATION-{communication.pk}"}
        operation_id = client.export_dip(Select().where(communication.condition)
                                         .threshold(limits.distribution_threshold()), usages=communication.usages,
                                         with_logbook=communication.with_logbook,
                                         without_objects=not communication.usages, parameters=parameters)
        Communication.objects.filter(pk=communication.pk).update(operation_id=operation_id)
        communication.operation_id = operation_id
    status = follow(client, communication.operation_id, lambda done, total: on_progress(
        done, total, _("Vitam prepares the DIP (%(done)s of %(total)s)") % {"done": done, "total": total}),
        timeout=OPERATION_TIMEOUT)
    if status.status not in ("OK", "WARNING"):
        Communication.objects.filter(pk=communication.pk).update(
            state=Communication.State.FAILED, finished_at=timezone.now(), error=_(
                "Vitam could not build the DIP (%(status)s, operation %(op)s): see the journal of operations.")
            % {"status": status.status, "op": communication.operation_id})
        return
    report = _operation_report(client, communication.operation_id)
    now = timezone.now()
    Communication.objects.filter(pk=communication.pk).update(
        state=Communication.State.READY, finished_at=now, error="",
        expires_at=now + datetime.timedelta(days=settings.DIP_RETENTION_DAYS),
        exported_units=report.get("nbUnits", 0), exported_objects=report.get("nbObjects", 0),
        size=report.get("size", 0))


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


def communication_fail(*, communication: Communication, message: str) -> None:
    Communication.objects.filter(pk=communication.pk).update(state=Communication.State.FAILED, error=message,
                                                             finished_at=timezone.now())


def communication_download(*, actor, communication: Communication, request=None):
    """The DIP as a stream of chunks (never held whole), once the download is recorded in the audit trail."""
    if not communication.downloadable:
        raise ValidationError(_("This DIP is no longer available: its retention period has ended. Ask for a new "
                                "communication.") if communication.is_expired else _("The DIP is not ready."))
    stream = client_for(communication.tenant, user=actor).open_dip(communication.operation_id)
    audit_record(actor=actor, action="communication.download", tenant=communication.tenant, target=communication,
                 after={"operation": communication.operation_id, "size": stream.size}, request=request)
    return stream
