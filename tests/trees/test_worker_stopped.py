"""A tree publication whose background worker stopped (deploy, out of memory, reboot) mid-job, the worker dying
for real (tests.jobs.worker), vitam-lite over HTTP. Never run again (the tree would be ingested twice): past
`manage.py jobs_recover`, a publication Vitam received (its ingest found by its name, evIdAppSession, when SAM had
not kept its id) waits for its result to be read again, draft locked; one Vitam never received releases the
draft."""


import pytest

from referentials.trees import services
from referentials.trees.models import TreeDraft, TreePublication
from sam.lib.jobs.models import Job
from sam.vitam import SelectSingle, eq
from tenants.vitam_clients import ACCESS, vitam_client
from tests.jobs.worker import WorkerKilled, queued_for, recover, time_passes, worker_killed_at_update, \
    worker_takes
from tests.trees.test_publication import agency, import_plan, read_the_result_again

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}


def publication_whose_worker_died(world, name, *, after_vitam: bool):
    draft = import_plan(world, name)
    publication = services.publish_start(actor=world.referent_a, draft=draft, version=draft.version,
                                         originating_agency=agency(world), archival_agency=agency(world))
    job = Job.objects.get(pk=publication.job_id)
    if after_vitam:  # Vitam accepted the ingest; the worker dies before SAM keeps its id
        killed = worker_killed_at_update("trees_treepublication", "operation_id", lambda pk: True, before=True)
    else:  # at its first step
        killed = worker_killed_at_update("jobs_job", "progress_done", lambda pk: pk == job.pk, before=True)
    with pytest.raises(WorkerKilled), killed:
        worker_takes(queued_for(job)[-1])
    publication.refresh_from_db()
    assert publication.state == TreePublication.State.RUNNING and not publication.operation_id
    time_passes(job)
    assert recover() == "jobs taken up again: 0, abandoned: 1, errors: 0"
    publication.refresh_from_db()
    draft.refresh_from_db()
    return draft, publication


def tree_ingests(world) -> list[str]:
    query = SelectSingle().where(eq("evType", "FILINGSCHEME")).limit(100)
    return [operation["evId"] for operation in
            vitam_client(world.tenant_a, contract=ACCESS).search_operations(query.build()).results]


def test_a_publication_vitam_received_is_found_by_its_name_and_its_result_read_again(vitam_world, queued,
                                                                                     client):
    world = vitam_world
    before = set(tree_ingests(world))
    draft, publication = publication_whose_worker_died(world, "Interrompu", after_vitam=True)
    [received] = set(tree_ingests(world)) - before
    assert publication.state == TreePublication.State.UNCONFIRMED and publication.operation_id == received
    assert draft.state == TreeDraft.State.PUBLISHING  # nobody publishes it twice meanwhile

    read_the_result_again(client, world, publication)
    assert set(tree_ingests(world)) - before == {received}  # ingested once


def test_a_publication_vitam_never_received_releases_the_draft(vitam_world, queued):
    world = vitam_world
    before = set(tree_ingests(world))
    draft, publication = publication_whose_worker_died(world, "Jamais parti", after_vitam=False)
    assert publication.state == TreePublication.State.FAILED
    assert publication.error.startswith("Le travail a été interrompu par l’arrêt du processus des tâches")
    assert draft.state == TreeDraft.State.DRAFT and set(tree_ingests(world)) == before
