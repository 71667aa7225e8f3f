"""Long work (imports, ingest follow-up, analyses, exports) as a row the user can watch."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    label = models.CharField(_("label"), max_length=300)
    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.PROTECT, related_name="jobs", verbose_name=_("organisation")
    )
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.PROTECT, null=True, blank=True, related_name="jobs",
        verbose_name=_("tenant"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="jobs",
        verbose_name=_("started by"),
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED, db_index=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Where the user goes once the work is done (the result page of the feature that started it).
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The worker's last sign of life: a RUNNING job whose heartbeat is old lost its worker (jobs_recover).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # What to run again when the worker died: the task's dotted path, its keyword arguments (plain ids), and
    # django-tasks' id of the queued task (a queued job whose task vanished from the database queue).
    task_path = models.CharField(max_length=200, blank=True)
    task_kwargs = models.JSONField(default=dict, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        default_permissions = ()

    def __str__(self):
        return f"{self.label} ({self.get_state_display()})"

    @property
    def is_finished(self):
        return self.state in (self.State.SUCCEEDED, self.State.FAILED)

    @property
    def state_text(self) -> str:
        """The state, saying when the work runs again after its worker stopped (while it waits, its message
        says so with the attempts)."""
        if self.attempt > 1 and self.state == self.State.RUNNING:
            return _("%(state)s (interrupted, taken up again automatically: attempt %(attempt)s)") % {
                "state": self.get_state_display(), "attempt": self.attempt}
        return str(self.get_state_display())

    @property
    def percent(self):
        if self.state == self.State.SUCCEEDED:
            return 100
        if not self.progress_total:
            return None
        return min(100, round(100 * self.progress_done / self.progress_total))
