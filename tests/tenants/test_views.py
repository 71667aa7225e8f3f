"""Screens: thin views over the services, French messages naming the field, constant query counts."""

import csv
import io
import ipaddress

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tenants.models import AuditEntry, Organisation, Role, Tenant, User
from tenants.serializers import Membership
from tests.tenants.helpers import in_french, page_text


def add_members(organisation, count, role=Role.ARCHIVIST):
    group = organisation.role_groups.get(role=role).group
    start = User.objects.count()
    users = User.objects.bulk_create(
        User(username=f"bulk{organisation.pk}-{i:05d}", email=f"bulk{i}@example.org", last_name=f"Bulk {i}")
        for i in range(start, start + count)
    )
    Membership.objects.bulk_create(Membership(user=user, group=group) for user in users)


def add_audit_entries(world, count):
    AuditEntry.objects.bulk_create(
        AuditEntry(actor=world.referent_a, organisation=world.org_a, action="test.bulk", target_repr=f"entry {i}")
        for i in range(count)
    )


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        assert response.status_code == 200
    return len(queries)


def test_user_list_query_count_does_not_grow_with_users(world, client):
    client.force_login(world.referent_a)
    url = reverse("tenants:user_list", args=[world.org_a.pk])
    add_members(world.org_a, 10)
    count_queries(client, url)  # warm-up: session, content types and other per-process caches
    small = count_queries(client, url)
    add_members(world.org_a, 990)
    large = count_queries(client, url)
    assert small == large
    assert count_queries(client, url, {"q": "bulk", "role": "archivist", "page": 3}) == large


def test_audit_list_query_count_does_not_grow_with_entries(world, client):
    client.force_login(world.referent_a)
    url = reverse("tenants:audit_list")
    add_audit_entries(world, 10)
    count_queries(client, url)  # warm-up
    small = count_queries(client, url)
    add_audit_entries(world, 990)
    add_members(world.org_a, 1000)
    assert count_queries(client, url) == small


def test_user_list_searches_and_filters_by_role(world, client):
    client.force_login(world.referent_a)
    url = reverse("tenants:user_list", args=[world.org_a.pk])
    text = page_text(client.get(url, {"q": "alice"}))
    assert "referent.a" in text and "archivist.a" not in text
    text = page_text(client.get(url, {"role": "researcher"}))
    assert "researcher.a" in text and "referent.a" not in text
    assert "referent.b" not in page_text(client.get(url))


def test_a_member_of_b_is_not_reachable_through_a(world, client):
    """Own organisation in the URL, another commune's user id: 404 too."""
    client.force_login(world.referent_a)
    for name in ("tenants:user_detail", "tenants:user_update"):
        assert client.get(reverse(name, args=[world.org_a.pk, world.archivist_b.pk])).status_code == 404
    response = client.post(reverse("tenants:user_deactivate", args=[world.org_a.pk, world.archivist_b.pk]))
    assert response.status_code == 404
    world.archivist_b.refresh_from_db()
    assert world.archivist_b.is_active


def test_invite_then_grant_then_anonymise_through_the_screens(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.referent_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tenants:user_create", args=[world.org_a.pk]), {
            "username": "marie.curie", "first_name": "Marie", "last_name": "Curie", "email": "mc@example.org",
            "role": "archivist"})
    user = User.objects.get(username="marie.curie")
    assert response.status_code == 302 and response["Location"] == reverse(
        "tenants:user_detail", args=[world.org_a.pk, user.pk])
    detail = page_text(client.get(response["Location"]))
    assert in_french("%(user)s has been invited: an e-mail has been sent to %(email)s.", user="marie.curie",
                     email="mc@example.org") in detail
    client.post(reverse("tenants:role_grant", args=[world.org_a.pk, user.pk]), {"role": "researcher"})
    assert sorted(user.groups.values_list("role_group__role", flat=True)) == ["archivist", "researcher"]
    confirm = client.get(reverse("tenants:user_anonymise", args=[world.org_a.pk, user.pk]))
    assert confirm.status_code == 200 and "<form method=\"post\"" in confirm.content.decode()
    client.post(reverse("tenants:user_anonymise", args=[world.org_a.pk, user.pk]))
    user.refresh_from_db()
    assert user.username == f"anonyme-{user.pk}"
    # Twice: refused with a clear message, nothing written.
    audits = AuditEntry.objects.count()
    response = client.post(reverse("tenants:user_anonymise", args=[world.org_a.pk, user.pk]), follow=True)
    assert response.status_code == 404  # no role left in A: the user is no longer A's to manage
    assert AuditEntry.objects.count() == audits


