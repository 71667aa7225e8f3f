"""A simple deposit identifies its files with Siegfried (PRONOM), as Vitam: vitam-lite's format check,
which runs Siegfried on its side, finds the very PUID SAM wrote and the ingest ends OK, not WARNING."""

import io
import zipfile

import pytest
from django.urls import reverse
from lxml import etree

from sam.deposits.models import Deposit
from sam.lib.pdf import render_pdf
from sam.site.demo import agency_prefix
from sam.vitam import Select, eq
from tenants.vitam_clients import ACCESS, vitam_client
from tests import format_samples
from tests.deposits.test_deposits import review_data

SEDA = {"s": "fr:gouv:culture:archivesdefrance:seda:v2.1"}
EXPECTED = {  # file name -> (PUID, MIME type)
    "deliberation.pdf": ("fmt/", "application/pdf"),
    "plan.png": ("fmt/11", "image/png"),
    "rapport.odt": ("fmt/291", "application/vnd.oasis.opendocument.text"),
    "compte-rendu.txt": ("x-fmt/111", "text/plain"),
    "registre.xml": ("fmt/101", "application/xml"),
    "photo.pdf": ("fmt/11", "image/png"),  # a PNG with a wrong extension: the content wins
}


@pytest.fixture
def deposited_zip(vitam_world):
    pdf = render_pdf("deposits/deposit_slip_document.html", {}, title="Délibération", author="Commune")
    files = {"deliberation.pdf": pdf, "plan.png": format_samples.png_bytes(), "rapport.odt": format_samples.odt_bytes(),
             "compte-rendu.txt": format_samples.text_bytes(), "photo.pdf": format_samples.png_bytes(),
             "registre.xml": format_samples.xml_bytes()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(f"Dossier/{name}", content)
    buffer.name = "dossier.zip"
    buffer.seek(0)
    return buffer


def test_simple_deposit_writes_the_puids_vitam_finds(client, vitam_world, deposited_zip):
    tenant = vitam_world.tenant_a
    client.force_login(vitam_world.archivist_a)
    response = client.post(reverse("deposits:simple_create", kwargs={"tenant_pk": tenant.pk}), {
        "files": deposited_zip, "title": "Formats variés", "archival_agency": "FRAD095",
        "originating_agency": f"{agency_prefix(tenant.organisation)}-DG", "rules": ["APP-DELIB"],
        "final_action": "Keep", "description_level": "File",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    deposit = Deposit.objects.filter(tenant=tenant).latest("id")
    assert deposit.state == Deposit.State.REVIEW, deposit.problems  # the archivist reviews the scanned tree
    client.post(reverse("deposits:deposit_review", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk}),
                review_data(deposit))
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.READY, deposit.problems

    with zipfile.ZipFile(deposit.file_path) as sip:
        manifest = etree.fromstring(sip.read("manifest.xml"))
    declared = {}
    for binary in manifest.iterfind(".//s:BinaryDataObject", SEDA):
        name = binary.findtext("s:FileInfo/s:Filename", namespaces=SEDA)
        declared[name] = (binary.findtext("s:FormatIdentification/s:FormatId", namespaces=SEDA),
                          binary.findtext("s:FormatIdentification/s:MimeType", namespaces=SEDA))
    for name, (puid, mime) in EXPECTED.items():
        assert declared[name][0].startswith(puid) and declared[name][1] == mime, (name, declared[name])

    client.post(reverse("deposits:deposit_send", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk}))
    deposit.refresh_from_db()
    # OK, not WARNING: Vitam's identification agreed with every FormatIdentification SAM declared.
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK", deposit.explanation
    vitam = vitam_client(tenant, contract=ACCESS)
    units = vitam.search_units(Select().where(eq("#opi", deposit.operation_id)).fields("#id", "Title", "#object").build())
    stored = {}
    for unit in units:
        if unit.get("#object"):
            group = vitam.get_object_group(unit["#id"])
            version = group["#qualifiers"][0]["versions"][0]
            stored[unit["Title"]] = version["FormatIdentification"]["FormatId"]
    assert stored == {name: pair[0] for name, pair in declared.items()}
