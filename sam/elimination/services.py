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
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from referentials.kinds import RULE_TYPE_LABELS
from sam.consultation.seda_labels import FINAL_ACTIONS as FINAL_ACTION_LABELS
from sam.elimination import documents, selectors, vitam_side
from sam.elimination.models import MassUpdate, Notification, Proposal, ProposalUnit
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
    figures = {"summary": selectors.compute_summary(proposal), "groups": selectors.compute_groups(proposal)}
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
    """The background part: Vitam's analysis, then one ProposalUnit row per indexed unit."""
    try:
        client = vitam_side.client_for(proposal.tenant)
        operation_id, candidates = _elimination_analysis_start(client, proposal, on_progress)
        _elimination_analysis_follow(client, operation_id, on_progress)
        _proposal_units_record(client, proposal, operation_id, on_progress)
    except Exception as error:
        message = _analysis_failed(proposal, error)
        raise vitam_side.SelectionError(message) from error
    _analysis_done(proposal, candidates)


def _elimination_analysis_start(client, proposal: Proposal, on_progress) -> tuple[str, int]:
    """Select the candidate units and launch Vitam's ELIMINATION_ANALYSIS on them.

    Returns (operation id, number of candidate units)."""
    date = proposal.analysis_date.isoformat()
    on_progress(0, 0, _("Selecting the candidate units"))
    query, candidates = vitam_side.candidate_query(client, mode=proposal.mode, criteria=proposal.criteria, date=date)
    operation_id = client.elimination_analysis(query.threshold(vitam_side.MAX_PROPOSAL_UNITS * 10), date)
    Proposal.objects.filter(pk=proposal.pk).update(analysis_operation_id=operation_id)
    return operation_id, candidates


def _elimination_analysis_follow(client, operation_id: str, on_progress) -> None:
    """Wait for the operation, reporting its progress; anything but OK or WARNING stops the analysis."""
    status = vitam_side.follow(client, operation_id, lambda done, total: on_progress(
        done, total, _("Vitam analyses the units: %(done)s of %(total)s") % {"done": done, "total": total}))
    if status.status not in ("OK", "WARNING"):
        raise vitam_side.SelectionError(
            _("Vitam's analysis ended in %(status)s (operation %(op)s): see the journal of operations.") % {
                "status": status.status, "op": operation_id})


def _proposal_units_record(client, proposal: Proposal, operation_id: str, on_progress) -> None:
    """One ProposalUnit row per unit the analysis indexed as DESTROY or CONFLICT, page by page."""
    total_units = 0
    ProposalUnit.objects.filter(proposal=proposal).delete()
    for page in vitam_side.analysed_units(client, operation_id):
        groups = sorted({unit["#object"] for unit in page if unit.get("#object")})
        sizes = vitam_side.object_sizes(client, groups)
        rows = []
        for unit in page:
            entry = vitam_side.elimination_entry(unit, operation_id)
            if entry.get("GlobalStatus") in ("DESTROY", "CONFLICT"):
                rows.append(_proposal_unit(proposal, unit, entry, sizes))
        ProposalUnit.objects.bulk_create(rows, batch_size=BULK)
        total_units += len(page)
        on_progress(total_units, total_units, _("%(count)s units read") % {"count": total_units})


def _proposal_unit(proposal: Proposal, unit: dict, entry: dict, sizes: dict) -> ProposalUnit:
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
        rule_ids=appraisal.rule_ids, rule_end_date=appraisal.end_date, size=size, object_count=count,
        object_group_id=str(unit.get("#object") or "")[:100], included=status == "DESTROY")


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
    _transition(proposal, actor=None, action="analysis_failed", state=Proposal.State.FAILED, error=message)
    return message


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
        changed = ProposalUnit.objects.filter(proposal=locked, unit_id__in=unit_ids,
                                              status=ProposalUnit.Status.DESTROY).exclude(
            included=included).update(included=included)
        figures_refresh(locked)
        audit_record(actor=actor, action="elimination.units_include" if included else "elimination.units_exclude",
                     tenant=locked.tenant, target=locked, after={"units": unit_ids[:100], "changed": changed},
                     request=request)
    proposal.figures = locked.figures
    return changed


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
                  "rule_end_date", "size", "object_count", "object_group_id", "included")
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
    """Launch Vitam's elimination action for exactly the approved units (only after the visa)."""
    # An elimination whose follow-up was interrupted (Vitam unreachable meanwhile) is followed again.
    resuming = (proposal.state == Proposal.State.EXECUTING and proposal.action_operation_id
                and not (proposal.action_job and not proposal.action_job.is_finished))
    if not resuming:
        _require_state(proposal, Proposal.State.APPROVED, message=_(
            "Only a proposal approved by the departmental archives can be executed (this one is %(state)s).") % {
            "state": proposal.get_state_display()})
    proposal = _transition(proposal, actor=actor, action="execute", request=request,
                           expect=(Proposal.State.EXECUTING,) if resuming else (Proposal.State.APPROVED,),
                           state=Proposal.State.EXECUTING, executed_by=actor, error="")
    url = reverse("elimination:proposal_detail", kwargs={"tenant_pk": proposal.tenant_id, "pk": proposal.pk})
    job = job_enqueue(actor=actor, organisation=proposal.organisation, tenant=proposal.tenant,
                      kind="elimination_action", label=_("Elimination %(ref)s") % {"ref": proposal.reference},
                      task="sam.elimination.tasks.proposal_action_task", result_url=url, proposal_id=proposal.pk,
                      base_url=request.build_absolute_uri("/") if request is not None else "")
    Proposal.objects.filter(pk=proposal.pk).update(action_job=job)
    proposal.refresh_from_db()
    return proposal


