"""Changes an archivist makes to what Vitam holds: a move (Vitam's reclassification), a rename of a published
node (a one-unit mass update), the deletion of an empty node (Vitam's elimination). Each is one Vitam
operation followed in a background job; the row keeps what was asked and Vitam's answer."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import tenant_owned


class PublishedChange(tenant_owned(related_name="published_changes")):
    class Kind(models.TextChoices):
        MOVE = "move", _("Move of units")
        RENAME = "rename", _("Renaming")
        DELETE = "delete", _("Deletion")

    class State(models.TextChoices):
        RUNNING = "running", _("In progress")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused by the archive system")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.RUNNING)
    label = models.CharField(_("what changes"), max_length=500)  # the unit's title, or the selection's name
    # {child unit id: [its current parents]}: the RECLASSIFICATION_QUERY is built from it, and it tells what
    # the units were attached to before the move.
    moves = models.JSONField(default=dict, blank=True)
    unit_id = models.CharField(max_length=100, blank=True)  # rename and delete: the one unit
    new_parent_id = models.CharField(max_length=100, blank=True)
    new_parent_label = models.CharField(_("new parent"), max_length=500, blank=True)
    unit_count = models.PositiveIntegerField(_("archive units concerned"), default=0)
    changes = models.JSONField(default=dict, blank=True)  # rename: {"before": {...}, "after": {...}}
    operation_id = models.CharField(_("operation"), max_length=100, blank=True)
    vitam_status = models.CharField(max_length=10, blank=True)
    error = models.TextField(_("reason"), blank=True)  # in French
    error_code = models.CharField(max_length=300, blank=True)  # Vitam's outDetail and error, for support
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("requested by"))
    created_at = models.DateTimeField(_("requested on"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("change of published units")
        verbose_name_plural = _("changes of published units")

    def __str__(self):
        return f"{self.get_kind_display()} — {self.label}"
