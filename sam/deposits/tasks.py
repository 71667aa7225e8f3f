"""Background tasks of deposits (django-tasks, run by `manage.py db_worker`; at once in tests).

A request never waits for Vitam: checking, sending and following an operation happen here.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from sam.deposits import services
from sam.deposits.models import Deposit
from sam.lib.jobs.services import job_progress, job_running, task_enqueue_later

FOLLOW_HANDOVER_SECONDS = 5  # pause between two follow-up windows of a long operation

@task(queue_name="vitam")
def deposit_check_task(job_id, deposit_id):
    with job_running(job_id) as job:
        deposit = Deposit.objects.select_related("tenant", "organisation").get(pk=deposit_id)
        if deposit.state != Deposit.State.CHECKING:
            job.message = _("Nothing to do: the deposit is %(state)s.") % {"state": deposit.get_state_display()}
            return

        def progress(done, total, message):
            job_progress(job, done, total, message)

        if deposit.kind == Deposit.Kind.SIMPLE and not deposit.file_path:
            if not deposit.summary.get("build", {}).get("reviewed"):
                job_progress(job, 0, 1, _("Reading the dates of the files"), force=True)
                services.simple_deposit_scan(deposit=deposit)
                job.message = deposit.get_state_display()
                return
            job_progress(job, 0, 1, _("Building the SIP"), force=True)
            services.simple_deposit_build(deposit=deposit)
            if deposit.state == Deposit.State.REJECTED:
                job.message = deposit.get_state_display()
                return

        deposit = services.deposit_check(deposit=deposit, progress=progress)
        job.message = deposit.get_state_display()
        job.result = {"deposit": deposit.pk, "state": deposit.state}
    deposit = Deposit.objects.get(pk=deposit_id)
    # A SIP (or a test deposit) goes to Vitam as soon as SAM's check passes; a simple deposit waits
    # for the user's confirmation of its summary.
    if deposit.state == Deposit.State.READY and deposit.kind in (Deposit.Kind.SIP, Deposit.Kind.TEST):
        services.deposit_send_start(actor=None, deposit=deposit)


@task(queue_name="vitam")
def deposit_send_task(deposit_id):
    deposit = Deposit.objects.select_related("tenant", "organisation").get(pk=deposit_id)
    if deposit.state not in (Deposit.State.SENDING, Deposit.State.READY):
        return
    deposit = services.deposit_send(deposit=deposit)
    if deposit.state == Deposit.State.SENT:
        deposit_follow_task.enqueue(deposit_id=deposit.pk)


@task(queue_name="vitam")
def deposit_follow_task(deposit_id):
    deposit = Deposit.objects.select_related("tenant", "organisation").get(pk=deposit_id)
    if deposit.state not in Deposit.FOLLOWED_STATES:
        return
    finished = services.deposit_follow(deposit=deposit)
    deposit.refresh_from_db()
    if not finished and deposit.state in Deposit.FOLLOWED_STATES:
        # A long operation: hand over to a fresh task rather than hold a worker for hours.
        # Without deferral (tests' immediate backend), `manage.py deposits_retry` resumes it.
        task_enqueue_later(deposit_follow_task, run_after=timezone.now() + timedelta(seconds=FOLLOW_HANDOVER_SECONDS),
                           deposit_id=deposit.pk)


@task(queue_name="vitam")
def deposit_retry_task(deposit_id):
    """Scheduled retry of a deposit Vitam could not take or report on."""
    deposit = Deposit.objects.get(pk=deposit_id)
    if deposit.state != Deposit.State.WAITING_RETRY:
        return
    if deposit.next_attempt_at and deposit.next_attempt_at > timezone.now() + timedelta(seconds=1):
        return  # a manual retry rescheduled it meanwhile
    try:
        services.deposit_retry(actor=None, deposit=deposit)
    except ValidationError:
        pass
