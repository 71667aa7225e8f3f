"""The elimination certificate: a summary whatever the number of units, printing the SHA-512 of its annex (a CSV
listing every unit), both laid out by their own job once the elimination is done (vitam-lite over HTTP)."""

import csv
import hashlib
import io
from datetime import date

import pytest
from pypdf import PdfReader

from sam.elimination import documents, services, tasks
from sam.elimination.models import Proposal, VitamBatch
from sam.lib.jobs.models import Job
from sam.lib.seda.sip import SipRule, SipUnit
from tests.elimination.conftest import ingest, unit_ids
from tests.elimination.test_batches import eliminable_ids, queued_tasks, small_batches, two_permits  # noqa: F401
from tests.elimination.test_workflow import analyse, submit_and_approve, url

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                         "QUEUES": ["default", "vitam"]}}


def seed_series(tenant):
    """A series without rule (kept in Vitam) holding a building permit whose DUA has ended, with one item."""
    permit = SipUnit(title="Permis de construire 2008 C", description_level="File", start_date=date(2008, 1, 1),
                     end_date=date(2008, 12, 31),
                     rules=[SipRule("AppraisalRule", "APP-PC", date(2008, 12, 31), final_action="Destroy")],
                     children=[SipUnit(title="PC 0099 atelier C", description_level="Item",
                                       start_date=date(2008, 9, 1), end_date=date(2008, 9, 1))])
    ingest(tenant, [SipUnit(title="Urbanisme C", description_level="Series", children=[permit])],
           identifier=f"ELIM-{tenant.vitam_id}-C")
    return unit_ids(tenant, ["Urbanisme C", "Permis de construire 2008 C", "PC 0099 atelier C"])


def pdf_text(data: bytes) -> str:
    """The PDF's text without line breaks nor spaces (a digest is wrapped over several lines)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace("\n", "").replace(" ", "")


def test_the_certificate_summarises_and_prints_the_digest_of_its_annex_listing_every_unit(
        client, two_permits, small_batches):
    archive = two_permits
    series = seed_series(archive.tenant_a)
    series_id = series.pop("Urbanisme C")
    archive.ids.update(series)
    proposal = submit_and_approve(client, archive, analyse(client, archive))
    client.force_login(archive.archivist_a)
    assert client.post(url("proposal_execute", proposal)).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.EXECUTED, proposal.error
    operations = {batch.operation_id for batch in proposal.batches.filter(kind=VitamBatch.Kind.ELIMINATION)}
    assert len(operations) == 3
    # The permit of the series and its item count under the series Vitam keeps; the other six under none.
    figures = documents.certificate_figures(proposal)
    assert [(row["id"], row["title"], row["destroyed"], row["not_destroyed"]) for row in figures["series"]] == [
        (series_id, "Urbanisme C", 2, 0), ("", "", 6, 0)]
    assert [(row["rule"], row["destroyed"]) for row in figures["rules"]] == [("APP-PC", 8)]

    response = client.get(url("proposal_certificate_annex", proposal))
    annex = b"".join(response.streaming_content)
    assert response.status_code == 200 and annex.startswith("\ufeff".encode())
    assert hashlib.sha512(annex).hexdigest() == proposal.certificate_annex_sha512
    rows = list(csv.reader(io.StringIO(annex.decode("utf-8-sig")), delimiter=";"))[1:]
    assert {row[0] for row in rows} == eliminable_ids(archive)
    assert {row[-1] for row in rows} == operations  # each unit names the Vitam operation that destroyed it
    titles = {row[1] for row in rows}
    assert "PC 0012 maison A" in titles

    response = client.get(url("proposal_certificate", proposal))
    certificate = b"".join(response.streaming_content)
    assert hashlib.sha512(certificate).hexdigest() == proposal.certificate_sha512
    text = pdf_text(certificate)
    assert proposal.certificate_annex_sha512 in text
    assert proposal.report_sha512 in text and all(operation in text for operation in operations)
    assert not any(title.replace(" ", "") in text for title in titles)  # a summary: no unit listed one by one
    assert "Parserviceproducteur" in text and "Parsérie" in text and "UrbanismeC" in text

    page = client.get(url("proposal_detail", proposal)).content.decode()
    assert 'id="download-certificate-annex"' in page and 'id="certificate-in-preparation"' not in page


def test_the_elimination_is_done_before_its_certificate_is_laid_out_by_its_own_job(
        client, two_permits, queued_tasks, settings):
    archive = two_permits
    settings.TASKS = IMMEDIATE
    proposal = submit_and_approve(client, archive, analyse(client, archive))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}
    proposal = services.proposal_execute_start(actor=archive.archivist_a, proposal=proposal)
    services.action_run(proposal=proposal, on_progress=lambda done, total, message: None)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.EXECUTED and proposal.destroyed_count == 6
    assert not proposal.certificate_path and not proposal.certificate_annex_path
    job = proposal.certificate_job
    assert job is not None and job.state == Job.State.QUEUED

    client.force_login(archive.archivist_a)
    page = client.get(url("proposal_detail", proposal)).content.decode()
    assert 'id="certificate-in-preparation"' in page and 'id="download-certificate"' not in page

    tasks.certificate_task.call(job_id=job.pk, proposal_id=proposal.pk)
    proposal.refresh_from_db()
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.error
    with open(proposal.certificate_annex_path, "rb") as annex:
        assert hashlib.sha512(annex.read()).hexdigest() == proposal.certificate_annex_sha512
    with open(proposal.certificate_path, "rb") as certificate:
        assert proposal.certificate_annex_sha512 in pdf_text(certificate.read())
    page = client.get(url("proposal_detail", proposal)).content.decode()
    assert 'id="download-certificate"' in page and 'id="certificate-in-preparation"' not in page


def test_a_certificate_whose_job_failed_is_laid_out_again_once(client, two_permits, queued_tasks, vitamlite_server,
                                                                settings):
    archive = two_permits
    series = seed_series(archive.tenant_a)
    series.pop("Urbanisme C")
    archive.ids.update(series)
    settings.TASKS = IMMEDIATE
    proposal = submit_and_approve(client, archive, analyse(client, archive))
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}
    proposal = services.proposal_execute_start(actor=archive.archivist_a, proposal=proposal)
    services.action_run(proposal=proposal, on_progress=lambda done, total, message: None)
    proposal.refresh_from_db()
    failed = proposal.certificate_job
    # Vitam refuses searches while the job looks up the series it keeps above the destroyed permit.
    vitamlite_server.set_faults("error503:/access-external/v1/units")
    try:
        tasks.certificate_task.call(job_id=failed.pk, proposal_id=proposal.pk)
    finally:
        vitamlite_server.set_faults("")
    failed.refresh_from_db()
    proposal.refresh_from_db()
    assert failed.state == Job.State.FAILED and failed.error
    assert not proposal.certificate_path and not proposal.certificate_annex_path

    client.force_login(archive.archivist_a)
    page = client.get(url("proposal_detail", proposal)).content.decode()
    assert 'id="restart-certificate"' in page
    settings.TASKS = IMMEDIATE
    assert client.post(url("proposal_certificate_restart", proposal)).status_code == 302
    proposal.refresh_from_db()
    assert proposal.certificate_job_id != failed.pk and proposal.certificate_job.state == Job.State.SUCCEEDED
    assert "UrbanismeC" in pdf_text(open(proposal.certificate_path, "rb").read())
    # Once laid out, it is not laid out again.
    client.post(url("proposal_certificate_restart", proposal))
    assert Proposal.objects.get(pk=proposal.pk).certificate_job_id == proposal.certificate_job_id
