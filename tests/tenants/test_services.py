"""Services: each change is atomic, audited, and refuses bad input with a message naming the problem."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import translation

from tenants import permissions, services
from tenants.models import AuditEntry, Organisation, Role, Tenant, User
from tests.factories import make_organisation, make_tenant, make_user


@pytest.fixture(autouse=True)
def _english():
    """Service messages are compared with their msgids here; the screens' tests check the French text."""
    with translation.override("en"):
        yield


def last_audit():
    return AuditEntry.objects.order_by("-id").first()


def test_organisation_create_audits_and_creates_one_group_per_role(world):
    organisation = services.organisation_create(
        actor=world.admin, name="Osny", kind=Organisation.Kind.COMMUNE, code="95476"
    )
    entry = last_audit()
    assert (entry.actor, entry.organisation, entry.action) == (world.admin, organisation, "organisation.create")
    assert entry.after == {"name": "Osny", "kind": "commune", "code": "95476", "vitam_certificate": "",
                           "vitam_key": "", "local_passwords_enabled": True}
    assert sorted(organisation.role_groups.values_list("role", flat=True)) == sorted(Role.values)


@pytest.mark.parametrize("code, message", [
    ("95-127", "is neither an INSEE commune code"),
    ("200035773", "its check digit is wrong"),
])
def test_organisation_create_refuses_invalid_codes(world, code, message):
    count, audits = Organisation.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        services.organisation_create(actor=world.admin, name="Nowhere", kind="commune", code=code)
    assert message in " ".join(error.value.message_dict["code"])
    assert (Organisation.objects.count(), AuditEntry.objects.count()) == (count, audits)


def test_organisation_update_records_only_the_changes(world):
    services.organisation_update(actor=world.admin, organisation=world.org_a, name="Commune A bis")
    entry = last_audit()
    assert entry.action == "organisation.update"
    assert (entry.before, entry.after) == ({"name": "Commune A"}, {"name": "Commune A bis"})


def test_organisation_deactivation_hides_it_from_its_members(world):
    services.organisation_deactivate(actor=world.admin, organisation=world.org_a)
    assert not permissions.can(world.referent_a, "manage_users", world.org_a)
    assert world.org_a not in permissions.organisations_for(world.referent_a, "view_organisation")
    assert permissions.can(world.admin, "manage_users", world.org_a)
    assert last_audit().after == {"is_active": False}
    with pytest.raises(ValidationError, match="already deactivated"):
        services.organisation_deactivate(actor=world.admin, organisation=world.org_a)
    services.organisation_reactivate(actor=world.admin, organisation=world.org_a)
    assert permissions.can(world.referent_a, "manage_users", world.org_a)


def test_duplicate_tenant_number_is_refused_with_a_clear_message(world):
    count, audits = Tenant.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        services.tenant_create(actor=world.admin, organisation=world.org_b, vitam_id=world.tenant_a.vitam_id,
                               label="Copy")
    assert error.value.message_dict["vitam_id"] == [
        f"The Vitam tenant number {world.tenant_a.vitam_id} is already used by Commune A: "
        "each tenant number is unique on the platform."
    ]
    assert (Tenant.objects.count(), AuditEntry.objects.count()) == (count, audits)


def test_tenant_update_and_deactivate_are_audited(world):
    services.tenant_update(actor=world.admin, tenant=world.tenant_a, label="Production A")
    assert (last_audit().action, last_audit().tenant, last_audit().organisation) == (
        "tenant.update", world.tenant_a, world.org_a)
    services.tenant_deactivate(actor=world.admin, tenant=world.tenant_a)
    assert last_audit().action == "tenant.deactivate"
    assert world.tenant_a not in permissions.tenants_for(world.archivist_a, "deposit")


def test_controlled_organisations_set_moves_the_visa_right(world):
    assert permissions.can(world.controller, "give_visa", world.org_a)
    assert not permissions.can(world.controller, "give_visa", world.org_b)
    services.controlled_organisations_set(actor=world.admin, organisation=world.archives, controlled=[world.org_b])
    assert not permissions.can(world.controller, "give_visa", world.org_a)
    assert permissions.can(world.controller, "give_visa", world.org_b)
    assert last_audit().before == {"controlled": [world.org_a.code]}
    assert last_audit().after == {"controlled": [world.org_b.code]}


