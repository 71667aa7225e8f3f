from django.http import Http404

from sam.jobs.models import Job
from tenants.permissions import is_platform_admin, organisations_for


def job_get_for_user(*, user, pk) -> Job:
    """A job of an organisation the user belongs to; 404 alike for missing and forbidden."""
    jobs = Job.objects.select_related("organisation", "tenant")
    if not is_platform_admin(user):
        jobs = jobs.filter(organisation__in=organisations_for(user, "view_organisation"))
    try:
        return jobs.get(pk=int(pk))
    except (Job.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
