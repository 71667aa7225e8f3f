"""The zip of a selection's files, through Django's test client against vitam-lite over HTTP: folders nested as the
units are, hostile titles and file names made safe, duplicates suffixed, the usages the contract allows, the
confirmation above the threshold, the refusal above the cap, failures listed in ERREURS.txt, and the audit entry."""

import io
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse

from sam.lib.seda.sip import SipObject, SipUnit
from sam.lib.zip_names import MAX_LENGTH, UniqueNames, safe_name
from sam.selection import zip_export
from sam.selection.models import Selection, SelectionEntry
from tenants.models import AuditEntry
from tenants.vitam_clients import ADMIN, vitam_client
from tests.elimination.conftest import Archive, ingest, unit_ids

pytestmark = pytest.mark.django_db
HOSTILE = "../../etc"
REPORT_TEXT = "Rapport d'inspection " * 40


@pytest.fixture
def archive(vitam_world):
    """A folder titled "../../etc" holding two units titled alike (one with an original and a dissemination copy
    whose file name climbs out of its folder), and a unit titled "CON" beside it."""
    tenant = vitam_world.tenant_a
    with tempfile.TemporaryDirectory() as folder:
        def document(name, text, *, filename=None, usage="BinaryMaster"):
            path = Path(folder) / f"{usage}-{name}"
            path.write_text(text, encoding="utf-8")
            return SipObject(path=path, filename=filename or name, mime_type="text/plain", version=usage)

        units = [
            SipUnit(title=HOSTILE, description_level="File", start_date=date(2020, 1, 1), end_date=date(2020, 12, 31),
                    children=[
                        SipUnit(title="Rapport", description_level="Item", start_date=date(2020, 2, 1),
                                end_date=date(2020, 2, 1),
                                objects=[document("rapport.txt", REPORT_TEXT),
                                         document("diffusion.txt", "copie", filename="../secret.txt",
                                                  usage="Dissemination")]),
                        SipUnit(title="rapport", description_level="Item", start_date=date(2020, 3, 1),
                                end_date=date(2020, 3, 1), objects=[document("second.txt", "deuxième")]),
                    ]),
            SipUnit(title="CON", description_level="Item", start_date=date(2021, 1, 1), end_date=date(2021, 1, 1),
                    objects=[document("con.txt", "réservé")]),
        ]
        ingest(tenant, units, identifier=f"ZIP-{tenant.vitam_id}")
    return Archive(world=vitam_world, ids=unit_ids(tenant, [HOSTILE, "Rapport", "rapport", "CON"]))


def selection_of(archive):
    selection = Selection.objects.create(user=archive.archivist_a, tenant=archive.tenant_a,
                                         organisation=archive.tenant_a.organisation)
    SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.UNIT, unit_id=archive.ids[HOSTILE],
                                  label=HOSTILE, with_descendants=True)
    SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.UNIT, unit_id=archive.ids["CON"],
                                  label="CON")
    return selection


def zip_url(archive, selection):
    return reverse("selection:zip", args=[archive.tenant_a.pk, selection.pk])


def download(client, archive, selection, **form):
    client.force_login(archive.archivist_a)
    data = {"usages": ["BinaryMaster"], "with_description": "on", **form}
    response = client.post(zip_url(archive, selection), data)
    assert response.status_code == 200
    return response


def read_zip(response) -> zipfile.ZipFile:
    assert response.streaming and not response.has_header("Content-Length")
    body = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(body))


