"""Communications (DIP) past Vitam's distribution threshold run as several EXPORT_DIP operations, against
vitam-lite over HTTP: every unit in exactly one DIP, one download per part (each audited), a part that fails
stops the rest and says so, and "Reprendre" runs only what is left without asking Vitam twice for a part.
The folder of the fixture holds 3 units; with the council minutes of 2019 the selection holds 4."""

import datetime
import html
import io
import zipfile

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from sam.communication import services
from sam.communication.models import Communication, CommunicationPart
from sam.lib.jobs.models import Job
from sam.vitam.dsl import SelectSingle, eq
from sam.vitam.errors import VitamError
from tenants.models import AuditEntry
from tenants.vitam_clients import ACCESS, vitam_client
from tests.communication.test_communication import FOLDER, FORM, SEDA, create_url, folder_selection
from tests.elimination.conftest import Archive, seed_eliminable

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(vitam_world):
    return Archive(world=vitam_world, ids=seed_eliminable(vitam_world.tenant_a))


@pytest.fixture
def limit(settings):
    def set_limit(value):
        settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": value}
    return set_limit


@pytest.fixture
def queued_tasks(settings):
    """Jobs are only enqueued, so that the test runs them itself and can change Vitam between two parts."""
    immediate = settings.TASKS
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}
    yield
    settings.TASKS = immediate


def export_operations(archive) -> list[dict]:
    """Vitam's journal of operations: the EXPORT_DIP operations of tenant A (numbered apart in the session)."""
    client = vitam_client(archive.tenant_a, contract=ACCESS)
    return client.search_operations(SelectSingle().where(eq("evType", "EXPORT_DIP"))).results


def part_url(archive, communication, index):
    return reverse("communication:part_download", args=[archive.tenant_a.pk, communication.pk, index])


def dip_unit_ids(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as dip:
        manifest = etree.fromstring(dip.read("manifest.xml"))
    return [unit.get("id") for unit in manifest.iter(SEDA + "ArchiveUnit")]


def test_a_communication_past_the_threshold_is_delivered_in_parts_each_unit_once(client, archive, limit):
    limit(2)
    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    form_page = html.unescape(client.get(create_url(archive, selection)).content.decode())
    assert ("La communication sera livrée en 2 DIP d’au plus 2 unités chacun, Vitam n’acceptant pas plus "
            "d’unités par opération.") in form_page

    assert client.post(create_url(archive, selection), FORM).status_code == 302
    communication = Communication.objects.get()
    assert communication.state == Communication.State.READY, communication.error
    parts = list(communication.parts.all())
    assert [part.index for part in parts] == [1, 2]
    assert [part.exported_units for part in parts] == [2, 1]
    assert all(part.state == CommunicationPart.State.DONE and part.operation_id for part in parts)
    assert (communication.exported_units, communication.exported_objects) == (3, 2)
    assert communication.size == sum(part.size for part in parts) > 0
    assert sorted(operation["#id"] for operation in export_operations(archive)) == sorted(
        part.operation_id for part in parts)

    detail = html.unescape(client.get(reverse("communication:detail", args=[archive.tenant_a.pk, communication.pk]))
                           .content.decode())
    assert "DIP partie 1 sur 2 (2 unités" in detail and "DIP partie 2 sur 2 (1 unité" in detail
    assert "3 unités archivistiques exportées avec 2 fichiers" in detail
    assert 'id="download-dip"' not in detail  # one download per part instead

    first, second = dip_unit_ids(client, part_url(archive, communication, 1)), dip_unit_ids(
        client, part_url(archive, communication, 2))
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)
    folder_ids = {archive.ids[title] for title in (FOLDER, "PC 0012 maison A", "PC 0047 garage A")}
    assert set(first) | set(second) == folder_ids
    downloads = AuditEntry.objects.filter(action="communication.download", tenant=archive.tenant_a).order_by("pk")
    assert [(entry.after["part"], entry.after["parts"], entry.after["operation"]) for entry in downloads] == [
        (1, 2, parts[0].operation_id), (2, 2, parts[1].operation_id)]
    assert client.get(part_url(archive, communication, 3)).status_code == 404

    listing = html.unescape(client.get(reverse("communication:list", args=[archive.tenant_a.pk])).content.decode())
    assert "en 2 parties" in listing


