"""Filing-tree drafts: the only tree data SAM stores. Published trees live in Vitam.

A draft is a tree of nodes stored as rows (a plan may have thousands of nodes: one rename is one
UPDATE, never a rewrite of the whole tree). Every change bumps the draft's version and leaves a
short change line, so that a person working on an older version is told what changed meanwhile.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import tenant_owned


class TreeKind(models.TextChoices):
    FILING_PLAN = "filing", _("Filing plan")
    HOLDING_TREE = "holding", _("Holding tree")


# Vitam's ingest workflow and unit type of each kind of tree.
WORKFLOWS = {TreeKind.FILING_PLAN: "FILING_SCHEME", TreeKind.HOLDING_TREE: "HOLDING_SCHEME"}
UNIT_TYPES = {TreeKind.FILING_PLAN: "FILING_UNIT", TreeKind.HOLDING_TREE: "HOLDING_UNIT"}


class TreeDraft(tenant_owned(related_name="tree_drafts")):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHING = "publishing", _("Publishing")
        PUBLISHED = "published", _("Published")

    class Source(models.TextChoices):
        EMPTY = "empty", _("Empty")
        CSV = "csv", _("CSV file")
        SEDA = "seda", _("SEDA manifest")
        PUBLISHED = "published", _("Published tree")

    kind = models.CharField(_("kind of tree"), max_length=16, choices=TreeKind.choices, default=TreeKind.FILING_PLAN)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("created from"), max_length=16, choices=Source.choices, default=Source.EMPTY)
    source_filename = models.CharField(_("imported file"), max_length=255, blank=True)
    # Publication under an existing unit of the holding tree or filing plan (Vitam #id).
    attach_to = models.CharField(_("attach under the unit"), max_length=100, blank=True)
    attach_to_title = models.CharField(_("title of that unit"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT, db_index=True)
    # Optimistic concurrency: every change increments it; a form based on an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("last changed by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_operation_id = models.CharField(_("publication operation"), max_length=100, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("tree draft")
        verbose_name_plural = _("tree drafts")
        default_permissions = ()

    def __str__(self):
        return self.title

    @property
    def is_editable(self):
        return self.state == self.State.DRAFT

    @property
    def workflow(self):
        return WORKFLOWS[self.kind]

    @property
    def unit_type(self):
        return UNIT_TYPES[self.kind]


class TreeNode(models.Model):
    draft = models.ForeignKey(TreeDraft, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    position = models.PositiveIntegerField(default=0)
    identifier = models.CharField(_("identifier"), max_length=200)
    title = models.CharField(_("title"), max_length=500)
    level = models.CharField(_("description level"), max_length=16, default="Series")
    description = models.TextField(_("description"), blank=True)
    rules = models.JSONField(_("rules"), default=list, blank=True)
    final_action = models.CharField(_("final action"), max_length=16, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["draft", "identifier"], name="tree_node_identifier_unique")]
        indexes = [models.Index(fields=["draft", "parent", "position"])]
        default_permissions = ()

    def __str__(self):
        return f"{self.identifier} — {self.title}"


class TreeChange(models.Model):
    """One line per change of a draft: what the second editor is shown when versions differ."""

    draft = models.ForeignKey(TreeDraft, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    summary = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "id"]
        default_permissions = ()


class TreePublication(models.Model):
    """One attempt to publish a draft: the Vitam operation, its outcome and its ATR."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        UNCONFIRMED = "unconfirmed", _("Sent, result not confirmed")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    draft = models.ForeignKey(TreeDraft, on_delete=models.CASCADE, related_name="publications")
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    draft_version = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    operation_id = models.CharField(_("operation"), max_length=100, blank=True)
    status = models.CharField(_("result"), max_length=16, blank=True)  # OK, WARNING, KO, FATAL
    failing_event = models.TextField(_("failing step"), blank=True)
    error = models.TextField(_("error"), blank=True)
    unit_count = models.PositiveIntegerField(default=0)
    originating_agency = models.CharField(_("producing service"), max_length=100, blank=True)
    atr = models.BinaryField(null=True, blank=True, editable=False)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        default_permissions = ()

    def __str__(self):
        return f"{self.draft} — {self.operation_id or self.state}"

    @property
    def succeeded(self):
        return self.state == self.State.DONE and self.status in ("OK", "WARNING")
