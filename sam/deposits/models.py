"""Deposits (versements): SAM's record of a SIP on its way to Vitam.

Vitam is the system of record: once an ingest is completed, SAM keeps only the workflow state,
the figures shown on the deposit slip and the ATR (ArchiveTransferReply) Vitam returned. The SIP
itself is kept under SAM_DATA_DIR until Vitam has confirmed the operation, then removed
(settings.DEPOSIT_KEEP_SIP = True keeps it).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import tenant_owned


class Deposit(tenant_owned(related_name="deposits")):
    class Kind(models.TextChoices):
        SIP = "sip", _("SIP upload")
        SIMPLE = "simple", _("Simple deposit")
        TEST = "test", _("Test deposit")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        CHECKING = "checking", _("Being checked by SAM")
        REJECTED = "rejected", _("Rejected by SAM's check")
        REVIEW = "review", _("Description to review")
        READY = "ready", _("Ready to send")
        SENDING = "sending", _("Being sent to Vitam")
        SENT = "sent", _("Sent to Vitam")
        PROCESSING = "processing", _("Being processed by Vitam")
        COMPLETED = "completed", _("Completed")
        WAITING_RETRY = "waiting_retry", _("Waiting to be retried (Vitam unreachable)")
        CANCELLED = "cancelled", _("Cancelled")

    # Where a deposit waiting for a retry starts again.
    class Phase(models.TextChoices):
        SEND = "send", _("send")
        FOLLOW = "follow", _("follow-up")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="deposits", verbose_name=_("deposited by"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SIP)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RECEIVED,
                             db_index=True)
    title = models.CharField(_("title"), max_length=500, blank=True)

    # The SIP kept on disk until Vitam confirms the operation.
    file_path = models.CharField(max_length=1000, blank=True)
    file_name = models.CharField(_("file name"), max_length=300, blank=True)
    size = models.BigIntegerField(_("size (bytes)"), default=0)
    sha512 = models.CharField(_("SHA-512 of the SIP"), max_length=128, blank=True)
    file_removed_at = models.DateTimeField(null=True, blank=True)

    # What the manifest says (filled by SAM's check).
    manifest_sha512 = models.CharField(_("SHA-512 of the manifest"), max_length=128, blank=True)
    message_identifier = models.CharField(_("message identifier"), max_length=500, blank=True)
    archival_agreement = models.CharField(_("ingest contract"), max_length=200, blank=True)
    archival_agency = models.CharField(_("archival service"), max_length=200, blank=True)
    transferring_agency = models.CharField(_("transferring service"), max_length=200, blank=True)
    originating_agency = models.CharField(_("producing service"), max_length=200, blank=True)
    submission_agency = models.CharField(_("submitting service"), max_length=200, blank=True)
    unit_count = models.PositiveIntegerField(_("archive units"), default=0)
    object_count = models.PositiveIntegerField(_("objects"), default=0)
    objects_size = models.BigIntegerField(_("volume of the objects (bytes)"), default=0)
    start_date = models.CharField(_("start date"), max_length=10, blank=True)
    end_date = models.CharField(_("end date"), max_length=10, blank=True)
    summary = models.JSONField(default=dict, blank=True)  # first levels of units, for the slip
    problems = models.JSONField(default=list, blank=True)  # SAM's check: [{message, line, path, severity}]

    # Vitam's side.
    operation_id = models.CharField(_("operation"), max_length=100, blank=True, db_index=True)
    operation_status = models.CharField(_("result"), max_length=16, blank=True)  # OK | WARNING | KO | FATAL
    atr_path = models.CharField(max_length=1000, blank=True)
    failing_event = models.CharField(_("failing step"), max_length=300, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)

    # Reliability: a deposit is never lost when Vitam cannot be reached.
    retry_phase = models.CharField(max_length=8, choices=Phase.choices, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("deposited on"), auto_now_add=True, db_index=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent on"), null=True, blank=True)
    # When a worker began streaming the SIP to Vitam (None while the send waits in the queue); with updated_at,
    # beaten during the upload, it tells a send in progress from one whose worker stopped.
    sending_since = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(_("completed on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deposit")
        verbose_name_plural = _("deposits")
        default_permissions = ()

    def __str__(self):
        return self.title or self.file_name or f"#{self.pk}"

    FOLLOWED_STATES = (State.SENT, State.PROCESSING)
    ACTIVE_STATES = (State.RECEIVED, State.CHECKING, State.SENDING, State.SENT, State.PROCESSING,
                     State.WAITING_RETRY)

    @property
    def workflow(self) -> str:
        return "BLANK_TEST" if self.kind == self.Kind.TEST else "DEFAULT_WORKFLOW"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.COMPLETED, self.State.REJECTED, self.State.CANCELLED)

    @property
    def can_retry(self) -> bool:
        return self.state == self.State.WAITING_RETRY

    @property
    def waits_for_the_archivist(self) -> bool:
        """Waiting for a retry with none planned: its work was interrupted (worker stopped), not Vitam out of reach."""
        return self.state == self.State.WAITING_RETRY and self.next_attempt_at is None

    @property
    def can_cancel(self) -> bool:
        return self.state in (self.State.REVIEW, self.State.READY, self.State.WAITING_RETRY) and not self.operation_id

    @property
    def can_review(self) -> bool:
        return self.kind == self.Kind.SIMPLE and self.state == self.State.REVIEW

    @property
    def can_send(self) -> bool:
        return self.state == self.State.READY

    @property
    def is_ok(self) -> bool:
        return self.state == self.State.COMPLETED and self.operation_status in ("OK", "WARNING")

    @property
    def is_refused(self) -> bool:
        """Refused by SAM's check or by Vitam, or cancelled: nothing was deposited, so no slip to sign."""
        return self.state in (self.State.REJECTED, self.State.CANCELLED) or (
            self.state == self.State.COMPLETED and self.operation_status in ("KO", "FATAL"))

    @property
    def error_problems(self):
        return [p for p in self.problems if p.get("severity") == "error"]

    @property
    def warning_problems(self):
        return [p for p in self.problems if p.get("severity") != "error"]