def test_a_part_ending_ko_stops_the_rest_and_resume_runs_only_what_is_left(client, archive, limit, queued_tasks):
    limit(2)
    selection = folder_selection(archive, archive.ids["Deliberations 2019 A"])
    client.force_login(archive.archivist_a)
    client.post(create_url(archive, selection), FORM)
    communication = Communication.objects.get()
    assert communication.state == Communication.State.RUNNING and not communication.parts.exists()

    def lower_the_threshold_after_the_first_part(done, total, message):
        if message == "Partie 1 sur 2 prête":
            limit(1)  # the second part's 2 units are now more than Vitam takes: CHECK_DISTRIBUTION_THRESHOLD KO

    services.communication_run(communication=communication, on_progress=lower_the_threshold_after_the_first_part)
    communication.refresh_from_db()
    first, second = communication.parts.all()
    assert communication.state == Communication.State.FAILED
    assert (first.state, second.state) == (CommunicationPart.State.DONE, CommunicationPart.State.FAILED)
    assert first.exported_units == 2 and communication.exported_units == 2
    failed_operation = second.operation_id
    events = {event["evType"]: event for event in vitam_client(archive.tenant_a, contract=ACCESS)
              .get_operation(failed_operation)["events"]}
    assert events["CHECK_DISTRIBUTION_THRESHOLD"]["outcome"] == "KO"

    detail_url = reverse("communication:detail", args=[archive.tenant_a.pk, communication.pk])
    page = html.unescape(client.get(detail_url).content.decode())
    assert "La partie 2 sur 2 a échoué" in page
    assert "Parties faites\u00a0: 1 (2 unités)\u00a0; parties non faites\u00a0: 2" in page
    # Part 1 is done: downloadable at once (issue 15); part 2 says why not.
    assert 'id="resume-communication"' in page and 'id="download-dip-1"' in page and 'id="download-dip-2"' not in page

    limit(2)
    assert client.post(reverse("communication:resume", args=[archive.tenant_a.pk, communication.pk])
                       ).status_code == 302
    resume_entry = AuditEntry.objects.get(action="communication.resume")
    assert resume_entry.after == {"parts": 2, "done": [1]} and resume_entry.actor == archive.archivist_a
    communication.refresh_from_db()
    assert communication.state == Communication.State.RUNNING and communication.job.kind == "communication_dip"
    services.communication_run(communication=communication, on_progress=lambda *progress: None)

    communication.refresh_from_db()
    resumed_first, resumed_second = communication.parts.all()
    assert communication.state == Communication.State.READY, communication.error
    assert resumed_first.operation_id == first.operation_id  # the first part was not asked again
    assert resumed_second.operation_id not in ("", failed_operation)
    assert (communication.exported_units, resumed_second.exported_units) == (4, 2)
    operations = sorted(operation["#id"] for operation in export_operations(archive))
    assert operations == sorted([first.operation_id, failed_operation, resumed_second.operation_id])
    units = dip_unit_ids(client, part_url(archive, communication, 1)) + dip_unit_ids(
        client, part_url(archive, communication, 2))
    assert sorted(units) == sorted(archive.ids[title] for title in archive.ids)