def test_a_folder_per_unit_nested_with_safe_and_unique_names(client, archive):
    selection = selection_of(archive)
    client.force_login(archive.archivist_a)
    page = client.get(reverse("selection:detail", args=[archive.tenant_a.pk, selection.pk])).content.decode()
    assert 'id="zip-selection"' in page and "Télécharger les fichiers (zip)" in page

    response = download(client, archive, selection)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="fichiers-selection-')
    with read_zip(response) as zipped:
        assert zipped.testzip() is None
        names = sorted(zipped.namelist())
        assert names == sorted([
            "_.._etc/_description.txt",
            "_.._etc/Rapport/_description.txt", "_.._etc/Rapport/rapport.txt",
            "_.._etc/rapport (2)/_description.txt", "_.._etc/rapport (2)/second.txt",
            "_CON/_description.txt", "_CON/_con.txt",  # Windows reserves CON and CON.txt alike
        ]), names
        assert zipped.read("_.._etc/Rapport/rapport.txt").decode() == REPORT_TEXT
        assert zipped.read("_.._etc/rapport (2)/second.txt").decode() == "deuxième"
        description = zipped.read("_.._etc/Rapport/_description.txt").decode()
        assert "Intitulé\u00a0: Rapport\r\n" in description and "Niveau de description\u00a0: Pièce" in description
        assert f"Identifiant Vitam\u00a0: {archive.ids['Rapport']}" in description
        assert "Service producteur\u00a0: " in description and "-URBA)" in description  # name (identifier)
        assert "ERREURS.txt" not in names
    entry = AuditEntry.objects.get(action="consultation.selection_zip")
    assert entry.after["units"] == 4 and entry.after["files"] == 3 and entry.after["complete"] is True
    assert entry.after["bytes"] == len(REPORT_TEXT.encode()) + len("deuxième".encode()) + len("réservé".encode())
    assert entry.actor == archive.archivist_a and entry.tenant == archive.tenant_a


def test_only_the_chosen_usages_and_a_hostile_file_name_stays_in_its_folder(client, archive):
    response = download(client, archive, selection_of(archive), usages=["Dissemination"], with_description="")
    with read_zip(response) as zipped:
        names = zipped.namelist()
        # No description asked: units without a file of that usage still show as (empty) folders.
        assert sorted(names) == ["_.._etc/", "_.._etc/Rapport/_secret.txt", "_.._etc/rapport (2)/", "_CON/"], names
        assert zipped.read("_.._etc/Rapport/_secret.txt") == b"copie"
    assert not any(part == ".." for name in names for part in name.split("/"))


def test_the_form_offers_only_the_usages_of_the_access_contract(client, archive):
    selection = selection_of(archive)
    admin = vitam_client(archive.tenant_a, contract=ADMIN)
    admin.update_access_contract(archive.tenant_a.access_contract,
                                 {"EveryDataObjectVersion": False, "DataObjectVersion": ["Dissemination"]})
    client.force_login(archive.archivist_a)
    page = client.get(zip_url(archive, selection)).content.decode()
    assert "Copie de diffusion" in page and "Original" not in page and "BinaryMaster" not in page
    response = client.post(zip_url(archive, selection), {"usages": ["BinaryMaster"]})
    assert not response.streaming and "Sélectionnez un choix valide" in response.content.decode()
    admin.update_access_contract(archive.tenant_a.access_contract, {"EveryDataObjectVersion": True})


def test_above_the_threshold_the_count_and_size_are_confirmed_first(client, archive, settings):
    settings.ZIP_EXPORT_CONFIRM_UNITS = 3
    selection = selection_of(archive)
    response = download(client, archive, selection)
    assert not response.streaming
    page = response.content.decode()
    assert "4 unités, 3 fichiers, environ" in page and "cochez la confirmation" in page
    assert 'name="confirmed"' in page
    assert 'name="confirmed"' not in client.get(zip_url(archive, selection)).content.decode()
    assert not AuditEntry.objects.filter(action="consultation.selection_zip").exists()
    with read_zip(download(client, archive, selection, confirmed="on")) as zipped:
        assert "_CON/_con.txt" in zipped.namelist()


def test_above_the_cap_the_zip_is_refused_for_a_communication(client, archive, settings):
    settings.ZIP_EXPORT_MAX_BYTES = 100
    selection = selection_of(archive)
    response = download(client, archive, selection, confirmed="on")
    assert not response.streaming
    page = response.content.decode()
    assert "communication (DIP)" in page and 'id="zip-dip"' in page
    assert reverse("communication:create", args=[archive.tenant_a.pk, selection.pk]) in page
    assert not AuditEntry.objects.filter(action="consultation.selection_zip").exists()


