"""archiviste.cergy's communication in 2 parts loses its background worker in part 2, twice: the page says the work
was interrupted and taken up again automatically, then, past the last attempt, that it failed and why, with
« Reprendre », which ends it with one DIP per part."""

import tempfile
from datetime import date
from pathlib import Path

import pytest

from sam.communication.models import Communication, CommunicationPart
from sam.lib.jobs.models import Job
from sam.lib.jobs.recovery import jobs_recover
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_communication import _communication_form_for_the_folder
from sam.lib.seda.sip import SipObject, SipPackage, SipUnit, write_sip
from sam.site.demo import ARCHIVAL_AGENCY, agency_prefix, contract_ids
from sam.vitam.dsl import Select, eq
from tenants.vitam_clients import ACCESS, vitam_client
from tests.jobs.worker import WorkerKilled, time_passes, worker_killed_after_recording_operation, \
    worker_killed_at_update, worker_takes_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default", "vitam"]}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "vitam"]}}


# A folder of two items of the test's own: the demo's permits folder may have been eliminated by an earlier test.
FOLDER = "Autorisations de voirie — 2011"


def own_folder(cergy) -> None:
    """The folder and its two items ingested into Cergy's tenant, once for the session's vitam-lite."""
    client = vitam_client(cergy, contract=ACCESS)
    if client.search_units(Select().where(eq("Title", FOLDER)).limit(1)).total:
        return
    prefix = agency_prefix(cergy.organisation)
    with tempfile.TemporaryDirectory(prefix="sam-test-") as folder:
        items = []
        for day in (1, 2):
            document = Path(folder) / f"{day}.txt"
            document.write_text(f"Autorisation de voirie n° {day}\n", encoding="utf-8")
            items.append(SipUnit(title=f"Autorisation de voirie n° {day}", description_level="Item",
                                 start_date=date(2011, 3, day), end_date=date(2011, 3, day),
                                 objects=[SipObject(path=document, mime_type="text/plain")]))
        package = SipPackage(message_identifier=f"TEST-VOIRIE-{cergy.vitam_id}", comment=FOLDER,
                             archival_agreement=contract_ids(cergy)[0], archival_agency=ARCHIVAL_AGENCY,
                             transferring_agency=f"{prefix}-ARCH", originating_agency=f"{prefix}-URBA",
                             units=[SipUnit(title=FOLDER, description_level="File", start_date=date(2011, 3, 1),
                                            end_date=date(2011, 3, 2), children=items)])
        built = write_sip(package, Path(folder) / "sip.zip")
        operation = client.ingest(built.path)
    assert client.wait_for_operation(operation, timeout=60).status in ("OK", "WARNING")


def second_part(pk) -> bool:
    return CommunicationPart.objects.filter(pk=pk, index=2).exists()


def worker_dies_in_part_2(job: Job, *, asked: bool) -> None:
    """Part 2 asked of Vitam, then the worker is gone; or, asked already, gone just before part 2 is ready."""
    dying = (worker_killed_at_update("communication_communicationpart", "exported_units", second_part, before=True)
             if asked else worker_killed_after_recording_operation("communication_communicationpart", second_part))
    with pytest.raises(WorkerKilled), dying:
        worker_takes_job(job)
    time_passes(job)


def test_a_communication_whose_worker_stopped_says_so_then_offers_to_resume(page, login, live_server, vitam_url,
                                                                             demo, settings):
    settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": 2}
    settings.TASKS = DUMMY  # the test is the worker: it takes the queued tasks itself
    _communication_form_for_the_folder(page, login, live_server, folder=FOLDER, words="Autorisations de voirie",
                                       before=own_folder)
    page.get_by_label("Recherche").check()
    page.locator("#id_requester_name").fill("Mme Leroy")
    page.get_by_role("button", name="Préparer le DIP").click()
    page.wait_for_load_state()
    detail_url = page.url
    communication = Communication.objects.get()
    job = communication.job

    worker_dies_in_part_2(job, asked=False)
    assert jobs_recover(max_attempts=2).recovered == [job.pk]
    page.goto(detail_url)
    assert page.locator(".job-message").inner_text() == (
        "En attente — Reprise après l’arrêt du processus des tâches (tentative 2 sur 2)")
    page.screenshot(path=str(ARTIFACTS / "communication-worker-stopped-taken-up.png"), full_page=True)

    worker_dies_in_part_2(job, asked=True)
    assert jobs_recover(max_attempts=2).abandoned == [job.pk]
    page.goto(detail_url)
    assert page.locator("#communication-state").inner_text() == "En échec"
    main = page.locator("main").inner_text()
    assert "La partie 2 sur 2 a échoué\u00a0: Le travail a été interrompu 2 fois" in main
    assert "contactez l’administrateur" in main
    page.screenshot(path=str(ARTIFACTS / "communication-worker-stopped-abandoned.png"), full_page=True)

    settings.TASKS = IMMEDIATE
    page.locator("#resume-communication").click()
    page.wait_for_selector("#download-dip-2")
    communication.refresh_from_db()
    assert communication.state == Communication.State.READY
    assert len({part.operation_id for part in communication.parts.all()}) == 2
    assert not page.console_errors