def test_vitam_unreachable_in_the_second_part_is_resumed_asking_vitam_once_per_part(client, archive, limit,
                                                                                    queued_tasks, vitamlite_server):
    limit(2)
    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    client.post(create_url(archive, selection), FORM)
    communication = Communication.objects.get()

    def vitam_down_after_the_first_part(done, total, message):
        if message == "Partie 1 sur 2 prête":
            vitamlite_server.set_faults("error503:/access-external/v2/dipexport")

    try:
        with pytest.raises(VitamError) as stopped:
            services.communication_run(communication=communication, on_progress=vitam_down_after_the_first_part)
    finally:
        vitamlite_server.set_faults("")
    assert stopped.value.user_message()
    communication.refresh_from_db()
    first, second = communication.parts.all()
    assert communication.state == Communication.State.FAILED
    assert "La partie 2 sur 2 a échoué" in communication.error and "(2 unités)" in communication.error
    assert (first.state, second.state, second.operation_id) == (CommunicationPart.State.DONE,
                                                                CommunicationPart.State.PENDING, "")

    client.post(reverse("communication:resume", args=[archive.tenant_a.pk, communication.pk]))
    communication.refresh_from_db()
    services.communication_run(communication=communication, on_progress=lambda *progress: None)
    communication.refresh_from_db()
    assert communication.state == Communication.State.READY, communication.error
    parts = list(communication.parts.all())
    assert parts[0].operation_id == first.operation_id
    assert sorted(operation["#id"] for operation in export_operations(archive)) == sorted(
        part.operation_id for part in parts)  # exactly one EXPORT_DIP per part


def test_a_started_part_is_followed_not_asked_again(archive, limit, queued_tasks, client):
    """A worker stopped after Vitam accepted a part's export: the part keeps its operation id, and the job run
    again follows that operation to its end instead of asking for a second DIP."""
    limit(2)
    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    client.post(create_url(archive, selection), FORM)
    communication = Communication.objects.get()
    services.communication_run(communication=communication, on_progress=lambda *progress: None)
    done = {part.index: part.operation_id for part in communication.parts.all()}
    # As if the worker had died while following the second part.
    CommunicationPart.objects.filter(communication=communication, index=2).update(
        state=CommunicationPart.State.RUNNING, exported_units=0)
    Communication.objects.filter(pk=communication.pk).update(state=Communication.State.RUNNING)
    communication.refresh_from_db()
    services.communication_run(communication=communication, on_progress=lambda *progress: None)
    communication.refresh_from_db()
    assert communication.state == Communication.State.READY
    assert {part.index: part.operation_id for part in communication.parts.all()} == done
    assert communication.parts.get(index=2).exported_units == 1
    assert len(export_operations(archive)) == 2


def test_only_a_failed_communication_is_resumed(client, archive):
    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    client.post(create_url(archive, selection), FORM)
    communication = Communication.objects.get()
    assert communication.state == Communication.State.READY
    response = client.post(reverse("communication:resume", args=[archive.tenant_a.pk, communication.pk]),
                           follow=True)
    assert "Seule une communication en échec peut être reprise." in html.unescape(response.content.decode())
    assert not AuditEntry.objects.filter(action="communication.resume").exists()
    assert Job.objects.filter(kind="communication_dip").count() == 1


def test_vitam_unreachable_before_the_cut_fails_and_resumes_from_the_start(client, archive, limit, queued_tasks,
                                                                           vitamlite_server):
    limit(2)
    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    client.post(create_url(archive, selection), FORM)
    communication = Communication.objects.get()
    vitamlite_server.set_faults("error503:/access-external/v1/units")
    try:
        with pytest.raises(VitamError):
            services.communication_run(communication=communication, on_progress=lambda *progress: None)
    finally:
        vitamlite_server.set_faults("")
    communication.refresh_from_db()
    assert communication.state == Communication.State.FAILED and communication.error
    assert not communication.parts.exists() and export_operations(archive) == []
    detail = client.get(reverse("communication:detail", args=[archive.tenant_a.pk, communication.pk])).content
    assert b'id="resume-communication"' in detail

    client.post(reverse("communication:resume", args=[archive.tenant_a.pk, communication.pk]))
    communication.refresh_from_db()
    services.communication_run(communication=communication, on_progress=lambda *progress: None)
    communication.refresh_from_db()
    assert communication.state == Communication.State.READY and communication.parts.count() == 2
    assert len(export_operations(archive)) == 2


