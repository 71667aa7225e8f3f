"""Background work of the filing trees: publication of a draft (sam.lib.jobs)."""

from django_tasks import task

from referentials.trees.services import publish_run
from sam.lib.jobs.services import job_running


@task(queue_name="vitam")
def publish_draft_task(job_id, publication_id, archival_agency):
    with job_running(job_id) as job:
        publish_run(job, publication_id=publication_id, archival_agency=archival_agency)
