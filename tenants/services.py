"""Writes on organisations, tenants, users and roles. Each one is atomic and audited.

Services raise django.core.exceptions.ValidationError with a message naming the field; forms and
the API turn it into field errors. Permission to call a service is checked by the caller (views
load their objects through tenants.permissions); the rules about *what* may change live here.
"""

from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from tenants import permissions
from tenants.audit import audit_record
from tenants.models import Organisation, Role, RoleGroup, Tenant, User
from tenants.tokens import tokens_revoke_all

ORGANISATION_FIELDS = ("name", "kind", "code", "vitam_certificate", "vitam_key", "local_passwords_enabled")
TENANT_FIELDS = (
    "vitam_id", "label", "purpose", "ingest_contract", "access_contract", "researcher_access_contract", "is_active",
)
USER_IDENTITY_FIELDS = ("first_name", "last_name", "email")


def _snapshot(instance, fields):
    return {field: getattr(instance, field) for field in fields}


def _validate(instance, *, exclude=()):
    """full_clean without the unique checks we word ourselves."""
    instance.full_clean(exclude=list(exclude), validate_unique=False)


# --- organisations ------------------------------------------------------------------------------


def _check_organisation_unique(*, name, code, exclude_pk=None):
    others = Organisation.objects.exclude(pk=exclude_pk)
    errors = {}
    if others.filter(code=code).exists():
        errors["code"] = _("An organisation with the code %(code)s already exists.") % {"code": code}
    if others.filter(name__iexact=name).exists():
        errors["name"] = _("An organisation named “%(name)s” already exists.") % {"name": name}
    if errors:
        raise ValidationError(errors)


def role_group_get(*, organisation: Organisation, role: str) -> RoleGroup:
    """The group holding ``role`` in ``organisation`` (created with its permissions on first use)."""
    role_group = RoleGroup.objects.filter(organisation=organisation, role=role).select_related("group").first()
    if role_group is None:
        group = Group.objects.create(name=f"organisation-{organisation.pk}-{role}")
        role_group = RoleGroup.objects.create(group=group, organisation=organisation, role=role)
        permissions.role_group_sync(role_group)
    return role_group


@transaction.atomic
def organisation_create(*, actor: User, name: str, kind: str, code: str, vitam_certificate: str = "",
                        vitam_key: str = "", local_passwords_enabled: bool = True, request=None) -> Organisation:
    code = (code or "").strip().upper()
    organisation = Organisation(
        name=(name or "").strip(), kind=kind, code=code, vitam_certificate=vitam_certificate, vitam_key=vitam_key,
        local_passwords_enabled=local_passwords_enabled,
    )
    _validate(organisation)
    _check_organisation_unique(name=organisation.name, code=code)
    organisation.save()
    for role in Role.values:
        role_group_get(organisation=organisation, role=role)
    audit_record(actor=actor, action="organisation.create", organisation=organisation, target=organisation,
                 after=_snapshot(organisation, ORGANISATION_FIELDS), request=request)
    return organisation


@transaction.atomic
def organisation_update(*, actor: User, organisation: Organisation, request=None, **changes) -> Organisation:
    unknown = set(changes) - set(ORGANISATION_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    before = _snapshot(organisation, ORGANISATION_FIELDS)
    if "code" in changes:
        changes["code"] = (changes["code"] or "").strip().upper()
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    for field, value in changes.items():
        setattr(organisation, field, value)
    _validate(organisation)
    _check_organisation_unique(name=organisation.name, code=organisation.code, exclude_pk=organisation.pk)
    if organisation.kind != Organisation.Kind.DEPARTMENTAL_ARCHIVES and organisation.controlled_organisations.exists():
        raise ValidationError({"kind": _(
            "This organisation controls other organisations: remove them before changing its kind."
        )})
    after = _snapshot(organisation, ORGANISATION_FIELDS)
    if after != before:
        organisation.save()
        audit_record(actor=actor, action="organisation.update", organisation=organisation, target=organisation,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v}, request=request)
    return organisation


def _organisation_set_active(*, actor, organisation, active, request):
    given = organisation
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.is_active == active:
        raise ValidationError(
            _("This organisation is already active.") if active else _("This organisation is already deactivated.")
        )
    organisation.is_active = given.is_active = active
    organisation.save(update_fields=["is_active", "updated_at"])
    audit_record(actor=actor, action="organisation.reactivate" if active else "organisation.deactivate",
                 organisation=organisation, target=organisation, before={"is_active": not active},
                 after={"is_active": active}, request=request)
    return organisation


