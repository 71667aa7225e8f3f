"""Migration 0002: a communication asked before parts existed (one operation on the communication) becomes a
communication with that operation as its single part, its state and report kept."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

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


@pytest.mark.django_db(transaction=True)
def test_parts_done_before_0003_take_their_communications_expiry(world):
    """Migration 0003: a done part gets its communication's expiry; one of a communication still running gets
    the retention period from the migration on; a part not done has none."""
    try:
        apps = migrate([("communication", "0002_parts")])
        old, old_part = apps.get_model("communication", "Communication"), apps.get_model("communication",
                                                                                         "CommunicationPart")
        common = {"tenant_id": world.tenant_a.pk, "organisation_id": world.org_a.pk,
                  "created_by_id": world.archivist_a.pk, "purpose": "research", "requester_name": "Mme Martin"}
        until = timezone.now() + datetime.timedelta(days=3)
        ready = old.objects.create(title="Prêt", state="ready", expires_at=until, **common)
        running = old.objects.create(title="En cours", state="running", **common)
        old_part.objects.create(communication=ready, index=1, state="done", operation_id="op-ready")
        old_part.objects.create(communication=running, index=1, state="done", operation_id="op-first")
        old_part.objects.create(communication=running, index=2, state="running", operation_id="op-second")

        before = timezone.now()
        part_model = migrate([("communication", "0003_part_expiry")]).get_model("communication", "CommunicationPart")
        expiry = {part.operation_id: part.expires_at for part in part_model.objects.all()}
        assert expiry["op-ready"] == until and expiry["op-second"] is None
        retention = datetime.timedelta(days=settings.DIP_RETENTION_DAYS)
        assert before + retention <= expiry["op-first"] <= timezone.now() + retention
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
