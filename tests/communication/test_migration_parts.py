"""Migration 0002: a communication asked before parts existed (one operation on the communication) becomes a
communication with that operation as its single part, its state and report kept."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("communication", "0001_initial")]
AFTER = [("communication", "0002_parts")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_operation_of_an_existing_communication_becomes_its_single_part(world):
    try:
        old = migrate(BEFORE).get_model("communication", "Communication")
        common = {"tenant_id": world.tenant_a.pk, "organisation_id": world.org_a.pk,
                  "created_by_id": world.archivist_a.pk, "purpose": "research", "requester_name": "Mme Martin"}
        ready = old.objects.create(title="Prêt", state="ready", operation_id="aeeaaaaaaghready", exported_units=3,
                                   exported_objects=2, size=1234, **common)
        failed = old.objects.create(title="En échec", state="failed", operation_id="aeeaaaaaaghfailed",
                                    error="Vitam n’a pas pu constituer le DIP", **common)
        never_asked = old.objects.create(title="Jamais demandé", state="failed", error="Vitam injoignable", **common)

        part_model = migrate(AFTER).get_model("communication", "CommunicationPart")
        parts = {part.communication_id: part for part in part_model.objects.all()}
        assert set(parts) == {ready.pk, failed.pk} and never_asked.pk not in parts
        assert (parts[ready.pk].index, parts[ready.pk].operation_id, parts[ready.pk].state) == (
            1, "aeeaaaaaaghready", "done")
        assert (parts[ready.pk].exported_units, parts[ready.pk].exported_objects, parts[ready.pk].size) == (3, 2, 1234)
        assert (parts[failed.pk].state, parts[failed.pk].error) == ("failed", "Vitam n’a pas pu constituer le DIP")
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