@transaction.atomic
def organisation_deactivate(*, actor: User, organisation: Organisation, request=None) -> Organisation:
    return _organisation_set_active(actor=actor, organisation=organisation, active=False, request=request)


@transaction.atomic
def organisation_reactivate(*, actor: User, organisation: Organisation, request=None) -> Organisation:
    return _organisation_set_active(actor=actor, organisation=organisation, active=True, request=request)


@transaction.atomic
def controlled_organisations_set(*, actor: User, organisation: Organisation, controlled, request=None) -> Organisation:
    """Sets the organisations a departmental archives controls; its controllers' visa rights follow."""
    controlled = list(controlled)
    if organisation.kind != Organisation.Kind.DEPARTMENTAL_ARCHIVES:
        raise ValidationError({"controlled_organisations": _(
            "Only departmental archives control other organisations."
        )})
    if any(o.pk == organisation.pk for o in controlled):
        raise ValidationError({"controlled_organisations": _("An organisation cannot control itself.")})
    before = sorted(organisation.controlled_organisations.values_list("code", flat=True))
    organisation.controlled_organisations.set(controlled)
    permissions.controller_grants_sync(role_group_get(organisation=organisation, role=Role.CONTROLLER), controlled)
    after = sorted(o.code for o in controlled)
    audit_record(actor=actor, action="organisation.controlled_set", organisation=organisation, target=organisation,
                 before={"controlled": before}, after={"controlled": after}, request=request)
    return organisation


# --- tenants ----------------------------------------------------------------------------------------


def _check_tenant_number(vitam_id, *, exclude_pk=None):
    other = Tenant.objects.exclude(pk=exclude_pk).filter(vitam_id=vitam_id).select_related("organisation").first()
    if other is not None:
        raise ValidationError({"vitam_id": _(
            "The Vitam tenant number %(number)s is already used by %(organisation)s: "
            "each tenant number is unique on the platform."
        ) % {"number": vitam_id, "organisation": other.organisation.name}})


@transaction.atomic
def tenant_create(*, actor: User, organisation: Organisation, vitam_id: int, label: str,
                  purpose: str = Tenant.Purpose.PRODUCTION, ingest_contract: str = "", access_contract: str = "",
                  researcher_access_contract: str = "", request=None) -> Tenant:
    tenant = Tenant(
        organisation=organisation, vitam_id=vitam_id, label=(label or "").strip(), purpose=purpose,
        ingest_contract=ingest_contract, access_contract=access_contract,
        researcher_access_contract=researcher_access_contract,
    )
    _validate(tenant)
    _check_tenant_number(vitam_id)
    tenant.save()
    audit_record(actor=actor, action="tenant.create", tenant=tenant, target=tenant,
                 after=_snapshot(tenant, TENANT_FIELDS), request=request)
    return tenant


@transaction.atomic
def tenant_update(*, actor: User, tenant: Tenant, request=None, **changes) -> Tenant:
    unknown = set(changes) - set(TENANT_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    tenant = Tenant.objects.select_for_update().select_related("organisation").get(pk=tenant.pk)
    before = _snapshot(tenant, TENANT_FIELDS)
    for field, value in changes.items():
        setattr(tenant, field, value)
    _validate(tenant)
    _check_tenant_number(tenant.vitam_id, exclude_pk=tenant.pk)
    after = _snapshot(tenant, TENANT_FIELDS)
    if after != before:
        tenant.save()
        audit_record(actor=actor, action="tenant.update", tenant=tenant, target=tenant,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v}, request=request)
    return tenant


@transaction.atomic
def tenant_deactivate(*, actor: User, tenant: Tenant, request=None) -> Tenant:
    given = tenant
    tenant = Tenant.objects.select_for_update().select_related("organisation").get(pk=tenant.pk)
    if not tenant.is_active:
        raise ValidationError(_("This tenant is already deactivated."))
    tenant.is_active = given.is_active = False
    tenant.save(update_fields=["is_active", "updated_at"])
    audit_record(actor=actor, action="tenant.deactivate", tenant=tenant, target=tenant,
                 before={"is_active": True}, after={"is_active": False}, request=request)
    return tenant


# --- roles ------------------------------------------------------------------------------------------


def user_roles(*, user: User, organisation: Organisation) -> list[str]:
    return sorted(
        RoleGroup.objects.filter(organisation=organisation, group__user=user).values_list("role", flat=True)
    )


