"""A transfer in parts whose background worker stopped mid-job is taken up again by `manage.py jobs_recover`: the
part whose ARCHIVE_TRANSFER Vitam already has is followed, not asked again; past the last attempt the part fails
with the job's error and the group shows « Reprendre le transfert ». Against vitam-lite over HTTP; the worker dies
for real in the middle of the task (tests.jobs.worker)."""

import html
import io

import pytest
from django.urls import reverse

from sam.lib.jobs.models import Job
from sam.transfers import delivery
from sam.transfers.models import Transfer
from sam.vitam import SelectSingle, eq
from tenants.models import AuditEntry
from tenants.vitam_clients import ACCESS, vitam_client
from tests.jobs.worker import WorkerKilled, queued_for, recover, time_passes, \
    worker_killed_after_recording_operation, worker_killed_at_update, worker_takes
from tests.transfers.test_parts import archive_transfers, parts_of, post_transfer, queued_tasks, \
    two_per_operation  # noqa: F401 fixtures
from tests.transfers.test_transfers import post_reply, remaining, reply_for, start_from_selection, url

pytestmark = pytest.mark.django_db


def second_part(pk) -> bool:
    return Transfer.objects.filter(pk=pk, part_index=2).exists()


def transfer_whose_worker_died_in_part_2(client, archive) -> tuple[Transfer, Job]:
    """Part 1's SIP ready, part 2's ARCHIVE_TRANSFER accepted by Vitam (its id kept), then the worker is gone."""
    head = post_transfer(client, archive)
    job = Job.objects.get(pk=head.job_id)
    (queued,) = queued_for(job)
    with pytest.raises(WorkerKilled), worker_killed_after_recording_operation("transfers_transfer", second_part):
        worker_takes(queued)
    first, second = parts_of(head)
    assert first.state == Transfer.State.SIP_READY
    assert second.state == Transfer.State.PREPARING and second.operation_id
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING
    return head, job


