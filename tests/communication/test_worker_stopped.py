"""A communication in parts whose background worker stopped mid-job (deploy, out of memory, reboot) is taken up
again by `manage.py jobs_recover`: the part Vitam already has is followed, never asked again (exactly one
EXPORT_DIP per part in Vitam's journal); past the last attempt the communication shows its failure and its
« Reprendre ». Against vitam-lite over HTTP; the worker dies for real in the middle of the task (tests.jobs.worker)."""

import html

import pytest
from django.urls import reverse

from sam.communication.models import Communication, CommunicationPart
from sam.lib.jobs.models import Job
from tenants.models import AuditEntry
from tests.communication.test_communication import FORM, create_url, folder_selection
from tests.communication.test_parts import archive, export_operations, limit, queued_tasks  # noqa: F401 fixtures
from tests.jobs.worker import WorkerKilled, queued_for, recover, time_passes, \
    worker_killed_after_recording_operation, worker_takes

pytestmark = pytest.mark.django_db


def second_part(pk) -> bool:
    return CommunicationPart.objects.filter(pk=pk, index=2).exists()


def communication_whose_worker_died_in_part_2(client, archive, limit) -> tuple[Communication, Job]:
    """Part 1 exported, part 2 asked of Vitam (its operation id kept), then the worker process is gone."""
    limit(2)
    client.force_login(archive.archivist_a)
    assert client.post(create_url(archive, folder_selection(archive)), FORM).status_code == 302
    communication = Communication.objects.get()
    (queued,) = queued_for(communication.job)
    with pytest.raises(WorkerKilled), worker_killed_after_recording_operation(
            "communication_communicationpart", second_part):
        worker_takes(queued)
    communication.refresh_from_db()
    job = Job.objects.get(pk=communication.job_id)
    assert communication.state == Communication.State.RUNNING and job.state == Job.State.RUNNING
    first, second = communication.parts.all()
    assert first.state == CommunicationPart.State.DONE
    assert second.state == CommunicationPart.State.RUNNING and second.operation_id
    return communication, job


def test_a_communication_whose_worker_died_is_taken_up_again_asking_vitam_once_per_part(
        client, archive, limit, queued_tasks):
    communication, job = communication_whose_worker_died_in_part_2(client, archive, limit)
    asked = {part.index: part.operation_id for part in communication.parts.all()}

    # its heartbeat is fresh: the worker may only be slow, the job is left alone
    assert recover() == "jobs taken up again: 0, abandoned: 0, errors: 0"
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING and job.attempt == 1 and len(queued_for(job)) == 1

    time_passes(job)
    assert recover() == "jobs taken up again: 1, abandoned: 0, errors: 0"
    job.refresh_from_db()
    assert (job.state, job.attempt) == (Job.State.QUEUED, 2)
    assert job.message == "Reprise après l’arrêt du processus des tâches (tentative 2 sur 3)"
    status = client.get(reverse("jobs:job_status", args=[job.pk])).json()
    assert (status["state_label"], status["message"], status["attempt"]) == ("En attente", job.message, 2)
    entry = AuditEntry.objects.get(action="job.recovered")
    assert entry.actor is None and entry.tenant == archive.tenant_a and entry.target_id == str(job.pk)
    assert entry.after["attempt"] == 2 and entry.after["kind"] == "communication_dip"

    first_run, second_run = queued_for(job)
    worker_takes(second_run)
    communication.refresh_from_db()
    job.refresh_from_db()
    assert communication.state == Communication.State.READY, communication.error
    assert job.state == Job.State.SUCCEEDED
    assert {part.index: part.operation_id for part in communication.parts.all()} == asked
    assert [part.exported_units for part in communication.parts.all()] == [2, 1]
    assert sorted(operation["#id"] for operation in export_operations(archive)) == sorted(asked.values())
    assert recover() == "jobs taken up again: 0, abandoned: 0, errors: 0"  # nothing left to take up


def test_past_the_last_attempt_the_communication_fails_with_its_resume_button(client, archive, limit, queued_tasks,
                                                                             settings):
    communication, job = communication_whose_worker_died_in_part_2(client, archive, limit)
    time_passes(job)
    assert recover("--max-attempts", "1") == "jobs taken up again: 0, abandoned: 1, errors: 0"
    job.refresh_from_db()
    communication.refresh_from_db()
    assert job.state == Job.State.FAILED and len(queued_for(job)) == 1  # nothing queued again
    assert job.error == ("Le travail a été interrompu 1 fois par l’arrêt du processus des tâches et n’a pas été "
                         "repris\u00a0: contactez l’administrateur.")
    assert communication.state == Communication.State.FAILED
    assert communication.error.startswith("La partie 2 sur 2 a échoué\u00a0: " + job.error)
    entry = AuditEntry.objects.get(action="job.abandoned")
    assert entry.actor is None and entry.target_id == str(job.pk) and entry.after["attempt"] == 1
    detail = html.unescape(client.get(reverse("communication:detail", args=[archive.tenant_a.pk, communication.pk]))
                           .content.decode())
    assert 'id="resume-communication"' in detail and "contactez l’administrateur" in detail

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "vitam"]}}
    client.post(reverse("communication:resume", args=[archive.tenant_a.pk, communication.pk]))
    communication.refresh_from_db()
    assert communication.state == Communication.State.READY, communication.error
    assert sorted(operation["#id"] for operation in export_operations(archive)) == sorted(
        part.operation_id for part in communication.parts.all())  # part 2 followed, not asked again
