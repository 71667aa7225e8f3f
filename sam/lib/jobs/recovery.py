"""Work whose worker stopped (deploy, out of memory, reboot) taken up again: `manage.py jobs_recover`.

A RUNNING job whose heartbeat is older than the delay lost its worker: its task is queued again when its kind
was declared able to run again (`rerun_register`: the feature keeps each Vitam operation id before following
it, so a second run goes on without asking Vitam twice). Past the last attempt, or at once for a kind whose task
would do again what it may have done (an ingest sent twice), the job fails, and the feature that started it is
told (`on_abandoned_register`), so that its row shows its failed state and its « Reprendre » button instead of
staying "en cours" for ever.

A QUEUED job is taken up again only on the database queue, when django-tasks' row of its task is gone, has
ended without running the job, or was taken by a worker that stopped before starting the job.

Each claim is a conditional UPDATE on the job's state and attempt: of two runs at once (or a run and a worker
starting the job meanwhile), one only queues the task again.
"""

import dataclasses
import datetime
import logging

from django.db import transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks.base import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from sam.lib.jobs.models import Job
from sam.lib.jobs.services import job_task_enqueue

logger = logging.getLogger(__name__)

# Sent inside the recovery's transaction with `job` (the audit trail listens: tenants/apps.py).
job_recovered = Signal()
job_abandoned = Signal()

_abandon_callbacks: dict[str, str] = {}  # job kind -> dotted path of `callback(job)`
_rerunnable: set[str] = set()  # job kinds whose task, run again, skips what it had done


def rerun_register(*kinds: str) -> None:
    """Jobs of these kinds may be queued again after their worker stopped: their task skips what it had done
    (operation ids kept before following them, states checked). Features call it from their AppConfig.ready."""
    _rerunnable.update(kinds)


def on_abandoned_register(kind: str, callback_path: str) -> None:
    """After the last attempt of a job of this kind, `callback(job)` (dotted path, resolved when called) puts the
    feature's row in its failed state with `job.error`. Features call it from their AppConfig.ready."""
    _abandon_callbacks[kind] = callback_path


@dataclasses.dataclass
class RecoveryReport:
    recovered: list[int] = dataclasses.field(default_factory=list)
    abandoned: list[int] = dataclasses.field(default_factory=list)
    errors: list[int] = dataclasses.field(default_factory=list)


def jobs_recover(*, stale_minutes: int = 10, max_attempts: int = 3) -> RecoveryReport:
    """Queue again (or abandon past `max_attempts`) every job whose worker stopped."""
    cutoff = timezone.now() - datetime.timedelta(minutes=stale_minutes)
    report = RecoveryReport()
    for job in [*_stale_running(cutoff), *_lost_queued(cutoff)]:
        try:
            with transaction.atomic():
                outcome = _take_up(job, cutoff=cutoff, max_attempts=max_attempts)
        except Exception:  # noqa: BLE001 — one job that cannot be taken up must not keep the others waiting
            logger.exception("job %s (%s) could not be taken up again", job.pk, job.kind)
            report.errors.append(job.pk)
            continue
        if outcome:
            getattr(report, outcome).append(job.pk)
    return report


def _stale_filter(cutoff) -> Q:
    # A job started before heartbeats existed has none: its start is its last sign of life.
    return Q(state=Job.State.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lt=cutoff))


def _stale_running(cutoff) -> list[Job]:
    return list(Job.objects.filter(_stale_filter(cutoff)).order_by("pk"))


def _lost_queued(cutoff) -> list[Job]:
    """Queued jobs whose task the database queue no longer holds for a worker to take."""
    lost = []
    queued = Job.objects.filter(state=Job.State.QUEUED, created_at__lt=cutoff).exclude(task_result_id="")
    for job in queued.order_by("pk"):
        try:
            task = import_string(job.task_path)
        except ImportError:
            continue
        if not isinstance(task.get_backend(), DatabaseBackend):
            continue
        row = DBTaskResult.objects.filter(id=job.task_result_id).values("status", "started_at").first()
        if (row is None or row["status"] in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)
                or (row["status"] == TaskResultStatus.RUNNING and row["started_at"]
                    and row["started_at"] < cutoff)):
            lost.append(job)
    return lost


def _take_up(job: Job, *, cutoff, max_attempts: int) -> str:
    """Claim the job (still as it was read), then queue its task again or abandon it."""
    claim = Job.objects.filter(pk=job.pk, state=job.state, attempt=job.attempt)
    if job.state == Job.State.RUNNING:
        claim = claim.filter(_stale_filter(cutoff))
    attempt = job.attempt + 1
    # A queued job never started: its task may always be queued again.
    rerunnable = job.kind in _rerunnable or job.state == Job.State.QUEUED
    if attempt > max_attempts or not job.task_path or not rerunnable:
        if rerunnable:
            error = _("The work was interrupted %(count)s times by the stop of the background worker and was not "
                      "taken up again: contact the administrator.") % {"count": job.attempt}
        else:
            error = _("The work was interrupted by the stop of the background worker and cannot be taken up again "
                      "automatically (it could do again what was already done): check its result, start it again "
                      "or contact the administrator.")
        if not claim.update(state=Job.State.FAILED, error=error, message=_("Failed"), finished_at=timezone.now()):
            return ""
        job.refresh_from_db()
        callback = _abandon_callbacks.get(job.kind)
        if callback:
            import_string(callback)(job)
        job_abandoned.send(sender=Job, job=job)
        return "abandoned"
    message = _("Taken up again after the background worker stopped (attempt %(attempt)s of %(max)s)") % {
        "attempt": attempt, "max": max_attempts}
    if not claim.update(state=Job.State.QUEUED, attempt=F("attempt") + 1, message=message, heartbeat_at=None):
        return ""
    job.refresh_from_db()
    job_recovered.send(sender=Job, job=job)
    job_task_enqueue(job)  # the immediate backend (tests) runs it here
    return "recovered"
