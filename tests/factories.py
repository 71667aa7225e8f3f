"""Test data helpers (plain functions; factory_boy is not a dependency). They go through the services."""

import itertools
from dataclasses import dataclass, field

from tenants import services, tokens
from tenants.models import Organisation, Role, Tenant, User
from tenants.validators import luhn_valid

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def insee_code() -> str:
    return f"97{next(_counter) % 1000:03d}"


def siren_code() -> str:
    stem = f"{next(_counter) + 30000000:08d}"
    return next(stem + str(d) for d in range(10) if luhn_valid(stem + str(d)))


def make_organisation(name=None, *, kind=Organisation.Kind.COMMUNE, code=None, actor=None) -> Organisation:
    number = next(_counter)
    if code is None:
        code = insee_code() if kind == Organisation.Kind.COMMUNE else siren_code()
    return services.organisation_create(actor=actor, name=name or f"Organisation {number}", kind=kind, code=code)


def make_tenant(organisation, *, vitam_id=None, label=None, actor=None) -> Tenant:
    number = vitam_id if vitam_id is not None else 1000 + next(_counter)
    return services.tenant_create(
        actor=actor, organisation=organisation, vitam_id=number, label=label or f"Tenant {number}",
        ingest_contract=f"IC-TEST-{number}", access_contract=f"AC-TEST-{number}",
    )


def make_user(username=None, *, organisation=None, role=None, roles=(), platform_admin=False, **extra) -> User:
    username = username or f"user{next(_counter)}"
    user = User.objects.create_user(
        username=username, password=PASSWORD, email=extra.pop("email", f"{username}@example.org"),
        is_platform_admin=platform_admin, **extra,
    )
    for organisation_role in ([(organisation, role)] if role else []) + list(roles):
        services.role_grant(actor=None, organisation=organisation_role[0], user=user, role=organisation_role[1])
    return user


@dataclass
class World:
    """Two communes A and B, departmental archives controlling A only, and one user per role."""

    admin: User
    org_a: Organisation
    org_b: Organisation
    archives: Organisation
    tenant_a: Tenant
    tenant_b: Tenant
    referent_a: User
    archivist_a: User
    referent_b: User
    archivist_b: User
    controller: User
    researcher_a: User
    extra: dict = field(default_factory=dict)

    @property
    def roles_a(self) -> dict[str, User]:
        """Everyone on commune A's side (the controller controls A): none may reach commune B."""
        return {
            "referent_a": self.referent_a, "archivist_a": self.archivist_a,
            "controller": self.controller, "researcher_a": self.researcher_a,
        }


def api_key(user, *, name="tests") -> str:
    """A fresh API token of ``user`` (issued by the user), as the key a client sends."""
    return tokens.token_issue(actor=user, user=user, name=name).key


def make_world() -> World:
    admin = make_user("platform.admin", platform_admin=True)
    org_a = make_organisation("Commune A")
    org_b = make_organisation("Commune B")
    archives = make_organisation("Archives départementales", kind=Organisation.Kind.DEPARTMENTAL_ARCHIVES)
    services.controlled_organisations_set(actor=admin, organisation=archives, controlled=[org_a])
    return World(
        admin=admin, org_a=org_a, org_b=org_b, archives=archives,
        tenant_a=make_tenant(org_a, label="Tenant A"), tenant_b=make_tenant(org_b, label="Tenant B"),
        referent_a=make_user("referent.a", organisation=org_a, role=Role.REFERENT, first_name="Alice"),
        archivist_a=make_user("archivist.a", organisation=org_a, role=Role.ARCHIVIST),
        referent_b=make_user("referent.b", organisation=org_b, role=Role.REFERENT, first_name="Bertrand"),
        archivist_b=make_user("archivist.b", organisation=org_b, role=Role.ARCHIVIST, last_name="Secretbee"),
        controller=make_user("controller.ad", organisation=archives, role=Role.CONTROLLER),
        researcher_a=make_user("researcher.a", organisation=org_a, role=Role.RESEARCHER),
    )


def put_registers_past_vitams_count(vitamlite_server, archive, count=10_005) -> None:
    """`count` items "Registre matricule N" of commune A's URBA service written straight into vitam-lite's store
    (faster than ingests): a search for them passes Vitam's capped $hits.total of 10,000."""
    from sam.site.demo import agency_prefix
    from vitamlite import units_store
    from vitamlite.ids import new_guid

    tenant, agency = archive.tenant_a.vitam_id, f"{agency_prefix(archive.org_a)}-URBA"
    db = vitamlite_server.app.store.new_connection()
    units_store.insert_units(db, tenant, [
        {"#id": new_guid(tenant), "Title": f"Registre matricule {n}", "DescriptionLevel": "Item",
         "#unitType": "INGEST", "#originating_agency": agency, "#opi": new_guid(tenant), "#unitups": [],
         "#management": {}} for n in range(count)])
    db.commit()
    db.close()
