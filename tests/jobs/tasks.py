"""Tasks used by the jobs tests (django-tasks needs module-level functions)."""

from django_tasks import task

from sam.lib.jobs.recovery import rerun_register
from sam.lib.jobs.services import job_progress, job_running

rerun_register("count")  # counting again does nothing twice


@task()
def count_to(job_id, total, fail_at=None):
    with job_running(job_id) as job:
        for done in range(1, total + 1):
            if done == fail_at:
                raise ValueError(f"item {done} is unreadable")
            job_progress(job, done, total, f"item {done}")
        job.result = {"counted": total}
        job.result_url = "/done/"
