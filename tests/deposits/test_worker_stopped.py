"""A deposit whose background worker stopped (deploy, out of memory, reboot) mid-way, vitam-lite over HTTP, the
worker dying for real in the middle of the task (tests.jobs.worker).

SAM's check: `manage.py jobs_recover` checks it again; past the last attempt the deposit and its SIP are kept and
wait for the archivist, saying why, instead of staying « en cours de contrôle ».
Its send: `manage.py deposits_retry` asks Vitam whether the interrupted attempt reached it (its X-Application-Id)
and follows that operation, or sends again: never twice, never lost."""

import datetime
import html
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from sam.deposits.models import Deposit
from sam.deposits.services import deposits_sending_recover
from sam.deposits.tasks import deposit_send_task
from sam.lib.jobs.models import Job
from sam.vitam import SelectSingle, eq
from tenants.vitam_clients import ACCESS, ADMIN, vitam_client
from tenants.models import AuditEntry
from tests.deposits.conftest import build_sip, stored_files
from tests.deposits.test_deposits import latest, upload
from tests.jobs.worker import WorkerKilled, recover, time_passes, worker_killed_at_update, worker_takes_job

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
    assert recover() == "jobs taken up again: 1, abandoned: 0, errors: 0"
    run_tasks_at_once(settings)
    worker_takes_job(job)
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK", deposit.explanation
    assert AuditEntry.objects.filter(action="deposits.check", target_id=str(deposit.pk)).count() == 1


def test_a_check_interrupted_past_its_last_attempt_keeps_the_deposit_for_the_archivist(
        client, vitam_world, tmp_path, deposits_dir, queued_tasks, settings):
    deposit, job = checked_deposit_whose_worker_dies(client, vitam_world, tmp_path, "Contrôle interrompu")
    assert recover("--max-attempts", "1") == "jobs taken up again: 0, abandoned: 1, errors: 0"

    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.WAITING_RETRY and deposit.waits_for_the_archivist
    assert deposit.last_error.startswith("Le travail a été interrompu 1 fois par l’arrêt du processus des tâches")
    assert [path for path in stored_files(deposits_dir) if str(path) == deposit.file_path]  # the SIP is kept
    assert AuditEntry.objects.filter(action="deposits.check_interrupted", target_id=str(deposit.pk)).exists()
    detail = reverse("deposits:deposit_detail", kwargs={"tenant_pk": deposit.tenant_id, "pk": deposit.pk})
    page = html.unescape(client.get(detail).content.decode())
    assert "Le travail sur ce versement a été interrompu." in page and deposit.last_error in page
    assert "Interrompu — en attente de l’archiviste" in page  # the state, not « Vitam injoignable »
    assert "Vitam n’a pas pu être joint" not in page
    assert "Réessayer" in page and "Annuler le versement" in page

    run_tasks_at_once(settings)
    client.post(reverse("deposits:deposit_retry", kwargs={"tenant_pk": deposit.tenant_id, "pk": deposit.pk}))
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK", deposit.explanation


def sent_deposit_whose_worker_dies(client, vitam_world, tmp_path, settings, title, *, column, before):
    """A SIP checked, its send queued; the worker sends it and dies at the UPDATE of `column` of the deposit
    while it is being sent; then time passes beyond the upload's timeout."""
    tenant = vitam_world.tenant_a
    client.force_login(vitam_world.archivist_a)
    upload(client, tenant, build_sip(tenant, tmp_path / "sip", title=title))
    deposit = latest(tenant)
    worker_takes_job(Job.objects.get(pk=deposit.job_id))  # SAM's check; the send is queued
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.SENDING and deposit.sending_since is None
    with pytest.raises(WorkerKilled), worker_killed_at_update(
            "deposits_deposit", column,
            lambda pk: Deposit.objects.filter(pk=pk, state=Deposit.State.SENDING).exists(), before=before):
        deposit_send_task.call(deposit_id=deposit.pk)
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.SENDING and deposit.sending_since and not deposit.operation_id
    silent_since(deposit, seconds=settings.VITAM["UPLOAD_TIMEOUT"] + 11 * 60)
    return deposit


def deposits_retry() -> str:
    """`manage.py deposits_retry` as the timer runs it; its one line of output."""
    out = io.StringIO()
    call_command("deposits_retry", stdout=out)
    return out.getvalue().strip()


def silent_since(deposit, *, seconds):
    Deposit.objects.filter(pk=deposit.pk).update(updated_at=timezone.now() - datetime.timedelta(seconds=seconds))


def attempt_operations(deposit, attempt: int) -> list[dict]:
    """Vitam's operations of one attempt to send the deposit (its X-Application-Id)."""
    query = SelectSingle().where(eq("evIdAppSession", f"SAM-DEPOSIT-{deposit.pk}-{attempt}"))
    return vitam_client(deposit.tenant, contract=ACCESS).search_operations(query.build()).results


