"""Organisations (communes, EPCI...), their Vitam tenants, users, roles and the audit trail.

Permissions are django-guardian object permissions on Organisation, granted only through
one group per (organisation, role): see tenants/permissions.py, the only module that calls guardian.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.audit_labels import action_label
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from tenants.validators import validate_official_code


class Organisation(models.Model):
    class Kind(models.TextChoices):
        EPCI = "epci", _("EPCI (conurbation)")
        COMMUNE = "commune", _("Commune")
        CCAS = "ccas", _("CCAS")
        DEPARTMENTAL_ARCHIVES = "departmental_archives", _("Departmental archives")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    code = models.CharField(
        _("INSEE or SIREN code"), max_length=9, unique=True, validators=[validate_official_code]
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Departmental archives control communes: their controllers give the elimination visas.
    controlled_organisations = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="controllers",
        verbose_name=_("organisations under scientific and technical control"),
    )
    # Least privilege towards Vitam: an organisation may have its own client certificate
    # (hence its own Vitam context). Empty = the platform certificate.
    vitam_certificate = models.CharField(_("Vitam client certificate (path)"), max_length=500, blank=True)
    vitam_key = models.CharField(_("Vitam client key (path)"), max_length=500, blank=True)
    # Off: its people sign in through single sign-on only (tenants/sso.py); platform admins keep theirs.
    local_passwords_enabled = models.BooleanField(
        _("local passwords allowed"), default=True,
        help_text=_("Untick when the organisation's people sign in with single sign-on (ProConnect) only."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        default_permissions = ("view", "change")
        permissions = [
            ("manage_users", _("Manage the organisation's users")),
            ("manage_referentials", _("Manage referentials and filing trees")),
            ("deposit", _("Deposit archives")),
            ("search", _("Search archives")),
            ("eliminate", _("Eliminate archives")),
            ("give_visa", _("Give elimination visas")),
            ("consult_communicable", _("Consult communicable archives")),
            ("view_audit", _("Read the audit trail")),
        ]

    def __str__(self):
        return self.name


class OrganisationUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign key: guardian joins directly and grants vanish with the organisation."""

    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


class OrganisationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


class Tenant(models.Model):
    class Purpose(models.TextChoices):
        PRODUCTION = "production", _("Production")
        TEST = "test", _("Test")

    vitam_id = models.PositiveIntegerField(_("Vitam tenant number"), unique=True)
    label = models.CharField(_("label"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="tenants", verbose_name=_("organisation")
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.PRODUCTION)
    ingest_contract = models.CharField(_("default ingest contract"), max_length=100, blank=True)
    access_contract = models.CharField(_("default access contract"), max_length=100, blank=True)
    researcher_access_contract = models.CharField(
        _("researchers' access contract"), max_length=100, blank=True,
        help_text=_("Access contract used for researchers: only communicable archives."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["vitam_id"]
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self):
        return f"{self.vitam_id} — {self.label}"


def tenant_owned(related_name: str) -> type[models.Model]:
    """The abstract base of a record a commune owns: the organisation and the tenant it belongs to.

    Both are reached back as ``organisation.<related_name>`` and ``tenant.<related_name>``. The name is
    an argument because Django's placeholders (%(class)s, %(app_label)s) cannot spell the names the
    tables already have (deposits, elimination_proposals, tree_drafts...), and changing them would
    change the migrations. Who created the record and when stay on each model: their labels, null and
    index differ from one model to the next.
    """

    class TenantOwned(models.Model):
        organisation = models.ForeignKey(
            Organisation, on_delete=models.PROTECT, related_name=related_name, verbose_name=_("organisation")
        )
        tenant = models.ForeignKey(
            Tenant, on_delete=models.PROTECT, related_name=related_name, verbose_name=_("tenant")
        )

        class Meta:
            abstract = True

    return TenantOwned


class User(AbstractUser):
    """A person. Platform administrators are an explicit flag, not a role."""

    is_platform_admin = models.BooleanField(_("platform administrator"), default=False)
    anonymised_at = models.DateTimeField(_("anonymised on"), null=True, blank=True, editable=False)
    # Empty = the language negotiated from the browser (LocaleMiddleware).
    language = models.CharField(_("preferred language"), max_length=8, blank=True, choices=settings.LANGUAGES)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_anonymised(self):
        return self.anonymised_at is not None

    def __str__(self):
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class Role(models.TextChoices):
    REFERENT = "referent", _("Referent administrator")
    ARCHIVIST = "archivist", _("Archivist")
    CONTROLLER = "controller", _("Controller")
    RESEARCHER = "researcher", _("Researcher")


class RoleGroup(models.Model):
    """The guardian group holding one role in one organisation; its members hold that role."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="role_group")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="role_groups")
    role = models.CharField(max_length=16, choices=Role.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "role"], name="one_group_per_role_and_organisation")
        ]

    def __str__(self):
        return f"{self.organisation} — {self.get_role_display()}"


class AuditEntry(models.Model):
    """Append-only record of a privileged action, written in the same transaction as the change."""

    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="audit_entries", verbose_name=_("actor"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True,
        related_name="audit_entries", verbose_name=_("organisation"),
    )
    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries",
        verbose_name=_("tenant"),
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=200, blank=True)
    target_repr = models.CharField(_("target"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        default_permissions = ()
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit entries are append-only.")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"


class ApiToken(models.Model):
    """A named API token. Only the SHA-256 of its secret is kept: the secret is shown once, at creation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("beginning of the key"), max_length=16)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires on"))
    last_used_at = models.DateTimeField(_("last used on"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        default_permissions = ()

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
