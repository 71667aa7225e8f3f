"""Reads behind the home page: small summaries, always scoped by what the caller may see."""

from django.db.models import Count, Q
from django.http import Http404

from sam.elimination.selectors import visa_proposals
from sam.lib.jobs.models import Job
from tenants.models import Organisation, Tenant, User
from tenants.permissions import is_platform_admin, organisations_for
from tenants.selectors import audit_entries_for, organisation_users

RECENT_AUDIT_ENTRIES = 5
PENDING_VISAS_SHOWN = 10


def platform_summary() -> dict:
    """Figures and organisations for platform administrators (who see every organisation)."""
    organisations = Organisation.objects.annotate(
        tenant_count=Count("tenants", distinct=True),
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
