"""Elimination procedure and mass rule updates: one function per business action.

State machine of a proposal (every change audited, in the same transaction):

    analysing → draft → submitted → approved → executing → executed
                  ↑         └──→ refused (copy → new draft)        └→ failed
Vitam computes (analysis, elimination action, rule updates); SAM keeps who asked, who approved,
exactly which units, and the certificate built from Vitam's batch report.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from referentials.kinds import RULE_TYPE_LABELS
from sam.consultation.seda_labels import FINAL_ACTIONS as FINAL_ACTION_LABELS
from sam.elimination import documents, selectors, vitam_side
from sam.elimination.models import MassUpdate, Notification, Proposal, ProposalUnit, VitamBatch
from sam.lib.jobs.models import Job
from sam.lib.jobs.services import job_enqueue
from sam.vitam import VitamError
from sam.vitam.dsl import Select, in_
from tenants.vitam_clients import MissingContract
from tenants.audit import audit_record
from tenants.permissions import may_give_visa, visa_givers

logger = logging.getLogger(__name__)
BULK = 2000


def _threshold() -> int:
    return int(getattr(settings, "ELIMINATION_MASS_UPDATE_CONFIRM_THRESHOLD", 1000))


def storage_dir(kind: str, obj) -> Path:
    folder = Path(settings.DATA_DIR) / "elimination" / kind / str(obj.tenant_id) / str(obj.pk)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def bordereau_pdf_path(proposal: Proposal) -> Path:
    """Where the PDF of the bordereau as it stands is kept: the name follows what the bordereau shows
    (state, title, figures), so a PDF built before a change is never served after it."""
    shown = json.dumps([proposal.state, proposal.title, proposal.figures], sort_keys=True, default=str)
    return storage_dir("proposals", proposal) / f"bordereau-{hashlib.sha256(shown.encode()).hexdigest()[:16]}.pdf"


def bordereau_pdf_start(*, actor, proposal: Proposal):
    """Lay out the bordereau's PDF in the background: thousands of units take WeasyPrint minutes."""
    return job_enqueue(
        actor=actor, organisation=proposal.organisation, tenant=proposal.tenant, kind="elimination_bordereau_pdf",
        label=_("PDF of the elimination proposal %(reference)s") % {"reference": proposal.reference},
        task="sam.elimination.tasks.bordereau_pdf_task", proposal_id=proposal.pk,
        result_url=reverse("elimination:proposal_print_pdf", args=[proposal.tenant_id, proposal.pk]),
    )


def bordereau_pdf_build(*, proposal: Proposal) -> Path:
    path = bordereau_pdf_path(proposal)
    if not path.is_file():
        partial = path.with_suffix(".part")  # a half-written PDF is never served
        partial.write_bytes(documents.bordereau_pdf(proposal))
        partial.replace(path)
    return path


def figures_refresh(proposal: Proposal) -> None:
    """Recompute the stored figures of the bordereau after its units changed."""
    figures = {"summary": selectors.compute_summary(proposal), "groups": selectors.compute_groups(proposal),
               "tree_groups": selectors.compute_tree_groups(proposal)}
    Proposal.objects.filter(pk=proposal.pk).update(figures=figures)
    proposal.figures = figures


def _snapshot(proposal: Proposal) -> dict:
    return {"state": proposal.state, "units": proposal.destroy_count, "reference": proposal.reference}


def _transition(proposal: Proposal, *, actor, action: str, request=None, expect=(), **changes) -> Proposal:
    """Change fields and state under a row lock, audited. `expect`: the states the change starts from,
    checked again under the lock (two users submitting or executing at once: the second is refused)."""
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if expect and locked.state not in expect:
            raise ValidationError(_("Another user changed this proposal meanwhile (it is now %(state)s): reload "
                                    "the page.") % {"state": locked.get_state_display()})
        before = _snapshot(locked)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save()
        audit_record(actor=actor, action=f"elimination.{action}", tenant=locked.tenant, target=locked,
                     before=before, after=_snapshot(locked), request=request)
    proposal.refresh_from_db()
    return proposal


def _vitam_message(error) -> str:
    if hasattr(error, "user_message"):
        return error.user_message()
    return str(error)


# --- analysis ------------------------------------------------------------------------------


def analysis_start(*, actor, tenant, title: str, mode: str, criteria: dict, date: datetime.date,
                   request=None) -> Proposal:
    """Record the proposal (state "analysis running") and run the analysis in the background."""
    if date > timezone.localdate():
        raise ValidationError(_("The elimination date cannot be in the future."))
    with transaction.atomic():
        proposal = Proposal.objects.create(
            tenant=tenant, organisation=tenant.organisation, title=title, mode=mode,
            criteria={k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in criteria.items() if v},
            analysis_date=date, created_by=actor, state=Proposal.State.ANALYSING)
        proposal.reference = f"PE-{timezone.localdate():%Y}-{proposal.pk:05d}"
        proposal.save(update_fields=["reference"])
        audit_record(actor=actor, action="elimination.analysis_start", tenant=tenant, target=proposal,
                     after={"mode": mode, "criteria": proposal.criteria, "date": date.isoformat()}, request=request)
        url = reverse("elimination:proposal_detail", kwargs={"tenant_pk": tenant.pk, "pk": proposal.pk})
        job = job_enqueue(actor=actor, organisation=tenant.organisation, tenant=tenant, kind="elimination_analysis",
                          label=_("Elimination analysis: %(title)s") % {"title": title},
                          task="sam.elimination.tasks.proposal_analysis_task", result_url=url, proposal_id=proposal.pk)
        Proposal.objects.filter(pk=proposal.pk).update(analysis_job=job)
    proposal.refresh_from_db()
    return proposal


def analysis_run(*, proposal: Proposal, on_progress) -> None:
    """The background part: Vitam's analysis (one operation per batch of candidates), then one ProposalUnit row
    per indexed unit."""
    try:
        client = vitam_side.client_for(proposal.tenant)
        on_progress(0, 0, _("Selecting the candidate units"))
        date = proposal.analysis_date.isoformat()
        candidates = vitam_side.candidate_ids(client, mode=proposal.mode, criteria=proposal.criteria, date=date)
        ProposalUnit.objects.filter(proposal=proposal).delete()
        batches = _batches_create(proposal=proposal, kind=VitamBatch.Kind.ANALYSIS, unit_ids=candidates)
        analysed = 0
        for batch in batches:
            _analysis_batch_run(client, proposal, batch, date, lambda done, total, _batch=batch, _offset=analysed:
                                on_progress(_offset + done, len(candidates), _batch_message(
                                    _("Vitam analyses the units"), _batch, len(batches), _offset + done,
                                    len(candidates))))
            analysed += len(batch.unit_ids)
    except Exception as error:
        message = _analysis_failed(proposal, error)
        raise vitam_side.SelectionError(message) from error
    _analysis_done(proposal, len(candidates))


