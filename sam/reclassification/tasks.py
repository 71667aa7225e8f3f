"""Background work of changes to published units: send to Vitam and follow the operation (sam.lib.jobs)."""

from django_tasks import task

from sam.lib.jobs.services import job_running
from sam.reclassification import services
from sam.reclassification.models import PublishedChange


@task(queue_name="vitam")
def change_task(job_id, change_id):
    with job_running(job_id) as job:
        change = PublishedChange.objects.select_related("tenant", "organisation", "created_by").get(pk=change_id)
        services.change_run(job, change=change)