def test_only_departmental_archives_control(world):
    with pytest.raises(ValidationError, match="Only departmental archives"):
        services.controlled_organisations_set(actor=world.admin, organisation=world.org_a, controlled=[world.org_b])


def test_removing_the_last_referent_is_refused_everywhere(world):
    audits = AuditEntry.objects.count()
    message = "referent.b is the last active referent of Commune B: appoint another referent first."
    with pytest.raises(ValidationError, match=message):
        services.role_revoke(actor=world.admin, organisation=world.org_b, user=world.referent_b, role=Role.REFERENT)
    with pytest.raises(ValidationError, match=message):
        services.user_deactivate(actor=world.admin, organisation=world.org_b, user=world.referent_b)
    with pytest.raises(ValidationError, match=message):
        services.user_anonymise(actor=world.admin, organisation=world.org_b, user=world.referent_b)
    world.referent_b.refresh_from_db()
    assert world.referent_b.is_active and world.referent_b.username == "referent.b"
    assert services.user_roles(user=world.referent_b, organisation=world.org_b) == [Role.REFERENT]
    assert AuditEntry.objects.count() == audits
    # With a second referent the first one can go.
    services.referent_appoint(actor=world.admin, organisation=world.org_b, user=world.archivist_b)
    services.referent_revoke(actor=world.admin, organisation=world.org_b, user=world.referent_b)
    assert last_audit().action == "referent.revoke" and last_audit().before == {"role": "referent"}


def test_role_grant_gives_exactly_the_role_permissions(world):
    user = make_user("newcomer")
    assert not permissions.can(user, "deposit", world.org_a)
    services.role_grant(actor=world.referent_a, organisation=world.org_a, user=user, role=Role.ARCHIVIST)
    assert [permissions.can(user, p, world.org_a) for p in ("deposit", "manage_users", "view_audit")] == [
        True, False, False]
    assert not permissions.can(user, "deposit", world.org_b)
    entry = last_audit()
    assert (entry.actor, entry.organisation, entry.action, entry.after) == (
        world.referent_a, world.org_a, "role.grant", {"role": "archivist"})
    with pytest.raises(ValidationError, match="already has this role"):
        services.role_grant(actor=world.referent_a, organisation=world.org_a, user=user, role=Role.ARCHIVIST)
    with pytest.raises(ValidationError, match="Only departmental archives have controllers"):
        services.role_grant(actor=world.referent_a, organisation=world.org_a, user=user, role=Role.CONTROLLER)


def test_researcher_consults_only(world):
    perms = {p for p in permissions.ORGANISATION_PERMS if permissions.can(world.researcher_a, p, world.org_a)}
    assert perms == {"view_organisation", "consult_communicable"}


