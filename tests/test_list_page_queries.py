"""Every list page costs the same number of queries whatever the number of rows, and the request's
permissions come from one query on the user's grants (tenants/permissions.py PermissionChecker)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sam.deposits.models import Deposit
from sam.elimination.models import MassUpdate, Notification, Proposal

pytestmark = pytest.mark.django_db


def _rows(world, number):
    for index in range(number):
        Deposit.objects.create(tenant=world.tenant_a, organisation=world.org_a, created_by=world.archivist_a,
                               title=f"Versement {number}-{index}", state=Deposit.State.REJECTED)
        proposal = Proposal.objects.create(
            tenant=world.tenant_a, organisation=world.org_a, title=f"Proposition {number}-{index}",
            state=Proposal.State.SUBMITTED, reference=f"PE-{number}-{index}", analysis_date=date(2024, 1, 1),
            created_by=world.archivist_a, submitted_by=world.archivist_a, submitted_at=timezone.now())
        MassUpdate.objects.create(tenant=world.tenant_a, organisation=world.org_a, created_by=world.archivist_a,
                                  description=f"Modification {number}-{index}", unit_count=3)
        for user in (world.archivist_a, world.controller):
            Notification.objects.create(recipient=user, organisation=world.org_a, proposal=proposal,
                                        kind=Notification.Kind.choices[0][0], message=f"Avis {number}-{index}")


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def _is_permission_lookup(sql):
    """A query of its own on the grants, read from them or joined to them (a list scoped by a subquery on them
    is not one)."""
    return "objectpermission" in sql.split("(SELECT", 1)[0].split(" FROM ", 1)[-1]


def _permission_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return [q["sql"] for q in captured if _is_permission_lookup(q["sql"])]


@pytest.mark.parametrize("user_attribute, url_name, tenant_scoped", [
    ("archivist_a", "deposits:deposit_list", True),
    ("archivist_a", "elimination:proposal_list", True),
    ("archivist_a", "elimination:mass_update_list", True),
    ("archivist_a", "elimination:notification_list", False),
    ("controller", "elimination:visa_list", False),
])
def test_list_page_queries_stay_flat_in_the_number_of_rows(client, world, user_attribute, url_name, tenant_scoped):
    client.force_login(getattr(world, user_attribute))
    url = reverse(url_name, args=[world.tenant_a.pk] if tenant_scoped else [])
    _rows(world, 1)
    client.get(url)  # the session's first page writes its activity time
    few = _queries(client, url)
    _rows(world, 20)
    many = _queries(client, url)
    assert many == few, (url, few, many)
    # One grant query serves the tenant check, the navigation and the context switcher.
    assert len(_permission_queries(client, url)) == 1


def test_search_page_reads_permissions_once_and_writes_no_session(client, world):
    client.force_login(world.archivist_a)
    url = reverse("consultation:search", args=[world.tenant_a.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    statements = [q["sql"] for q in captured]
    assert sum(_is_permission_lookup(sql) for sql in statements) == 1
    # The access contract is chosen from the same grants, not by a guardian look-up of its own.
    assert not any('FROM "auth_permission"' in sql for sql in statements), statements
    assert not any(sql.startswith(("UPDATE", "INSERT")) for sql in statements), statements
