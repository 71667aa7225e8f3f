import pytest

from tests.consultation.helpers import seed_archive


@pytest.fixture
def archive(vitam_world):
    """vitam_world with the test tree deposited in commune A's tenant (ids in archive.ids) and in B's."""
    world = vitam_world
    world.tenant_a.refresh_from_db()
    world.tenant_b.refresh_from_db()
    world.ids = seed_archive(world.tenant_a, set_up=False)
    world.ids_b = seed_archive(world.tenant_b, set_up=False)
    return world