def _ensure_not_last_referent(*, user: User, organisations=None):
    """Refuses a change that would leave an organisation without an active referent.

    The referent groups are locked first, so two referents removing each other at the same moment
    are serialised and the second one is refused.
    """
    referent_groups = RoleGroup.objects.select_for_update(of=("self",)).filter(
        role=Role.REFERENT, group__user=user
    ).select_related("organisation")
    if organisations is not None:
        referent_groups = referent_groups.filter(organisation__in=organisations)
    for role_group in referent_groups:
        others = role_group.group.user_set.filter(is_active=True).exclude(pk=user.pk)
        if user.is_active and not others.exists():
            raise ValidationError(_(
                "%(user)s is the last active referent of %(organisation)s: appoint another referent first."
            ) % {"user": user.username, "organisation": role_group.organisation.name})


@transaction.atomic
def role_grant(*, actor: User, organisation: Organisation, user: User, role: str, request=None,
               action: str = "role.grant") -> RoleGroup:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    if role == Role.CONTROLLER and organisation.kind != Organisation.Kind.DEPARTMENTAL_ARCHIVES:
        raise ValidationError({"role": _("Only departmental archives have controllers.")})
    if user.is_anonymised:
        raise ValidationError(_("This user has been anonymised: they cannot receive a role."))
    role_group = role_group_get(organisation=organisation, role=role)
    if role_group.group.user_set.filter(pk=user.pk).exists():
        raise ValidationError({"role": _("%(user)s already has this role in %(organisation)s.") % {
            "user": user.username, "organisation": organisation.name}})
    user.groups.add(role_group.group)
    audit_record(actor=actor, action=action, organisation=organisation, target=user,
                 after={"role": role}, request=request)
    return role_group


@transaction.atomic
def role_revoke(*, actor: User, organisation: Organisation, user: User, role: str, request=None,
                action: str = "role.revoke") -> None:
    role_group = RoleGroup.objects.filter(organisation=organisation, role=role).select_related("group").first()
    if role_group is None or not role_group.group.user_set.filter(pk=user.pk).exists():
        raise ValidationError({"role": _("%(user)s does not have this role in %(organisation)s.") % {
            "user": user.username, "organisation": organisation.name}})
    if role == Role.REFERENT:
        _ensure_not_last_referent(user=user, organisations=[organisation])
    user.groups.remove(role_group.group)
    audit_record(actor=actor, action=action, organisation=organisation, target=user,
                 before={"role": role}, request=request)


def referent_appoint(*, actor: User, organisation: Organisation, user: User, request=None) -> RoleGroup:
    return role_grant(actor=actor, organisation=organisation, user=user, role=Role.REFERENT, request=request,
                      action="referent.appoint")


def referent_revoke(*, actor: User, organisation: Organisation, user: User, request=None) -> None:
    role_revoke(actor=actor, organisation=organisation, user=user, role=Role.REFERENT, request=request,
                action="referent.revoke")


# --- users --------------------------------------------------------------------------------------------


def user_organisations(user: User):
    return Organisation.objects.filter(role_groups__group__user=user).distinct()


def user_identity_editable_by(*, actor: User, user: User) -> bool:
    """Names, e-mail and account state: platform admins, or referents managing every organisation of the user.

    A referent of commune A must not lock out or rename someone who also works for commune B.
    """
    if permissions.is_platform_admin(actor):
        return True
    if user.is_platform_admin:
        return False
    managed = permissions.organisations_for(actor, "manage_users")
    return not user_organisations(user).exclude(pk__in=managed.values("pk")).exists()


def _require_identity_editable(*, actor, user):
    if not user_identity_editable_by(actor=actor, user=user):
        raise ValidationError(_(
            "%(user)s also belongs to an organisation you do not manage: only a platform administrator "
            "can change their account."
        ) % {"user": user.username})


