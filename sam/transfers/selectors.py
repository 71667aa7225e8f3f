"""Reads of transfers, scoped by the tenants where the user may transfer (archivists and referents)."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from sam.lib import safe_xml
from sam.lib.jobs.models import Job
from sam.transfers.models import ReceivingPlatform, Transfer
from tenants.models import Tenant
from tenants.permissions import tenant_get_for_user

SEDA_NS = "fr:gouv:culture:archivesdefrance:seda:v2.1"
NS = {"s": SEDA_NS}
# Transferring archives out ends their life in SAM as an elimination does: the same right.
TRANSFER_PERMISSION = "eliminate"


def transfer_tenant_for_user(user, tenant_pk) -> Tenant:
    """A tenant where the user may transfer; 404 otherwise."""
    return tenant_get_for_user(user, tenant_pk, TRANSFER_PERMISSION)


def transfer_get_for_user(user, tenant_pk, pk) -> Transfer:
    """A transfer of a tenant where the user may transfer; 404 alike for missing and forbidden."""
    tenant = transfer_tenant_for_user(user, tenant_pk)
    try:
        return Transfer.objects.select_related("tenant", "organisation", "created_by", "job").get(
            tenant=tenant, pk=int(pk))
    except (Transfer.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def transfer_list(*, tenant) -> list[Transfer]:
    """The transfers, a transfer in parts as one line (its first part, carrying `summary`)."""
    transfers = list(Transfer.objects.filter(tenant=tenant).filter(Q(group__isnull=True) | Q(part_index=1))
                     .select_related("created_by").prefetch_related("parts"))
    for transfer in transfers:
        if transfer.part_count:
            transfer.summary = group_summary(list(transfer.parts.all()))
    return transfers


# How far a part has gone, to show a transfer in parts by its least advanced part.
STATE_RANK = {Transfer.State.FAILED: 0, "waiting": 0, Transfer.State.PREPARING: 1, Transfer.State.SIP_READY: 2,
              Transfer.State.SENDING: 3, Transfer.State.SENT: 4, Transfer.State.REGULARISING: 5,
              Transfer.State.REPLY_RUNNING: 6, Transfer.State.REFUSED: 7, Transfer.State.DONE: 7}


@dataclasses.dataclass(frozen=True)
class GroupSummary:
    parts: list[Transfer]
    states: list[tuple[str, str, int]]  # (state, its label, parts in it), least advanced first
    unit_count: int
    accepted_count: int
    refused_count: int
    failed: list[Transfer]
    ready: list[Transfer]  # parts whose SIP Vitam built
    not_ready: list[Transfer]
    next_reply: Transfer | None  # the part whose reply comes next (parts are answered in order)

    @property
    def state(self) -> str:
        return self.states[0][0]

    @property
    def ready_units(self) -> int:
        return sum(part.unit_count for part in self.ready)

    @property
    def not_ready_units(self) -> int:
        return sum(part.unit_count for part in self.not_ready)

    @property
    def ready_to_send(self) -> bool:
        return any(part.state == Transfer.State.SIP_READY for part in self.parts)

    @property
    def ready_indexes(self) -> str:
        return ", ".join(str(part.part_index) for part in self.ready)

    @property
    def not_ready_indexes(self) -> str:
        return ", ".join(str(part.part_index) for part in self.not_ready)


# Parts still in preparation after a failed one: nothing runs them until the archivist resumes.
WAITING = "waiting"


def group_summary(parts: list[Transfer]) -> GroupSummary:
    parts = sorted(parts, key=lambda part: part.part_index)
    failed_at = min((part.part_index for part in parts if part.state == Transfer.State.FAILED), default=None)
    counts: dict[str, int] = {}
    for part in parts:
        part.shown_state = (WAITING if failed_at and part.state == Transfer.State.PREPARING
                            and part.part_index > failed_at else part.state)
        counts[part.shown_state] = counts.get(part.shown_state, 0) + 1
    labels = {**dict(Transfer.State.choices), WAITING: _("waiting for the transfer to be resumed")}
    states = [(state, labels[state], count)
              for state, count in sorted(counts.items(), key=lambda item: STATE_RANK[item[0]])]
    ready = [part for part in parts if STATE_RANK[part.state] >= STATE_RANK[Transfer.State.SIP_READY]]
    return GroupSummary(
        parts=parts, states=states, unit_count=sum(part.unit_count for part in parts),
        accepted_count=sum(part.accepted_count for part in parts),
        refused_count=sum(part.refused_count for part in parts),
        failed=[part for part in parts if part.state == Transfer.State.FAILED], ready=ready,
        not_ready=[part for part in parts if part not in ready], next_reply=first_unanswered(parts))


# A transfer in parts is answered in the order of its parts: the first parts hold the deepest units, and Vitam
# purges no unit that still has children (PurgeUnitPlugin keeps it: NON_DESTROYABLE_HAS_CHILD_UNITS). A part is
# answered once its reply is integrated (its refused units kept in Vitam, and with them their parents of the
# later parts, as they should be) or was a refusal (nothing purged).
ANSWERED = (Transfer.State.DONE, Transfer.State.REFUSED)
REPLY_IN_PROGRESS = (Transfer.State.REGULARISING, Transfer.State.REPLY_RUNNING)
AWAITING_REPLY = (Transfer.State.SIP_READY, Transfer.State.SENT)


def first_unanswered(parts: list[Transfer], before: int | None = None) -> Transfer | None:
    """The first part (before the part `before`, if given) whose reply is not integrated yet."""
    return next((part for part in sorted(parts, key=lambda part: part.part_index)
                 if part.state not in ANSWERED and (before is None or part.part_index < before)), None)


def unanswered_before(transfer: Transfer) -> Transfer | None:
    """For a part of a transfer in parts, the first earlier part whose reply must be integrated first."""
    if transfer.part_index <= 1:
        return None
    return (Transfer.objects.filter(group_id=transfer.group_id, part_index__lt=transfer.part_index)
            .exclude(state__in=ANSWERED).order_by("part_index").first())


def transfer_group_get_for_user(user, tenant_pk, pk) -> Transfer:
    """The first part of a transfer in parts; 404 for any other transfer."""
    transfer = transfer_get_for_user(user, tenant_pk, pk)
    if transfer.part_index != 1:
        raise Http404
    return transfer


def bordereau_pdf_job(transfer: Transfer, job_pk) -> Job | None:
    """The job laying out this transfer's bordereau PDF (none when the number names another job)."""
    try:
        return Job.objects.filter(pk=int(job_pk), organisation_id=transfer.organisation_id,
                                  tenant_id=transfer.tenant_id, kind="transfer_bordereau_pdf").first()
    except (TypeError, ValueError):
        return None


