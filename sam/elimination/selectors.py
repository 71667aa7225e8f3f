"""Reads of eliminations, mass updates and notifications, scoped by what the user may act on."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import Http404

from referentials.selectors import rule_names
from sam.consultation import pickers
from sam.consultation.selectors import ConsultationUnavailable, agencies_for
from sam.elimination.models import MassUpdate, Notification, Proposal, ProposalUnit, VitamBatch
from sam.lib.jobs.models import Job
from sam.vitam import VitamError
from tenants.models import Tenant
from tenants.permissions import PermissionChecker, is_platform_admin, request_checker_of, tenant_get_for_user
from tenants.permissions import visa_organisations

CONTROLLER_STATES = (Proposal.State.SUBMITTED, Proposal.State.APPROVED, Proposal.State.REFUSED,
                     Proposal.State.EXECUTING, Proposal.State.EXECUTED, Proposal.State.FAILED)


def elimination_tenant_for_user(user, tenant_pk) -> Tenant:
    """A tenant where the user may eliminate (archivists, referents); 404 otherwise."""
    return tenant_get_for_user(user, tenant_pk, "eliminate")


def proposal_get_for_user(user, tenant_pk, pk) -> Proposal:
    """A proposal of the tenant for its archivists, or, once submitted, for the controllers of the
    departmental archives linked to the commune; 404 alike for missing and forbidden."""
    proposal = Proposal.objects.select_related(
        "tenant__organisation", "organisation", "created_by", "submitted_by", "decided_by", "executed_by",
        "analysis_job", "action_job").filter(tenant_id=_int(tenant_pk), pk=_int(pk)).first()
    if proposal is None:
        raise Http404
    # The grants the request already read (checker_for), else one query on them: no guardian look-up.
    checker = request_checker_of(user) or PermissionChecker(user)
    tenant = proposal.tenant
    if checker.has_perm("eliminate", tenant.organisation) and (tenant.is_active or is_platform_admin(user)):
        return proposal
    # The visa is not a platform administrator's (tenants.permissions.may_give_visa).
    if (not is_platform_admin(user) and checker.has_perm("give_visa", tenant.organisation)
            and proposal.state in CONTROLLER_STATES):
        return proposal
    raise Http404


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def proposal_list(*, tenant, state: str = ""):
    proposals = Proposal.objects.filter(tenant=tenant).select_related("created_by", "decided_by")
    if state:
        proposals = proposals.filter(state=state)
    return proposals


def visa_proposals(user, *, pending_only: bool = False):
    """Proposals of the communes the user controls (submitted and decided ones)."""
    proposals = Proposal.objects.filter(organisation__in=visa_organisations(user),
                                        state__in=CONTROLLER_STATES).select_related(
        "tenant", "organisation", "submitted_by", "decided_by")
    if pending_only:
        proposals = proposals.filter(state=Proposal.State.SUBMITTED)
    return proposals.order_by("submitted_at", "id") if pending_only else proposals.order_by("-submitted_at", "-id")


# Orders of the review page: the tree first (units grouped by folder), or one column.
UNIT_ORDERS = {
    "tree": ("parent_path", "id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "date": ("end_date", "id"),
    "-date": ("-end_date", "-id"),
    "final_action": ("final_action", "id"),
    "rule_end": ("rule_end_date", "id"),
    "-rule_end": ("-rule_end_date", "-id"),
}


def proposal_units(proposal: Proposal, *, status: str = "", agency: str = "", included: str = "",
                   outcome: str = "", text: str = "", parent: str = "", order: str = ""):
    """The proposal's units in a stable order, filtered; sliced by the paginator (indexed columns)."""
    units = ProposalUnit.objects.filter(proposal=proposal)
    if status:
        units = units.filter(status=status)
    if agency:
        units = units.filter(agency=agency)
    if included in ("yes", "no"):
        units = units.filter(included=included == "yes")
    if outcome:
        units = units.filter(outcome=outcome)
    if text:
        units = units.filter(Q(title__icontains=text) | Q(parent_path__icontains=text))
    if parent:
        units = units.filter(parent_id=parent)
    return units.only("id", "unit_id", "title", "level", "start_date", "end_date", "agency", "status", "reasons",
                      "rule_ids", "rule_end_date", "size", "object_count", "included", "outcome",
                      "outcome_reason", "parent_id", "parent_path", "final_action").order_by(
        *UNIT_ORDERS.get(order, ("id",)))


