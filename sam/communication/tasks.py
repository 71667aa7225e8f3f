"""Background task of communications (django-tasks; at once in tests)."""

from django_tasks import task

from sam.communication import services
from sam.communication.models import Communication
from sam.consultation.selectors import ConsultationUnavailable
from sam.lib.jobs.services import job_progress, job_running


@task(queue_name="vitam")
def communication_export_task(job_id, communication_id):
    with job_running(job_id) as job:
        communication = Communication.objects.select_related("tenant", "created_by").get(pk=communication_id)
        if communication.state != Communication.State.RUNNING:
            return
        try:
            services.communication_run(communication=communication, on_progress=lambda done, total, message:
                                       job_progress(job, done, total, message))
        except ConsultationUnavailable as error:  # the tenant lost its access contract meanwhile
            services.communication_fail(communication=communication, message=str(error))
            raise
        communication.refresh_from_db()
        job.message = communication.get_state_display()
