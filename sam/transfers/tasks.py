"""Background tasks of transfers (django-tasks; at once in tests)."""

from django.utils.translation import gettext as _
from django_tasks import task

from sam.lib.jobs.services import job_progress, job_running
from sam.transfers import delivery, services
from sam.transfers.models import Transfer


def _run_while(job_id, transfer_id, state, work, *related, message=None) -> None:
    """Run `work(transfer, job, on_progress)` in the job if the transfer is still in `state` (a job started twice
    finds it moved on and does nothing), then say its new state (or `message(transfer)`) as the job's message."""
    with job_running(job_id) as job:
        transfer = Transfer.objects.select_related("tenant", "organisation", *related).get(pk=transfer_id)
        if transfer.state != state:
            return
        work(transfer, job, lambda done, total, message: job_progress(job, done, total, message))
        transfer.refresh_from_db()
        job.message = message(transfer) if message else transfer.error or transfer.get_state_display()


def _prepared_message(transfer: Transfer) -> str:
    """A transfer in parts speaks of its failed part, else of all its parts."""
    if transfer.part_index == 1:
        failed = Transfer.objects.filter(group=transfer, state=Transfer.State.FAILED).first()
        return failed.error if failed else _("Every part's SIP is ready")
    return transfer.error or transfer.get_state_display()


@task(queue_name="vitam")
def transfer_prepare_task(job_id, transfer_id):
    if Transfer.objects.filter(pk=transfer_id, part_count__gt=0).exists():
        # Run again after the split (its worker stopped): the parts still in preparation go on, whatever the state
        # of the first one.
        _parts_run(job_id, transfer_id)
        return
    _run_while(job_id, transfer_id, Transfer.State.PREPARING, lambda transfer, job, on_progress:
               services.transfer_prepare(transfer=transfer, on_progress=on_progress), message=_prepared_message)


@task(queue_name="vitam")
def transfer_parts_task(job_id, transfer_id):
    """The parts of a transfer still in preparation, from the failed one on (resumption)."""
    _parts_run(job_id, transfer_id)


def _parts_run(job_id, transfer_id) -> None:
    with job_running(job_id) as job:
        head = Transfer.objects.select_related("tenant", "organisation").get(pk=transfer_id)
        services.parts_run(head=head, on_progress=lambda done, total, message: job_progress(job, done, total,
                                                                                            message))
        job.message = _prepared_message(head)


@task(queue_name="vitam")
def transfer_regularisation_task(job_id, transfer_id):
    _run_while(job_id, transfer_id, Transfer.State.REGULARISING, lambda transfer, job, on_progress:
               services.regularisation_run(transfer=transfer, actor=job.created_by, on_progress=on_progress))


@task(queue_name="vitam")
def transfer_reply_task(job_id, transfer_id):
    _run_while(job_id, transfer_id, Transfer.State.REPLY_RUNNING, lambda transfer, job, on_progress:
               services.reply_run(transfer=transfer, actor=job.created_by, on_progress=on_progress))


@task(queue_name="vitam")
def transfer_send_task(job_id, transfer_id):
    _run_while(job_id, transfer_id, Transfer.State.SENDING, lambda transfer, job, on_progress:
               delivery.transfer_deliver(transfer=transfer, actor=job.created_by, on_progress=on_progress),
               "platform")


@task(queue_name="vitam")
def transfer_parts_send_task(job_id, transfer_id):
    with job_running(job_id) as job:
        head = Transfer.objects.select_related("tenant", "organisation").get(pk=transfer_id)
        delivery.parts_deliver(head=head, actor=job.created_by, on_progress=lambda done, total, message:
                               job_progress(job, done, total, message))
        failed = Transfer.objects.filter(group=head).exclude(error="").order_by("part_index").first()
        job.message = failed.error if failed else _("Every part was sent to the receiving platform.")


@task(queue_name="default")
def bordereau_pdf_task(job_id, transfer_id):
    with job_running(job_id) as job:
        services.bordereau_pdf_build(
            transfer=Transfer.objects.select_related("tenant", "organisation").get(pk=transfer_id))
        job.message = _("The PDF is ready.")
