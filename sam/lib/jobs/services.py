"""Start background work and report its progress.

    job = job_enqueue(actor=user, organisation=org, tenant=tenant, kind="rules_import",
                      label=_("Import of rules"), task="referentials.tasks.import_rules_task", upload_id=42)

    @task(queue_name="default")
    def import_rules_task(job_id, upload_id):
        with job_running(job_id) as job:
            for done, item in enumerate(items, 1):
                ...
                job_progress(job, done, len(items), _("Rule %(n)s checked") % {"n": done})
            job.result = {...}

The task runs in `manage.py db_worker` (make run starts it); tests use django-tasks' immediate
backend. A failure is kept on the job with a French message instead of vanishing with the worker.

Services name their tasks by dotted path (`task_enqueue`, `task_enqueue_later`, `job_enqueue`),
resolved when queued: a tasks.py module imports its services, and services never import tasks.

A running job beats (`heartbeat_at`) when it starts, with each progress write and, in long waits, through
`job_heartbeat()`; the job keeps its task's path and arguments, so that `manage.py jobs_recover`
(sam/lib/jobs/recovery.py) queues it again when its worker stopped.
"""

import contextlib
import contextvars
import logging
import time

from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from sam.lib.jobs.models import Job

logger = logging.getLogger(__name__)
PROGRESS_INTERVAL = 0.5  # seconds between two progress writes
HEARTBEAT_INTERVAL = 30.0  # seconds between two heartbeats of a long wait: one write, well within jobs_recover's delay
_current_job = contextvars.ContextVar("sam_current_job", default=None)


def _resolve(task):
    """A task object, or its dotted path ("sam.deposits.tasks.deposit_send_task")."""
    return import_string(task) if isinstance(task, str) else task


def _task_path(task) -> str:
    return task if isinstance(task, str) else task.module_path


def task_enqueue(task, **task_kwargs):
    """Queue a task (object or dotted path); the immediate backend (tests) runs it at once. Returns
    django-tasks' TaskResult."""
    return _resolve(task).enqueue(**task_kwargs)


def task_enqueue_later(task, *, run_after, **task_kwargs) -> None:
    """Queue a task to run after `run_after` where the backend can defer (the database worker can).

    A backend that cannot (tests' immediate backend) queues nothing: the work then waits for a
    manual retry or a management command."""
    task = _resolve(task)
    if getattr(task.get_backend(), "supports_defer", False):
        task.using(run_after=run_after).enqueue(**task_kwargs)


def job_enqueue(*, actor, organisation, tenant=None, kind, label, task, result_url="", **task_kwargs) -> Job:
    """Record the job, then queue its task (same transaction: the worker sees both or neither).

    `task` is the task object or its dotted path; `task_kwargs` are plain values (kept as JSON, to run the
    task again after its worker stopped)."""
    job = Job.objects.create(
        kind=kind, label=str(label), organisation=organisation, tenant=tenant,
        created_by=actor if getattr(actor, "pk", None) else None, result_url=result_url,
        task_path=_task_path(task), task_kwargs=task_kwargs,
    )
    job_task_enqueue(job, task)
    return Job.objects.get(pk=job.pk)  # the immediate backend (tests) may already have run it


def job_task_enqueue(job: Job, task=None) -> None:
    """Queue the job's task (its recorded one unless given) and keep django-tasks' id of it."""
    result = task_enqueue(task or job.task_path, job_id=job.pk, **job.task_kwargs)
    Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id))


@contextlib.contextmanager
def job_running(job_id):
    """Mark the job running, yield it, then mark it finished or failed (the error is kept)."""
    job = Job.objects.get(pk=job_id)
    job.state = Job.State.RUNNING
    job.started_at = job.heartbeat_at = timezone.now()
    job.save(update_fields=["state", "started_at", "heartbeat_at"])
    job._last_report, job._last_heartbeat = 0.0, time.monotonic()
    token = _current_job.set(job)
    try:
        yield job
    except Exception as exc:  # noqa: BLE001 — the job must record any failure, then the worker goes on
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job.state = Job.State.FAILED
        message = exc.user_message() if hasattr(exc, "user_message") else str(exc)
        job.error = message or _("An unexpected error stopped the work.")
        job.message = _("Failed")
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "error", "message", "finished_at", "progress_done", "progress_total"])
        return
    finally:
        _current_job.reset(token)
    job.state = Job.State.SUCCEEDED
    job.finished_at = timezone.now()
    if job.progress_total:
        job.progress_done = job.progress_total
    job.save(update_fields=["state", "finished_at", "progress_done", "progress_total", "message", "result", "result_url"])


def job_progress(job: Job, done: int, total: int, message: str = "", *, force: bool = False) -> None:
    """Record progress, at most every PROGRESS_INTERVAL seconds (the last call always lands)."""
    job.progress_done, job.progress_total = done, total
    if message:
        job.message = str(message)[:500]
    now = time.monotonic()
    if force or done >= total or now - getattr(job, "_last_report", 0.0) >= PROGRESS_INTERVAL:
        job._last_report = job._last_heartbeat = now
        job.heartbeat_at = timezone.now()
        Job.objects.filter(pk=job.pk).update(progress_done=done, progress_total=total, message=job.message,
                                             heartbeat_at=job.heartbeat_at)


def job_heartbeat() -> None:
    """Tell the job this task runs (if any) that its worker is alive; at most one write every
    HEARTBEAT_INTERVAL seconds, so a poll loop may call it on every turn."""
    job = _current_job.get()
    if job is None:
        return
    now = time.monotonic()
    if now - getattr(job, "_last_heartbeat", 0.0) >= HEARTBEAT_INTERVAL:
        job._last_heartbeat = now
        job.heartbeat_at = timezone.now()
        Job.objects.filter(pk=job.pk).update(heartbeat_at=job.heartbeat_at)
