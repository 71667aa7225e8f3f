"""What SAM keeps about referentials: workflow state only (Vitam holds the rules and agencies).

- ReferentialImport: an uploaded spreadsheet between its preview and its import (with Vitam's check).
- ReferentialTemplate / TemplateVersion: the common nomenclature kept by platform administrators.
- TemplateApplication / TemplateApplicationResult: one application of a template version to tenants.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferentialKind(models.TextChoices):
    RULES = "rules", _("Management rules")
    AGENCIES = "agencies", _("Services (agencies)")


class ApplyMode(models.TextChoices):
    MERGE = "merge", _("Add and update only: keep the entries absent from the file")
    REPLACE = "replace", _("Replace: the file becomes the whole referential (absent entries are deleted)")


class ReferentialImport(models.Model):
    class State(models.TextChoices):
        READY = "ready", _("Ready to import")
        REFUSED = "refused", _("Refused by the archive system's check")
        UP_TO_DATE = "up_to_date", _("Nothing to change")
        RUNNING = "running", _("Importing")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="referential_imports")
    kind = models.CharField(_("referential"), max_length=16, choices=ReferentialKind.choices)
    mode = models.CharField(_("mode"), max_length=16, choices=ApplyMode.choices, default=ApplyMode.MERGE)
    filename = models.CharField(_("file"), max_length=255)
    encoding = models.CharField(max_length=32, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    rows = models.JSONField(default=list)            # the file's rows, in Vitam's form
    base_rows = models.JSONField(default=list)       # the referential as it was at preview time
    base_fingerprint = models.CharField(max_length=64)
    diff = models.JSONField(default=dict)            # {"added": [...], "changed": [...], "removed": [...]}
    check_messages = models.JSONField(default=list)  # Vitam's refusals, in French
    check_warnings = models.JSONField(default=list)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.READY)
    error = models.TextField(_("error"), blank=True)
    operation_id = models.CharField(max_length=64, blank=True)
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ()

    def __str__(self):
        return f"{self.get_kind_display()} — {self.filename}"


class ReferentialTemplate(models.Model):
    """A rules set or an agencies set kept in SAM, applied to tenants by platform administrators."""

    kind = models.CharField(_("referential"), max_length=16, choices=ReferentialKind.choices)
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        default_permissions = ()

    def __str__(self):
        return self.name

    @property
    def current(self):
        return self.versions.order_by("-number").first()


class TemplateVersion(models.Model):
    template = models.ForeignKey(ReferentialTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    rows = models.JSONField(default=list)
    fingerprint = models.CharField(max_length=64)
    source = models.CharField(_("source"), max_length=300)  # file name or "tenant <label>"
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="template_version_unique")]

    def __str__(self):
        return f"{self.template.name} v{self.number}"


class TemplateApplication(models.Model):
    version = models.ForeignKey(TemplateVersion, on_delete=models.PROTECT, related_name="applications")
    mode = models.CharField(_("mode"), max_length=16, choices=ApplyMode.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ()

    def __str__(self):
        return f"{self.version} ({self.get_mode_display()})"


class TemplateApplicationResult(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SUCCEEDED = "succeeded", _("Applied")
        UP_TO_DATE = "up_to_date", _("Already up to date")
        FAILED = "failed", _("Failed")

    application = models.ForeignKey(TemplateApplication, on_delete=models.CASCADE, related_name="results")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    message = models.TextField(_("message"), blank=True)
    diff = models.JSONField(default=dict)
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tenant__vitam_id"]
        default_permissions = ()

    def __str__(self):
        return f"{self.application} → {self.tenant}"
