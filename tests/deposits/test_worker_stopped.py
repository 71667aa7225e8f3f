"""SAM's check of a deposit whose background worker stopped (deploy, out of memory, reboot) before writing its
result: `manage.py jobs_recover` checks it again; past the last attempt the deposit and its SIP are kept and wait
for the archivist, saying why, instead of staying « en cours de contrôle » (vitam-lite over HTTP; the worker dies
for real in the middle of the task, tests.jobs.worker)."""

import html
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from sam.deposits.models import Deposit
from sam.lib.jobs.models import Job
from tenants.models import AuditEntry
from tests.deposits.conftest import build_sip, stored_files
from tests.deposits.test_deposits import latest, upload
from tests.jobs.worker import WorkerKilled, time_passes, worker_killed_at_update, worker_takes_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_tasks(settings):
    """Tasks are only enqueued: the test plays the worker, and kills it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}


def run_tasks_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "vitam"]}}


def checked_deposit_whose_worker_dies(client, vitam_world, tmp_path, title):
    """A SIP uploaded, its check queued; the worker checks it and dies before saving the result."""
    tenant = vitam_world.tenant_a
    client.force_login(vitam_world.archivist_a)
    response = upload(client, tenant, build_sip(tenant, tmp_path / "sip", title=title))
    deposit = latest(tenant)
    assert response.status_code == 302 and deposit.state == Deposit.State.CHECKING
    job = Job.objects.get(pk=deposit.job_id)
    with pytest.raises(WorkerKilled), worker_killed_at_update(
            "deposits_deposit", "state", lambda pk: pk == deposit.pk, before=True):
        worker_takes_job(job)
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.CHECKING
    time_passes(job)
    return deposit, job


def test_a_check_whose_worker_stopped_is_run_again_and_the_deposit_goes_on(client, vitam_world, tmp_path,
                                                                           queued_tasks, settings):
    deposit, job = checked_deposit_whose_worker_dies(client, vitam_world, tmp_path, "Contrôle repris")
    out = io.StringIO()
    call_command("jobs_recover", stdout=out)
    assert out.getvalue().strip() == "jobs taken up again: 1, abandoned: 0, errors: 0"
    run_tasks_at_once(settings)
    worker_takes_job(job)
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK", deposit.explanation
    assert AuditEntry.objects.filter(action="deposits.check", target_id=str(deposit.pk)).count() == 1


def test_a_check_interrupted_past_its_last_attempt_keeps_the_deposit_for_the_archivist(
        client, vitam_world, tmp_path, deposits_dir, queued_tasks, settings):
    deposit, job = checked_deposit_whose_worker_dies(client, vitam_world, tmp_path, "Contrôle interrompu")
    out = io.StringIO()
    call_command("jobs_recover", "--max-attempts", "1", stdout=out)
    assert out.getvalue().strip() == "jobs taken up again: 0, abandoned: 1, errors: 0"

    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.WAITING_RETRY and deposit.waits_for_the_archivist
    assert deposit.last_error.startswith("Le travail a été interrompu 1 fois par l’arrêt du processus des tâches")
    assert [path for path in stored_files(deposits_dir) if str(path) == deposit.file_path]  # the SIP is kept
    assert AuditEntry.objects.filter(action="deposits.check_interrupted", target_id=str(deposit.pk)).exists()
    detail = reverse("deposits:deposit_detail", kwargs={"tenant_pk": deposit.tenant_id, "pk": deposit.pk})
    page = html.unescape(client.get(detail).content.decode())
    assert "Le travail sur ce versement a été interrompu." in page and deposit.last_error in page
    assert "Vitam n’a pas pu être joint" not in page
    assert "Réessayer" in page and "Annuler le versement" in page

    run_tasks_at_once(settings)
    client.post(reverse("deposits:deposit_retry", kwargs={"tenant_pk": deposit.tenant_id, "pk": deposit.pk}))
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK", deposit.explanation