def _invitation_send(*, user: User, organisation: Organisation, request=None) -> None:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    try:
        path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    except NoReverseMatch:  # the accounts screens are not mounted (e.g. API-only deployment)
        path = f"/accounts/reset/{uid}/{token}/"
    link = request.build_absolute_uri(path) if request is not None else path
    context = {"user": user, "organisation": organisation, "link": link}
    send_mail(
        subject=_("Your SAM account for %(organisation)s") % {"organisation": organisation.name},
        message=render_to_string("tenants/emails/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def user_invite(*, actor: User, organisation: Organisation, username: str, email: str, role: str,
                first_name: str = "", last_name: str = "", request=None) -> User:
    """Creates the account without a usable password and e-mails a link to choose one."""
    username = (username or "").strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("The login “%(username)s” is already taken.") % {"username": username}})
    if not (email or "").strip():
        raise ValidationError({"email": _("An e-mail address is required to send the invitation.")})
    user = User(username=username, email=email.strip(), first_name=first_name.strip(), last_name=last_name.strip())
    user.set_unusable_password()
    _validate(user, exclude=["password"])
    user.save()
    audit_record(actor=actor, action="user.invite", organisation=organisation, target=user,
                 after={"role": role}, request=request)  # personal data stays out of the append-only trail
    role_grant(actor=actor, organisation=organisation, user=user, role=role, request=request)
    transaction.on_commit(lambda: _invitation_send(user=user, organisation=organisation, request=request))
    return user


@transaction.atomic
def user_invitation_resend(*, actor: User, organisation: Organisation, user: User, request=None) -> None:
    if user.has_usable_password() or user.last_login is not None:
        raise ValidationError(_("%(user)s has already activated their account.") % {"user": user.username})
    if not user.is_active or user.is_anonymised:
        raise ValidationError(_("%(user)s is deactivated: reactivate the account first.") % {"user": user.username})
    if not user.email:
        raise ValidationError({"email": _("An e-mail address is required to send the invitation.")})
    audit_record(actor=actor, action="user.invitation_resend", organisation=organisation, target=user,
                 request=request)
    transaction.on_commit(lambda: _invitation_send(user=user, organisation=organisation, request=request))


@transaction.atomic
def user_update(*, actor: User, organisation: Organisation | None, user: User, request=None, **changes) -> User:
    unknown = set(changes) - set(USER_IDENTITY_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    _require_identity_editable(actor=actor, user=user)
    if user.is_anonymised:
        raise ValidationError(_("This user has been anonymised: their account can no longer be changed."))
    user = User.objects.select_for_update().get(pk=user.pk)
    before = _snapshot(user, USER_IDENTITY_FIELDS)
    for field, value in changes.items():
        setattr(user, field, (value or "").strip())
    _validate(user, exclude=["password"])
    after = _snapshot(user, USER_IDENTITY_FIELDS)
    if after != before:
        user.save(update_fields=list(USER_IDENTITY_FIELDS))
        audit_record(actor=actor, action="user.update", organisation=organisation, target=user,
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v}, request=request)
    return user


@transaction.atomic
def user_deactivate(*, actor: User, organisation: Organisation | None, user: User, request=None) -> User:
    _require_identity_editable(actor=actor, user=user)
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise ValidationError(_("%(user)s is already deactivated.") % {"user": user.username})
    _ensure_not_last_referent(user=user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    tokens_revoke_all(user=user, reason="deactivation", actor=actor, request=request)
    audit_record(actor=actor, action="user.deactivate", organisation=organisation, target=user,
                 before={"is_active": True}, after={"is_active": False}, request=request)
    return user


@transaction.atomic
def user_reactivate(*, actor: User, organisation: Organisation | None, user: User, request=None) -> User:
    _require_identity_editable(actor=actor, user=user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_anonymised:
        raise ValidationError(_("This user has been anonymised: the account cannot be reactivated."))
    if user.is_active:
        raise ValidationError(_("%(user)s is already active.") % {"user": user.username})
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="user.reactivate", organisation=organisation, target=user,
                 before={"is_active": False}, after={"is_active": True}, request=request)
    return user


@transaction.atomic
def user_anonymise(*, actor: User, organisation: Organisation | None, user: User, request=None) -> User:
    """GDPR erasure, irreversible. Audit entries keep the user id, never the erased data."""
    _require_identity_editable(actor=actor, user=user)
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot anonymise your own account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_anonymised:
        raise ValidationError(_("This user has already been anonymised."))
    _ensure_not_last_referent(user=user)
    roles = [
        {"organisation": rg.organisation_id, "role": rg.role}
        for rg in RoleGroup.objects.filter(group__user=user).order_by("organisation_id", "role")
    ]
    user.username = f"anonyme-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.set_unusable_password()
    user.is_active = False
    user.is_platform_admin = False
    user.language = ""
    user.anonymised_at = timezone.now()
    user.save()
    user.groups.clear()
    tokens_revoke_all(user=user, reason="anonymisation", actor=actor, request=request)
    audit_record(actor=actor, action="user.anonymise", organisation=organisation, target=user,
                 before={"roles": roles}, after={"anonymised": True}, request=request)
    return user