TREE_GROUPS_SHOWN = 100


def proposal_tree_groups(proposal: Proposal) -> list[dict]:
    """Units per folder of the tree (kept in proposal.figures; computed when missing)."""
    if proposal.figures.get("tree_groups") is not None:
        return proposal.figures["tree_groups"]
    return compute_tree_groups(proposal)


def compute_tree_groups(proposal: Proposal) -> list[dict]:
    """Units per folder of the tree (their parent), with how many are still in the proposal; the first
    TREE_GROUPS_SHOWN folders in tree order, and one more to tell that there are others."""
    return list(ProposalUnit.objects.filter(proposal=proposal).values("parent_id", "parent_path")
                .annotate(unit_count=Count("id"), included_count=Count("id", filter=Q(included=True)))
                .order_by("parent_path", "parent_id")[:TREE_GROUPS_SHOWN + 1])


def exclusion_effect(proposal: Proposal, unit_ids) -> list[ProposalUnit]:
    """The units of the proposal that excluding `unit_ids` would keep as well: their ancestors still in the
    proposal. Vitam never eliminates a unit that keeps a descendant, so these would fail at execution."""
    chosen = set(unit_ids)
    frontier = set(ProposalUnit.objects.filter(proposal=proposal, unit_id__in=chosen).exclude(parent_id="")
                   .values_list("parent_id", flat=True))
    seen, kept = set(chosen), []
    while frontier:  # one query per level of the tree
        frontier -= seen
        seen |= frontier
        parents = list(ProposalUnit.objects.filter(proposal=proposal, unit_id__in=frontier)
                       .only("unit_id", "title", "parent_id", "parent_path", "included", "status"))
        kept.extend(parent for parent in parents if parent.included)
        frontier = {parent.parent_id for parent in parents if parent.parent_id}
    return sorted(kept, key=lambda unit: (unit.parent_path, unit.title))


def proposal_groups(proposal: Proposal) -> list[dict]:
    """Units per producing service and decision (kept in proposal.figures; computed when missing)."""
    if proposal.figures.get("groups") is not None:
        return proposal.figures["groups"]
    return compute_groups(proposal)


def compute_groups(proposal: Proposal) -> list[dict]:
    """Units per producing service and decision, with the counts of the included ones and their volume."""
    rows = (ProposalUnit.objects.filter(proposal=proposal).values("agency", "status")
            .annotate(unit_count=Count("id"), included_count=Count("id", filter=Q(included=True)),
                      included_size=Sum("size", filter=Q(included=True)))
            .order_by("agency", "status"))
    return list(rows)


def criteria_labels(*, user, tenant, criteria: dict) -> dict:
    """{"agency_label": "Name (code)", "node_label": "Title"} of the chosen service and unit, kept with the criteria
    so that the bordereau names them; empty for what Vitam cannot name now (the identifier shows then)."""
    labels = {}
    for key, kind in (("agency", "agencies"), ("node", "units")):
        if not criteria.get(key):
            continue
        try:
            found = pickers.suggestions(user=user, tenant=tenant, kind=kind, value=criteria[key])
        except (VitamError, ConsultationUnavailable):
            continue
        if found:
            labels[f"{key}_label"] = found[0]["label"]
    return labels


def proposal_agency_choices(proposal: Proposal, groups: list[dict]) -> list[tuple[str, str]]:
    """(code, "Name (code)") of the services producteurs of the proposal's units, for its filter."""
    names = dict(agencies_for(proposal.tenant))
    codes = sorted({group["agency"] for group in groups if group["agency"]})
    return [(code, f"{names[code]} ({code})" if names.get(code) else code) for code in codes]