def action_run(*, proposal: Proposal, on_progress, base_url: str = "") -> None:
    tenant = proposal.tenant
    date = proposal.analysis_date.isoformat()
    try:
        client = vitam_side.client_for(tenant)
        operation_id = proposal.action_operation_id
        if not operation_id:
            ids = list(ProposalUnit.objects.filter(proposal=proposal, included=True).values_list("unit_id", flat=True))
            query = Select().where(in_("#id", ids)).threshold(max(len(ids), 1))
            operation_id = client.elimination_action(query, date)
            Proposal.objects.filter(pk=proposal.pk).update(action_operation_id=operation_id)
        status = vitam_side.follow(client, operation_id, lambda done, total: on_progress(
            done, total, _("Vitam eliminates the units: %(done)s of %(total)s") % {"done": done, "total": total}))
        folder = storage_dir("proposals", proposal)
        report_path = folder / "batch-report.jsonl"
        if status.status in ("OK", "WARNING"):
            client.batch_report(operation_id, report_path)
    except (VitamError, MissingContract) as error:
        started = Proposal.objects.filter(pk=proposal.pk).values_list("action_operation_id", flat=True).first()
        if started:
            # The operation may still run in Vitam: the proposal stays "executing" and can be followed again.
            Proposal.objects.filter(pk=proposal.pk).update(error=_vitam_message(error))
        else:
            # Vitam never received the request: nothing happened, the approved proposal can be launched again.
            _transition(proposal, actor=None, action="execute_not_started", state=Proposal.State.APPROVED,
                        error=_vitam_message(error) + " " + _("Nothing was destroyed: launch the elimination again "
                                                              "once Vitam is reachable."))
        raise
    if status.status not in ("OK", "WARNING"):
        _transition(proposal, actor=None, action="execute_failed", state=Proposal.State.FAILED,
                    error=_("Vitam's elimination ended in %(status)s (operation %(op)s): nothing was destroyed. "
                            "See the journal of operations.") % {"status": status.status, "op": operation_id})
        notify(users=_archivists_to_tell(proposal), proposal=proposal, kind=Notification.Kind.EXECUTED,
               message=_("The elimination %(ref)s failed.") % {"ref": proposal.reference}, base_url=base_url)
        return
    destroyed, not_destroyed = apply_report(proposal=proposal, client=client, report_path=report_path, date=date)
    digest = hashlib.sha512(report_path.read_bytes()).hexdigest()
    proposal = _transition(proposal, actor=None, action="executed", state=Proposal.State.EXECUTED,
                           executed_at=timezone.now(), destroyed_count=destroyed, not_destroyed_count=not_destroyed,
                           report_path=str(report_path), report_sha512=digest)
    certificate = documents.certificate_pdf(proposal)
    certificate_path = storage_dir("proposals", proposal) / "attestation-elimination.pdf"
    certificate_path.write_bytes(certificate)
    Proposal.objects.filter(pk=proposal.pk).update(certificate_path=str(certificate_path),
                                                   certificate_sha512=hashlib.sha512(certificate).hexdigest())
    notify(users=_archivists_to_tell(proposal), proposal=proposal, kind=Notification.Kind.EXECUTED,
           message=_("The elimination %(ref)s is done: %(destroyed)s units destroyed, %(kept)s not destroyed.") % {
               "ref": proposal.reference, "destroyed": destroyed, "kept": not_destroyed}, base_url=base_url)


