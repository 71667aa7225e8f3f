"""A background worker stopped mid-job, as a deploy, an out-of-memory kill or a reboot leaves it: the task's
process ends at once, nothing of SAM's code runs after that point (no `except`, no `finally` writing the job's
state), so the Job stays RUNNING and the feature's row "en cours"; then time passes and its heartbeat ages."""

import contextlib
import datetime
import io

from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task_backends

from sam.lib.jobs.models import Job


class WorkerKilled(BaseException):
    """What SIGKILL does to the task: job_running catches Exception, not this (nor SystemExit)."""


@contextlib.contextmanager
def worker_killed_after_recording_operation(table: str, is_the_row):
    """The worker dies right after the UPDATE that records the operation id of the row of `table` for which
    `is_the_row(pk)` holds (Vitam has accepted the operation, SAM has kept its id, nothing else happened)."""
    with worker_killed_at_update(table, "operation_id", is_the_row, before=False):
        yield


@contextlib.contextmanager
def worker_killed_at_update(table: str, column: str, is_the_row, *, before: bool):
    """The worker dies just before (or after) an UPDATE of `column` of the row of `table` for which
    `is_the_row(pk)` holds."""
    prefix = f'UPDATE "{table}" SET '

    def die_there(execute, sql, params, many, context):
        hit = (sql.startswith(prefix) and f'"{column}" =' in sql.partition(" WHERE ")[0] and params
               and is_the_row(params[-1]))
        if hit and before:
            raise WorkerKilled(f"worker killed before {table} {params[-1]} changed {column}")
        result = execute(sql, params, many, context)
        if hit:
            raise WorkerKilled(f"worker killed after {table} {params[-1]} changed {column}")
        return result

    with connection.execute_wrapper(die_there):
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


def worker_takes_job(job: Job) -> None:
    """A worker runs the job's task as the job recorded it (the dummy queue of another thread, e.g. the browser
    tests' live server, is out of reach)."""
    job.refresh_from_db()
    import_string(job.task_path).call(job_id=job.pk, **job.task_kwargs)


def recover(*args) -> str:
    """`manage.py jobs_recover` as the timer runs it; its one line of output."""
    out = io.StringIO()
    call_command("jobs_recover", *args, stdout=out)
    return out.getvalue().strip()
