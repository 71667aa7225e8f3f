"""Probative value reports: ask Vitam for one (POST /probativevalueexport), follow it in a job, record who read it."""

from __future__ import annotations

import io
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sam.consultation import selectors as consultation
from sam.lib.jobs.services import job_enqueue, job_heartbeat
from sam.proof.models import ProofRequest
from sam.consultation.seda_labels import USAGES
from sam.vitam import limits
from sam.vitam.dsl import Select, eq
from sam.vitam.errors import VitamNotFound, VitamUnavailable
from tenants.audit import audit_record
from tenants.permissions import can
from tenants.vitam_clients import ACCESS, vitam_client

# A probative value report of one object takes seconds; past this Vitam is stuck and the job says so.
FOLLOW_TIMEOUT = 1800


def proof_request(*, user, tenant, unit_id: str, usage: str, version: int, request=None) -> ProofRequest:
    """Start Vitam's probative value report of one object version of a unit, and the job that follows it.

    Researchers consult communicable archives; asking Vitam to certify them is the archivists' work, so the
    `search` permission is required (a researcher never reaches this)."""
    if not can(user, "search", tenant.organisation):
        raise PermissionDenied
    unit = consultation.get_unit(tenant, unit_id, user=user)
    consultation.find_object_version(tenant, unit, usage, version, user=user)
    client = consultation.client_for(tenant, user=user)
    operation_id = client.export_probative_value(Select().where(eq("#id", unit_id)), usage, version)
    with transaction.atomic():
        proof = ProofRequest.objects.create(
            organisation=tenant.organisation, tenant=tenant, unit_id=unit_id,
            unit_title=str(unit.get("Title") or "")[:500], usage=usage, version=version,
            operation_id=operation_id, requested_by=user)
        audit_record(actor=user, action="proof.request", organisation=tenant.organisation, tenant=tenant,
                     target=proof, after={"unit": unit_id, "object": f"{usage}_{version}",
                                          "operation": operation_id}, request=request)
        _enqueue_follow(proof, user=user)
    proof.refresh_from_db()
    return proof


def _enqueue_follow(proof: ProofRequest, *, user) -> None:
    proof.job = job_enqueue(
        actor=user, organisation=proof.organisation, tenant=proof.tenant, kind="proof",
        label=_("Probative value report"), task="sam.proof.tasks.proof_follow_task",
        result_url=reverse("proof:detail", args=[proof.tenant_id, proof.pk]), proof_id=proof.pk)
    ProofRequest.objects.filter(pk=proof.pk).update(job=proof.job)


def units_proof_count(*, user, tenant, condition: dict) -> int:
    """How many units a report of several units would cover (Vitam's count under the archivist's contract);
    refuses in French an empty set or more than one Vitam operation takes."""
    counted = consultation.client_for(tenant, user=user).search_units(
        Select().where(condition).fields("#id").limit(1))
    if counted.total == 0:
        raise ValidationError(_("Your access contract shows none of these archive units: there is nothing to "
                                "certify."))
    limits.refuse_over_threshold(counted.total, what=_("The probative value report"),
                                 at_least=counted.total_is_capped)
    return counted.total


def units_proof_request(*, user, tenant, condition: dict, title: str, usage: str, version: int, unit_id: str = "",
                        request=None) -> ProofRequest:
    """One probative value report of the `usage`_`version` objects of every unit matching `condition` (built by
    SAM: a selection's, or a unit and the units below it), Vitam's probativevalueexport taking the DSL query."""
    if not can(user, "search", tenant.organisation):
        raise PermissionDenied
    if usage not in USAGES:
        raise ValidationError({"usage": _("Unknown usage of objects: %(usage)s.") % {"usage": usage}})
    if version < 1:
        raise ValidationError({"version": _("The version is a number from 1.")})
    count = units_proof_count(user=user, tenant=tenant, condition=condition)
    client = consultation.client_for(tenant, user=user)
    operation_id = client.export_probative_value(
        Select().where(condition).threshold(limits.distribution_threshold()), usage, version)
    with transaction.atomic():
        proof = ProofRequest.objects.create(
            organisation=tenant.organisation, tenant=tenant, scope=ProofRequest.Scope.UNITS, unit_id=unit_id,
            unit_title=title[:500], condition=condition, unit_count=count, usage=usage, version=version,
            operation_id=operation_id, requested_by=user)
        audit_record(actor=user, action="proof.request", organisation=tenant.organisation, tenant=tenant,
                     target=proof, after={"units": count, "of": title[:200], "object": f"{usage}_{version}",
                                          "operation": operation_id}, request=request)
        _enqueue_follow(proof, user=user)
    proof.refresh_from_db()
    return proof


def proof_follow(*, proof: ProofRequest) -> ProofRequest:
    """Wait for Vitam's operation, then keep the report's overall status (the report stays in Vitam)."""
    client = vitam_client(proof.tenant, contract=ACCESS)
    try:
        status = client.wait_for_operation(proof.operation_id, timeout=FOLLOW_TIMEOUT, on_poll=job_heartbeat)
    except VitamUnavailable as error:
        return _failed(proof, _("The archive system could not be followed to the end (%(reason)s): request the "
                                "report again later.") % {"reason": error.user_message()})
    buffer = io.BytesIO()
    try:
        client.batch_report(proof.operation_id, buffer)
        outcome = (json.loads(buffer.getvalue()).get("operationSummary") or {}).get("outcome", "")
    except (VitamNotFound, ValueError):
        outcome = ""
    if not outcome:
        return _failed(proof, _("The archive system produced no report (operation %(status)s): see the journal of "
                                "operations.") % {"status": status.status})
    proof.state, proof.outcome, proof.finished_at = ProofRequest.State.READY, outcome, timezone.now()
    proof.save(update_fields=["state", "outcome", "finished_at"])
    return proof


def _failed(proof: ProofRequest, error: str) -> ProofRequest:
    proof.state, proof.error, proof.finished_at = ProofRequest.State.FAILED, error, timezone.now()
    proof.save(update_fields=["state", "error", "finished_at"])
    return proof


def proof_consultation_record(*, request, proof: ProofRequest, action: str) -> None:
    """A reading of a report (page, raw report, attestation) is a consultation of the archive it certifies."""
    audit_record(actor=request.user, action=action, organisation=proof.organisation, tenant=proof.tenant,
                 target=proof, after={"unit": proof.unit_id, "operation": proof.operation_id}, request=request)

