"""Communications (DIP) from a selection, through Django's test client against vitam-lite: the request form and
its preview, the background export followed to its end, the report, the streamed download and its audit,
expiry, and the refusals (a selection mixing tenants, a researcher)."""

import datetime
import html
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from sam.communication.models import Communication
from sam.selection.models import Selection, SelectionEntry
from tenants.models import AuditEntry
from tests.elimination.conftest import Archive, seed_eliminable
from vitamlite.ids import new_guid

pytestmark = pytest.mark.django_db
SEDA = "{fr:gouv:culture:archivesdefrance:seda:v2.1}"
FOLDER = "Permis de construire 2008 A"


@pytest.fixture
def archive(vitam_world):
    return Archive(world=vitam_world, ids=seed_eliminable(vitam_world.tenant_a))


def folder_selection(archive, *extra_ids):
    selection = Selection.objects.create(user=archive.archivist_a, tenant=archive.tenant_a,
                                         organisation=archive.tenant_a.organisation)
    SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.UNIT, unit_id=archive.ids[FOLDER],
                                  label=FOLDER, with_descendants=True)
    for unit_id in extra_ids:
        SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.UNIT, unit_id=unit_id, label="x")
    return selection


def create_url(archive, selection):
    return reverse("communication:create", kwargs={"tenant_pk": archive.tenant_a.pk, "selection_pk": selection.pk})


FORM = {"purpose": "producer_request", "purpose_detail": "courrier du 2 mars", "requester_name": "Mme Martin",
        "requester_service": "Urbanisme", "usages": ["BinaryMaster"]}


def test_a_folder_is_communicated_and_downloaded_streamed(client, archive):
    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    page = client.get(reverse("selection:detail", args=[archive.tenant_a.pk, selection.pk])).content.decode()
    assert 'id="communicate-selection"' in page and "Communiquer (DIP)" in page
    form_page = client.get(create_url(archive, selection)).content.decode()
    assert "3 unités archivistiques seront communiquées" in form_page
    assert "Demande d’un service versant" in form_page or "Demande d'un service versant" in form_page
    assert "Original" in form_page and "BinaryMaster" not in form_page.split("<form")[1].split("value=")[0]

    response = client.post(create_url(archive, selection), FORM)
    communication = Communication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("communication:detail", args=[archive.tenant_a.pk, communication.pk])
    assert communication.state == Communication.State.READY, communication.error
    assert (communication.exported_units, communication.exported_objects) == (3, 2)
    assert communication.hidden_count == 0 and communication.selected_count == 3
    assert communication.expires_at - communication.finished_at == datetime.timedelta(days=7)
    request_entry = AuditEntry.objects.get(action="communication.request")
    assert request_entry.after["requester"] == "Mme Martin" and request_entry.after["purpose"] == "producer_request"

    detail = client.get(response["Location"]).content.decode()
    assert "Prêt à télécharger" in detail and "3 unités archivistiques exportées avec 2 fichiers" in detail
    assert "Demande d’un service versant — courrier du 2 mars" in detail or "courrier du 2 mars" in detail

    download = client.get(reverse("communication:download", args=[archive.tenant_a.pk, communication.pk]))
    assert download.status_code == 200 and download.streaming
    assert download["Content-Type"] == "application/zip"
    body = b"".join(download.streaming_content)
    assert int(download["Content-Length"]) == len(body)
    with zipfile.ZipFile(io.BytesIO(body)) as dip:
        manifest = etree.fromstring(dip.read("manifest.xml"))
        titles = sorted(node.text for node in manifest.iter(SEDA + "Title"))
        assert titles == ["PC 0012 maison A", "PC 0047 garage A", FOLDER]
        assert manifest.findtext(f"{SEDA}Requester/{SEDA}Identifier") == "Urbanisme"
        assert len([name for name in dip.namelist() if name.startswith("Content/")]) == 2
    assert AuditEntry.objects.filter(action="communication.download", tenant=archive.tenant_a).count() == 1

    listing = client.get(reverse("communication:list", args=[archive.tenant_a.pk])).content.decode()
    assert communication.title in listing and "Mme Martin" in listing


def test_an_expired_dip_is_no_longer_downloadable(client, archive):
    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    client.post(create_url(archive, selection), {**FORM, "usages": []})
    communication = Communication.objects.get()
    assert communication.exported_objects == 0  # descriptions only
    Communication.objects.filter(pk=communication.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    detail_url = reverse("communication:detail", args=[archive.tenant_a.pk, communication.pk])
    assert "Expiré" in client.get(detail_url).content.decode()
    response = client.get(reverse("communication:download", args=[archive.tenant_a.pk, communication.pk]),
                          follow=True)
    assert "n’est plus disponible" in response.content.decode() or "n'est plus disponible" in response.content.decode()
    assert not AuditEntry.objects.filter(action="communication.download").exists()


def test_units_the_contract_hides_are_counted_and_reported(client, archive):
    hidden = seed_eliminable(archive.tenant_b, tag="B")["PC 0012 maison B"]  # never visible on tenant A
    selection = folder_selection(archive, new_guid(archive.tenant_a.vitam_id))  # of tenant A, yet not visible
    client.force_login(archive.archivist_a)
    client.post(create_url(archive, selection), FORM)
    communication = Communication.objects.get()
    assert communication.hidden_count == 1 and communication.exported_units == 3
    page = client.get(reverse("communication:detail", args=[archive.tenant_a.pk, communication.pk])).content.decode()
    assert "1 unité cochée n’est pas visible" in page or "1 unité cochée n'est pas visible" in page
    assert hidden  # tenant B's unit exists, and only tenant B sees it


def test_a_selection_mixing_tenants_is_refused_in_french(client, archive):
    other = seed_eliminable(archive.tenant_b, tag="B")["PC 0012 maison B"]
    selection = folder_selection(archive, other)
    client.force_login(archive.archivist_a)
    response = client.post(create_url(archive, selection), FORM, follow=True)
    page = response.content.decode()
    assert "mêle des unités archivistiques de plusieurs coffres" in page
    assert not Communication.objects.exists()
    assert not AuditEntry.objects.filter(action="communication.request").exists()


def test_other_purpose_needs_its_text_and_requester_is_required(client, archive):
    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    page = client.post(create_url(archive, selection), {**FORM, "purpose": "other", "purpose_detail": ""}).content.decode()
    assert "Dites à quoi sert la communication" in page
    page = client.post(create_url(archive, selection), {**FORM, "requester_name": ""}).content.decode()
    assert "Ce champ est obligatoire" in page
    assert not Communication.objects.exists()


def test_a_researcher_has_no_communication(client, archive):
    client.force_login(archive.researcher_a)
    assert client.get(reverse("communication:list", args=[archive.tenant_a.pk])).status_code == 404


def test_vitam_down_during_the_export_fails_the_communication_with_a_message(client, archive, vitamlite_server):
    selection = folder_selection(archive)
    client.force_login(archive.archivist_a)
    vitamlite_server.set_faults("error503:/access-external/v2/dipexport")
    try:
        client.post(create_url(archive, selection), FORM)
    finally:
        vitamlite_server.set_faults("")
    communication = Communication.objects.get()
    assert communication.state == Communication.State.FAILED and communication.error
    page = html.unescape(client.get(reverse("communication:detail", args=[archive.tenant_a.pk, communication.pk]))
                         .content.decode())
    assert "En échec" in page and communication.error in page and "Télécharger le DIP" not in page
    assert not AuditEntry.objects.filter(action="communication.download").exists()