def test_user_invite_sends_a_link_to_choose_a_password(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_invite(actor=world.referent_a, organisation=world.org_a, username="nouvelle.archiviste",
                                    email="na@example.org", role=Role.ARCHIVIST, first_name="Nadia")
    assert not user.has_usable_password()
    assert [m.to for m in mail.outbox] == [["na@example.org"]]
    body = mail.outbox[0].body
    assert "nouvelle.archiviste" in body
    link = next(line for line in body.splitlines() if "/reset/" in line)
    uid, token = link.rstrip("/").split("/")[-2:]
    assert default_token_generator.check_token(user, token)
    actions = list(AuditEntry.objects.order_by("-id").values_list("action", flat=True)[:2])
    assert actions == ["role.grant", "user.invite"]
    with django_capture_on_commit_callbacks(execute=True):
        services.user_invitation_resend(actor=world.referent_a, organisation=world.org_a, user=user)
    assert len(mail.outbox) == 2
    user.set_password("a-new-password-2026")
    user.save()
    with pytest.raises(ValidationError, match="already activated"):
        services.user_invitation_resend(actor=world.referent_a, organisation=world.org_a, user=user)


def test_user_invite_refuses_a_taken_login(world):
    users = User.objects.count()
    with pytest.raises(ValidationError) as error:
        services.user_invite(actor=world.referent_a, organisation=world.org_a, username="Referent.B",
                             email="x@example.org", role=Role.ARCHIVIST)
    assert error.value.message_dict == {"username": ["The login “Referent.B” is already taken."]}
    assert User.objects.count() == users and not mail.outbox


def test_referent_cannot_edit_someone_who_also_works_elsewhere(world):
    services.role_grant(actor=world.admin, organisation=world.org_b, user=world.archivist_a, role=Role.ARCHIVIST)
    for service in (services.user_deactivate, services.user_anonymise):
        with pytest.raises(ValidationError, match="also belongs to an organisation you do not manage"):
            service(actor=world.referent_a, organisation=world.org_a, user=world.archivist_a)
    with pytest.raises(ValidationError, match="also belongs"):
        services.user_update(actor=world.referent_a, organisation=world.org_a, user=world.archivist_a,
                             email="stolen@example.org")
    # Roles in the referent's own organisation stay theirs to manage.
    services.role_revoke(actor=world.referent_a, organisation=world.org_a, user=world.archivist_a,
                         role=Role.ARCHIVIST)
    services.user_update(actor=world.admin, organisation=None, user=world.archivist_a, last_name="Durand")
    assert last_audit().after == {"last_name": "Durand"}


def test_deactivate_and_reactivate(world):
    services.user_deactivate(actor=world.referent_a, organisation=world.org_a, user=world.archivist_a)
    world.archivist_a.refresh_from_db()
    assert not world.archivist_a.is_active
    assert not permissions.can(world.archivist_a, "deposit", world.org_a)
    services.user_reactivate(actor=world.referent_a, organisation=world.org_a, user=world.archivist_a)
    assert last_audit().after == {"is_active": True}
    with pytest.raises(ValidationError, match="cannot deactivate your own account"):
        services.user_deactivate(actor=world.referent_a, organisation=world.org_a, user=world.referent_a)


def test_anonymise_erases_for_good_and_twice_is_refused(world):
    user = world.archivist_a
    services.role_grant(actor=world.referent_a, organisation=world.org_a, user=user, role=Role.RESEARCHER)
    services.user_anonymise(actor=world.referent_a, organisation=world.org_a, user=user)
    user.refresh_from_db()
    assert (user.username, user.first_name, user.last_name, user.email) == (f"anonyme-{user.pk}", "", "", "")
    assert not user.is_active and not user.has_usable_password() and user.anonymised_at is not None
    assert not user.groups.exists()
    entry = last_audit()
    assert (entry.action, entry.target_id, entry.after) == ("user.anonymise", str(user.pk), {"anonymised": True})
    assert entry.before == {"roles": [{"organisation": world.org_a.pk, "role": "archivist"},
                                      {"organisation": world.org_a.pk, "role": "researcher"}]}
    assert "archivist.a" not in str(entry.before)
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        services.user_anonymise(actor=world.admin, organisation=world.org_a, user=user)
    assert error.value.messages == ["This user has already been anonymised."]
    assert AuditEntry.objects.count() == audits
    with pytest.raises(ValidationError, match="cannot be reactivated"):
        services.user_reactivate(actor=world.admin, organisation=world.org_a, user=user)


def test_audit_entries_are_append_only(world):
    entry = last_audit()
    entry.action = "forged"
    with pytest.raises(Exception, match="append-only"):
        entry.save()
    with pytest.raises(Exception, match="append-only"):
        entry.delete()


def test_multi_organisation_member_keeps_roles_per_organisation(world):
    other = make_organisation("Commune C")
    make_tenant(other)
    user = make_user("multi", roles=[(world.org_a, Role.ARCHIVIST), (other, Role.RESEARCHER)])
    assert permissions.can(user, "deposit", world.org_a) and not permissions.can(user, "deposit", other)
    assert permissions.can(user, "consult_communicable", other)
    assert set(permissions.usable_organisations(user)) == {world.org_a, other}


def test_database_refuses_update_and_delete_of_audit_rows(world):
    # PostgreSQL (migration 0002) and SQLite (migration 0004) both have the trigger.
    entry = last_audit()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == entry.action
