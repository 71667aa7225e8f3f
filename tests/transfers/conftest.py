"""Fixtures of the transfer tests: commune A's tenant holds the building permits of the elimination tests."""

import pytest

from tests.elimination.conftest import Archive, seed_eliminable


@pytest.fixture
def archive(vitam_world):
    return Archive(world=vitam_world, ids=seed_eliminable(vitam_world.tenant_a))
