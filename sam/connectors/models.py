"""Connector accounts: business software (Pastell, AirsDélib...) depositing through SAM's Vitam door.

A connector belongs to one organisation, may deposit on the tenants it is allowed on (all of that
organisation) and authenticates with a TLS client certificate, known here by its SHA-256
fingerprint; the subject and expiry of the PEM are kept for display only.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Organisation, Tenant


class Connector(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="connectors",
                                     verbose_name=_("organisation"))
    name = models.CharField(_("name"), max_length=200)
    tenants = models.ManyToManyField(Tenant, related_name="connectors", verbose_name=_("allowed tenants"))
    certificate_sha256 = models.CharField(_("certificate fingerprint (SHA-256)"), max_length=64, unique=True)
    certificate_subject = models.CharField(_("certificate subject"), max_length=500, blank=True)
    certificate_not_after = models.DateTimeField(_("certificate valid until"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("declared by"))
    created_at = models.DateTimeField(_("declared on"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("connector")
        verbose_name_plural = _("connectors")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="connector_name_per_organisation")]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE


class ConnectorDeposit(models.Model):
    """A deposit received through the door: the operation id SAM gave the connector (X-Request-Id)."""

    connector = models.ForeignKey(Connector, on_delete=models.PROTECT, related_name="deposits")
    deposit = models.OneToOneField("deposits.Deposit", on_delete=models.CASCADE, related_name="connector_link")
    request_id = models.CharField(max_length=64, unique=True)
    context_id = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ()
