"""The status of a background job, polled by the page that started it."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from sam.site.selectors import job_get_for_user


@login_required
@require_GET
def job_status(request, pk):
    """Polled by static/sam/js/progress.js while a job runs."""
    job = job_get_for_user(user=request.user, pk=pk)
    return JsonResponse({
        "state": job.state,
        "state_label": job.state_text,
        "attempt": job.attempt,
        "finished": job.is_finished,
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "message": job.message,
        "error": job.error,
        "result_url": job.result_url if job.state == job.State.SUCCEEDED else "",
    })
