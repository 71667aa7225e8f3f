"""Communications: a DIP (Vitam's EXPORT_DIP) asked for from a selection, with who asked and why."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenants.models import tenant_owned

# The usages of objects an archivist may ask for, as Vitam names them (DataObjectVersion qualifiers).
USAGES = (
    ("BinaryMaster", _("Original (master copy)")),
    ("Dissemination", _("Dissemination copy")),
    ("Thumbnail", _("Thumbnail")),
    ("TextContent", _("Text content")),
)


class Communication(tenant_owned(related_name="communications")):
    class Purpose(models.TextChoices):
        ADMINISTRATIVE = "administrative", _("Administrative communication")
        PRODUCER_REQUEST = "producer_request", _("Request from a transferring service")
        RESEARCH = "research", _("Research")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("asked by"))
    created_at = models.DateTimeField(_("asked on"), auto_now_add=True, db_index=True)
    title = models.CharField(_("selection"), max_length=500)
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose.choices)
    purpose_detail = models.CharField(_("purpose (detail)"), max_length=500, blank=True)
    requester_name = models.CharField(_("requester"), max_length=200)
    requester_service = models.CharField(_("requester's service"), max_length=200, blank=True)
    usages = models.JSONField(_("usages of objects"), default=list, blank=True)
    with_logbook = models.BooleanField(_("with the logbook"), default=False)
    condition = models.JSONField(default=dict)
    selected_count = models.PositiveIntegerField(_("units selected"), default=0)
    hidden_count = models.PositiveIntegerField(_("units not visible under the access contract"), default=0)
    exported_units = models.PositiveIntegerField(_("units exported"), default=0)
    exported_objects = models.PositiveIntegerField(_("objects exported"), default=0)
    size = models.BigIntegerField(_("size"), default=0)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RUNNING,
                             db_index=True)
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("ready on"), null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("communication")
        verbose_name_plural = _("communications")
        default_permissions = ()

    def __str__(self):
        return self.title

    @property
    def is_expired(self) -> bool:
        """Past the retention period (SAM_DIP_RETENTION_DAYS) the DIP is no longer offered."""
        return self.expires_at is not None and timezone.now() >= self.expires_at

    @property
    def downloadable(self) -> bool:
        return self.state == self.State.READY and not self.is_expired

    @property
    def purpose_text(self) -> str:
        if self.purpose == self.Purpose.OTHER and self.purpose_detail:
            return self.purpose_detail
        label = self.get_purpose_display()
        return f"{label} — {self.purpose_detail}" if self.purpose_detail else label

    def usage_labels(self) -> list[str]:
        labels = dict(USAGES)
        return [str(labels.get(usage, usage)) for usage in self.usages]


class CommunicationPart(models.Model):
    """One Vitam operation (EXPORT_DIP) of a communication: Vitam takes at most its distribution threshold of
    units per operation, so a larger communication is cut, once, into lists of unit ids (each exported as the
    condition AND `$in` its ids). A communication within the limit has one part without ids (the whole condition)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Not started")
        RUNNING = "running", _("Being prepared")
        DONE = "done", pgettext_lazy("part of a DIP", "Ready")
        FAILED = "failed", _("Failed")

    communication = models.ForeignKey(Communication, on_delete=models.CASCADE, related_name="parts")
    index = models.PositiveIntegerField(_("part"))
    unit_ids = models.JSONField(default=list, blank=True)  # the part's units; none: the whole condition
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    operation_id = models.CharField(_("operation"), max_length=100, blank=True)
    exported_units = models.PositiveIntegerField(_("units exported"), default=0)
    exported_objects = models.PositiveIntegerField(_("objects exported"), default=0)
    size = models.BigIntegerField(_("size"), default=0)
    error = models.TextField(_("error"), blank=True)
    # From the part's own end: a part done hours before the others expires that much earlier.
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)

    class Meta:
        ordering = ["communication", "index"]
        constraints = [models.UniqueConstraint(fields=["communication", "index"], name="communication_part_once")]
        verbose_name = _("part of a communication")
        verbose_name_plural = _("parts of a communication")
        default_permissions = ()

    def __str__(self):
        return f"{self.communication} ({self.index})"

    @property
    def is_expired(self) -> bool:
        return (self.expires_at is not None and timezone.now() >= self.expires_at) or self.communication.is_expired

    @property
    def downloadable(self) -> bool:
        """A part done is downloaded at once, whatever the state of the others, until it expires."""
        return self.state == self.State.DONE and not self.is_expired

    def unavailable_reason(self, parts: int) -> str:
        """Why the part cannot be downloaded now, in the archivist's words ("" when it can)."""
        if self.downloadable:
            return ""
        named = {"part": self.index, "parts": parts}
        if self.state == self.State.DONE:
            return _("Part %(part)s of %(parts)s is no longer available: its retention period has ended. Ask for "
                     "a new communication.") % named
        if self.state == self.State.FAILED:
            return _("Part %(part)s of %(parts)s failed: “Resume” the communication to prepare it again.") % named
        if self.communication.state == Communication.State.FAILED:
            return _("Part %(part)s of %(parts)s was not prepared: the communication stopped before it. “Resume” "
                     "goes on from the first part not done.") % named
        return _("Part %(part)s of %(parts)s is being prepared by Vitam: it can be downloaded once ready.") % named