def test_anonymising_twice_shows_a_clear_message(world, client):
    client.force_login(world.admin)
    url = reverse("tenants:user_anonymise", args=[world.org_a.pk, world.archivist_a.pk])
    client.post(url)
    audits = AuditEntry.objects.count()
    response = client.post(url, follow=True)
    assert in_french("This user has already been anonymised.") in page_text(response)
    assert AuditEntry.objects.count() == audits


def test_removing_the_last_referent_shows_a_clear_message(world, client):
    client.force_login(world.admin)
    response = client.post(reverse("tenants:role_revoke", args=[world.org_b.pk, world.referent_b.pk]),
                           {"role": "referent"}, follow=True)
    message = in_french(
        "%(user)s is the last active referent of %(organisation)s: appoint another referent first.",
        user="referent.b", organisation="Commune B")
    assert message in page_text(response)
    assert "referent.b est le dernier référent actif de Commune B" in page_text(response)
    assert world.referent_b.groups.filter(role_group__role="referent").exists()


def test_duplicate_tenant_number_form_error_names_the_field(world, client):
    client.force_login(world.admin)
    tenants, audits = Tenant.objects.count(), AuditEntry.objects.count()
    response = client.post(reverse("tenants:tenant_create", args=[world.org_b.pk]), {
        "vitam_id": world.tenant_a.vitam_id, "label": "Copy", "purpose": "production"})
    assert response.status_code == 200
    assert response.context["form"].errors["vitam_id"] == [in_french(
        "The Vitam tenant number %(number)s is already used by %(organisation)s: "
        "each tenant number is unique on the platform.", number=world.tenant_a.vitam_id, organisation="Commune A")]
    assert (Tenant.objects.count(), AuditEntry.objects.count()) == (tenants, audits)


@pytest.mark.parametrize("code, msgid", [
    ("9512", "“%(code)s” is neither an INSEE commune code (5 characters, e.g. 95127) nor a SIREN number (9 digits)."),
    ("200035773", "The SIREN number %(code)s is invalid: its check digit is wrong."),
])
def test_invalid_official_code_form_error(world, client, code, msgid):
    client.force_login(world.admin)
    organisations, audits = Organisation.objects.count(), AuditEntry.objects.count()
    response = client.post(reverse("tenants:organisation_create"), {"name": "X", "kind": "commune", "code": code})
    assert response.context["form"].errors["code"] == [in_french(msgid, code=code)]
    assert in_french(msgid, code=code) in page_text(response)
    assert (Organisation.objects.count(), AuditEntry.objects.count()) == (organisations, audits)


def test_forged_organisation_in_the_audit_filter_is_a_form_error(world, client):
    client.force_login(world.referent_a)
    response = client.get(reverse("tenants:audit_list"), {"organisation": world.org_b.pk})
    assert response.status_code == 200
    assert response.context["filter"].errors["organisation"]
    assert not response.context["page_obj"].object_list
    assert "Commune B" not in page_text(response)


def test_forged_organisation_in_the_controlled_form_is_refused(world, client):
    client.force_login(world.admin)
    before = list(world.archives.controlled_organisations.all())
    response = client.post(reverse("tenants:controlled_organisations_update", args=[world.archives.pk]),
                           {"controlled_organisations": [world.org_a.pk, 999999]})
    assert response.status_code == 200
    assert response.context["form"].errors["controlled_organisations"] == [
        in_french("“%(value)s” is not one of the organisations offered.", value="999999")]
    assert list(world.archives.controlled_organisations.all()) == before