def _batch_message(action: str, batch: VitamBatch, batches: int, done: int, total: int) -> str:
    return _("%(action)s: operation %(number)s of %(batches)s, %(done)s of %(total)s units") % {
        "action": action, "number": batch.number, "batches": batches, "done": done, "total": total}


def _batches_create(*, proposal: Proposal | None = None, update: MassUpdate | None = None, kind: str,
                    unit_ids: list[str]) -> list[VitamBatch]:
    """Split the units into operations of at most batch_size() units, numbered from 1, replacing earlier ones."""
    owner = {"proposal": proposal} if proposal is not None else {"mass_update": update}
    with transaction.atomic():
        VitamBatch.objects.filter(kind=kind, **owner).delete()
        return VitamBatch.objects.bulk_create([
            VitamBatch(kind=kind, number=number, unit_ids=chunk, **owner)
            for number, chunk in enumerate(vitam_side.batches_of(unit_ids), start=1)])


def _analysis_batch_run(client, proposal: Proposal, batch: VitamBatch, date: str, on_progress) -> None:
    """Launch ELIMINATION_ANALYSIS on the batch's units, wait for it, record the units it indexed."""
    query = Select().where(in_("#id", batch.unit_ids)).threshold(len(batch.unit_ids))
    operation_id = client.elimination_analysis(query, date)
    VitamBatch.objects.filter(pk=batch.pk).update(operation_id=operation_id, state=VitamBatch.State.SENT)
    if batch.number == 1:  # the proposal names its first operation (page, API, copies); the journal links each batch
        Proposal.objects.filter(pk=proposal.pk).update(analysis_operation_id=operation_id)
    status = vitam_side.follow(client, operation_id, on_progress)
    VitamBatch.objects.filter(pk=batch.pk).update(vitam_status=status.status)
    if status.status not in ("OK", "WARNING"):
        raise vitam_side.SelectionError(
            _("Vitam's analysis ended in %(status)s (operation %(op)s): see the journal of operations.") % {
                "status": status.status, "op": operation_id})
    _proposal_units_record(client, proposal, operation_id, batch.unit_ids)
    VitamBatch.objects.filter(pk=batch.pk).update(state=VitamBatch.State.DONE)


def _proposal_units_record(client, proposal: Proposal, operation_id: str, unit_ids: list[str]) -> None:
    """One ProposalUnit row per unit the analysis indexed as DESTROY or CONFLICT, page by page."""
    ancestors: dict[str, tuple[str, str]] = {}
    for page in vitam_side.analysed_units(client, operation_id, unit_ids):
        groups = sorted({unit["#object"] for unit in page if unit.get("#object")})
        sizes = vitam_side.object_sizes(client, groups)
        paths = vitam_side.parent_paths(client, [_parent_of(unit) for unit in page], ancestors)
        rows = []
        for unit in page:
            entry = vitam_side.elimination_entry(unit, operation_id)
            if entry.get("GlobalStatus") in ("DESTROY", "CONFLICT"):
                rows.append(_proposal_unit(proposal, unit, entry, sizes, paths))
        ProposalUnit.objects.bulk_create(rows, batch_size=BULK)


def _parent_of(unit: dict) -> str:
    ups = unit.get("#unitups") or []
    return str(ups[0])[:100] if ups else ""


def _proposal_unit(proposal: Proposal, unit: dict, entry: dict, sizes: dict, paths: dict) -> ProposalUnit:
    """The row of an analysed unit: its description, Vitam's verdict (and why, in conflict), its DUA, its size."""
    status = entry["GlobalStatus"]
    appraisal = vitam_side.appraisal_of(unit)
    count, size = sizes.get(unit.get("#object") or "", (0, 0))
    return ProposalUnit(
        proposal=proposal, unit_id=unit["#id"], title=str(unit.get("Title") or "")[:1000],
        level=str(unit.get("DescriptionLevel") or "")[:40],
        start_date=str(unit.get("StartDate") or "")[:10], end_date=str(unit.get("EndDate") or "")[:10],
        agency=str(unit.get("#originating_agency") or "")[:200], status=status,
        reasons=vitam_side.conflict_reasons(entry) if status == "CONFLICT" else [],
        rule_ids=appraisal.rule_ids, rule_end_date=appraisal.end_date, final_action=appraisal.final_action,
        parent_id=_parent_of(unit), parent_path=paths.get(_parent_of(unit), ""), size=size, object_count=count,
        object_group_id=str(unit.get("#object") or "")[:100], depth=_depth(unit), included=status == "DESTROY")


def _depth(unit: dict) -> int:
    try:
        return max(1, min(int(unit.get("#max") or 1), 32767))
    except (TypeError, ValueError):
        return 1


def _analysis_failed(proposal: Proposal, error: Exception) -> str:
    """Never leave a half-read proposal behind: no rows, state "failed" with a message saying what to do."""
    if isinstance(error, vitam_side.SelectionError):
        message = str(error)
    elif isinstance(error, (VitamError, MissingContract)):
        message = _vitam_message(error)
    else:
        logger.exception("elimination analysis of proposal %s failed", proposal.pk)
        message = _("The analysis stopped on an unexpected error: run it again, or contact your administrator.")
    ProposalUnit.objects.filter(proposal=proposal).delete()
    VitamBatch.objects.filter(proposal=proposal, kind=VitamBatch.Kind.ANALYSIS).delete()
    _transition(proposal, actor=None, action="analysis_failed", state=Proposal.State.FAILED, error=message)
    return message


def analysis_abandon(job) -> None:
    """Its job's worker stopped too many times (sam.lib.jobs.recovery): the proposal fails as an analysis that
    stopped on an error (no half-read rows), instead of staying « analyse en cours » for ever."""
    proposal = Proposal.objects.filter(analysis_job=job, state=Proposal.State.ANALYSING).first()
    if proposal is not None:
        _analysis_failed(proposal, vitam_side.SelectionError(job.error))


def _analysis_done(proposal: Proposal, candidates: int) -> None:
    """The proposal becomes a draft with its figures: destroyable, in conflict, kept."""
    destroy = ProposalUnit.objects.filter(proposal=proposal, status=ProposalUnit.Status.DESTROY).count()
    conflict = ProposalUnit.objects.filter(proposal=proposal, status=ProposalUnit.Status.CONFLICT).count()
    # Vitam indexes only DESTROY and CONFLICT units: every other candidate was kept.
    keep = max(0, candidates - destroy - conflict)
    figures_refresh(proposal)
    _transition(proposal, actor=None, action="analysis_done", state=Proposal.State.DRAFT, error="",
                destroy_count=destroy, conflict_count=conflict, keep_count=keep,
                candidate_count=max(candidates, destroy + conflict))


