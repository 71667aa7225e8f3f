"""Background jobs: progress, failures kept with their message, status visible to the organisation only."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from sam.lib.jobs.models import Job
from sam.lib.jobs.services import job_enqueue
from tests.jobs.tasks import count_to


@pytest.mark.django_db
def test_a_job_reports_progress_and_its_result(world):
    job = job_enqueue(actor=world.archivist_a, organisation=world.org_a, kind="count", label="Counting",
                      task=count_to, total=7)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert (job.progress_done, job.progress_total, job.percent) == (7, 7, 100)
    assert job.result == {"counted": 7} and job.result_url == "/done/"
    assert job.started_at and job.finished_at and job.created_by == world.archivist_a


@pytest.mark.django_db
def test_a_failure_is_kept_on_the_job(world):
    job = job_enqueue(actor=world.archivist_a, organisation=world.org_a, kind="count", label="Counting",
                      task=count_to, total=5, fail_at=3)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.error == "item 3 is unreadable"
    assert job.progress_done == 2


@pytest.mark.django_db
def test_status_is_json_for_the_organisation_and_404_for_another_commune(client, world):
    job = job_enqueue(actor=world.archivist_b, organisation=world.org_b, kind="count", label="Counting",
                      task=count_to, total=3)
    url = reverse("jobs:job_status", args=[job.pk])
    client.force_login(world.archivist_b)
    data = client.get(url).json()
    assert data["finished"] is True and data["percent"] == 100 and data["result_url"] == "/done/"
    for user in world.roles_a.values():
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(world.admin)
    assert client.get(url).status_code == 200


@pytest.mark.django_db(transaction=True)  # the worker closes its connections between tasks
def test_the_database_queue_runs_in_the_worker(settings, world):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "vitam"]}}
    job = job_enqueue(actor=world.archivist_a, organisation=world.org_a, kind="count", label="Counting",
                      task=count_to, total=4)
    assert job.state == Job.State.QUEUED
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.result == {"counted": 4}