def test_a_transfer_whose_worker_died_is_taken_up_again_asking_vitam_once_per_part(
        client, archive, two_per_operation, queued_tasks):
    head, job = transfer_whose_worker_died_in_part_2(client, archive)
    asked = [part.operation_id for part in parts_of(head)]
    assert recover() == "jobs taken up again: 0, abandoned: 0, errors: 0"  # fresh heartbeat: left alone

    time_passes(job)
    assert recover() == "jobs taken up again: 1, abandoned: 0, errors: 0"
    job.refresh_from_db()
    assert (job.state, job.attempt) == (Job.State.QUEUED, 2)
    worker_takes(queued_for(job)[-1])
    job.refresh_from_db()
    first, second = parts_of(head)
    assert [first.state, second.state] == [Transfer.State.SIP_READY] * 2, second.error
    assert [first.operation_id, second.operation_id] == asked
    assert archive_transfers(archive) == sorted(asked)  # one ARCHIVE_TRANSFER per part
    assert job.state == Job.State.SUCCEEDED
    assert AuditEntry.objects.filter(action="job.recovered", target_id=str(job.pk)).count() == 1

    # the SIP's download beats too (a SIP of gigabytes takes minutes): once per MiB read
    beats, sip = [], io.BytesIO()
    result = vitam_client(archive.tenant_a).download_transfer_sip(second.operation_id, sip,
                                                                  on_chunk=lambda: beats.append(1))
    assert result.size == len(sip.getvalue()) > 0 and len(beats) == -(-result.size // (1024 * 1024))


def test_past_the_last_attempt_the_part_fails_and_the_group_offers_to_resume(
        client, archive, two_per_operation, queued_tasks):
    head, job = transfer_whose_worker_died_in_part_2(client, archive)
    time_passes(job)
    assert recover("--max-attempts", "1") == "jobs taken up again: 0, abandoned: 1, errors: 0"
    job.refresh_from_db()
    first, second = parts_of(head)
    assert job.state == Job.State.FAILED and "contactez l’administrateur" in job.error
    assert (first.state, second.state, second.error) == (Transfer.State.SIP_READY, Transfer.State.FAILED, job.error)
    assert AuditEntry.objects.filter(action="job.abandoned", target_id=str(job.pk)).count() == 1
    page = html.unescape(client.get(url("group", archive, pk=head.pk)).content.decode())
    assert 'id="resume-transfer"' in page and "contactez l’administrateur" in page

    queued_tasks()  # the resumption's job runs at once
    assert client.post(url("resume", archive, pk=head.pk)).status_code == 302
    second.refresh_from_db()
    assert second.state == Transfer.State.SIP_READY, second.error
    assert archive_transfers(archive) == sorted([first.operation_id, second.operation_id])


def transfer_operations(archive, ev_type: str) -> list[str]:
    query = SelectSingle().where(eq("evType", ev_type)).limit(100)
    return [operation["evId"] for operation in
            vitam_client(archive.tenant_a, contract=ACCESS).search_operations(query.build()).results]


def reply_whose_worker_died(client, archive, queued_tasks, settings, *, after_vitam: bool):
    """A transfer's SIP ready, the receiving service's reply accepting it whole imported; the reply's job starts
    and its worker dies after Vitam accepted the TRANSFER_REPLY (its id kept), or before asking Vitam."""
    queued_tasks()  # the transfer is prepared at once
    transfer = start_from_selection(client, archive)
    assert transfer.state == Transfer.State.SIP_READY, transfer.error
    ids = [archive.ids[t] for t in ("Permis de construire 2008 A", "PC 0012 maison A", "PC 0047 garage A")]
    settings_tasks_queued(settings)
    post_reply(client, archive, transfer, reply_for(transfer.operation_id, ids))
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.REPLY_RUNNING
    job = Job.objects.get(pk=transfer.job_id)
    if after_vitam:
        killed = worker_killed_at_update("transfers_transfer", "reply_operation_id", lambda pk: pk == transfer.pk,
                                         before=False)
    else:  # as soon as the job is marked running
        killed = worker_killed_at_update("jobs_job", "state", lambda pk: pk == job.pk, before=False)
    with pytest.raises(WorkerKilled), killed:
        worker_takes(queued_for(job)[-1])
    time_passes(job)
    return transfer, job, ids


def settings_tasks_queued(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}


def test_a_reply_whose_worker_died_follows_the_transfer_reply_vitam_has(client, archive, queued_tasks, settings):
    transfer, job, ids = reply_whose_worker_died(client, archive, queued_tasks, settings, after_vitam=True)
    transfer.refresh_from_db()
    asked = transfer.reply_operation_id
    assert asked and transfer.state == Transfer.State.REPLY_RUNNING
    assert recover() == "jobs taken up again: 1, abandoned: 0, errors: 0"
    worker_takes(queued_for(job)[-1])
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.DONE, transfer.error
    assert transfer.reply_operation_id == asked and transfer_operations(archive, "TRANSFER_REPLY") == [asked]
    assert transfer.accepted_count == 3 and remaining(archive, ids) == set()


def test_a_reply_abandoned_past_its_last_attempt_awaits_its_reply_again(client, archive, queued_tasks, settings):
    transfer, job, ids = reply_whose_worker_died(client, archive, queued_tasks, settings, after_vitam=False)
    assert recover("--max-attempts", "1") == "jobs taken up again: 0, abandoned: 1, errors: 0"
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.SENT and transfer.error == Job.objects.get(pk=job.pk).error
    assert AuditEntry.objects.filter(action="transfer.reply_failed", target_id=str(transfer.pk)).exists()
    assert remaining(archive, ids) == set(ids) and transfer_operations(archive, "TRANSFER_REPLY") == []

    queued_tasks()  # imported again, it runs at once
    post_reply(client, archive, transfer, reply_for(transfer.operation_id, ids))
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.DONE, transfer.error
    assert remaining(archive, ids) == set()


def test_a_send_to_the_receiving_platform_whose_worker_stopped_goes_back_to_sip_ready(client, archive,
                                                                                      queued_tasks, settings):
    queued_tasks()
    transfer = start_from_selection(client, archive)
    platform = delivery.platform_save(actor=archive.referent_a, tenant=archive.tenant_a, data={
        "name": "AD", "ingest_url": "https://127.0.0.1:9", "vitam_tenant": 3, "context_id": "DEFAULT_WORKFLOW",
        "ingest_contract": "", "cert_path": "", "key_path": "", "ca_path": ""})
    settings_tasks_queued(settings)
    client.post(reverse("transfers:send", args=[archive.tenant_a.pk, transfer.pk]), {"platform": platform.pk})
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.SENDING
    job = Job.objects.get(pk=transfer.job_id)
    with pytest.raises(WorkerKilled), worker_killed_at_update("transfers_transfer", "state", lambda pk: True,
                                                              before=True):
        worker_takes(queued_for(job)[-1])
    time_passes(job)
    assert recover() == "jobs taken up again: 0, abandoned: 1, errors: 0"  # never run twice: it could ingest twice
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.SIP_READY
    assert transfer.error.endswith("Vérifiez sur la plateforme destinataire si elle a reçu le SIP avant de "
                                   "l’envoyer de nouveau.")
    page = html.unescape(client.get(url("detail", archive, pk=transfer.pk)).content.decode())
    assert "Vérifiez sur la plateforme destinataire" in page


def test_a_regularisation_whose_worker_died_follows_the_archive_transfer_vitam_has(client, archive, queued_tasks,
                                                                                   settings):
    queued_tasks()
    transfer = start_from_selection(client, archive)
    ids = [archive.ids[t] for t in ("Permis de construire 2008 A", "PC 0012 maison A", "PC 0047 garage A")]
    settings_tasks_queued(settings)
    post_reply(client, archive, transfer, reply_for(transfer.operation_id, ids[1:]))  # the folder refused
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.REGULARISING
    job = Job.objects.get(pk=transfer.job_id)
    with pytest.raises(WorkerKilled), worker_killed_at_update(
            "transfers_transfer", "regularisation_operation_id", lambda pk: pk == transfer.pk, before=False):
        worker_takes(queued_for(job)[-1])
    transfer.refresh_from_db()
    asked = transfer.regularisation_operation_id
    assert asked and transfer.state == Transfer.State.REGULARISING
    time_passes(job)
    assert recover() == "jobs taken up again: 1, abandoned: 0, errors: 0"
    taken_up = queued_for(job)[-1]
    queued_tasks()  # the reply's job, queued by the regularisation, runs at once
    worker_takes(taken_up)
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.DONE, transfer.error
    assert transfer.regularisation_operation_id == asked
    assert sorted(transfer_operations(archive, "ARCHIVE_TRANSFER")) == sorted([transfer.operation_id, asked])
    assert remaining(archive, ids) == {ids[0]}
