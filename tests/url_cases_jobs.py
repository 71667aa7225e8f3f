"""URL cases of background jobs."""

from sam.lib.jobs.models import Job
from tests.url_cases import MEMBERS, ORGANISATION, UrlCase, register


def job_b(world):
    job = Job.objects.create(kind="test", label="Import B", organisation=world.org_b, tenant=world.tenant_b,
                             created_by=world.archivist_b, message="commune B secret progress")
    return {"pk": job.pk}


register(
    UrlCase("jobs:job_status", ORGANISATION, kwargs=job_b, markers=lambda w: ["commune B secret progress"]),
    roles=MEMBERS,  # the departmental controller is no member of the job's commune
)