def proposal_summary(proposal: Proposal) -> dict:
    """Figures of the bordereau (kept in proposal.figures; computed when missing)."""
    if proposal.figures.get("summary") is not None:
        return proposal.figures["summary"]
    return compute_summary(proposal)


def compute_summary(proposal: Proposal) -> dict:
    """Figures of the bordereau: included units, extreme dates, volume, services, rules."""
    included = ProposalUnit.objects.filter(proposal=proposal, included=True)
    figures = included.aggregate(units=Count("id"), size=Sum("size"), objects=Sum("object_count"))
    dated = included.exclude(start_date="")
    first = dated.order_by("start_date").values_list("start_date", flat=True).first()
    last = included.exclude(end_date="").order_by("-end_date").values_list("end_date", flat=True).first()
    agencies = list(included.order_by("agency").values_list("agency", flat=True).distinct())
    rules = sorted({rule.strip() for value in included.order_by().values_list("rule_ids", flat=True).distinct()
                    for rule in value.split(",") if rule.strip()})
    latest_end = included.exclude(rule_end_date="").order_by("-rule_end_date").values_list(
        "rule_end_date", flat=True).first()
    return {"units": figures["units"] or 0, "size": figures["size"] or 0, "objects": figures["objects"] or 0,
            "start_date": first or "", "end_date": last or "", "agencies": agencies, "rules": rules,
            "latest_rule_end": latest_end or ""}


def mass_update_list(*, tenant):
    return MassUpdate.objects.filter(tenant=tenant).select_related("created_by")


def mass_update_get_for_user(user, tenant_pk, pk) -> MassUpdate:
    tenant = elimination_tenant_for_user(user, tenant_pk)
    try:
        return MassUpdate.objects.select_related("tenant", "job", "created_by").get(tenant=tenant, pk=_int(pk))
    except MassUpdate.DoesNotExist:
        raise Http404 from None


def batches_of(*, proposal=None, mass_update=None, kind: str = ""):
    """The Vitam operations of a large elimination or mass update, in order."""
    batches = VitamBatch.objects.filter(proposal=proposal) if proposal is not None else VitamBatch.objects.filter(
        mass_update=mass_update)
    return list(batches.filter(kind=kind) if kind else batches)


def notifications_for(user):
    return Notification.objects.filter(recipient=user).select_related("organisation", "proposal")


# Every page's user menu shows the count: kept in the shared cache (the web workers and the task worker read the
# same one), dropped whenever one of the user's notifications is written; the lifetime bounds the rare race of a
# count read just before a write and stored just after it.
UNREAD_COUNT_SECONDS = 60


def _unread_count_key(user_id) -> str:
    return f"elimination:unread-notifications:{user_id}"


def unread_notification_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    key = _unread_count_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, UNREAD_COUNT_SECONDS)
    return count


def unread_count_forget(user_ids) -> None:
    """Drops the cached counts of these users now (this transaction's next read counts again) and once the
    transaction writing their notifications commits (a page read in between may have cached the old count)."""
    keys = [_unread_count_key(user_id) for user_id in set(user_ids)]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def bordereau_pdf_job(proposal: Proposal, job_pk) -> Job | None:
    """The job laying out this proposal's bordereau PDF (none when the number names another job)."""
    try:
        return Job.objects.filter(pk=int(job_pk), organisation_id=proposal.organisation_id,
                                  tenant_id=proposal.tenant_id, kind="elimination_bordereau_pdf").first()
    except (TypeError, ValueError):
        return None


def proposal_rule_names(proposal: Proposal) -> dict[str, str]:
    """{RuleId: name} of every appraisal rule the proposal's units carry: one query here, one in Vitam, for a
    whole page or document (unit rows and summaries show the rule's name, the id discreetly)."""
    values = ProposalUnit.objects.filter(proposal=proposal).order_by().values_list("rule_ids", flat=True).distinct()
    return rule_names(proposal.tenant, {rule.strip() for value in values for rule in value.split(",")})
