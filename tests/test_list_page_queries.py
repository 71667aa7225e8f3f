"""Every list page costs the same number of queries whatever the number of rows, and the request's
permissions come from one query on the user's grants (tenants/permissions.py PermissionChecker).
Pages listing Vitam's units or operations (a unit's children, the journal, the trees, the selection) are measured
against vitam-lite over HTTP, with rows added by real ingests."""

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
    client.get(url)  # the new notifications dropped the cached unread count: this page reads it again
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


# --- pages whose rows come from Vitam (real vitam-lite over HTTP) or from a proposal's units ------------------


def _ingest(tenant, units, context="DEFAULT_WORKFLOW"):
    """Deposits `units` in the tenant through SAM's Vitam client (one ingest operation in the journal)."""
    import tempfile
    from pathlib import Path

    from sam.lib.seda.sip import SipPackage, write_sip
    from sam.site.demo import ARCHIVAL_AGENCY, agency_prefix, contract_ids
    from tenants.vitam_clients import ACCESS, vitam_client

    prefix = agency_prefix(tenant.organisation)
    package = SipPackage(message_identifier=f"QUERIES-{tenant.vitam_id}-{len(units)}-{units[0].title}",
                         archival_agency=ARCHIVAL_AGENCY, transferring_agency=f"{prefix}-ARCH",
                         originating_agency=f"{prefix}-DG", archival_agreement=contract_ids(tenant)[0],
                         comment="Versement de test", units=units)
    with tempfile.TemporaryDirectory(prefix="sam-test-") as folder:
        built = write_sip(package, Path(folder) / "sip.zip")
        client = vitam_client(tenant, contract=ACCESS)
        status = client.wait_for_operation(client.ingest(built.path, context_id=context), timeout=60,
                                           poll_interval=0.05)
    assert status.status in ("OK", "WARNING"), status


def _unit_id(tenant, title):
    from sam.vitam.dsl import Select, eq
    from tenants.vitam_clients import ACCESS, vitam_client

    found = vitam_client(tenant, contract=ACCESS).search_units(
        Select().where(eq("Title", title)).limit(1).fields("#id").build()).results
    return found[0]["#id"]


def _children(title, count):
    from sam.lib.seda.sip import SipUnit

    return [SipUnit(title=f"{title} {index}", description_level="Item") for index in range(count)]


@pytest.fixture
def archivist(client, vitam_world):
    vitam_world.tenant_a.refresh_from_db()  # its contracts, set up in vitam-lite by vitam_world
    client.force_login(vitam_world.archivist_a)
    return vitam_world


def test_unit_page_and_journal_queries_stay_flat_in_the_number_of_children_and_operations(client, archivist):
    from sam.lib.seda.sip import SipUnit

    tenant = archivist.tenant_a
    _ingest(tenant, [SipUnit(title="Dossier suivi", description_level="File", children=_children("Pièce", 1))])
    folder = _unit_id(tenant, "Dossier suivi")
    unit_url = reverse("consultation:unit_detail", args=[tenant.pk, folder])
    journal_url = reverse("consultation:operation_list", args=[tenant.pk])
    client.get(unit_url)
    few = _queries(client, unit_url), _queries(client, journal_url)
    for batch in range(4):  # four more ingest operations, 20 more children under the folder
        _ingest(tenant, [SipUnit(title=f"Rattachement {batch}", attach_to=folder,
                                 children=_children(f"Pièce {batch}", 5))])
    assert "Sous-unités (21)" in client.get(unit_url).content.decode()  # a full page of 20 children shown
    many = _queries(client, unit_url), _queries(client, journal_url)
    assert many == few, (few, many)
    # The 'may edit' flags and the tenant check read the request's grants: no guardian look-up of their own.
    assert len(_permission_queries(client, unit_url)) == 1
    with CaptureQueriesContext(connection) as captured:
        client.get(unit_url)
    assert not any('FROM "auth_permission"' in q["sql"] for q in captured)