def test_referent_sees_only_their_audit_and_export_is_rfc4180_with_bom(world, client):
    client.force_login(world.referent_a)
    response = client.get(reverse("tenants:audit_export"), {"action": "role."})
    content = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert content.startswith("\ufeffdate;actor;organisation;")
    assert "\r\n" in content
    rows = list(csv.DictReader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows and {row["organisation"] for row in rows} == {"Commune A"}
    assert all(row["action"].startswith("role.") for row in rows)


def test_archivist_has_no_audit_page(world, client):
    client.force_login(world.archivist_a)
    assert client.get(reverse("tenants:audit_list")).status_code == 404


def test_platform_admin_screens_work_end_to_end(world, client):
    client.force_login(world.admin)
    response = client.post(reverse("tenants:organisation_create"),
                           {"name": "Osny", "kind": "commune", "code": "95476"})
    osny = Organisation.objects.get(code="95476")
    assert response["Location"] == reverse("tenants:organisation_detail", args=[osny.pk])
    client.post(reverse("tenants:tenant_create", args=[osny.pk]),
                {"vitam_id": 77, "label": "Osny production", "purpose": "production"})
    client.post(reverse("tenants:referent_appoint", args=[osny.pk]), {"user": world.archivist_b.pk})
    detail = page_text(client.get(reverse("tenants:organisation_detail", args=[osny.pk])))
    assert "Osny production" in detail and "archivist.b" in detail
    listing = client.get(reverse("tenants:organisation_list"), {"q": "osn"})
    assert [o.name for o in listing.context["page_obj"].object_list] == ["Osny"]
    client.post(reverse("tenants:organisation_deactivate", args=[osny.pk]))
    osny.refresh_from_db()
    assert not osny.is_active
    assert list(AuditEntry.objects.filter(organisation=osny).order_by("id").values_list("action", flat=True)) == [
        "organisation.create", "tenant.create", "referent.appoint", "organisation.deactivate"]


def test_switch_refuses_a_forged_organisation(world, client):
    client.force_login(world.controller)
    client.post(reverse("tenants:switch"), {"organisation": world.org_a.pk})
    assert client.session["sam_organisation_id"] == world.org_a.pk
    response = client.post(reverse("tenants:switch"), {"organisation": world.org_b.pk, "next": "https://evil.example"})
    assert response["Location"] == "/"
    assert client.session["sam_organisation_id"] == world.org_a.pk


def test_audit_export_quotes_awkward_cells_and_defuses_formulas(world, client):
    AuditEntry.objects.create(actor=world.referent_a, organisation=world.org_a, action="test.csv",
                              target_repr='=HYPERLINK("http://evil")', after={"note": 'a, "b"\nc'})
    client.force_login(world.referent_a)
    response = client.get(reverse("tenants:audit_export"), {"action": "test.csv"})
    content = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    [row] = list(csv.DictReader(io.StringIO(content, newline=""), delimiter=";"))
    assert row["target"] == "'=HYPERLINK(\"http://evil\")"
    assert row["after"] == '{"note": "a, \\"b\\"\\nc"}'


def test_audit_rows_carry_the_request_id_and_ip(world, client, settings):
    # The request id is believed from SAM's reverse proxy only (SAM_TRUSTED_PROXIES): here 192.0.2.7.
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("192.0.2.7/32"),)
    client.force_login(world.referent_a)
    client.post(reverse("tenants:role_grant", args=[world.org_a.pk, world.archivist_a.pk]), {"role": "researcher"},
                HTTP_X_REQUEST_ID="req-0123456789", REMOTE_ADDR="192.0.2.7")
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.actor, entry.organisation) == ("role.grant", world.referent_a, world.org_a)
    assert (entry.request_id, entry.ip_address) == ("req-0123456789", "192.0.2.7")
    assert (entry.target_type, entry.target_id) == ("tenants.user", str(world.archivist_a.pk))


def test_audit_ip_behind_the_reverse_proxy_is_the_one_it_appended(world, client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)  # X-Forwarded-For believed from it only
    client.force_login(world.referent_a)
    client.post(reverse("tenants:role_grant", args=[world.org_a.pk, world.archivist_a.pk]), {"role": "researcher"},
                REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert AuditEntry.objects.order_by("-id").first().ip_address == "203.0.113.9"


def test_anonymising_lands_on_the_user_list_with_a_message_naming_the_person(world, client):
    client.force_login(world.referent_a)
    name = world.archivist_a.username
    response = client.post(reverse("tenants:user_anonymise", args=[world.org_a.pk, world.archivist_a.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("tenants:user_list",
                                                                           args=[world.org_a.pk])
    page = page_text(client.get(response["Location"]))
    assert in_french("%(user)s has been anonymised.", user=name) in page


def test_audit_page_opens_on_the_users_organisation(world, client):
    client.force_login(world.referent_a)
    response = client.get(reverse("tenants:audit_list"))
    assert response.context["filter"].form["organisation"].value() == str(world.org_a.pk)
    assert all(entry.organisation_id == world.org_a.pk for entry in response.context["page_obj"].object_list)
