"""Writes: move units (Vitam's reclassification), rename a published node (a mass update of that one unit),
delete an empty published node (an elimination proposal of that unit, through the visa workflow).

Moves and renames are recorded with their audit entry, then sent and followed in a background job
(sam.reclassification.tasks); Vitam decides (cycles, unit types, parents under the contract) and its refusal is
kept in French with its code for support. A refusal changes nothing in Vitam.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sam.elimination import services as elimination_services
from sam.elimination.models import Proposal
from sam.lib import vitam_messages
from sam.lib.jobs.services import job_enqueue, job_heartbeat, job_progress
from sam.reclassification import selectors
from sam.reclassification.models import PublishedChange
from sam.vitam import VitamError, eq, in_
from sam.vitam.client import reclassification_order
from tenants.audit import audit_record

MAX_ORDERS = 1000  # Vitam's reclassificationMaxBulkThreshold: one order per set of current parents
TREE_TYPES = ("HOLDING_UNIT", "FILING_UNIT")


def _vitam_reasons() -> dict[str, str]:
    """Vitam's ReclassificationEventDetails errors, told to an archivist."""
    return {
        "Cannot apply reclassification request. Cycle detected": _(
            "The move would create a cycle: the new parent is the unit itself or lies below it."),
        "Invalid unit type attachment(s)": _(
            "The archive system does not allow this attachment: a holding-tree node can only go under the "
            "holding tree, a filing-plan node under the filing plan or the holding tree, never under deposited "
            "archives."),
        "Access denied or missing units.": _(
            "The new parent was not found in this tenant under its access contract."),
        "No units to update.": _("None of the units to move was found in this tenant."),
        "Cannot attach & detach same parent units": _("A unit cannot be attached to and detached from the same "
                                                      "parent."),
        "Cannot apply reclassification request. Hold rules with PreventRearrangement found": _(
            "A hold rule forbids rearranging these units."),
    }


# --- moves ---------------------------------------------------------------------------------------


def _orders(moves: dict[str, list[str]], new_parent_id: str) -> list[dict]:
    """RECLASSIFICATION_QUERY: the units grouped by their current parents, each group attached to the new parent
    and detached from the others."""
    groups: dict[tuple, list[str]] = {}
    for unit_id, parents in moves.items():
        groups.setdefault(tuple(sorted(parents)), []).append(unit_id)
    orders = []
    for parents, unit_ids in groups.items():
        pull = [parent for parent in parents if parent != new_parent_id]
        add = [] if new_parent_id in parents else [new_parent_id]
        if add or pull:
            orders.append(reclassification_order({"$query": [in_("#id", sorted(unit_ids))]}, add=add, pull=pull))
    return orders


def move_start(*, actor, tenant, units: list[dict], label: str, new_parent_id: str, confirmed: bool,
               request=None) -> PublishedChange:
    """Record the move and follow Vitam's reclassification in the background (confirmation required)."""
    if not units:
        raise ValidationError(_("There is nothing to move."))
    try:
        parent = selectors.unit_get(tenant, new_parent_id)
    except Http404:
        raise ValidationError({"new_parent": _("The chosen parent was not found in this tenant: choose it in the "
                                               "list.")}) from None
    if not confirmed:
        raise ValidationError({"confirmed": _("Tick the confirmation to move the units.")})
    moves = {unit["#id"]: list(unit.get("#unitups") or []) for unit in units}
    orders = _orders(moves, new_parent_id)
    if not orders:
        raise ValidationError(_("These units are already directly under “%(title)s”.") % {"title": parent.get("Title")})
    if len(orders) > MAX_ORDERS:
        raise ValidationError(_("The selected units hang from too many different places: move them in smaller "
                                "groups."))
    count = selectors.subtree_count(tenant, list(moves))
    with transaction.atomic():
        change = PublishedChange.objects.create(
            tenant=tenant, organisation=tenant.organisation, kind=PublishedChange.Kind.MOVE, label=label[:500],
            moves=moves, new_parent_id=new_parent_id, new_parent_label=(parent.get("Title") or "")[:500],
            unit_count=count, created_by=actor)
        audit_record(actor=actor, action="reclassification.move", tenant=tenant, target=change,
                     before={"parents": {unit_id: parents for unit_id, parents in list(moves.items())[:100]}},
                     after={"new_parent": new_parent_id, "new_parent_title": change.new_parent_label,
                            "units": len(moves), "subtree": count}, request=request)
        _enqueue(actor, change, _("Move of %(label)s under %(parent)s") % {
            "label": change.label, "parent": change.new_parent_label})
    change.refresh_from_db()
    return change


def _enqueue(actor, change: PublishedChange, label: str) -> None:
    url = reverse("reclassification:change_detail", kwargs={"tenant_pk": change.tenant_id, "pk": change.pk})
    job = job_enqueue(actor=actor, organisation=change.organisation, tenant=change.tenant,
                      kind=f"published_{change.kind}", label=label, task="sam.reclassification.tasks.change_task",
                      result_url=url, change_id=change.pk)
    PublishedChange.objects.filter(pk=change.pk).update(job=job)


# --- rename --------------------------------------------------------------------------------------