def apply_report(*, proposal: Proposal, client, report_path: Path, date: str) -> tuple[int, int]:
    """Record on each approved unit what Vitam did with it, and why when it was not destroyed."""
    statuses = {}
    for line in vitam_side.read_report_lines(report_path)[1:]:
        params = line.get("params") or {}
        if "objectIds" in params or "deletedParentUnitIds" in params:
            continue  # object group lines
        statuses[str(line.get("id") or params.get("id"))] = str(params.get("status") or "")
    approved = list(ProposalUnit.objects.filter(proposal=proposal, included=True).values_list("unit_id", flat=True))
    kept_ids = [unit_id for unit_id in approved if statuses.get(unit_id) != "DELETED"]
    current = vitam_side.units_with_rules(client, kept_ids[:vitam_side.MAX_PROPOSAL_UNITS]) if kept_ids else {}
    with transaction.atomic():
        ProposalUnit.objects.filter(proposal=proposal, included=True, unit_id__in=[
            u for u in approved if statuses.get(u) == "DELETED"]).update(outcome=ProposalUnit.Outcome.DELETED)
        for unit_id in kept_ids:
            reason = vitam_side.action_reason(statuses.get(unit_id, ""), current.get(unit_id), date)
            ProposalUnit.objects.filter(proposal=proposal, unit_id=unit_id).update(
                outcome=ProposalUnit.Outcome.NOT_DELETED, outcome_reason=reason[:500])
    return len(approved) - len(kept_ids), len(kept_ids)


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
    return notifications.update(read_at=timezone.now())


# --- mass updates of rules -----------------------------------------------------------------

RULE_CATEGORY_CHOICES = ("AppraisalRule", "AccessRule", "StorageRule", "DisseminationRule", "ReuseRule",
                         "ClassificationRule", "HoldRule")


def mass_update_query(criteria: dict) -> Select:
    conditions = vitam_side.criteria_conditions(criteria)
    if not conditions:
        raise ValidationError(_("Give at least one criterion: a mass update never applies to the whole tenant."))
    return Select().where(*conditions)


def mass_update_count(*, tenant, criteria: dict) -> int:
    """How many units the update would touch (a count query, capped at Vitam's 10,000 window)."""
    client = vitam_side.client_for(tenant)
    # Vitam caps $hits.total at 10,000 unless its configuration allows $track_total_hits.
    query = mass_update_query(criteria).limit(1).fields("#id")
    return client.search_units(query.build()).total


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
    if expected_count > _threshold() and not confirmed:
        raise ValidationError(_("This update touches %(count)s units, more than %(threshold)s: tick the "
                                "confirmation to go on.") % {"count": expected_count, "threshold": _threshold()})
    if expected_count == 0:
        raise ValidationError(_("No archive unit matches this selection."))
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


def mass_update_run(*, update: MassUpdate, on_progress) -> None:
    client = vitam_side.client_for(update.tenant)
    # Vitam re-counts: leave room for units deposited since the preview (the count is capped at 10,000).
    threshold = 100_000 if update.unit_count >= 10_000 else update.unit_count * 2 + 100
    query = mass_update_query(update.criteria).threshold(threshold)
    try:
        operation_id = update.operation_id or client.update_units_rules(query, update.rule_actions)
        MassUpdate.objects.filter(pk=update.pk).update(operation_id=operation_id)
        status = vitam_side.follow(client, operation_id, lambda done, total: on_progress(
            done, total, _("Vitam updates the units: %(done)s of %(total)s") % {"done": done, "total": total}))
        report_path = storage_dir("mass-updates", update) / "batch-report.jsonl"
        counts = {"OK": 0, "WARNING": 0, "KO": 0}
        if status.status in ("OK", "WARNING", "KO"):
            try:
                client.batch_report(operation_id, report_path)
            except VitamError:
                report_path = None
        if report_path and report_path.exists():
            for line in vitam_side.read_report_lines(report_path)[1:]:
                outcome = str((line.get("params") or {}).get("status") or "")
                if outcome in counts:
                    counts[outcome] += 1
    except (VitamError, MissingContract) as error:
        MassUpdate.objects.filter(pk=update.pk).update(state=MassUpdate.State.FAILED, error=_vitam_message(error),
                                                       finished_at=timezone.now())
        raise
    error = ""
    if status.status == "OK":
        state = MassUpdate.State.SUCCEEDED
    elif status.status == "WARNING" or (status.status == "KO" and counts["OK"]):
        state = MassUpdate.State.WARNING
    else:
        state = MassUpdate.State.FAILED
        error = _("Vitam refused the update (%(status)s, operation %(op)s): check that the rules exist in the "
                  "referential and belong to the category, then see the journal of operations.") % {
            "status": status.status, "op": operation_id}
    MassUpdate.objects.filter(pk=update.pk).update(
        state=state, error=error, finished_at=timezone.now(), ok_count=counts["OK"], warning_count=counts["WARNING"],
        ko_count=counts["KO"], report_path=str(report_path) if report_path and report_path.exists() else "")