def test_files_vitam_fails_to_send_are_listed_in_erreurs_txt(client, archive, vitamlite_server):
    selection = selection_of(archive)
    response = download(client, archive, selection)
    objects = "/access-external/v1/units/{}/objects"
    # Vitam refuses one binary, and cuts the answer of another in the middle.
    vitamlite_server.set_faults(f"error503:{objects.format(archive.ids['CON'])};"
                                f"truncate:{objects.format(archive.ids['Rapport'])}")
    try:
        zipped = read_zip(response)
    finally:
        vitamlite_server.set_faults("")
    with zipped:
        names = zipped.namelist()
        assert names[-1] == "ERREURS.txt" and "_CON/_con.txt" not in names
        errors = zipped.read("ERREURS.txt").decode()
        assert "_CON/_con.txt (Original numérique, version 1)\u00a0: " in errors
        assert "_.._etc/Rapport/rapport.txt (Original numérique" in errors and "interrompu" in errors
        assert zipped.read("_.._etc/rapport (2)/second.txt").decode() == "deuxième"
    entry = AuditEntry.objects.get(action="consultation.selection_zip")
    assert entry.after["failure_count"] == 2 and entry.after["complete"] is False
    assert any("_CON/_con.txt" in failure for failure in entry.after["failures"])


def test_vitam_down_mid_zip_ends_it_in_bounded_time_with_the_list(client, archive, vitamlite_server, monkeypatch):
    monkeypatch.setattr(zip_export, "GIVE_UP_AFTER", 1)  # stop asking after the first unanswered file
    response = download(client, archive, selection_of(archive))
    vitamlite_server.set_faults("drop:/access-external/v1/units/")
    try:
        zipped = read_zip(response)
    finally:
        vitamlite_server.set_faults("")
    with zipped:
        names = zipped.namelist()
        assert [name for name in names if not name.endswith("_description.txt")] == ["ERREURS.txt"], names
        errors = zipped.read("ERREURS.txt").decode().splitlines()
        assert len([line for line in errors if line.startswith("- ")]) == 3, errors
        assert sum("non demandé" in line for line in errors) == 2, errors
    entry = AuditEntry.objects.get(action="consultation.selection_zip")
    assert entry.after["failure_count"] == 3 and entry.after["files"] == 0 and entry.after["bytes"] == 0


def test_only_the_owner_of_the_selection_downloads_it_and_researchers_never(client, archive):
    """Selections are the archive staff's (search permission): a researcher of the commune, and its referent who
    does not own the selection, get 404 alike and nothing is fetched or recorded."""
    selection = selection_of(archive)
    for user in (archive.researcher_a, archive.referent_a):
        client.force_login(user)
        for response in (client.get(zip_url(archive, selection)),
                         client.post(zip_url(archive, selection), {"usages": ["BinaryMaster"], "confirmed": "on"})):
            assert response.status_code == 404 and not response.streaming
    assert not AuditEntry.objects.filter(action="consultation.selection_zip").exists()


@pytest.mark.parametrize(("title", "expected"), [
    ("../../etc", "_.._etc"),
    ("..", "fallback"),
    ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"),
    ("ligne\nsuivante\ttab\x00nul", "ligne suivante tab_nul"),
    ("  point final. ", "point final"),
    ("nul.txt", "_nul.txt"),
    ("", "fallback"),
])
def test_safe_name(title, expected):
    assert safe_name(title, "fallback") == expected


def test_safe_name_caps_the_length_and_keeps_the_extension():
    name = safe_name("x" * 500 + ".pdf", "fallback")
    assert len(name) == MAX_LENGTH and name.endswith("xxx.pdf")


def test_unique_names_suffix_duplicates_case_insensitively():
    names = UniqueNames()
    assert [names.take(name) for name in ("Plan.pdf", "plan.PDF", "Plan.pdf", "Dossier", "dossier")] == [
        "Plan.pdf", "plan (2).PDF", "Plan (3).pdf", "Dossier", "dossier (2)"]