# --- the proposal while it is a draft ------------------------------------------------------


def _require_state(proposal: Proposal, *states, message: str):
    if proposal.state not in states:
        raise ValidationError(message)


def proposal_units_set_included(*, actor, proposal: Proposal, unit_ids, included: bool, request=None) -> int:
    """Exclude units from (or put them back into) a draft; units in conflict can never be included."""
    _require_state(proposal, Proposal.State.DRAFT,
                   message=_("Only a draft can be changed: this proposal is %(state)s.") % {
                       "state": proposal.get_state_display()})
    unit_ids = [str(u) for u in unit_ids][:vitam_side.MAX_PROPOSAL_UNITS]
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.state != Proposal.State.DRAFT:
            raise ValidationError(_("Only a draft can be changed."))
        # A unit left out is kept, and so are its ancestors (Vitam eliminates no unit that keeps a descendant):
        # they leave the proposal with it, as the confirmation page announced (selectors.exclusion_effect).
        parents = [] if included else [unit.unit_id for unit in selectors.exclusion_effect(locked, unit_ids)]
        changed = ProposalUnit.objects.filter(proposal=locked, unit_id__in=unit_ids + parents,
                                              status=ProposalUnit.Status.DESTROY).exclude(
            included=included).update(included=included)
        figures_refresh(locked)
        after = {"units": unit_ids[:100], "changed": changed}
        if parents:
            after["parents_kept"] = parents[:100]
        audit_record(actor=actor, action="elimination.units_include" if included else "elimination.units_exclude",
                     tenant=locked.tenant, target=locked, after=after, request=request)
    proposal.figures = locked.figures
    return changed


def proposal_discard(*, actor, proposal: Proposal, request=None) -> Proposal:
    """Abandon a draft (an analysis that found nothing to eliminate, or a proposal the archivist gives up):
    it stays listed, audited, and can no longer be submitted."""
    _require_state(proposal, Proposal.State.DRAFT, Proposal.State.FAILED,
                   message=_("Only a draft or a failed analysis can be abandoned."))
    return _transition(proposal, actor=actor, action="discard", request=request,
                       expect=(Proposal.State.DRAFT, Proposal.State.FAILED), state=Proposal.State.DISCARDED)


def proposal_submit(*, actor, proposal: Proposal, request=None) -> Proposal:
    _require_state(proposal, Proposal.State.DRAFT, message=_("Only a draft can be submitted for a visa."))
    if not ProposalUnit.objects.filter(proposal=proposal, included=True).exists():
        raise ValidationError(_("The proposal holds no destroyable unit: there is nothing to submit."))
    controllers = list(visa_givers(proposal.organisation))
    if not controllers:
        raise ValidationError(_("No controller of the departmental archives is linked to %(organisation)s: ask "
                                "the platform administrator to link your commune to its departmental "
                                "archives.") % {"organisation": proposal.organisation.name})
    proposal = _transition(proposal, actor=actor, action="submit", request=request, expect=(Proposal.State.DRAFT,),
                           state=Proposal.State.SUBMITTED,
                           submitted_by=actor, submitted_at=timezone.now())
    notify(users=controllers, proposal=proposal, kind=Notification.Kind.VISA_REQUESTED, request=request,
           message=_("The elimination proposal %(ref)s of %(organisation)s awaits your visa.") % {
               "ref": proposal.reference, "organisation": proposal.organisation.name})
    return proposal


def proposal_copy(*, actor, proposal: Proposal, request=None) -> Proposal:
    """A refused (or failed) proposal becomes a new draft with the same units, to be corrected."""
    _require_state(proposal, Proposal.State.REFUSED, Proposal.State.FAILED, Proposal.State.EXECUTED,
                   message=_("Only a refused, failed or executed proposal can be copied."))
    with transaction.atomic():
        copy = Proposal.objects.create(
            tenant=proposal.tenant, organisation=proposal.organisation, title=proposal.title, mode=proposal.mode,
            criteria=proposal.criteria, analysis_date=proposal.analysis_date,
            analysis_operation_id=proposal.analysis_operation_id, candidate_count=proposal.candidate_count,
            conflict_count=proposal.conflict_count, keep_count=proposal.keep_count, created_by=actor,
            state=Proposal.State.DRAFT, copied_from=proposal)
        copy.reference = f"PE-{timezone.localdate():%Y}-{copy.pk:05d}"
        fields = ("unit_id", "title", "level", "start_date", "end_date", "agency", "status", "reasons", "rule_ids",
                  "rule_end_date", "size", "object_count", "object_group_id", "depth", "included", "parent_id",
                  "parent_path", "final_action")
        source = ProposalUnit.objects.filter(proposal=proposal)
        if proposal.state == Proposal.State.EXECUTED:
            source = source.exclude(outcome=ProposalUnit.Outcome.DELETED)
        rows = (ProposalUnit(proposal=copy, **{f: getattr(u, f) for f in fields}) for u in source.iterator())
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BULK:
                ProposalUnit.objects.bulk_create(batch)
                batch = []
        ProposalUnit.objects.bulk_create(batch)
        copy.destroy_count = ProposalUnit.objects.filter(proposal=copy, status=ProposalUnit.Status.DESTROY).count()
        copy.save()
        figures_refresh(copy)
        audit_record(actor=actor, action="elimination.copy", tenant=copy.tenant, target=copy,
                     after={"copied_from": proposal.reference}, request=request)
    return copy


# --- the visa ------------------------------------------------------------------------------


def proposal_decide(*, actor, proposal: Proposal, approve: bool, comment: str, request=None) -> Proposal:
    if not may_give_visa(actor, proposal.organisation):
        raise ValidationError(_("Only a controller of the departmental archives linked to this commune can give "
                                "the visa."))
    _require_state(proposal, Proposal.State.SUBMITTED, message=_("This proposal does not await a visa (it is "
                                                                 "%(state)s).") % {
        "state": proposal.get_state_display()})
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError(_("Say why the proposal is refused: the archivist needs it to correct it."))
    proposal = _transition(proposal, actor=actor, action="approve" if approve else "refuse", request=request,
                           expect=(Proposal.State.SUBMITTED,),
                           state=Proposal.State.APPROVED if approve else Proposal.State.REFUSED, decided_by=actor,
                           decided_at=timezone.now(), decision_comment=comment)
    message = (_("Your elimination proposal %(ref)s was approved by %(who)s.") if approve else
               _("Your elimination proposal %(ref)s was refused by %(who)s.")) % {
        "ref": proposal.reference, "who": actor.get_full_name() or actor.username}
    notify(users=_archivists_to_tell(proposal), proposal=proposal, kind=Notification.Kind.DECIDED, message=message,
           request=request)
    return proposal


