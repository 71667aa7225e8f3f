"""A transfer in parts whose background worker stopped mid-job is taken up again by `manage.py jobs_recover`: the
part whose ARCHIVE_TRANSFER Vitam already has is followed, not asked again; past the last attempt the part fails
with the job's error and the group shows « Reprendre le transfert ». Against vitam-lite over HTTP; the worker dies
for real in the middle of the task (tests.jobs.worker)."""

import html
import io

import pytest
from django.core.management import call_command

from sam.lib.jobs.models import Job
from sam.transfers.models import Transfer
from tenants.models import AuditEntry
from tenants.vitam_clients import vitam_client
from tests.jobs.worker import WorkerKilled, queued_for, time_passes, worker_killed_after_recording_operation, \
    worker_takes
from tests.transfers.test_parts import archive_transfers, parts_of, post_transfer, queued_tasks, \
    two_per_operation  # noqa: F401 fixtures
from tests.transfers.test_transfers import url

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


def recover(*args) -> str:
    out = io.StringIO()
    call_command("jobs_recover", *args, stdout=out)
    return out.getvalue().strip()


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
