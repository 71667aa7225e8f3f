"""Background tasks of eliminations and mass updates (django-tasks; at once in tests)."""

from django.utils.translation import gettext as _
from django_tasks import task

from sam.elimination import services
from sam.elimination.models import MassUpdate, Proposal
from sam.lib.jobs.services import job_progress, job_running


@task(queue_name="vitam")
def proposal_analysis_task(job_id, proposal_id):
    with job_running(job_id) as job:
        proposal = Proposal.objects.select_related("tenant", "organisation").get(pk=proposal_id)
        if proposal.state != Proposal.State.ANALYSING:
            job.message = _("Nothing to do: the proposal is %(state)s.") % {"state": proposal.get_state_display()}
            return
        services.analysis_run(proposal=proposal, on_progress=lambda done, total, message: job_progress(
            job, done, total, message))
        proposal.refresh_from_db()
        job.message = _("%(destroy)s destroyable, %(conflict)s in conflict, %(keep)s kept") % {
            "destroy": proposal.destroy_count, "conflict": proposal.conflict_count, "keep": proposal.keep_count}


@task(queue_name="vitam")
def proposal_action_task(job_id, proposal_id, base_url=""):
    with job_running(job_id) as job:
        proposal = Proposal.objects.select_related("tenant", "organisation").get(pk=proposal_id)
        if proposal.state != Proposal.State.EXECUTING:
            job.message = _("Nothing to do: the proposal is %(state)s.") % {"state": proposal.get_state_display()}
            return
        services.action_run(proposal=proposal, base_url=base_url, on_progress=lambda done, total, message: job_progress(
            job, done, total, message))
        proposal.refresh_from_db()
        job.message = proposal.get_state_display()


@task(queue_name="default")
def bordereau_pdf_task(job_id, proposal_id):
    with job_running(job_id) as job:
        proposal = Proposal.objects.select_related("tenant", "organisation").get(pk=proposal_id)
        services.bordereau_pdf_build(proposal=proposal)
        job.message = _("The PDF is ready.")


@task(queue_name="default")
def certificate_task(job_id, proposal_id):
    with job_running(job_id) as job:
        proposal = Proposal.objects.select_related("tenant", "organisation").get(pk=proposal_id)
        services.certificate_build(proposal=proposal)
        job.message = _("The certificate and its annex are ready.")


@task(queue_name="vitam")
def mass_update_task(job_id, update_id):
    with job_running(job_id) as job:
        update = MassUpdate.objects.select_related("tenant").get(pk=update_id)
        if update.state != MassUpdate.State.RUNNING:
            return
        services.mass_update_run(update=update, on_progress=lambda done, total, message: job_progress(
            job, done, total, message))
        update.refresh_from_db()
        job.message = update.get_state_display()