def _archivists_to_tell(proposal: Proposal):
    users = {u.pk: u for u in (proposal.created_by, proposal.submitted_by) if u is not None and u.is_active}
    return list(users.values())


# --- execution -----------------------------------------------------------------------------


def proposal_execute_start(*, actor, proposal: Proposal, request=None) -> Proposal:
    """Launch Vitam's elimination action for exactly the approved units (only after the visa), or resume an
    interrupted one with the units not yet done."""
    # An elimination whose follow-up was interrupted (Vitam unreachable meanwhile) is followed again.
    following = (proposal.state == Proposal.State.EXECUTING and proposal.action_operation_id
                 and not (proposal.action_job and not proposal.action_job.is_finished))
    if following:
        expect = Proposal.State.EXECUTING
    elif proposal.state == Proposal.State.INTERRUPTED:
        expect = Proposal.State.INTERRUPTED
    else:
        _require_state(proposal, Proposal.State.APPROVED, message=_(
            "Only a proposal approved by the departmental archives can be executed (this one is %(state)s).") % {
            "state": proposal.get_state_display()})
        expect = Proposal.State.APPROVED
    with transaction.atomic():
        proposal = _transition(proposal, actor=actor, action="resume" if expect == Proposal.State.INTERRUPTED
                               else "execute", request=request, expect=(expect,),
                               state=Proposal.State.EXECUTING, executed_by=actor, error="")
        # The batch that failed is sent again as a new operation; the batches done never are.
        VitamBatch.objects.filter(proposal=proposal, kind=VitamBatch.Kind.ELIMINATION,
                                  state=VitamBatch.State.FAILED).update(state=VitamBatch.State.PENDING,
                                                                        operation_id="", vitam_status="")
    url = reverse("elimination:proposal_detail", kwargs={"tenant_pk": proposal.tenant_id, "pk": proposal.pk})
    job = job_enqueue(actor=actor, organisation=proposal.organisation, tenant=proposal.tenant,
                      kind="elimination_action", label=_("Elimination %(ref)s") % {"ref": proposal.reference},
                      task="sam.elimination.tasks.proposal_action_task", result_url=url, proposal_id=proposal.pk,
                      base_url=request.build_absolute_uri("/") if request is not None else "")
    Proposal.objects.filter(pk=proposal.pk).update(action_job=job)
    proposal.refresh_from_db()
    return proposal


def _action_batches(proposal: Proposal) -> list[VitamBatch]:
    """The approved units in operations of at most batch_size(), deepest units first (a unit cannot go while
    its children remain, and they may sit in an earlier batch); made once, kept across resumptions."""
    with transaction.atomic():
        Proposal.objects.select_for_update().get(pk=proposal.pk)
        batches = list(VitamBatch.objects.filter(proposal=proposal, kind=VitamBatch.Kind.ELIMINATION))
        if batches:
            return batches
        ids = list(ProposalUnit.objects.filter(proposal=proposal, included=True).order_by("-depth", "id")
                   .values_list("unit_id", flat=True))
        return _batches_create(proposal=proposal, kind=VitamBatch.Kind.ELIMINATION, unit_ids=ids)


def action_run(*, proposal: Proposal, on_progress, base_url: str = "") -> None:
    """Send the batches not done yet, one Vitam operation each; the first that fails stops the others."""
    date = proposal.analysis_date.isoformat()
    batches = _action_batches(proposal)
    total = sum(len(batch.unit_ids) for batch in batches)
    done = sum(len(batch.unit_ids) for batch in batches if batch.state == VitamBatch.State.DONE)
    batch = None
    try:
        client = vitam_side.client_for(proposal.tenant)
        for batch in batches:
            if batch.state == VitamBatch.State.DONE:
                continue
            status = _action_batch_run(client, proposal, batch, date, lambda d, t, _batch=batch, _done=done:
                                       on_progress(_done + d, total, _batch_message(
                                           _("Vitam eliminates the units"), _batch, len(batches), _done + d, total)))
            if status.status not in ("OK", "WARNING"):
                _action_stopped(proposal, batch, _("Vitam's elimination ended in %(status)s (operation %(op)s).") % {
                    "status": status.status, "op": batch.operation_id}, base_url=base_url)
                return
            done += len(batch.unit_ids)
            on_progress(done, total, _batch_message(_("Vitam eliminates the units"), batch, len(batches), done,
                                                    total))
    except (VitamError, MissingContract) as error:
        if batch is not None and batch.operation_id:
            # The operation may still run in Vitam: the proposal stays "executing" and can be followed again.
            Proposal.objects.filter(pk=proposal.pk).update(error=_vitam_message(error))
        else:
            _action_stopped(proposal, batch, _vitam_message(error), base_url=base_url, unreachable=True)
        raise
    _action_done(proposal, batches, base_url=base_url)


def _action_batch_run(client, proposal: Proposal, batch: VitamBatch, date: str, on_progress):
    """One ELIMINATION_ACTION: sent once (checked under the batch's row lock), followed, its report applied."""
    with transaction.atomic():
        locked = VitamBatch.objects.select_for_update().get(pk=batch.pk)
        if not locked.operation_id:
            query = Select().where(in_("#id", locked.unit_ids)).threshold(len(locked.unit_ids))
            locked.operation_id = client.elimination_action(query, date)
            locked.state = VitamBatch.State.SENT
            locked.save(update_fields=["operation_id", "state"])
            Proposal.objects.filter(pk=proposal.pk).update(action_operation_id=locked.operation_id)
    batch.operation_id, batch.state = locked.operation_id, locked.state
    status = vitam_side.follow(client, batch.operation_id, on_progress)
    if status.status not in ("OK", "WARNING"):
        VitamBatch.objects.filter(pk=batch.pk).update(state=VitamBatch.State.FAILED, vitam_status=status.status)
        return status
    report_path = storage_dir("proposals", proposal) / f"batch-report-{batch.number}.jsonl"
    client.batch_report(batch.operation_id, report_path)
    with transaction.atomic():
        apply_report(proposal=proposal, client=client, report_path=report_path, date=date, unit_ids=batch.unit_ids)
        batch.state, batch.vitam_status, batch.report_path = VitamBatch.State.DONE, status.status, str(report_path)
        batch.report_sha512 = hashlib.sha512(report_path.read_bytes()).hexdigest()
        batch.save(update_fields=["state", "vitam_status", "report_path", "report_sha512"])
    return status


