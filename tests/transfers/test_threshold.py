"""Transfers past the number of units one Vitam operation takes (SAM_VITAM_DISTRIBUTION_THRESHOLD, Vitam's
distributionThreshold): refused in French with the count and the limit before any Vitam operation, never cut;
exactly at the limit they go through. Against vitam-lite over HTTP; the folder of the fixture holds 3 units."""

import html

import pytest

from sam.selection import services as selection_services
from sam.transfers.models import Transfer
from tenants.models import AuditEntry
from tests.transfers.test_transfers import folder_selection, form_data, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit(settings):
    def set_limit(value):
        settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": value}
    return set_limit


def test_a_selection_over_the_limit_is_refused_on_the_form_with_its_count(client, archive, limit):
    limit(2)
    client.force_login(archive.archivist_a)
    selection = folder_selection(archive)  # the folder and its 2 items
    page_url = url("new_selection", archive, selection_pk=selection.pk)
    page = html.unescape(client.post(page_url, form_data(client, archive, page_url)).content.decode())
    assert "Le transfert porterait sur 3 unités archivistiques, plus que les 2 qu’une opération Vitam accepte" \
        in page
    assert not Transfer.objects.exists()
    assert not AuditEntry.objects.filter(action="transfer.start").exists()


def test_a_selection_exactly_at_the_limit_is_transferred_whole(client, archive, limit):
    limit(3)
    client.force_login(archive.archivist_a)
    selection = folder_selection(archive)
    page_url = url("new_selection", archive, selection_pk=selection.pk)
    assert client.post(page_url, form_data(client, archive, page_url)).status_code == 302
    transfer = Transfer.objects.get()
    assert transfer.state == Transfer.State.SIP_READY, transfer.error
    assert transfer.unit_count == 3


def test_units_below_the_selection_past_the_limit_fail_the_transfer_before_vitam_is_asked(client, archive, limit):
    limit(2)
    client.force_login(archive.archivist_a)
    selection = selection_services.selection_working(user=archive.archivist_a, tenant=archive.tenant_a)
    folder = archive.ids["Permis de construire 2008 A"]
    selection_services.selection_units_add(selection=selection, units={folder: "Permis"}, with_descendants=False)
    page_url = url("new_selection", archive, selection_pk=selection.pk)
    assert client.post(page_url, form_data(client, archive, page_url)).status_code == 302
    transfer = Transfer.objects.get()
    assert transfer.state == Transfer.State.FAILED
    assert transfer.operation_id == ""  # no ARCHIVE_TRANSFER started in Vitam
    assert transfer.error == ("Le transfert porterait sur au moins 3 unités archivistiques, plus que les 2 qu’une "
                              "opération Vitam accepte\u00a0: scindez la sélection (par service producteur, dates ou "
                              "nœud de classement) en plusieurs.")
    page = html.unescape(client.get(url("detail", archive, pk=transfer.pk)).content.decode())
    assert transfer.error in page
