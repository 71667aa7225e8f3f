"""What SAM keeps of a probative value report (relevé de valeur probante): who asked, for which object,
and Vitam's operation. The report itself stays in Vitam (GET /batchreport/{operation}) and is read from there."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sam.consultation.seda_labels import USAGES
from tenants.models import tenant_owned


class ProofRequest(tenant_owned("proof_requests")):
    class State(models.TextChoices):
        RUNNING = "running", _("In progress")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Scope(models.TextChoices):
        OBJECT = "object", _("one object of one archive unit")
        UNITS = "units", _("the objects of several archive units")

    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.OBJECT)
    # OBJECT: the unit. UNITS: the unit whose page asked (it and the units below), blank for a selection.
    unit_id = models.CharField(_("archive unit"), max_length=100, blank=True)
    # UNITS: the DSL condition SAM built (a selection's, or a unit and the units below it), never typed; the
    # units it counted when asked.
    condition = models.JSONField(default=dict, blank=True)
    unit_count = models.PositiveIntegerField(_("archive units"), default=1)
    unit_title = models.CharField(_("title"), max_length=500, blank=True)
    usage = models.CharField(_("usage"), max_length=50)
    version = models.PositiveIntegerField(_("version"))
    operation_id = models.CharField(_("Vitam operation"), max_length=100, db_index=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    # The report's overall status (operationSummary.outcome): OK, WARNING or KO.
    outcome = models.CharField(_("outcome"), max_length=10, blank=True)
    error = models.TextField(_("error"), blank=True)
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                     related_name="proof_requests", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("probative value report")
        verbose_name_plural = _("probative value reports")
        indexes = [models.Index(fields=["tenant", "unit_id"], name="proof_tenant_unit")]

    @property
    def object_label(self) -> str:
        """The object version as archivists name it: "Original numérique, version 1"."""
        return gettext("%(usage)s, version %(version)s") % {
            "usage": USAGES.get(self.usage, self.usage), "version": self.version}

    def __str__(self):
        return f"{self.unit_title or self.unit_id} ({self.usage}_{self.version})"