def proposal_action_abandon(job) -> None:
    """Its job's worker stopped too many times (sam.lib.jobs.recovery). An operation Vitam has: the proposal stays
    executing, saying why, and « Suivre de nouveau » follows it; none sent yet: back to approved, nothing destroyed."""
    proposal = Proposal.objects.filter(action_job=job, state=Proposal.State.EXECUTING).first()
    if proposal is None:
        return
    sent = VitamBatch.objects.filter(proposal=proposal, kind=VitamBatch.Kind.ELIMINATION).exclude(operation_id="")
    if proposal.action_operation_id or sent.exists():
        Proposal.objects.filter(pk=proposal.pk).update(error=job.error)
        return
    _action_stopped(proposal, None, job.error, base_url=job.task_kwargs.get("base_url", ""), unreachable=True)


def _action_stopped(proposal: Proposal, batch: VitamBatch | None, reason: str, *, base_url: str,
                    unreachable: bool = False) -> None:
    """A batch failed: with nothing destroyed yet the proposal is back to approved (Vitam unreachable) or
    failed; otherwise it is interrupted, saying what was done and what remains, to be resumed."""
    units = ProposalUnit.objects.filter(proposal=proposal, included=True)
    handled = units.exclude(outcome=ProposalUnit.Outcome.PENDING).count()
    if not handled and unreachable:
        _transition(proposal, actor=None, action="execute_not_started", state=Proposal.State.APPROVED,
                    error=reason + " " + _("Nothing was destroyed: launch the elimination again once Vitam is "
                                           "reachable."))
        return
    if not handled:
        _transition(proposal, actor=None, action="execute_failed", state=Proposal.State.FAILED,
                    error=reason + " " + _("Nothing was destroyed. See the journal of operations."))
        message = _("The elimination %(ref)s failed.") % {"ref": proposal.reference}
    else:
        remaining = units.filter(outcome=ProposalUnit.Outcome.PENDING).count()
        if batch is not None and batch.state != VitamBatch.State.FAILED:
            VitamBatch.objects.filter(pk=batch.pk).update(state=VitamBatch.State.FAILED)
        _transition(proposal, actor=None, action="execute_interrupted", state=Proposal.State.INTERRUPTED,
                    error=reason + " " + _("Operation %(number)s stopped the elimination: %(handled)s units were "
                                           "handled by the operations before it, %(remaining)s remain. Resume the "
                                           "elimination to send the remaining units only.") % {
                        "number": batch.number if batch else "?", "handled": handled, "remaining": remaining})
        message = _("The elimination %(ref)s was interrupted: %(remaining)s units remain.") % {
            "ref": proposal.reference, "remaining": remaining}
    notify(users=_archivists_to_tell(proposal), proposal=proposal, kind=Notification.Kind.EXECUTED,
           message=message, base_url=base_url)


def _action_done(proposal: Proposal, batches: list[VitamBatch], *, base_url: str) -> None:
    """Every batch done: one report (Vitam's reports one after the other), one certificate, one notification."""
    folder = storage_dir("proposals", proposal)
    report_path = _reports_merge(VitamBatch.objects.filter(proposal=proposal, kind=VitamBatch.Kind.ELIMINATION),
                                 folder / "batch-report.jsonl")
    units = ProposalUnit.objects.filter(proposal=proposal, included=True)
    destroyed = units.filter(outcome=ProposalUnit.Outcome.DELETED).count()
    not_destroyed = units.filter(outcome=ProposalUnit.Outcome.NOT_DELETED).count()
    digest = hashlib.sha512(report_path.read_bytes()).hexdigest()
    proposal = _transition(proposal, actor=None, action="executed", state=Proposal.State.EXECUTED, error="",
                           executed_at=timezone.now(), destroyed_count=destroyed, not_destroyed_count=not_destroyed,
                           report_path=str(report_path), report_sha512=digest)
    certificate_start(proposal=proposal)
    notify(users=_archivists_to_tell(proposal), proposal=proposal, kind=Notification.Kind.EXECUTED,
           message=_("The elimination %(ref)s is done: %(destroyed)s units destroyed, %(kept)s not destroyed.") % {
               "ref": proposal.reference, "destroyed": destroyed, "kept": not_destroyed}, base_url=base_url)


def certificate_start(*, proposal: Proposal):
    """Lay out the certificate and its annex in a job of their own: the elimination is done without waiting."""
    job = job_enqueue(
        actor=proposal.executed_by, organisation=proposal.organisation, tenant=proposal.tenant,
        kind="elimination_certificate", task="sam.elimination.tasks.certificate_task", proposal_id=proposal.pk,
        label=_("Certificate of the elimination %(reference)s") % {"reference": proposal.reference},
        result_url=reverse("elimination:proposal_detail", args=[proposal.tenant_id, proposal.pk]))
    Proposal.objects.filter(pk=proposal.pk).update(certificate_job=job)
    return job


def certificate_restart(*, actor, proposal: Proposal, request=None):
    """Lay out again a certificate whose job failed (Vitam unreachable while its series were looked up)."""
    job = proposal.certificate_job
    if proposal.state != Proposal.State.EXECUTED or proposal.certificate_path or (
            job is not None and job.state != Job.State.FAILED):
        raise ValidationError(_("The certificate of this elimination is ready or being laid out."))
    return certificate_start(proposal=proposal)


def certificate_build(*, proposal: Proposal) -> None:
    """The annex (CSV of every unit) streamed to its file while its SHA-512 is computed, then the certificate
    printing that digest; each file is written aside and renamed, so a half-written one is never served."""
    folder = storage_dir("proposals", proposal)
    annex_path = folder / "attestation-elimination-annexe.csv"
    partial = annex_path.with_suffix(".part")
    digest = hashlib.sha512()
    with partial.open("wb") as annex:
        for line in documents.certificate_annex_lines(proposal):
            data = line.encode("utf-8")
            digest.update(data)
            annex.write(data)
    partial.replace(annex_path)
    proposal.certificate_annex_path, proposal.certificate_annex_sha512 = str(annex_path), digest.hexdigest()
    certificate = documents.certificate_pdf(proposal)
    certificate_path = folder / "attestation-elimination.pdf"
    partial = certificate_path.with_suffix(".part")
    partial.write_bytes(certificate)
    partial.replace(certificate_path)
    Proposal.objects.filter(pk=proposal.pk).update(
        certificate_annex_path=str(annex_path), certificate_annex_sha512=proposal.certificate_annex_sha512,
        certificate_path=str(certificate_path), certificate_sha512=hashlib.sha512(certificate).hexdigest())