def transferred_units(transfer: Transfer) -> list[dict]:
    """The units of the transfer SIP's manifest (id, title, level, dates), in the manifest's order."""
    if not transfer.sip_path or not Path(transfer.sip_path).is_file():
        return []
    with zipfile.ZipFile(transfer.sip_path) as archive, archive.open("manifest.xml") as manifest:
        tree = safe_xml.parse_bytes(manifest.read())
    units = []
    for content in tree.iterfind(".//s:ArchiveUnit/s:Content", NS):
        units.append({"id": content.findtext("s:SystemId", default="", namespaces=NS),
                      "title": content.findtext("s:Title", default="", namespaces=NS),
                      "level": content.findtext("s:DescriptionLevel", default="", namespaces=NS),
                      "start_date": content.findtext("s:StartDate", default="", namespaces=NS),
                      "end_date": content.findtext("s:EndDate", default="", namespaces=NS)})
    return units


# Receiving platforms hold certificate paths and addresses: the referent's to manage, as the organisation's users.
PLATFORM_PERMISSION = "manage_users"


def platform_tenant_for_user(user, tenant_pk) -> Tenant:
    return tenant_get_for_user(user, tenant_pk, PLATFORM_PERMISSION)


def platform_get(tenant, pk) -> ReceivingPlatform:
    return get_object_or_404(ReceivingPlatform, tenant=tenant, pk=pk)
