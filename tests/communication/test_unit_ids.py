"""The identifiers of the units a query matches, past Vitam's 10,000 window (sam.vitam.limits.unit_ids), against
vitam-lite over HTTP: a plain search below Vitam's capped $hits.total (no stream read spent), the units stream
above it (the cap lowered here as in test_threshold.py), stopped past the limit; and the stream's refusals
(unitsStreamThreshold) said in French naming Vitam's setting. The folder of the fixture holds 3 units."""

import pytest

from sam.communication.models import Communication
from sam.vitam import limits
from sam.vitam.dsl import Select, in_, or_
from sam.vitam.errors import VitamStreamRefused
from tenants.vitam_clients import ACCESS, vitam_client
from tests.communication.test_communication import FOLDER, FORM, create_url, folder_selection
from tests.elimination.conftest import Archive, seed_eliminable
from vitamlite import dip

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(vitam_world):
    return Archive(world=vitam_world, ids=seed_eliminable(vitam_world.tenant_a))


@pytest.fixture
def folder_units(archive):
    client = vitam_client(archive.tenant_a, contract=ACCESS)
    folder = archive.ids[FOLDER]
    conditions = [or_(in_("#id", [folder]), in_("#allunitups", [folder]))]
    everything = sorted(unit["#id"] for unit in client.search_units(
        Select().where(*conditions).fields("#id").limit(100).build()).results)
    assert len(everything) == 3
    return client, conditions, everything


@pytest.mark.parametrize("page", [1000, 2])
def test_below_the_cap_a_plain_search_reads_them_without_the_stream(folder_units, monkeypatch, page):
    client, conditions, everything = folder_units
    monkeypatch.setattr(limits, "PAGE", page)  # 2: the first page does not hold them all
    monkeypatch.setattr(dip, "STREAM_THRESHOLD", 0)  # a stream would be refused: none is asked for
    assert limits.unit_ids(client, conditions, limit=10) == everything
    limited = limits.unit_ids(client, conditions, limit=1)  # limit + 1: enough to know there are too many
    assert len(limited) == 2 and set(limited) < set(everything)


def test_past_the_cap_the_stream_reads_them_and_stops_past_the_limit(folder_units, monkeypatch):
    client, conditions, everything = folder_units
    monkeypatch.setattr(limits, "HITS_TOTAL_CAP", 2)
    monkeypatch.setattr(limits, "PAGE", 1)
    assert limits.unit_ids(client, conditions, limit=10) == everything
    limited = limits.unit_ids(client, conditions, limit=1)
    assert len(limited) == 2 and set(limited) < set(everything)
    assert limits.unit_ids(client, [in_("#id", ["aeaqaaaaaanothinghere"])], limit=10) == []


def test_a_stream_over_vitams_threshold_is_refused_naming_the_setting(folder_units, monkeypatch):
    client, conditions, _everything = folder_units
    monkeypatch.setattr(limits, "HITS_TOTAL_CAP", 2)
    monkeypatch.setattr(dip, "STREAM_THRESHOLD", 2)
    with pytest.raises(VitamStreamRefused) as refused:
        limits.unit_ids(client, conditions, limit=10)
    assert refused.value.status == 417 and refused.value.setting == "unitsStreamThreshold"
    assert "unitsStreamThreshold" in refused.value.user_message()
    assert "réduisez la sélection" in refused.value.user_message()


def test_a_communication_whose_stream_is_refused_fails_in_french_before_any_dip(client, archive, settings,
                                                                                monkeypatch):
    """Past the (lowered) cap the job lists the units through the stream to cut the parts; Vitam refusing it
    (unitsStreamThreshold lowered to 2) fails the communication naming the setting, with no part and no DIP."""
    settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": 2}
    monkeypatch.setattr(limits, "HITS_TOTAL_CAP", 2)
    monkeypatch.setattr(dip, "STREAM_THRESHOLD", 2)
    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    client.post(create_url(archive, selection), FORM)
    communication = Communication.objects.get()
    assert communication.state == Communication.State.FAILED
    assert "unitsStreamThreshold" in communication.error and "réduisez la sélection" in communication.error
    assert not communication.parts.exists()


@pytest.mark.parametrize("page", [1000, 2, 1])
def test_every_unit_of_a_query_below_the_cap_comes_in_pages_once_each_without_the_stream(folder_units,
                                                                                        monkeypatch, page):
    """limits.units_all (the CSV export, the selection's zip): pages sorted as asked then by #id."""
    client, conditions, everything = folder_units
    monkeypatch.setattr(limits, "PAGE", page)
    monkeypatch.setattr(dip, "STREAM_THRESHOLD", 0)  # a stream would be refused: none is asked for
    total, units = limits.units_all(client, Select().where(*conditions).fields("#id", "Title").order_by("Title"))
    units = list(units)
    assert total == 3 and sorted(unit["#id"] for unit in units) == everything
    titles = [unit["Title"] for unit in units]
    assert titles == sorted(titles)


def test_every_unit_of_a_query_past_the_cap_comes_from_the_stream(folder_units, monkeypatch):
    client, conditions, everything = folder_units
    monkeypatch.setattr(limits, "HITS_TOTAL_CAP", 2)
    total, units = limits.units_all(client, Select().where(*conditions).fields("#id"))
    assert total == 3 and sorted(unit["#id"] for unit in units) == everything
    monkeypatch.setattr(dip, "STREAM_THRESHOLD", 2)
    with pytest.raises(VitamStreamRefused):
        limits.units_all(client, Select().where(*conditions).fields("#id"))
