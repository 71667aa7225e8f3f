"""A background worker stopped mid-job, as a deploy, an out-of-memory kill or a reboot leaves it: the task's
process ends at once, nothing of SAM's code runs after that point (no `except`, no `finally` writing the job's
state), so the Job stays RUNNING and the feature's row "en cours"; then time passes and its heartbeat ages."""

import contextlib
import datetime

from django.db import connection
from django.utils import timezone
from django_tasks import task_backends

from sam.lib.jobs.models import Job


class WorkerKilled(BaseException):
    """What SIGKILL does to the task: job_running catches Exception, not this (nor SystemExit)."""


@contextlib.contextmanager
def worker_killed_after_recording_operation(table: str, is_the_row):
    """The worker dies right after the UPDATE that records the operation id of the row of `table` for which
    `is_the_row(pk)` holds (Vitam has accepted the operation, SAM has kept its id, nothing else happened)."""
    prefix = f'UPDATE "{table}" SET '

    def die_after(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if (sql.startswith(prefix) and '"operation_id" =' in sql.partition(" WHERE ")[0] and params
                and is_the_row(params[-1])):
            raise WorkerKilled(f"worker killed after {table} {params[-1]} recorded its operation")
        return result

    with connection.execute_wrapper(die_after):
        yield


def time_passes(job: Job, minutes: int = 11) -> None:
    """The job's last sign of life moves into the past (the worker is gone, nothing beats any more)."""
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=minutes))


def queued_for(job: Job) -> list:
    """The tasks of this job the dummy queue holds (tests' `queued_tasks` fixture), as a worker would take them."""
    return [result for result in task_backends["default"].results if result.kwargs.get("job_id") == job.pk]


def worker_takes(result) -> None:
    """A worker takes a queued task and runs it."""
    result.task.call(*result.args, **result.kwargs)
