"""jobs_recover, whatever the feature: what a job records to be run again, the claim that queues a stale job once
only, queued jobs lost by the database queue, and the heartbeat of a long follow of a Vitam operation (vitam-lite
over HTTP, its workflow held back while SAM waits)."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from sam.elimination import vitam_side
from sam.lib.jobs import recovery
from sam.lib.jobs import services as jobs_services
from sam.lib.jobs.models import Job
from sam.lib.jobs.services import job_enqueue, job_running
from sam.vitam.dsl import Select, eq
from tenants.models import AuditEntry
from tenants.vitam_clients import ACCESS, vitam_client
from tests.jobs.tasks import count_to
from tests.jobs.worker import WorkerKilled, queued_for, time_passes, worker_takes
from vitamlite import processing

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "vitam"]}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "vitam"]}}


def killed_while_running(job: Job) -> None:
    """The worker takes the job, starts it, and its process is gone."""
    with pytest.raises(WorkerKilled), job_running(job.pk):
        raise WorkerKilled("SIGKILL")


@pytest.mark.django_db
def test_a_job_keeps_its_task_and_arguments_and_beats_when_it_starts(world, settings):
    settings.TASKS = DUMMY
    job = job_enqueue(actor=world.archivist_a, organisation=world.org_a, kind="count", label="Counting",
                      task=count_to, total=3)
    assert (job.task_path, job.task_kwargs, job.attempt, job.heartbeat_at) == ("tests.jobs.tasks.count_to",
                                                                               {"total": 3}, 1, None)
    (queued,) = queued_for(job)
    assert job.task_result_id == str(queued.id)
    worker_takes(queued)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.heartbeat_at >= job.started_at


@pytest.mark.django_db
def test_two_runs_on_the_same_stale_job_queue_it_once(world, settings):
    settings.TASKS = DUMMY
    job = job_enqueue(actor=world.archivist_a, organisation=world.org_a, kind="count", label="Counting",
                      task=count_to, total=3)
    killed_while_running(job)
    time_passes(job)
    cutoff = timezone.now() - datetime.timedelta(minutes=10)
    seen_by_the_second_run = Job.objects.get(pk=job.pk)  # read before the first run claims it

    assert recovery.jobs_recover().recovered == [job.pk]
    assert recovery._take_up(seen_by_the_second_run, cutoff=cutoff, max_attempts=3) == ""
    assert recovery.jobs_recover().recovered == []
    job.refresh_from_db()
    assert (job.state, job.attempt) == (Job.State.QUEUED, 2)
    assert len(queued_for(job)) == 2  # the first run's task and one taken up again, no more
    assert AuditEntry.objects.filter(action="job.recovered", target_id=str(job.pk)).count() == 1

    worker_takes(queued_for(job)[-1])
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.result == {"counted": 3} and job.attempt == 2


@pytest.mark.django_db
def test_the_state_of_a_job_running_again_says_it_was_interrupted(world):
    job = Job.objects.create(kind="count", label="Counting", organisation=world.org_a, attempt=2)
    with job_running(job.pk) as running, translation.override("fr"):
        assert running.state_text == "En cours (interrompu, repris automatiquement\u00a0: tentative 2)"
    with translation.override("fr"):
        job.refresh_from_db()
        assert job.state_text == "Terminé"
        first_run = Job.objects.create(kind="count", label="Counting", organisation=world.org_a,
                                       state=Job.State.RUNNING)
        assert first_run.state_text == "En cours"


@pytest.mark.django_db
def test_a_job_killed_at_each_attempt_fails_after_the_last_one(world, settings):
    settings.TASKS = DUMMY
    job = job_enqueue(actor=world.archivist_a, organisation=world.org_a, kind="count", label="Counting",
                      task=count_to, total=3)
    for attempt in (1, 2, 3):
        killed_while_running(job)
        time_passes(job)
        report = recovery.jobs_recover(max_attempts=3)
        assert (report.recovered, report.abandoned) == (([job.pk], []) if attempt < 3 else ([], [job.pk]))
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.finished_at and len(queued_for(job)) == 3
    assert job.error == ("Le travail a été interrompu 3 fois par l’arrêt du processus des tâches et n’a pas été "
                         "repris\u00a0: contactez l’administrateur.")
    assert [entry.action for entry in AuditEntry.objects.filter(target_id=str(job.pk), target_type="jobs.job")
            .order_by("pk")] == ["job.recovered", "job.recovered", "job.abandoned"]


@pytest.mark.django_db
def test_a_job_whose_task_would_do_again_what_it_did_fails_at_once(world, settings):
    """A kind no feature declared able to run again (a tree's publication would ingest it twice)."""
    settings.TASKS = DUMMY
    job = job_enqueue(actor=world.archivist_a, organisation=world.org_a, kind="count_once", label="Counting",
                      task=count_to, total=3)
    killed_while_running(job)
    time_passes(job)
    report = recovery.jobs_recover()
    assert (report.recovered, report.abandoned) == ([], [job.pk])
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and len(queued_for(job)) == 1
    assert job.error == ("Le travail a été interrompu par l’arrêt du processus des tâches et ne peut pas être repris "
                         "automatiquement (il referait ce qui a peut-être déjà été fait)\u00a0: vérifiez son "
                         "résultat, relancez-le ou contactez l’administrateur.")


@pytest.mark.django_db(transaction=True)  # the worker closes its connections between tasks
@pytest.mark.parametrize("lost", ["row deleted", "taken by a worker that stopped"])
def test_a_queued_job_the_database_queue_lost_is_queued_again(world, settings, lost):
    settings.TASKS = DATABASE
    job = job_enqueue(actor=world.archivist_a, organisation=world.org_a, kind="count", label="Counting",
                      task=count_to, total=2)
    long_ago = timezone.now() - datetime.timedelta(minutes=30)
    Job.objects.filter(pk=job.pk).update(created_at=long_ago)
    assert recovery.jobs_recover().recovered == []  # its task waits in the queue: left alone
    if lost == "row deleted":
        DBTaskResult.objects.filter(id=job.task_result_id).delete()
    else:
        DBTaskResult.objects.filter(id=job.task_result_id).update(status="RUNNING", started_at=long_ago)

    assert recovery.jobs_recover().recovered == [job.pk]
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and DBTaskResult.objects.filter(id=job.task_result_id, status="READY")
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.attempt == 2 and job.result == {"counted": 2}


@pytest.mark.django_db
@pytest.mark.parametrize("interval, beats", [(0.2, "several"), (30.0, "none")])
def test_a_long_follow_of_a_vitam_operation_beats_at_most_every_interval(vitam_world, vitamlite_server, monkeypatch,
                                                                         interval, beats):
    monkeypatch.setattr(jobs_services, "HEARTBEAT_INTERVAL", interval)
    release = threading.Event()
    held = [processing.submit(vitamlite_server.app.store, lambda db: release.wait(20))
            for _ in range(processing.MAX_WORKERS)]  # vitam-lite's workers are busy: the export waits its turn
    client = vitam_client(vitam_world.tenant_a, contract=ACCESS)
    try:
        operation_id = client.export_dip(Select().where(eq("#id", "none")), without_objects=True)
        assert client.operation_status(operation_id).is_completed is False
        threading.Timer(2.0, release.set).start()
        job = Job.objects.create(kind="follow", label="Following", organisation=vitam_world.org_a)
        writes = []

        def count_heartbeats(execute, sql, params, many, context):
            if sql.startswith('UPDATE "jobs_job" SET "heartbeat_at"'):
                writes.append(sql)
            return execute(sql, params, many, context)

        with job_running(job.pk), connection.execute_wrapper(count_heartbeats):
            status = vitam_side.follow(client, operation_id, lambda done, total: None)
    finally:
        release.set()
        for future in held:
            future.result(timeout=20)
    assert status.is_completed
    if beats == "several":
        assert len(writes) >= 2
        assert Job.objects.get(pk=job.pk).heartbeat_at > Job.objects.get(pk=job.pk).started_at
    else:
        assert writes == []  # a poll every second or so, and not one write within 30 s