def ingests_of(deposit) -> list[dict]:
    """Vitam's ingest operations of the deposit's SIP (its MessageIdentifier)."""
    query = SelectSingle().where(eq("evTypeProc", "INGEST"), eq("obIdIn", deposit.message_identifier))
    return vitam_client(deposit.tenant, contract=ACCESS).search_operations(query.build()).results


def test_a_send_whose_answer_was_lost_with_its_worker_is_followed_not_sent_twice(client, vitam_world, tmp_path,
                                                                                 queued_tasks, settings):
    # Vitam accepted the SIP; the worker died before SAM kept the operation's id.
    deposit = sent_deposit_whose_worker_dies(client, vitam_world, tmp_path, settings, "Envoi sans réponse",
                                             column="operation_id", before=True)
    # Vitam may not have read the manifest yet (no obIdIn): the attempt is found by its name
    [operation] = attempt_operations(deposit, 1)
    assert operation["evTypeProc"] == "INGEST"

    run_tasks_at_once(settings)
    assert deposits_retry() == "deposits retried: 1, follow-ups resumed: 0, interrupted sends: 1"
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK", deposit.explanation
    assert deposit.operation_id == operation["evId"] and deposit.attempts == 2
    assert len(ingests_of(deposit)) == 1  # the archives were not ingested twice
    actions = list(AuditEntry.objects.filter(target_id=str(deposit.pk)).order_by("pk").values_list("action",
                                                                                                   flat=True))
    assert actions[-4:] == ["deposits.send_interrupted", "deposits.retry", "deposits.send_found",
                            "deposits.complete"]


def test_a_send_whose_worker_stopped_before_vitam_had_it_is_sent_again_once(client, vitam_world, tmp_path,
                                                                            queued_tasks, settings):
    # The worker died right after writing that it sends the SIP, before a byte left.
    deposit = sent_deposit_whose_worker_dies(client, vitam_world, tmp_path, settings, "Envoi jamais parti",
                                             column="attempts", before=False)
    assert attempt_operations(deposit, 1) == []
    run_tasks_at_once(settings)
    assert deposits_retry() == "deposits retried: 1, follow-ups resumed: 0, interrupted sends: 1"
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK", deposit.explanation
    [operation] = ingests_of(deposit)
    assert operation["evIdAppSession"] == f"SAM-DEPOSIT-{deposit.pk}-2" and deposit.attempts == 2


def test_a_send_in_progress_or_waiting_in_the_queue_is_left_alone(client, vitam_world, tmp_path, queued_tasks,
                                                                  settings):
    tenant = vitam_world.tenant_a
    client.force_login(vitam_world.archivist_a)
    upload(client, tenant, build_sip(tenant, tmp_path / "sip", title="Envoi en file"))
    deposit = latest(tenant)
    worker_takes_job(Job.objects.get(pk=deposit.job_id))
    # queued for an hour behind other work: no worker began it
    silent_since(deposit, seconds=3600)
    assert deposits_sending_recover() == 0
    # a worker began it and beat less than the upload's timeout ago
    Deposit.objects.filter(pk=deposit.pk).update(sending_since=timezone.now())
    silent_since(deposit, seconds=settings.VITAM["UPLOAD_TIMEOUT"])
    assert deposits_sending_recover() == 0
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.SENDING


def test_a_long_upload_beats_while_its_bytes_leave(client, vitam_world, tmp_path, settings, monkeypatch):
    from sam.deposits import services

    monkeypatch.setattr(services, "SEND_HEARTBEAT_SECONDS", 0)
    beats = []

    def count_beats(execute, sql, params, many, context):
        if sql.startswith('UPDATE "deposits_deposit" SET "updated_at" = ') and " WHERE " in sql:
            beats.append(params[-1])
        return execute(sql, params, many, context)

    tenant = vitam_world.tenant_a
    client.force_login(vitam_world.archivist_a)
    with connection.execute_wrapper(count_beats):
        upload(client, tenant, build_sip(tenant, tmp_path / "sip", title="Envoi long", files=3))
    deposit = latest(tenant)
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK", deposit.explanation
    assert len(beats) >= 1 and set(beats) == {deposit.pk}


def test_an_attempt_vitam_refused_without_reading_its_manifest_is_sent_again(client, vitam_world, tmp_path,
                                                                            queued_tasks, settings):
    deposit = sent_deposit_whose_worker_dies(client, vitam_world, tmp_path, settings, "Envoi tronqué",
                                             column="attempts", before=False)
    # What Vitam kept of the first attempt: a SIP cut short, refused before its manifest was read.
    truncated = tmp_path / "tronque.zip"
    truncated.write_bytes(open(deposit.file_path, "rb").read()[:200])
    first = vitam_client(deposit.tenant, contract=ADMIN, application_id=f"SAM-DEPOSIT-{deposit.pk}-1")
    refused = first.ingest(str(truncated))
    assert first.wait_for_operation(refused).status in ("KO", "FATAL")

    run_tasks_at_once(settings)
    deposits_retry()
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK", deposit.explanation
    assert deposit.operation_id != refused
    [operation] = ingests_of(deposit)
    assert operation["evIdAppSession"] == f"SAM-DEPOSIT-{deposit.pk}-2"
