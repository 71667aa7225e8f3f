"""Background tasks of transfers (django-tasks; at once in tests)."""

from django.utils.translation import gettext as _
from django_tasks import task

from sam.lib.jobs.services import job_progress, job_running
from sam.transfers import delivery, services
from sam.transfers.models import Transfer


def _transfer(transfer_id) -> Transfer:
    return Transfer.objects.select_related("tenant", "organisation").get(pk=transfer_id)


@task(queue_name="vitam")
def transfer_prepare_task(job_id, transfer_id):
    with job_running(job_id) as job:
        transfer = _transfer(transfer_id)
        if transfer.state != Transfer.State.PREPARING:
            return
        services.transfer_prepare(transfer=transfer, on_progress=lambda done, total, message: job_progress(
            job, done, total, message))
        transfer.refresh_from_db()
        job.message = transfer.error or transfer.get_state_display()


@task(queue_name="vitam")
def transfer_regularisation_task(job_id, transfer_id):
    with job_running(job_id) as job:
        transfer = _transfer(transfer_id)
        if transfer.state != Transfer.State.REGULARISING:
            return
        services.regularisation_run(transfer=transfer, actor=job.created_by, on_progress=lambda done, total, message:
                                    job_progress(job, done, total, message))
        transfer.refresh_from_db()
        job.message = transfer.error or transfer.get_state_display()


@task(queue_name="vitam")
def transfer_reply_task(job_id, transfer_id):
    with job_running(job_id) as job:
        transfer = _transfer(transfer_id)
        if transfer.state != Transfer.State.REPLY_RUNNING:
            return
        services.reply_run(transfer=transfer, on_progress=lambda done, total, message: job_progress(
            job, done, total, message))
        transfer.refresh_from_db()
        job.message = transfer.error or transfer.get_state_display()


@task(queue_name="vitam")
def transfer_send_task(job_id, transfer_id):
    with job_running(job_id) as job:
        transfer = Transfer.objects.select_related("tenant", "organisation", "platform").get(pk=transfer_id)
        if transfer.state != Transfer.State.SENDING:
            return
        delivery.transfer_deliver(transfer=transfer, actor=job.created_by, on_progress=lambda done, total, message:
                                  job_progress(job, done, total, message))
        transfer.refresh_from_db()
        job.message = transfer.error or transfer.get_state_display()


@task(queue_name="default")
def bordereau_pdf_task(job_id, transfer_id):
    with job_running(job_id) as job:
        services.bordereau_pdf_build(transfer=_transfer(transfer_id))
        job.message = _("The PDF is ready.")
