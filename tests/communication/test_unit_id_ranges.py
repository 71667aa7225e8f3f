"""The units of one Vitam operation cut into parts by #id (sam.vitam.limits.unit_id_ranges), against
vitam-lite over HTTP: every unit in exactly one part, parts of at most the size asked, past the page size of
the keyset paging. The folder of the fixture holds 3 units."""

import pytest

from sam.vitam import limits
from sam.vitam.dsl import Select, in_, or_
from tenants.vitam_clients import ACCESS, vitam_client
from tests.communication.test_communication import FOLDER
from tests.elimination.conftest import Archive, seed_eliminable

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(vitam_world):
    return Archive(world=vitam_world, ids=seed_eliminable(vitam_world.tenant_a))


def _ids(client, conditions):
    return sorted(unit["#id"] for unit in client.search_units(
        Select().where(*conditions).fields("#id").limit(100).build()).results)


@pytest.mark.parametrize("size, page, parts", [(1, 2, 3), (2, 2, 2), (2, 1000, 2), (3, 2, 1), (10, 1, 1)])
def test_parts_hold_every_unit_once_and_at_most_size(archive, monkeypatch, size, page, parts):
    monkeypatch.setattr(limits, "PAGE", page)
    client = vitam_client(archive.tenant_a, contract=ACCESS)
    folder = archive.ids[FOLDER]
    conditions = [or_(in_("#id", [folder]), in_("#allunitups", [folder]))]
    everything = _ids(client, conditions)
    assert len(everything) == 3
    ranges = limits.unit_id_ranges(client, conditions, size=size)
    assert len(ranges) == parts
    found = []
    for first, last in ranges:
        part = _ids(client, [*conditions, limits.in_id_range(first, last)])
        assert 0 < len(part) <= size and part[0] == first and part[-1] == last
        found += part
    assert found == everything


def test_no_unit_no_part(archive):
    client = vitam_client(archive.tenant_a, contract=ACCESS)
    assert limits.unit_id_ranges(client, [in_("#id", ["aeaqaaaaaanothinghere"])], size=5) == []
