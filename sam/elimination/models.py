"""Elimination proposals (with the departmental archives' visa), mass rule updates and notifications.

Vitam computes which units are eliminable and executes the elimination; SAM keeps the workflow
around it: what was proposed (one row per unit, so that exactly the approved units are sent),
who decided what and when, the certificate produced from Vitam's batch report.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import tenant_owned


class Proposal(tenant_owned(related_name="elimination_proposals")):
    """Bordereau d'élimination: the units an analysis found destroyable, with the visa that follows."""

    class State(models.TextChoices):
        ANALYSING = "analysing", _("Analysis running")
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting visa")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        EXECUTING = "executing", _("Elimination running")
        INTERRUPTED = "interrupted", _("Elimination interrupted")
        EXECUTED = "executed", _("Executed")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Abandoned")

    class Mode(models.TextChoices):
        CRITERIA = "criteria", _("Search criteria")
        DUA_ENDED = "dua", _("Retention period ended with final action Destroy")

    reference = models.CharField(_("reference"), max_length=40, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.ANALYSING,
                             db_index=True)
    mode = models.CharField(_("selection"), max_length=16, choices=Mode.choices, default=Mode.DUA_ENDED)
    criteria = models.JSONField(_("criteria"), default=dict, blank=True)
    analysis_date = models.DateField(_("elimination date"))
    analysis_operation_id = models.CharField(_("analysis operation"), max_length=100, blank=True)
    action_operation_id = models.CharField(_("elimination operation"), max_length=100, blank=True)
    candidate_count = models.PositiveIntegerField(_("candidates"), default=0)
    destroy_count = models.PositiveIntegerField(_("destroyable"), default=0)
    conflict_count = models.PositiveIntegerField(_("in conflict"), default=0)
    keep_count = models.PositiveIntegerField(_("kept"), default=0)
    error = models.TextField(_("error"), blank=True)
    # Figures of the bordereau (services, dates, volume, groups), recomputed whenever the units change,
    # so that a page of a 10,000-unit proposal does not aggregate them again.
    figures = models.JSONField(default=dict, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created on"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted on"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("visa given by"))
    decided_at = models.DateTimeField(_("visa date"), null=True, blank=True)
    decision_comment = models.TextField(_("visa comment"), blank=True)
    executed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("executed by"))
    executed_at = models.DateTimeField(_("executed on"), null=True, blank=True)
    copied_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies",
                                    verbose_name=_("copied from"))

    analysis_job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action_job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Outcome of the elimination (from Vitam's batch report) and the certificate kept for it.
    destroyed_count = models.PositiveIntegerField(_("destroyed"), default=0)
    not_destroyed_count = models.PositiveIntegerField(_("not destroyed"), default=0)
    report_path = models.CharField(max_length=1000, blank=True)
    report_sha512 = models.CharField(_("SHA-512 of the report"), max_length=128, blank=True)
    certificate_path = models.CharField(max_length=1000, blank=True)
    certificate_sha512 = models.CharField(_("SHA-512 of the certificate"), max_length=128, blank=True)
    # The certificate is a summary; its annex (CSV, every unit) is named in it by its SHA-512. Both are laid out
    # by their own job once the elimination is done, so that 50,000 units never wait for a document.
    certificate_annex_path = models.CharField(max_length=1000, blank=True)
    certificate_annex_sha512 = models.CharField(_("SHA-512 of the certificate's annex"), max_length=128, blank=True)
    certificate_job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("elimination proposal")
        verbose_name_plural = _("elimination proposals")
        default_permissions = ()

    def __str__(self):
        return f"{self.reference} — {self.title}" if self.reference else self.title

    @property
    def is_editable(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def can_execute(self) -> bool:
        return self.state == self.State.APPROVED

    @property
    def can_resume(self) -> bool:
        """A batch failed after others were done: the remaining units can be sent again."""
        return self.state == self.State.INTERRUPTED

    @property
    def visa_label(self) -> str:
        """The controller's decision, apart from where the proposal is now (an executed proposal was approved);
        empty before the visa. A refused proposal stays refused: correcting it makes a new draft."""
        if self.decided_at is None:
            return ""
        return str(_("Refused") if self.state == self.State.REFUSED else _("Approved"))

    @property
    def visa_refused(self) -> bool:
        return self.decided_at is not None and self.state == self.State.REFUSED


class ProposalUnit(models.Model):
    """One unit of a proposal as the analysis found it (a row, so 10,000 units page cheaply)."""

    class Status(models.TextChoices):
        DESTROY = "DESTROY", _("Destroyable")
        CONFLICT = "CONFLICT", _("Conflict")

    class Outcome(models.TextChoices):
        PENDING = "", _("Not executed")
        DELETED = "DELETED", _("Destroyed")
        NOT_DELETED = "NOT_DELETED", _("Not destroyed")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="units")
    unit_id = models.CharField(max_length=100)
    title = models.CharField(max_length=1000, blank=True)
    level = models.CharField(max_length=40, blank=True)
    start_date = models.CharField(max_length=10, blank=True)
    end_date = models.CharField(max_length=10, blank=True)
    agency = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    reasons = models.JSONField(default=list, blank=True)  # French sentences (CONFLICT)
    rule_ids = models.CharField(max_length=300, blank=True)
    rule_end_date = models.CharField(max_length=10, blank=True)
    size = models.BigIntegerField(default=0)
    object_count = models.PositiveIntegerField(default=0)
    object_group_id = models.CharField(max_length=100, blank=True)
    # Where the unit sits in the tree: its parent (first of #unitups) and the titles from the root down to
    # that parent, so that the review page groups a 50,000-unit proposal by folder without asking Vitam and
    # the certificate counts the units under each series.
    parent_id = models.CharField(max_length=100, blank=True)
    parent_path = models.CharField(max_length=1000, blank=True)
    final_action = models.CharField(max_length=20, blank=True)
    # Vitam's #max (depth below the root): the action sends the deepest units first, since a unit cannot
    # go while it still has children, and its children may sit in another batch.
    depth = models.PositiveSmallIntegerField(default=1)
    included = models.BooleanField(default=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True, default="")
    outcome_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["proposal", "unit_id"], name="one_row_per_unit_and_proposal")]
        indexes = [
            models.Index(fields=["proposal", "status", "agency", "id"], name="elim_unit_group_idx"),
            models.Index(fields=["proposal", "included", "id"], name="elim_unit_included_idx"),
            models.Index(fields=["proposal", "parent_path", "id"], name="elim_unit_tree_idx"),
            models.Index(fields=["proposal", "parent_id", "id"], name="elim_unit_parent_idx"),
            # the review page's sorts (title, end of the DUA) page through 50,000 units without sorting them all
            models.Index(fields=["proposal", "title", "id"], name="elim_unit_title_idx"),
            models.Index(fields=["proposal", "rule_end_date", "id"], name="elim_unit_rule_end_idx"),
        ]

    def __str__(self):
        return self.title or self.unit_id