def apply_report(*, proposal: Proposal, client, report_path: Path, date: str, unit_ids: list[str]) -> tuple[int, int]:
    """Record on each unit of the batch what Vitam did with it, and why when it was not destroyed."""
    statuses = {}
    for line in vitam_side.read_report_lines(report_path)[1:]:
        params = line.get("params") or {}
        if "objectIds" in params or "deletedParentUnitIds" in params:
            continue  # object group lines
        statuses[str(line.get("id") or params.get("id"))] = str(params.get("status") or "")
    deleted = [unit_id for unit_id in unit_ids if statuses.get(unit_id) == "DELETED"]
    kept_ids = [unit_id for unit_id in unit_ids if statuses.get(unit_id) != "DELETED"]
    current = vitam_side.units_with_rules(client, kept_ids) if kept_ids else {}
    with transaction.atomic():
        ProposalUnit.objects.filter(proposal=proposal, included=True, unit_id__in=deleted).update(
            outcome=ProposalUnit.Outcome.DELETED)
        for unit_id in kept_ids:
            reason = vitam_side.action_reason(statuses.get(unit_id, ""), current.get(unit_id), date)
            ProposalUnit.objects.filter(proposal=proposal, unit_id=unit_id).update(
                outcome=ProposalUnit.Outcome.NOT_DELETED, outcome_reason=reason[:500])
    return len(deleted), len(kept_ids)


# --- notifications -------------------------------------------------------------------------


def notify(*, users, proposal: Proposal | None, kind: str, message: str, request=None, base_url: str = "") -> None:
    """A notification in SAM for each user, and the same by email (after the transaction commits)."""
    url = ""
    if proposal is not None:
        url = reverse("elimination:proposal_detail", kwargs={"tenant_pk": proposal.tenant_id, "pk": proposal.pk})
    organisation = proposal.organisation if proposal is not None else None
    Notification.objects.bulk_create([
        Notification(recipient=user, organisation=organisation, proposal=proposal, kind=kind, message=message[:500],
                     url=url) for user in users])
    selectors.unread_count_forget(user.pk for user in users)  # bulk_create sends no post_save
    # Background work has no request: the address the user started it from is passed along instead.
    link = request.build_absolute_uri(url) if request is not None and url else base_url.rstrip("/") + url
    recipients = [user.email for user in users if user.email]

    def send():
        for email in recipients:
            try:
                send_mail(subject=f"[SAM] {message}"[:200],
                          message=render_to_string("elimination/emails/notification.txt", {
                              "message": message, "link": link, "proposal": proposal}),
                          from_email=None, recipient_list=[email])
            except OSError:
                logger.warning("elimination notification: could not send an email to %s", email)

    transaction.on_commit(send)


def notifications_mark_read(*, user, pks=None) -> int:
    notifications = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if pks is not None:
        notifications = notifications.filter(pk__in=pks)
    marked = notifications.update(read_at=timezone.now())
    selectors.unread_count_forget([user.pk])  # update() sends no post_save
    return marked


# --- mass updates of rules -----------------------------------------------------------------

RULE_CATEGORY_CHOICES = ("AppraisalRule", "AccessRule", "StorageRule", "DisseminationRule", "ReuseRule",
                         "ClassificationRule", "HoldRule")


def mass_update_query(criteria: dict) -> Select:
    conditions = vitam_side.criteria_conditions(criteria)
    if not conditions:
        raise ValidationError(_("Give at least one criterion: a mass update never applies to the whole tenant."))
    return Select().where(*conditions)


def mass_update_count(*, tenant, criteria: dict) -> tuple[int, bool]:
    """How many units the update would touch, and whether Vitam stopped counting at its 10,000 cap (the run
    lists every unit and records the real number)."""
    client = vitam_side.client_for(tenant)
    query = mass_update_query(criteria).limit(1).fields("#id")
    response = client.search_units(query.build())
    return response.total, response.total_is_capped


def rule_actions_for(change: dict) -> tuple[dict, str]:
    """Vitam's ruleActions for the form's change, and its description in French."""
    kind, category, rule = change["action"], change["category"], change.get("rule", "")
    category_label = RULE_TYPE_LABELS.get(category, category)  # the description is shown to archivists
    if kind == "add":
        spec = {"Rule": rule}
        if change.get("start_date"):
            spec["StartDate"] = change["start_date"].isoformat()
        if category == "HoldRule":
            if change.get("hold_end_date"):
                spec["HoldEndDate"] = change["hold_end_date"].isoformat()
            if change.get("hold_reason"):
                spec["HoldReason"] = change["hold_reason"]
        body = {"Rules": [spec]}
        if change.get("final_action"):
            body["FinalAction"] = change["final_action"]
        return {"add": [{category: body}]}, _("Add the rule %(rule)s (%(category)s)") % {
            "rule": rule, "category": category_label}
    if kind == "replace":
        spec = {"OldRule": change["old_rule"], "Rule": rule}
        if change.get("start_date"):
            spec["StartDate"] = change["start_date"].isoformat()
        return {"update": [{category: {"Rules": [spec]}}]}, _("Replace the rule %(old)s by %(rule)s (%(category)s)") % {
            "old": change["old_rule"], "rule": rule, "category": category_label}
    if kind == "delete":
        return {"delete": [{category: {"Rules": [{"Rule": rule}]}}]}, _("Remove the rule %(rule)s (%(category)s)") % {
            "rule": rule, "category": category_label}
    if kind == "final_action":
        return {"update": [{category: {"FinalAction": change["final_action"]}}]}, _(
            "Set the final action of %(category)s to %(action)s") % {
            "category": category_label, "action": FINAL_ACTION_LABELS.get(change["final_action"], change["final_action"])}
    raise ValidationError(_("Unknown change."))


def mass_update_start(*, actor, tenant, criteria: dict, change: dict, expected_count: int, confirmed: bool,
                      request=None) -> MassUpdate:
    """Send the update to Vitam in the background; above the threshold it needs an explicit confirmation."""
    rule_actions, description = rule_actions_for(change)
    _mass_update_allowed(expected_count, confirmed)
    criteria = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in criteria.items() if v}
    with transaction.atomic():
        update = MassUpdate.objects.create(tenant=tenant, organisation=tenant.organisation, created_by=actor,
                                           description=description[:500], criteria=criteria,
                                           rule_actions=rule_actions, unit_count=expected_count)
        audit_record(actor=actor, action="elimination.mass_update", tenant=tenant, target=update,
                     after={"criteria": criteria, "ruleActions": rule_actions, "units": expected_count},
                     request=request)
        url = reverse("elimination:mass_update_detail", kwargs={"tenant_pk": tenant.pk, "pk": update.pk})
        job = job_enqueue(actor=actor, organisation=tenant.organisation, tenant=tenant, kind="mass_update_rules",
                          label=description, task="sam.elimination.tasks.mass_update_task", result_url=url, update_id=update.pk)
        MassUpdate.objects.filter(pk=update.pk).update(job=job)
    update.refresh_from_db()
    return update


