from django.core.management import call_command

from tenants import permissions
from tenants.models import AuditEntry, Organisation, Tenant, User


def test_seed_demo_is_idempotent_and_grants_the_demo_roles(db):
    call_command("seed_demo", "--portal-only", verbosity=0)
    counts = (Organisation.objects.count(), Tenant.objects.count(), User.objects.count(), AuditEntry.objects.count())
    call_command("seed_demo", "--portal-only", verbosity=0)
    assert counts == (
        Organisation.objects.count(), Tenant.objects.count(), User.objects.count(), AuditEntry.objects.count()
    )
    assert counts[:3] == (5, 4, 7)
    cergy, pontoise, osny = (Organisation.objects.get(code=c) for c in ("95127", "95500", "95476"))
    users = {u.username: u for u in User.objects.all()}
    assert users["admin"].is_platform_admin and users["admin"].check_password("sam-demo-2026")
    assert permissions.can(users["referent.cergy"], "manage_users", cergy)
    assert not permissions.can(users["referent.cergy"], "manage_users", pontoise)
    assert permissions.can(users["archiviste.pontoise"], "deposit", pontoise)
    assert all(permissions.can(users["controle.ad95"], "give_visa", o) for o in (cergy, pontoise, osny))
    assert list(permissions.organisations_for(users["chercheur"], "consult_communicable")) == [pontoise]
    assert Tenant.objects.get(vitam_id=2).organisation == cergy
    assert Tenant.objects.get(vitam_id=2).ingest_contract == "IC-SAM-2"
