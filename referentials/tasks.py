"""Background work of the referentials: large file imports and nomenclature applications."""

from django.utils.translation import gettext as _
from django_tasks import task

from referentials.models import ReferentialImport, TemplateApplicationResult
from referentials.services import import_run, template_apply_tenant
from sam.lib.jobs.services import job_progress, job_running
from tenants.models import User


def _actor(actor_id):
    return User.objects.filter(pk=actor_id).first() if actor_id else None


@task(queue_name="vitam")
def import_task(job_id, import_id, actor_id=None):
    with job_running(job_id) as job:
        import_ = ReferentialImport.objects.select_related("tenant").get(pk=import_id)
        job_progress(job, 0, 1, _("Checking and importing %(count)s entries") % {"count": len(import_.rows)},
                     force=True)
        import_ = import_run(import_=import_, actor=_actor(actor_id))
        job.result = {"state": import_.state}
        if import_.state == ReferentialImport.State.FAILED:
            raise RuntimeError(import_.error)
        job.message = import_.get_state_display()


@task(queue_name="vitam")
def apply_template_task(job_id, result_id, actor_id=None):
    with job_running(job_id) as job:
        result = TemplateApplicationResult.objects.select_related(
            "tenant", "application", "application__version", "application__version__template").get(pk=result_id)
        result = template_apply_tenant(result=result, actor=_actor(actor_id))
        job.result = {"status": result.status}
        job.message = result.message[:500]
        if result.status == TemplateApplicationResult.Status.FAILED:
            raise RuntimeError(result.message)
