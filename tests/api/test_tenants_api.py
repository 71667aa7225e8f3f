"""REST API: same policy as the screens; lists scoped, unreadable objects 404, forged ids refused."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tenants.models import ApiToken, AuditEntry, Role, User
from tenants.tokens import hash_key
from tenants.serializers import Membership
from tests.factories import PASSWORD
from tests.tenants.helpers import in_french


@pytest.fixture
def api():
    return APIClient()


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_lists_return_only_what_the_caller_may_see(world, api):
    api.force_authenticate(world.referent_a)
    assert ids(api.get("/api/v1/organisations/")) == {world.org_a.pk}
    assert ids(api.get("/api/v1/tenants/")) == {world.tenant_a.pk}
    assert ids(api.get("/api/v1/users/")) == {world.referent_a.pk, world.archivist_a.pk, world.researcher_a.pk}
    memberships = api.get("/api/v1/memberships/").json()["results"]
    assert {m["organisation"] for m in memberships} == {world.org_a.pk}
    audit = api.get("/api/v1/audit-entries/").json()["results"]
    assert audit and {e["organisation"] for e in audit} == {world.org_a.pk}
    api.force_authenticate(world.controller)
    assert ids(api.get("/api/v1/organisations/")) == {world.archives.pk}
    assert ids(api.get("/api/v1/users/")) == set()
    api.force_authenticate(world.admin)
    assert ids(api.get("/api/v1/organisations/")) == {world.org_a.pk, world.org_b.pk, world.archives.pk}


def test_unreadable_objects_answer_404(world, api):
    api.force_authenticate(world.archivist_a)
    assert api.get(f"/api/v1/organisations/{world.org_a.pk}/").status_code == 200
    assert api.get(f"/api/v1/organisations/{world.org_b.pk}/").status_code == 404
    assert api.get(f"/api/v1/tenants/{world.tenant_b.pk}/").status_code == 404
    assert api.get(f"/api/v1/users/{world.archivist_a.pk}/").status_code == 404  # archivists do not manage users
    # Readable but not writable: 403.
    assert api.patch(f"/api/v1/organisations/{world.org_a.pk}/", {"name": "X"}, format="json").status_code == 403


def test_audit_filters(world, api):
    api.force_authenticate(world.admin)
    response = api.get("/api/v1/audit-entries/", {"action": "role.grant", "organisation": world.org_b.pk})
    rows = response.json()["results"]
    assert rows and {(r["action"], r["organisation"]) for r in rows} == {("role.grant", world.org_b.pk)}
    api.force_authenticate(world.referent_a)
    assert api.get("/api/v1/audit-entries/", {"organisation": world.org_b.pk}).status_code == 400


def test_membership_create_grants_and_delete_revokes(world, api):
    api.force_authenticate(world.referent_a)
    response = api.post("/api/v1/memberships/", {
        "user": world.archivist_a.pk, "organisation": world.org_a.pk, "role": "researcher"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "researcher"
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.actor, entry.action, entry.organisation, entry.after) == (
        world.referent_a, "role.grant", world.org_a, {"role": "researcher"})
    assert api.delete(f"/api/v1/memberships/{response.json()['id']}/").status_code == 204
    assert AuditEntry.objects.order_by("-id").first().action == "role.revoke"


def test_forged_organisation_id_in_the_body_is_refused_in_french(world, api):
    api.force_authenticate(world.referent_a)
    memberships, audits = Membership.objects.count(), AuditEntry.objects.count()
    response = api.post("/api/v1/memberships/", {
        "user": world.archivist_a.pk, "organisation": world.org_b.pk, "role": "referent"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"organisation": [in_french(
        "Unknown organisation {pk_value}, or one you may not manage.").format(pk_value=world.org_b.pk)]}
    # A stranger's user id in the caller's own organisation: unknown too.
    response = api.post("/api/v1/memberships/", {
        "user": world.archivist_b.pk, "organisation": world.org_a.pk, "role": "archivist"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["user"]
    response = api.post("/api/v1/users/", {"organisation": world.org_b.pk, "username": "intruder",
                                           "email": "i@example.org", "role": "referent"}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["organisation"]
    assert (Membership.objects.count(), AuditEntry.objects.count()) == (memberships, audits)
    assert not User.objects.filter(username="intruder").exists()


def test_last_referent_rule_holds_through_the_api(world, api):
    api.force_authenticate(world.admin)
    group = world.org_b.role_groups.get(role=Role.REFERENT).group
    membership = Membership.objects.get(user=world.referent_b, group=group)
    response = api.delete(f"/api/v1/memberships/{membership.pk}/")
    assert response.status_code == 400
    assert response.json() == [in_french(
        "%(user)s is the last active referent of %(organisation)s: appoint another referent first.",
    ) % {"user": "referent.b", "organisation": "Commune B"}]
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_duplicate_tenant_number_through_the_api(world, api):
    api.force_authenticate(world.admin)
    response = api.post("/api/v1/tenants/", {"vitam_id": world.tenant_a.vitam_id, "label": "Copy",
                                             "organisation": world.org_b.pk}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["vitam_id"]


def test_user_invite_through_the_api(world, api, django_capture_on_commit_callbacks, mailoutbox):
    api.force_authenticate(world.referent_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/users/", {"organisation": world.org_a.pk, "username": "api.user",
                                               "email": "api@example.org", "role": "archivist"}, format="json")
    assert response.status_code == 201, response.content
    assert [m.to for m in mailoutbox] == [["api@example.org"]]


def test_token_authentication(world, api):
    response = api.post("/api/v1/auth/token/", {"username": "referent.a", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    # Only the hash of the key is stored; each exchange issues a new named, expiring token.
    assert ApiToken.objects.get(key_hash=hash_key(token)).user == world.referent_a
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert ids(api.get("/api/v1/organisations/")) == {world.org_a.pk}
    bad = APIClient().post("/api/v1/auth/token/", {"username": "referent.a", "password": "nope"}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {"non_field_errors": [in_french("Wrong login or password.")]}


def test_anonymous_callers_are_refused(db, api):
    assert api.get("/api/v1/organisations/").status_code in (401, 403)


def test_openapi_schema_generates_without_warnings(tmp_path, capsys):
    """The whole project's schema: every app's API must describe itself (serializer_class, extend_schema)."""
    target = tmp_path / "schema.yaml"
    try:
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    except Exception as error:  # SchemaGenerationError; the details went to stderr
        problems = [line for line in capsys.readouterr().err.splitlines() if "Warning" in line or "Error" in line]
        pytest.fail(f"OpenAPI schema generation failed ({error}):\n" + "\n".join(problems[:30]))
    text = target.read_text()
    assert "/api/v1/memberships/" in text and "/api/v1/audit-entries/" in text


def test_platform_admin_creates_organisations_and_tenants_through_the_api(world, api):
    api.force_authenticate(world.admin)
    response = api.post("/api/v1/organisations/", {"name": "Osny", "kind": "commune", "code": "95476"},
                        format="json")
    assert response.status_code == 201, response.content
    organisation_id = response.json()["id"]
    response = api.post("/api/v1/tenants/", {"vitam_id": 44, "label": "Osny", "organisation": organisation_id},
                        format="json")
    assert response.status_code == 201, response.content
    actions = list(AuditEntry.objects.filter(organisation_id=organisation_id).values_list("action", flat=True))
    assert sorted(actions) == ["organisation.create", "tenant.create"]
    response = api.post("/api/v1/organisations/", {"name": "Osny bis", "kind": "commune", "code": "95476"},
                        format="json")
    assert response.status_code == 400 and list(response.json()) == ["code"]
    api.force_authenticate(world.referent_a)
    assert api.post("/api/v1/organisations/", {"name": "X", "kind": "commune", "code": "95001"},
                    format="json").status_code == 403


def test_a_tenant_never_moves_to_another_organisation(world, api):
    api.force_authenticate(world.admin)
    response = api.patch(f"/api/v1/tenants/{world.tenant_b.pk}/", {"organisation": world.org_a.pk,
                                                                   "is_active": False}, format="json")
    assert response.status_code == 200, response.content
    world.tenant_b.refresh_from_db()
    assert (world.tenant_b.organisation, world.tenant_b.is_active) == (world.org_b, False)


def test_schema_endpoint_serves_the_tenants_api(world, api):
    response = api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/organisations/", "/api/v1/memberships/{id}/", "/api/v1/auth/token/"} <= set(paths)
