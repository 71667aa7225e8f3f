"""URL cases of the tenants app: platform administration, users of an organisation, audit, API."""

from tenants import services
from tenants.models import AuditEntry, Role
from tenants.serializers import Membership
from tests.url_cases import (
    AUTHENTICATED, MEMBERS, NOBODY, ORGANISATION, PLATFORM, REFERENT_ONLY, UrlCase, register,
)


def org_b(world):
    return {"pk": world.org_b.pk}


def member_b(world):
    return {"org_pk": world.org_b.pk, "pk": world.archivist_b.pk}


def deactivated_member_b(world):
    services.user_deactivate(actor=world.admin, organisation=world.org_b, user=world.archivist_b)
    return member_b(world)


def audit_entry_b(world):
    return {"pk": AuditEntry.objects.filter(organisation=world.org_b).order_by("id").first().pk}


def membership_b(world):
    group = world.org_b.role_groups.get(role=Role.ARCHIVIST).group
    return {"pk": Membership.objects.get(user=world.archivist_b, group=group).pk}


GP = ("get", "post")

register(
    # Platform administration.
    UrlCase("tenants:organisation_list", PLATFORM),
    UrlCase("tenants:service_account_tokens", PLATFORM, kwargs=lambda w: {"pk": w.archivist_b.pk},
            methods=("get", "post"), data=lambda w: {"action": "create", "name": "Connector", "days": 30}),
    UrlCase("tenants:organisation_create", PLATFORM, methods=GP,
            data=lambda w: {"name": "Forged", "kind": "commune", "code": "95999"}),
    UrlCase("tenants:organisation_detail", PLATFORM, kwargs=org_b),
    UrlCase("tenants:organisation_update", PLATFORM, kwargs=org_b, methods=GP,
            data=lambda w: {"name": "Renamed", "kind": "commune", "code": w.org_b.code}),
    UrlCase("tenants:organisation_deactivate", PLATFORM, kwargs=org_b, methods=GP),
    UrlCase("tenants:organisation_reactivate", PLATFORM, kwargs=org_b, methods=("post",)),
    UrlCase("tenants:tenant_create", PLATFORM, kwargs=org_b, methods=GP,
            data=lambda w: {"vitam_id": 4242, "label": "Forged", "purpose": "production"}),
    UrlCase("tenants:tenant_update", PLATFORM, kwargs=lambda w: {"pk": w.tenant_b.pk}, methods=GP,
            data=lambda w: {"vitam_id": w.tenant_b.vitam_id, "label": "Renamed", "purpose": "test"}),
    UrlCase("tenants:tenant_deactivate", PLATFORM, kwargs=lambda w: {"pk": w.tenant_b.pk}, methods=GP),
    UrlCase("tenants:referent_appoint", PLATFORM, kwargs=org_b, methods=GP,
            data=lambda w: {"user": w.archivist_b.pk}),
    UrlCase("tenants:referent_revoke", PLATFORM, methods=("post",),
            kwargs=lambda w: {"pk": w.org_b.pk, "user_pk": w.referent_b.pk}),
    UrlCase("tenants:controlled_organisations_update", PLATFORM, kwargs=lambda w: {"pk": w.archives.pk},
            methods=GP, data=lambda w: {"controlled_organisations": [w.org_b.pk]}),
    # A referent's users (commune B's).
    UrlCase("tenants:user_list", ORGANISATION, kwargs=lambda w: {"org_pk": w.org_b.pk}),
    UrlCase("tenants:user_create", ORGANISATION, kwargs=lambda w: {"org_pk": w.org_b.pk}, methods=GP,
            data=lambda w: {"username": "intruder", "email": "i@example.org", "role": "referent"}),
    UrlCase("tenants:user_detail", ORGANISATION, kwargs=member_b),
    UrlCase("tenants:user_update", ORGANISATION, kwargs=member_b, methods=GP,
            data=lambda w: {"first_name": "Hacked", "last_name": "", "email": "h@example.org"}),
    UrlCase("tenants:role_grant", ORGANISATION, kwargs=member_b, methods=("post",),
            data=lambda w: {"role": "referent"}),
    UrlCase("tenants:role_revoke", ORGANISATION, kwargs=member_b, methods=("post",),
            data=lambda w: {"role": "archivist"}),
    UrlCase("tenants:user_deactivate", ORGANISATION, kwargs=member_b, methods=GP),
    UrlCase("second_factor:reset", ORGANISATION, kwargs=member_b, methods=GP),
    UrlCase("tenants:user_reactivate", ORGANISATION, kwargs=deactivated_member_b, methods=("post",)),
    UrlCase("tenants:user_anonymise", ORGANISATION, kwargs=member_b, methods=GP),
    UrlCase("tenants:user_invitation_resend", ORGANISATION, kwargs=member_b, methods=("post",)),
    # Audit trail: open to referents, scoped to their organisations (a forged filter must not widen it).
    UrlCase("tenants:audit_list", AUTHENTICATED, query=lambda w: {"organisation": w.org_b.pk}),
    UrlCase("tenants:audit_export", AUTHENTICATED, query=lambda w: {"organisation": w.org_b.pk},
            audited_reading=True),
    UrlCase("tenants:switch", AUTHENTICATED, methods=("post",),
            data=lambda w: {"organisation": w.org_b.pk, "tenant": w.tenant_b.pk, "next": "/"}),
    # REST API.
    UrlCase("api-organisation-list", AUTHENTICATED, api=True, methods=GP,
            data=lambda w: {"name": "Forged", "kind": "commune", "code": "95999"}),
    UrlCase("api-organisation-detail", ORGANISATION, api=True, kwargs=org_b, methods=("get", "put", "patch"),
            data=lambda w: {"name": "Renamed"},
            roles={"get": MEMBERS, "put": NOBODY, "patch": NOBODY}),  # changed by platform administrators
    UrlCase("api-tenant-list", AUTHENTICATED, api=True, methods=GP,
            data=lambda w: {"vitam_id": 4242, "label": "Forged", "organisation": w.org_b.pk}),
    UrlCase("api-tenant-detail", ORGANISATION, api=True, kwargs=lambda w: {"pk": w.tenant_b.pk},
            methods=("get", "put", "patch"), data=lambda w: {"label": "Renamed"},
            roles={"get": MEMBERS, "put": NOBODY, "patch": NOBODY}),
    UrlCase("api-user-list", AUTHENTICATED, api=True, methods=GP,
            data=lambda w: {"organisation": w.org_b.pk, "username": "intruder", "email": "i@example.org",
                            "role": "referent"}),
    UrlCase("api-user-detail", ORGANISATION, api=True, kwargs=lambda w: {"pk": w.archivist_b.pk},
            methods=("get", "put", "patch"), data=lambda w: {"first_name": "Hacked"}),
    UrlCase("api-membership-list", AUTHENTICATED, api=True, methods=GP,
            data=lambda w: {"user": w.archivist_b.pk, "organisation": w.org_b.pk, "role": "referent"}),
    UrlCase("api-membership-detail", ORGANISATION, api=True, kwargs=membership_b, methods=("get", "delete")),
    UrlCase("api-audit-entry-list", AUTHENTICATED, api=True, query=lambda w: {"organisation": w.org_b.pk}),
    UrlCase("api-audit-entry-detail", ORGANISATION, api=True, kwargs=audit_entry_b),
    roles=REFERENT_ONLY,
)