def description_update_start(*, actor, tenant, criteria: dict, actions: list[dict], description: str,
                             expected_count: int, confirmed: bool, keyword_change: dict | None = None,
                             request=None) -> MassUpdate:
    """Send a change of descriptive metadata (POST /units, MASS_UPDATE DSL) in the background, batched and
    followed as the rules' updates are; above the threshold it needs an explicit confirmation."""
    _mass_update_allowed(expected_count, confirmed)
    criteria = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in criteria.items() if v}
    with transaction.atomic():
        update = MassUpdate.objects.create(tenant=tenant, organisation=tenant.organisation, created_by=actor,
                                           kind=MassUpdate.Kind.DESCRIPTION, description=description[:500],
                                           criteria=criteria, description_actions=actions,
                                           keyword_change=keyword_change or {}, unit_count=expected_count)
        audit_record(actor=actor, action="selection.description_update", tenant=tenant, target=update,
                     after={"criteria": criteria, "change": description, "action": actions,
                            "keyword": keyword_change or {}, "units": expected_count}, request=request)
        url = reverse("elimination:mass_update_detail", kwargs={"tenant_pk": tenant.pk, "pk": update.pk})
        job = job_enqueue(actor=actor, organisation=tenant.organisation, tenant=tenant,
                          kind="mass_update_description", label=description,
                          task="sam.elimination.tasks.mass_update_task", result_url=url, update_id=update.pk)
        MassUpdate.objects.filter(pk=update.pk).update(job=job)
    update.refresh_from_db()
    return update


def _mass_update_allowed(expected_count: int, confirmed: bool) -> None:
    if expected_count > _threshold() and not confirmed:
        raise ValidationError(_("This update touches %(count)s units, more than %(threshold)s: tick the "
                                "confirmation to go on.") % {"count": expected_count, "threshold": _threshold()})
    if expected_count == 0:
        raise ValidationError(_("No archive unit matches this selection."))


def mass_update_run(*, update: MassUpdate, on_progress) -> None:
    """Send the batches not done yet, one POST /units/rules each on a fixed list of units; the first that fails
    stops the others, and the update can be resumed."""
    batch = None
    try:
        client = vitam_side.client_for(update.tenant)
        batches = _mass_update_batches(client, update)
        total = sum(len(batch.unit_ids) for batch in batches)
        done = sum(len(batch.unit_ids) for batch in batches if batch.state == VitamBatch.State.DONE)
        for batch in batches:
            if batch.state == VitamBatch.State.DONE:
                continue
            status, counts = _mass_update_batch_run(client, update, batch, lambda d, t, _batch=batch, _done=done:
                                                    on_progress(_done + d, total, _batch_message(
                                                        _("Vitam updates the units"), _batch, len(batches), _done + d,
                                                        total)))
            if status.status in ("FATAL",) or (status.status == "KO" and not counts["OK"]):
                _mass_update_stopped(update, batch, _refusal_message(client, update, batch, status.status))
                return
            done += len(batch.unit_ids)
            on_progress(done, total, _batch_message(_("Vitam updates the units"), batch, len(batches), done, total))
    except ValidationError as error:
        _mass_update_stopped(update, batch, " ".join(error.messages))
        return
    except (VitamError, MissingContract) as error:
        _mass_update_stopped(update, batch, _vitam_message(error))
        raise
    warned = VitamBatch.objects.filter(mass_update=update).exclude(vitam_status="OK").exists()
    MassUpdate.objects.filter(pk=update.pk).update(
        state=MassUpdate.State.WARNING if warned else MassUpdate.State.SUCCEEDED, error="",
        finished_at=timezone.now(), report_path=str(_reports_merge(
            VitamBatch.objects.filter(mass_update=update), storage_dir("mass-updates", update) / "batch-report.jsonl")))


def _refusal_message(client, update: MassUpdate, batch: VitamBatch, status: str) -> str:
    if update.kind == MassUpdate.Kind.DESCRIPTION:
        return _("Vitam refused the change (%(status)s, operation %(op)s): %(reason)s") % {
            "status": status, "op": batch.operation_id,
            "reason": vitam_side.operation_failure(client, batch.operation_id)
            or _("see the journal of operations.")}
    return _("Vitam refused the update (%(status)s, operation %(op)s): check that the rules exist in the "
             "referential and belong to the category, then see the journal of operations.") % {
        "status": status, "op": batch.operation_id}


def _mass_update_batches(client, update: MassUpdate) -> list[VitamBatch]:
    """The units the criteria select now, listed once in operations of at most batch_size() units: a resumed
    update sends the same units, never one twice."""
    with transaction.atomic():
        MassUpdate.objects.select_for_update().get(pk=update.pk)
        batches = list(VitamBatch.objects.filter(mass_update=update))
        if batches:
            return batches
        mass_update_query(update.criteria)  # refuses criteria that would select the whole tenant
        ids = vitam_side.matching_ids(client, vitam_side.criteria_conditions(update.criteria),
                                      limit=vitam_side.MAX_PROPOSAL_UNITS)
        if len(ids) > vitam_side.MAX_PROPOSAL_UNITS:
            raise ValidationError(_("More than %(max)s units match: narrow the selection.") % {
                "max": f"{vitam_side.MAX_PROPOSAL_UNITS:,}"})
        MassUpdate.objects.filter(pk=update.pk).update(unit_count=len(ids))
        if update.keyword_change:
            return _keyword_batches(client, update, ids)
        return _batches_create(update=update, kind=VitamBatch.Kind.MASS_UPDATE, unit_ids=ids)


def _same_keyword(keyword, wanted: dict) -> bool:
    return isinstance(keyword, dict) and keyword.get("KeywordContent") == wanted["KeywordContent"] and (
        "KeywordType" not in wanted or keyword.get("KeywordType") == wanted["KeywordType"])


def _keyword_batches(client, update: MassUpdate, ids: list[str]) -> list[VitamBatch]:
    """A keyword added or removed: the units' keywords are read now and the units grouped by their new list,
    one $set (or $unset when none is left) per group, in operations of at most batch_size() units."""
    change = update.keyword_change
    groups: dict[str, list[str]] = {}
    for unit_id, keywords in vitam_side.unit_keywords(client, ids).items():
        if change["op"] == "add":
            updated = keywords if change["keyword"] in keywords else [*keywords, change["keyword"]]
        else:  # removed by its text, whatever its type unless one was chosen
            updated = [keyword for keyword in keywords if not _same_keyword(keyword, change["keyword"])]
        groups.setdefault(json.dumps(updated, sort_keys=True), []).append(unit_id)
    batches, number = [], 0
    for key, unit_ids in groups.items():
        keywords = json.loads(key)
        actions = [{"$set": {"Keyword": keywords}}] if keywords else [{"$unset": ["Keyword"]}]
        for chunk in vitam_side.batches_of(unit_ids):
            number += 1
            batches.append(VitamBatch(mass_update=update, kind=VitamBatch.Kind.MASS_UPDATE, number=number,
                                      unit_ids=chunk, actions=actions))
    return VitamBatch.objects.bulk_create(batches)