def rename_start(*, actor, tenant, unit: dict, title: str, description: str, request=None) -> PublishedChange:
    """A published holding or filing node gets a new title and description (Vitam's mass update of that unit)."""
    if unit.get("#unitType") not in TREE_TYPES:
        raise ValidationError(_("Only the nodes of the holding tree and of the filing plan are renamed here."))
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the node a title.")})
    before = {"Title": unit.get("Title") or "", "Description": unit.get("Description") or ""}
    after = {"Title": title, "Description": description}
    if before == after:
        raise ValidationError(_("The title and the description are unchanged."))
    with transaction.atomic():
        change = PublishedChange.objects.create(
            tenant=tenant, organisation=tenant.organisation, kind=PublishedChange.Kind.RENAME,
            label=before["Title"][:500] or unit["#id"], unit_id=unit["#id"], unit_count=1,
            changes={"before": before, "after": after}, created_by=actor)
        audit_record(actor=actor, action="reclassification.rename", tenant=tenant, target=change, before=before,
                     after=after, request=request)
        _enqueue(actor, change, _("Renaming of %(title)s") % {"title": change.label})
    change.refresh_from_db()
    return change


def _rename_query(change: PublishedChange) -> dict:
    after = change.changes["after"]
    actions = [{"$set": {"Title": after["Title"], **({"Description": after["Description"]}
                                                     if after["Description"] else {})}}]
    if not after["Description"]:
        actions.append({"$unset": ["Description"]})
    return {"$roots": [], "$query": [eq("#id", change.unit_id)], "$threshold": 1, "$action": actions}


# --- deletion of an empty node -------------------------------------------------------------------


def delete_start(*, actor, tenant, unit: dict, request=None) -> Proposal:
    """An empty published node (no child, no object) goes through the elimination workflow of the commune: an
    elimination proposal of that one unit, analysed by Vitam, then submitted for the visa as any other."""
    if unit.get("#unitType") not in TREE_TYPES:
        raise ValidationError(_("Only the nodes of the holding tree and of the filing plan are deleted here."))
    if unit.get("#object") or selectors.children_count(tenant, unit["#id"]):
        raise ValidationError(_("This node still holds archive units or objects: only an empty node can be "
                                "deleted."))
    if unit.get("#unitType") == "FILING_UNIT":
        kept = selectors.filing_node_kept_reason(tenant, unit["#id"], timezone.localdate())
        if kept:  # a proposal Vitam would find nothing to destroy in
            raise ValidationError(kept)
    title = unit.get("Title") or unit["#id"]
    with transaction.atomic():
        proposal = elimination_services.analysis_start(
            actor=actor, tenant=tenant, title=(_("Deletion of the empty node “%(title)s”") % {"title": title})[:300],
            mode=Proposal.Mode.CRITERIA, criteria={"selection": title, "conditions": [eq("#id", unit["#id"])]},
            date=timezone.localdate(), request=request)
        audit_record(actor=actor, action="reclassification.delete", tenant=tenant, target=proposal,
                     before={"unit": unit["#id"], "title": title, "unit_type": unit.get("#unitType")},
                     request=request)
    return proposal


# --- background: send and follow -----------------------------------------------------------------


def change_run(job, *, change: PublishedChange) -> None:
    """Send the change to Vitam (once: a resumed job follows the operation already sent), follow it, record the
    verdict with Vitam's reason in French."""
    client = selectors.client_for(change.tenant)
    try:
        if not change.operation_id:
            job_progress(job, 1, 3, _("Sending to the archive system"), force=True)
            if change.kind == PublishedChange.Kind.MOVE:
                operation_id = client.reclassification(_orders(change.moves, change.new_parent_id))
            else:
                operation_id = client.mass_update_units(_rename_query(change))
            PublishedChange.objects.filter(pk=change.pk).update(operation_id=operation_id)
            change.operation_id = operation_id
        job_progress(job, 2, 3, _("Processing by the archive system (operation %(id)s)") % {
            "id": change.operation_id}, force=True)
        status = client.wait_for_operation(change.operation_id, timeout=3600, max_interval=2.0,
                                            on_poll=job_heartbeat)
        reason, code = ("", "") if status.is_ok else _refusal(client, change.operation_id)
    except VitamError as error:
        # Unreachable or slow: the change page says so (the job keeps the same message).
        PublishedChange.objects.filter(pk=change.pk).update(
            state=PublishedChange.State.FAILED, error=error.user_message(), finished_at=timezone.now())
        raise
    state = (PublishedChange.State.DONE if status.is_ok else
             PublishedChange.State.REFUSED if status.status == "KO" else PublishedChange.State.FAILED)
    with transaction.atomic():
        PublishedChange.objects.filter(pk=change.pk).update(
            state=state, vitam_status=status.status, error=reason, error_code=code[:300], finished_at=timezone.now())
        audit_record(actor=change.created_by, action="reclassification.result", tenant=change.tenant, target=change,
                     after={"operation": change.operation_id, "status": status.status, "code": code})
    job.result = {"status": status.status, "operation_id": change.operation_id}
    job.message = (_("Done") if status.is_ok else reason)[:500]


def _refusal(client, operation_id: str) -> tuple[str, str]:
    """(the reason in French, Vitam's code and error) of a KO operation, from its first failed action."""
    try:
        operation = client.get_operation(operation_id)
    except VitamError:
        return _("The archive system refused the change; see the journal of operations."), ""
    failed = [event for event in operation.get("events") or []
              if event.get("outcome") in ("KO", "FATAL") and event.get("evType") != operation.get("evType")
              and not str(event.get("evType", "")).startswith("STP_")]
    if not failed:
        return _("The archive system refused the change; see the journal of operations."), ""
    event = failed[0]
    code = event.get("outDetail") or event.get("evType") or ""
    try:
        details = json.loads(event.get("evDetData") or "{}")
    except ValueError:
        details = {}
    error = details.get("error", "") if isinstance(details, dict) else ""
    reason = _vitam_reasons().get(error) or vitam_messages.describe(code, fallback=event.get("outMessg") or "")
    return reason, f"{code} — {error}" if error else code