def test_tree_pages_queries_stay_flat_in_the_number_of_nodes(client, archivist):
    from sam.lib.seda.sip import SipUnit

    tenant = archivist.tenant_a
    _ingest(tenant, [SipUnit(title="Fonds court", description_level="Fonds", children=_children("Série", 1))],
            context="HOLDING_SCHEME")
    browser_url = reverse("trees:tree_browser", args=[tenant.pk])

    def children_url(title):
        return reverse("trees:tree_children", args=[tenant.pk, _unit_id(tenant, title)])

    client.get(browser_url)
    few = _queries(client, browser_url), _queries(client, children_url("Fonds court"))
    _ingest(tenant, [SipUnit(title="Fonds long", description_level="Fonds", children=_children("Sous-fonds", 20))],
            context="HOLDING_SCHEME")
    assert "Sous-fonds 19" in client.get(children_url("Fonds long")).content.decode()
    many = _queries(client, browser_url), _queries(client, children_url("Fonds long"))
    assert many == few, (few, many)
    assert len(_permission_queries(client, browser_url)) == 1


def _proposal_units(proposal, start, count):
    from sam.elimination.models import ProposalUnit

    ProposalUnit.objects.bulk_create([
        ProposalUnit(proposal=proposal, unit_id=f"aeaqaaaaaaqueries{index:08d}", title=f"Dossier {index}",
                     level="File", start_date="2008-01-01", end_date="2008-12-31", agency=f"SERVICE-{index % 3}",
                     status="CONFLICT" if index % 4 == 0 else "DESTROY",
                     reasons=["Bloquée par une règle de gel."] if index % 4 == 0 else [], rule_ids="APP-PC",
                     rule_end_date="2018-01-31", size=1000 + index, object_count=1, final_action="Destroy",
                     parent_id=f"aeaqaaaaaafolder{index // 7:08d}", parent_path=f"Urbanisme › Lot {index // 7}",
                     included=index % 4 != 0) for index in range(start, start + count)])


@pytest.mark.parametrize("user_attribute", ["archivist_a", "controller"])
def test_proposal_review_page_queries_stay_flat_in_the_number_of_units(client, world, user_attribute):
    proposal = Proposal.objects.create(
        tenant=world.tenant_a, organisation=world.org_a, title="Proposition", state=Proposal.State.SUBMITTED,
        reference="PE-Q", analysis_date=date(2024, 1, 1), created_by=world.archivist_a,
        submitted_by=world.archivist_a, submitted_at=timezone.now())
    client.force_login(getattr(world, user_attribute))
    url = reverse("elimination:proposal_detail", args=[world.tenant_a.pk, proposal.pk])
    _proposal_units(proposal, 0, 1)
    client.get(url)
    few = _queries(client, url)
    _proposal_units(proposal, 1, 60)
    assert "Dossier 49" in client.get(url).content.decode()
    many = _queries(client, url)
    assert many == few, (few, many)
    # The proposal's check, the buttons and the navigation read the grants once, with no guardian look-up.
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    statements = [q["sql"] for q in captured]
    assert sum(_is_permission_lookup(sql) for sql in statements) == 1
    assert not any('FROM "auth_permission"' in sql for sql in statements), statements


def test_selection_page_queries_stay_flat_in_the_number_of_entries(client, archivist):
    from sam.lib.seda.sip import SipUnit
    from sam.selection.models import Selection, SelectionEntry

    tenant = archivist.tenant_a
    _ingest(tenant, [SipUnit(title="Dossier choisi", description_level="File", children=_children("Choisie", 25))])
    ids = [_unit_id(tenant, f"Choisie {index}") for index in range(25)]
    selection = Selection.objects.create(tenant=tenant, organisation=archivist.org_a, user=archivist.archivist_a)
    url = reverse("selection:detail", args=[tenant.pk, selection.pk])

    def add(unit_ids):
        SelectionEntry.objects.bulk_create([SelectionEntry(selection=selection, kind=SelectionEntry.Kind.UNIT,
                                                           unit_id=unit_id, label=unit_id) for unit_id in unit_ids])

    add(ids[:1])
    client.get(url)
    few = _queries(client, url)
    add(ids[1:])
    assert "Choisie 24" in client.get(url).content.decode()
    many = _queries(client, url)
    assert many == few, (few, many)