def _mass_update_batch_run(client, update: MassUpdate, batch: VitamBatch, on_progress):
    """One POST /units/rules: sent once (checked under the batch's row lock), followed, its report counted."""
    with transaction.atomic():
        locked = VitamBatch.objects.select_for_update().get(pk=batch.pk)
        if not locked.operation_id:
            query = Select().where(in_("#id", locked.unit_ids)).threshold(len(locked.unit_ids))
            if update.kind == MassUpdate.Kind.DESCRIPTION:
                locked.operation_id = client.mass_update_units({
                    **query.build_batch(), "$action": locked.actions or update.description_actions})
            else:
                locked.operation_id = client.update_units_rules(query, update.rule_actions)
            locked.state = VitamBatch.State.SENT
            locked.save(update_fields=["operation_id", "state"])
            if locked.number == 1:  # the update names its first operation; the journal links each batch
                MassUpdate.objects.filter(pk=update.pk).update(operation_id=locked.operation_id)
    batch.operation_id, batch.state = locked.operation_id, locked.state
    status = vitam_side.follow(client, batch.operation_id, on_progress)
    counts = {"OK": 0, "WARNING": 0, "KO": 0}
    report_path = storage_dir("mass-updates", update) / f"batch-report-{batch.number}.jsonl"
    if status.status in ("OK", "WARNING", "KO"):
        try:
            client.batch_report(batch.operation_id, report_path)
        except VitamError:  # Vitam writes no report when it refused the request as a whole
            report_path.unlink(missing_ok=True)
    if report_path.exists():
        for line in vitam_side.read_report_lines(report_path)[1:]:
            outcome = str((line.get("params") or {}).get("status") or "")
            if outcome in counts:
                counts[outcome] += 1
    if status.status == "FATAL" or (status.status == "KO" and not counts["OK"]):
        VitamBatch.objects.filter(pk=batch.pk).update(state=VitamBatch.State.FAILED, vitam_status=status.status)
        return status, counts
    with transaction.atomic():
        VitamBatch.objects.filter(pk=batch.pk).update(
            state=VitamBatch.State.DONE, vitam_status=status.status,
            report_path=str(report_path) if report_path.exists() else "",
            report_sha512=hashlib.sha512(report_path.read_bytes()).hexdigest() if report_path.exists() else "")
        MassUpdate.objects.filter(pk=update.pk).update(ok_count=F("ok_count") + counts["OK"],
                                                       warning_count=F("warning_count") + counts["WARNING"],
                                                       ko_count=F("ko_count") + counts["KO"])
    return status, counts


def _mass_update_stopped(update: MassUpdate, batch: VitamBatch | None, reason: str) -> None:
    """Nothing done nor still running in Vitam: failed. Otherwise interrupted, saying what was done, to be
    resumed (an operation sent but not followed to its end is followed again, never sent twice)."""
    progressed = VitamBatch.objects.filter(mass_update=update, state__in=(VitamBatch.State.DONE,
                                                                          VitamBatch.State.SENT))
    if not progressed.exists():
        MassUpdate.objects.filter(pk=update.pk).update(state=MassUpdate.State.FAILED, error=reason,
                                                       finished_at=timezone.now())
        return
    done = sum(len(ids) for ids in VitamBatch.objects.filter(
        mass_update=update, state=VitamBatch.State.DONE).values_list("unit_ids", flat=True))
    update.refresh_from_db(fields=["unit_count"])
    MassUpdate.objects.filter(pk=update.pk).update(
        state=MassUpdate.State.INTERRUPTED, finished_at=timezone.now(),
        error=reason + " " + _("Operation %(number)s stopped the update: %(done)s units were handled by the "
                               "operations before it, %(remaining)s remain. Resume the update to send the remaining "
                               "units only.") % {
            "number": batch.number if batch else "?", "done": done, "remaining": update.unit_count - done})


def mass_update_abandon(job) -> None:
    """Its job's worker stopped too many times (sam.lib.jobs.recovery): the update is interrupted (or failed if
    nothing was sent), saying what was done, with its « Reprendre »."""
    update = MassUpdate.objects.filter(job=job, state=MassUpdate.State.RUNNING).first()
    if update is not None:
        batch = VitamBatch.objects.filter(mass_update=update).exclude(state=VitamBatch.State.DONE).order_by(
            "number").first()
        _mass_update_stopped(update, batch, job.error)


def mass_update_resume(*, actor, update: MassUpdate, request=None) -> MassUpdate:
    """Send again the batches of an interrupted update that are not done (never one that is)."""
    with transaction.atomic():
        locked = MassUpdate.objects.select_for_update().get(pk=update.pk)
        if locked.state != MassUpdate.State.INTERRUPTED:
            raise ValidationError(_("Only an interrupted update can be resumed (this one is %(state)s).") % {
                "state": locked.get_state_display()})
        VitamBatch.objects.filter(mass_update=locked, state=VitamBatch.State.FAILED).update(
            state=VitamBatch.State.PENDING, operation_id="", vitam_status="")
        locked.state, locked.error, locked.finished_at = MassUpdate.State.RUNNING, "", None
        locked.save(update_fields=["state", "error", "finished_at"])
        audit_record(actor=actor, action="elimination.mass_update_resume", tenant=locked.tenant, target=locked,
                     after={"remaining_operations": VitamBatch.objects.filter(mass_update=locked).exclude(
                         state=VitamBatch.State.DONE).count()}, request=request)
        url = reverse("elimination:mass_update_detail", kwargs={"tenant_pk": locked.tenant_id, "pk": locked.pk})
        job = job_enqueue(actor=actor, organisation=locked.organisation, tenant=locked.tenant,
                          kind="mass_update_rules", label=locked.description,
                          task="sam.elimination.tasks.mass_update_task", result_url=url, update_id=locked.pk)
        MassUpdate.objects.filter(pk=locked.pk).update(job=job)
    update.refresh_from_db()
    return update


def _reports_merge(batches, path: Path) -> Path:
    """One report for several operations: Vitam's batch reports one after the other."""
    with open(path, "wb") as merged:
        for batch in batches.filter(state=VitamBatch.State.DONE).exclude(report_path="").order_by("number"):
            merged.write(Path(batch.report_path).read_bytes())
    return path
