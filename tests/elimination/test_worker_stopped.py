"""A mass update, an elimination or its analysis in several Vitam operations whose background worker stopped
mid-job: past the last attempt of `manage.py jobs_recover` the page says why and offers to go on (« Reprendre »,
« Suivre de nouveau », a new analysis), which sends no operation twice (vitam-lite over HTTP; the worker dies for
real in the middle of the task, tests.jobs.worker)."""

import html

import pytest
from django.urls import reverse

from sam.elimination import services
from sam.elimination.models import MassUpdate, Proposal, VitamBatch
from sam.lib.jobs.models import Job
from sam.site.demo import agency_prefix
from tests.elimination.test_batches import eliminable_ids, hold_rule_count, queued_tasks, small_batches, \
    two_permits  # noqa: F401 fixtures
from tests.elimination.test_workflow import analyse, submit_and_approve, units_left, url
from tests.jobs.worker import WorkerKilled, recover, time_passes, worker_killed_at_update, worker_takes_job

pytestmark = pytest.mark.django_db


def test_a_mass_update_whose_worker_stopped_is_interrupted_then_resumed_sending_nothing_twice(
        client, two_permits, small_batches, queued_tasks, settings):
    archive = two_permits
    update = services.mass_update_start(
        actor=archive.archivist_a, tenant=archive.tenant_a, criteria={"agency": f"{agency_prefix(archive.org_a)}-URBA"},
        change={"action": "add", "category": "HoldRule", "rule": "HOL-00001", "hold_reason": "Contentieux"},
        expected_count=8, confirmed=True)
    job = Job.objects.get(pk=update.job_id)
    # Vitam has done the first operation, SAM has its id; the worker dies before writing it done
    with pytest.raises(WorkerKilled), worker_killed_at_update(
            "elimination_vitambatch", "vitam_status", lambda pk: VitamBatch.objects.filter(pk=pk, number=1).exists(),
            before=True):
        worker_takes_job(job)
    first = update.batches.get(number=1)
    assert first.state == VitamBatch.State.SENT and first.operation_id
    time_passes(job)

    assert recover("--max-attempts", "1") == "jobs taken up again: 0, abandoned: 1, errors: 0"
    update.refresh_from_db()
    assert update.state == MassUpdate.State.INTERRUPTED
    assert update.error.startswith("Le travail a été interrompu 1 fois par l’arrêt du processus des tâches")
    client.force_login(archive.archivist_a)
    detail = reverse("elimination:mass_update_detail", kwargs={"tenant_pk": archive.tenant_a.pk, "pk": update.pk})
    assert 'id="resume-mass-update"' in client.get(detail).content.decode()

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "vitam"]}}
    assert client.post(reverse("elimination:mass_update_resume",
                               kwargs={"tenant_pk": archive.tenant_a.pk, "pk": update.pk})).status_code == 302
    update.refresh_from_db()
    assert update.state == MassUpdate.State.SUCCEEDED, update.error
    assert (update.ok_count, update.warning_count, update.ko_count) == (8, 0, 0)
    assert update.batches.get(number=1).operation_id == first.operation_id  # followed, not sent again
    assert set(hold_rule_count(archive.tenant_a, archive.ids.values()).values()) == {1}


def test_an_elimination_whose_worker_stopped_says_why_and_is_followed_again_destroying_once(
        client, two_permits, small_batches, settings):
    archive = two_permits
    proposal = submit_and_approve(client, archive, analyse(client, archive))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}
    proposal = services.proposal_execute_start(actor=archive.archivist_a, proposal=proposal)
    job = Job.objects.get(pk=proposal.action_job_id)
    # Vitam has done the first ELIMINATION_ACTION, SAM has its id; the worker dies before writing it done
    with pytest.raises(WorkerKilled), worker_killed_at_update(
            "elimination_vitambatch", "vitam_status",
            lambda pk: VitamBatch.objects.filter(pk=pk, number=1, kind=VitamBatch.Kind.ELIMINATION).exists(),
            before=True):
        worker_takes_job(job)
    time_passes(job)
    assert recover("--max-attempts", "1") == "jobs taken up again: 0, abandoned: 1, errors: 0"
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.EXECUTING and "contactez l’administrateur" in proposal.error
    client.force_login(archive.archivist_a)
    page = html.unescape(client.get(url("proposal_detail", proposal)).content.decode())
    assert "Suivre de nouveau l’élimination" in page and "contactez l’administrateur" in page

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "vitam"]}}
    first = proposal.batches.get(kind=VitamBatch.Kind.ELIMINATION, number=1)
    assert client.post(url("proposal_execute", proposal)).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.EXECUTED, proposal.error
    assert proposal.batches.get(kind=VitamBatch.Kind.ELIMINATION, number=1).operation_id == first.operation_id
    assert (proposal.destroyed_count, proposal.not_destroyed_count) == (6, 0)
    assert not units_left(archive.tenant_a, eliminable_ids(archive))


def test_an_analysis_whose_worker_stopped_is_taken_up_again_then_fails_clearly_past_the_last_attempt(
        client, two_permits, small_batches, queued_tasks, settings):
    archive = two_permits
    proposal = analyse(client, archive)
    job = Job.objects.get(pk=proposal.analysis_job_id)

    def killed_once_the_second_batch_is_sent():
        # Vitam has the second batch's analysis, SAM its id; the worker dies before following it
        return worker_killed_at_update(
            "elimination_vitambatch", "operation_id",
            lambda pk: VitamBatch.objects.filter(pk=pk, number=2, kind=VitamBatch.Kind.ANALYSIS).exists(),
            before=False)

    with pytest.raises(WorkerKilled), killed_once_the_second_batch_is_sent():
        worker_takes_job(job)
    assert proposal.units.exists()  # the first batch's units were recorded
    time_passes(job)
    assert recover("--max-attempts", "2") == "jobs taken up again: 1, abandoned: 0, errors: 0"
    with pytest.raises(WorkerKilled), killed_once_the_second_batch_is_sent():
        worker_takes_job(job)  # taken up again, and stopped again at the same place
    time_passes(job)
    assert recover("--max-attempts", "2") == "jobs taken up again: 0, abandoned: 1, errors: 0"

    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.FAILED
    assert proposal.error.startswith("Le travail a été interrompu 2 fois par l’arrêt du processus des tâches")
    assert not proposal.units.exists() and not proposal.batches.exists()  # nothing half-read left behind
    page = html.unescape(client.get(url("proposal_detail", proposal)).content.decode())
    assert "Le travail a été interrompu 2 fois" in page and "Analyse en cours" not in page

    # Run whole once more (a new worker, no stop): the same selection analyses to its draft.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "vitam"]}}
    again = analyse(client, archive)
    assert again.state == Proposal.State.DRAFT and again.destroy_count == 6, again.error
