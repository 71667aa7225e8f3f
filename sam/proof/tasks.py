"""Background task of probative value reports (django-tasks; at once in tests)."""

from django.utils.translation import gettext as _
from django_tasks import task

from sam.lib.jobs.services import job_running
from sam.proof import services
from sam.proof.models import ProofRequest


@task(queue_name="vitam")
def proof_follow_task(job_id, proof_id):
    with job_running(job_id) as job:
        proof = ProofRequest.objects.select_related("tenant", "organisation").get(pk=proof_id)
        if proof.state != ProofRequest.State.RUNNING:
            return
        proof = services.proof_follow(proof=proof)
        job.message = proof.error or _("The report is ready.")