class MassUpdate(tenant_owned(related_name="mass_updates")):
    """A mass update sent to Vitam, with its report: of management rules (POST /units/rules, ruleActions) or of
    descriptive metadata (POST /units, the MASS_UPDATE DSL's $action list)."""

    class Kind(models.TextChoices):
        RULES = "rules", _("Management rules")
        DESCRIPTION = "description", _("Descriptive metadata")

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        WARNING = "warning", _("Finished with warnings")
        INTERRUPTED = "interrupted", _("Interrupted")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("started by"))
    created_at = models.DateTimeField(_("started on"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)
    description = models.CharField(_("change"), max_length=500)
    criteria = models.JSONField(default=dict, blank=True)
    rule_actions = models.JSONField(default=dict, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.RULES)
    description_actions = models.JSONField(default=list, blank=True)
    # Vitam's mass update has no array action ($add/$pull are refused): a keyword added or removed becomes one
    # $set of the whole Keyword list per group of units that hold the same keywords (see VitamBatch.actions).
    keyword_change = models.JSONField(default=dict, blank=True)
    unit_count = models.PositiveIntegerField(_("units selected"), default=0)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.RUNNING, db_index=True)
    operation_id = models.CharField(_("operation"), max_length=100, blank=True)
    ok_count = models.PositiveIntegerField(_("updated"), default=0)
    warning_count = models.PositiveIntegerField(_("unchanged"), default=0)
    ko_count = models.PositiveIntegerField(_("refused"), default=0)
    error = models.TextField(_("error"), blank=True)
    report_path = models.CharField(max_length=1000, blank=True)
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mass update of rules")
        verbose_name_plural = _("mass updates of rules")
        default_permissions = ()

    def __str__(self):
        return self.description

    @property
    def can_resume(self) -> bool:
        return self.state == self.State.INTERRUPTED


class VitamBatch(models.Model):
    """One Vitam operation of a large elimination or mass update: at most settings.VITAM["BATCH_SIZE"] units
    (Vitam's threshold for one operation). The units are listed here so that a resumed run sends only the
    batches not done, and the certificate names every operation with the digest of its report."""

    class Kind(models.TextChoices):
        ANALYSIS = "analysis", _("Analysis")
        ELIMINATION = "elimination", _("Elimination")
        MASS_UPDATE = "mass_update", _("Mass update")

    class State(models.TextChoices):
        PENDING = "pending", _("To send")
        SENT = "sent", _("Sent to Vitam")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="batches")
    mass_update = models.ForeignKey(MassUpdate, on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="batches")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    number = models.PositiveIntegerField()
    unit_ids = models.JSONField(default=list)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    operation_id = models.CharField(_("operation"), max_length=100, blank=True)
    vitam_status = models.CharField(max_length=10, blank=True)
    report_path = models.CharField(max_length=1000, blank=True)
    report_sha512 = models.CharField(max_length=128, blank=True)
    actions = models.JSONField(default=list, blank=True)  # a descriptive update's $action of this batch's units

    class Meta:
        ordering = ["kind", "number"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["proposal", "kind", "number"], name="one_batch_number_per_proposal"),
            models.UniqueConstraint(fields=["mass_update", "number"], name="one_batch_number_per_mass_update"),
            models.CheckConstraint(condition=models.Q(proposal__isnull=False) ^ models.Q(mass_update__isnull=False),
                                   name="batch_of_one_proposal_or_mass_update"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"


class Notification(models.Model):
    """A message for one user in SAM (the same is sent by email)."""

    class Kind(models.TextChoices):
        VISA_REQUESTED = "visa_requested", _("Visa requested")
        DECIDED = "decided", _("Visa given")
        EXECUTED = "executed", _("Elimination executed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    organisation = models.ForeignKey("tenants.Organisation", on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.CharField(max_length=500)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        indexes = [models.Index(fields=["recipient", "read_at"], name="elim_notif_unread_idx")]

    def __str__(self):
        return self.message
