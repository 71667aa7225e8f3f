"""Transfers up to the number of units one Vitam operation takes (SAM_VITAM_DISTRIBUTION_THRESHOLD, Vitam's
distributionThreshold) go as one transfer; past it they are made of parts (tests/transfers/test_parts.py).
Against vitam-lite over HTTP; the folder of the fixture holds 3 units."""

import pytest

from sam.transfers.models import Transfer
from tests.transfers.test_transfers import folder_selection, form_data, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit(settings):
    def set_limit(value):
        settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": value}
    return set_limit


def test_a_selection_exactly_at_the_limit_is_transferred_whole(client, archive, limit):
    limit(3)
    client.force_login(archive.archivist_a)
    selection = folder_selection(archive)
    page_url = url("new_selection", archive, selection_pk=selection.pk)
    assert client.post(page_url, form_data(client, archive, page_url)).status_code == 302
    transfer = Transfer.objects.get()
    assert transfer.state == Transfer.State.SIP_READY, transfer.error
    assert transfer.unit_count == 3
    assert (transfer.part_index, transfer.part_count, transfer.group_id) == (0, 0, None)