def test_a_done_part_downloads_while_the_next_runs_and_after_it_failed(client, archive, limit, queued_tasks):
    """Part 1 is downloaded while Vitam prepares part 2, and again once part 2 has failed; part 2's address says
    in French why it cannot be had; each download is audited with its part."""
    limit(2)
    selection = folder_selection(archive, archive.ids["Deliberations 2019 A"])
    client.force_login(archive.archivist_a)
    client.post(create_url(archive, selection), FORM)
    communication = Communication.objects.get()
    detail_url = reverse("communication:detail", args=[archive.tenant_a.pk, communication.pk])
    seen_while_running = {}

    def download_the_first_part_meanwhile(done, total, message):
        if message == "Partie 1 sur 2 prête":
            seen_while_running["units"] = dip_unit_ids(client, part_url(archive, communication, 1))
            seen_while_running["page"] = html.unescape(client.get(detail_url).content.decode())
            seen_while_running["second"] = html.unescape(
                client.get(part_url(archive, communication, 2), follow=True).content.decode())
            limit(1)  # the second part's 2 units are now more than Vitam takes: CHECK_DISTRIBUTION_THRESHOLD KO

    services.communication_run(communication=communication, on_progress=download_the_first_part_meanwhile)
    communication.refresh_from_db()
    first, second = communication.parts.all()
    assert communication.state == Communication.State.FAILED
    assert (first.state, second.state) == (CommunicationPart.State.DONE, CommunicationPart.State.FAILED)
    assert seen_while_running["units"] == first.unit_ids  # the zip's manifest holds part 1's units, only them
    assert "Partie 1 sur 2 prête : téléchargez-la dès maintenant, sans attendre les autres." in (
        seen_while_running["page"])
    assert "La partie 2 sur 2 est en cours de préparation par Vitam : elle pourra être téléchargée une fois " \
           "prête." in seen_while_running["second"]

    assert dip_unit_ids(client, part_url(archive, communication, 1)) == first.unit_ids
    refused = html.unescape(client.get(part_url(archive, communication, 2), follow=True).content.decode())
    assert "La partie 2 sur 2 a échoué : « Reprendre » la communication pour la préparer à " \
           "nouveau." in refused
    page = html.unescape(client.get(detail_url).content.decode())
    assert 'id="download-dip-1"' in page and 'id="download-dip-2"' not in page and 'id="part-unavailable-2"' in page
    downloads = AuditEntry.objects.filter(action="communication.download", tenant=archive.tenant_a)
    assert [(entry.after["part"], entry.after["operation"]) for entry in downloads.order_by("pk")] == [
        (1, first.operation_id)] * 2  # part 2's refusals left no entry


def test_a_part_expires_from_its_own_end(client, archive, limit, queued_tasks):
    """A part done early expires SAM_DIP_RETENTION_DAYS after its own end; the whole DIP is available until its
    first part expires."""
    limit(2)
    selection = folder_selection(archive, archive.ids["Deliberations 2019 A"])
    client.force_login(archive.archivist_a)
    client.post(create_url(archive, selection), FORM)
    communication = Communication.objects.get()
    services.communication_run(communication=communication, on_progress=lambda *progress: None)
    communication.refresh_from_db()
    first, second = communication.parts.all()
    retention = datetime.timedelta(days=settings.DIP_RETENTION_DAYS)
    assert first.expires_at - retention <= second.expires_at - retention <= communication.finished_at
    assert communication.expires_at == first.expires_at

    CommunicationPart.objects.filter(pk=first.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    refused = html.unescape(client.get(part_url(archive, communication, 1), follow=True).content.decode())
    assert "Ce DIP n’est plus disponible" in refused
    assert dip_unit_ids(client, part_url(archive, communication, 2)) == second.unit_ids
    assert [entry.after["part"] for entry in AuditEntry.objects.filter(action="communication.download")] == [2]
