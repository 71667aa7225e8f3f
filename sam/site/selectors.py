"""Reads behind the home page: small summaries, always scoped by what the caller may see."""

from datetime import timedelta

from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from referentials.models import ReferentialImport
from sam.deposits.models import Deposit
from sam.elimination.models import Proposal
from sam.elimination.selectors import visa_proposals
from sam.lib.jobs.models import Job
from tenants.models import AuditEntry, Organisation, Tenant, User
from tenants.permissions import is_platform_admin, organisations_for
from tenants.selectors import audit_entries_for, organisation_users

RECENT_AUDIT_ENTRIES = 5
PENDING_VISAS_SHOWN = 10
WORK_SHOWN = 10
RECENT_ACTIVITY_SHOWN = 5
# A failed deposit is work for the archivist for a month; after that it is history (the deposit list keeps it).
FAILED_DEPOSITS_WINDOW = timedelta(days=30)


def _count_by(queryset, group: str):
    """A correlated COUNT subquery (``queryset`` filtered on OuterRef, grouped by ``group``): one figure per
    organisation without multiplying the rows of the outer query."""
    counted = queryset.order_by().values(group).annotate(n=Count("pk", distinct=True)).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def failed_deposits_filter() -> Q:
    """Deposits refused by SAM's check or by Vitam (KO, FATAL)."""
    return Q(state=Deposit.State.REJECTED) | Q(state=Deposit.State.COMPLETED, operation_status__in=("KO", "FATAL"))


def platform_summary() -> dict:
    """Figures and the state of every organisation for platform administrators (who see them all):
    tenants, people, deposits in error this month, last recorded action. One query for the table."""
    since = timezone.now() - FAILED_DEPOSITS_WINDOW
    organisations = Organisation.objects.annotate(
        tenant_count=Count("tenants", distinct=True),
        user_count=_count_by(User.objects.filter(is_active=True, groups__role_group__organisation=OuterRef("pk")),
                             "groups__role_group__organisation"),
        failed_deposit_count=_count_by(Deposit.objects.filter(failed_deposits_filter(), organisation=OuterRef("pk"),
                                                              created_at__gte=since), "organisation"),
        last_activity=Subquery(AuditEntry.objects.filter(organisation=OuterRef("pk")).order_by()
                               .values("organisation").annotate(last=Max("created_at")).values("last")),
    ).order_by("name")
    totals = Organisation.objects.aggregate(
        active=Count("pk", filter=Q(is_active=True)), inactive=Count("pk", filter=Q(is_active=False))
    )
    return {
        "organisations": organisations,
        "active_organisations": totals["active"],
        "inactive_organisations": totals["inactive"],
        "tenants": Tenant.objects.filter(is_active=True).count(),
        "users": User.objects.filter(is_active=True).count(),
    }


def organisation_users_summary(*, organisation: Organisation) -> dict:
    """For a referent: how many people work for the organisation, and invitations not yet accepted."""
    members = organisation_users(organisation=organisation)
    return {
        "active_users": members.filter(is_active=True).exclude(last_login=None).count(),
        "pending_invitations": members.filter(is_active=True, last_login=None).count(),
        "inactive_users": members.filter(is_active=False).count(),
    }


def archivist_work(*, organisation: Organisation) -> dict:
    """What an archivist has to do: deposits refused or waiting, proposals approved (to execute) or
    refused (to correct), and the latest deposits."""
    deposits = Deposit.objects.filter(organisation=organisation).select_related("tenant")
    since = timezone.now() - FAILED_DEPOSITS_WINDOW
    attention = deposits.filter(
        (failed_deposits_filter() & Q(created_at__gte=since))
        | Q(state__in=(Deposit.State.READY, Deposit.State.WAITING_RETRY)))
    proposals = Proposal.objects.filter(organisation=organisation).select_related("tenant", "decided_by")
    to_act = proposals.filter(Q(state=Proposal.State.APPROVED) | Q(state=Proposal.State.REFUSED, copies=None))
    return {
        "deposits": list(attention.order_by("-created_at")[:WORK_SHOWN]),
        "proposals": list(to_act.order_by("-decided_at")[:WORK_SHOWN]),
        "recent_deposits": list(deposits.exclude(pk__in=[d.pk for d in attention[:WORK_SHOWN]])
                                .order_by("-created_at")[:RECENT_ACTIVITY_SHOWN]),
    }


def referent_work(*, organisation: Organisation) -> dict:
    """What a referent has to follow: invitations not yet accepted, referential imports not yet applied."""
    invited = organisation_users(organisation=organisation).filter(is_active=True, last_login=None)
    imports = ReferentialImport.objects.filter(tenant__organisation=organisation,
                                               state=ReferentialImport.State.READY).select_related("tenant",
                                                                                                   "created_by")
    return {
        "invitations": list(invited.order_by("-date_joined")[:WORK_SHOWN]),
        "imports": list(imports.order_by("-created_at")[:WORK_SHOWN]),
    }


def recent_audit_entries(*, user, organisation: Organisation | None = None):
    """The latest audit entries the user may read (of one organisation when given)."""
    entries = audit_entries_for(user)
    if organisation is not None:
        entries = entries.filter(organisation=organisation)
    return list(entries[:RECENT_AUDIT_ENTRIES])


def pending_visas(*, user):
    """Elimination proposals awaiting this controller's visa, oldest first."""
    return list(visa_proposals(user, pending_only=True)[:PENDING_VISAS_SHOWN])


def job_get_for_user(*, user, pk) -> Job:
    """A job of an organisation the user belongs to; 404 alike for missing and forbidden."""
    jobs = Job.objects.select_related("organisation", "tenant")
    if not is_platform_admin(user):
        jobs = jobs.filter(organisation__in=organisations_for(user, "view_organisation"))
    try:
        return jobs.get(pk=int(pk))
    except (Job.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
