"""Issue 14's closing test: a simple deposit of a folder tree whose files span ten years gives each
unit its own dates in Vitam, and an elimination analysis at a given date finds exactly the expired
units; plus the metadata readers and the ReSIP metadata CSV."""

import datetime
import io
import os
import zipfile

import pytest
from django.urls import reverse
from PIL import Image

from sam.deposits import simple
from sam.deposits.file_dates import file_date
from sam.deposits.models import Deposit
from sam.elimination import services as elimination
from sam.elimination.models import Proposal, ProposalUnit
from sam.vitam import Select, eq
from tenants.vitam_clients import ACCESS, vitam_client
from tests.deposits.test_deposits import latest, review_data

YEARS = range(2014, 2024)


def letters_zip() -> io.BytesIO:
    """Courrier/<year>/lettre-<year>.txt dated 15 March of its year by the zip entry; one PDF whose
    own metadata says 12 April 2016 although its zip entry says 2023."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for year in YEARS:
            info = zipfile.ZipInfo(f"Courrier/{year}/lettre-{year}.txt", date_time=(year, 3, 15, 10, 0, 0))
            archive.writestr(info, f"Lettre de {year}")
        pdf = zipfile.ZipInfo("Courrier/2016/note.pdf", date_time=(2023, 1, 2, 0, 0, 0))
        archive.writestr(pdf, b"%PDF-1.4\n1 0 obj << /CreationDate (D:20160412093000+02'00') >> endobj\n%%EOF\n")
    buffer.name = "courrier.zip"
    buffer.seek(0)
    return buffer


def test_simple_deposit_dates_each_unit_and_elimination_finds_exactly_the_expired(client, vitam_world, deposits_dir):
    from sam.site.demo import agency_prefix

    tenant = vitam_world.tenant_a
    client.force_login(vitam_world.archivist_a)
    response = client.post(reverse("deposits:simple_create", kwargs={"tenant_pk": tenant.pk}), {
        "files": letters_zip(), "title": "Courrier 2014-2023", "archival_agency": "FRAD095",
        "originating_agency": f"{agency_prefix(tenant.organisation)}-DG", "rules": ["APP-COURRIER", "ACC-00001"],
        "final_action": "Destroy", "description_level": "File",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    deposit = latest(tenant)
    assert deposit.state == Deposit.State.REVIEW, deposit.problems
    units = {unit["path"]: unit for unit in deposit.summary["build"]["units"]}
    assert units["2016/note.pdf"]["start"] == "2016-04-12"  # the PDF's own date, not the zip entry's
    assert units["2014/lettre-2014.txt"]["start"] == "2014-03-15"
    assert (units[""]["start"], units[""]["end"]) == ("2014-03-15", "2023-03-15")
    assert (units["2016"]["start"], units["2016"]["end"]) == ("2016-03-15", "2016-04-12")

    # The review page lists the tree in French; a bad date is refused naming the line, nothing recorded.
    review_url = reverse("deposits:deposit_review", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk})
    page = client.get(review_url).content.decode()
    assert "lettre-2019.txt" in page and "Groupe de documents" not in page or "Pièce" in page
    lines = list(units)
    bad = lines.index("2015/lettre-2015.txt") + 1
    response = client.post(review_url, review_data(deposit, {bad: {"start": "2015-05-01", "end": "2015-01-01"}}))
    assert response.status_code == 200
    assert f"Ligne {bad} (2015/lettre-2015.txt)" in response.content.decode()
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.REVIEW
    # The archivist corrects one title; the deposit is then built, checked and sent.
    letter = lines.index("2020/lettre-2020.txt") + 1
    client.post(review_url, review_data(deposit, {letter: {"title": "Lettre au préfet"}}))
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.READY, (deposit.problems, deposit.explanation)
    assert deposit.archival_agency == "FRAD095" and deposit.originating_agency.endswith("-DG")
    client.post(reverse("deposits:deposit_send", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk}))
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK", deposit.explanation

    access = vitam_client(tenant, contract=ACCESS)
    found = access.search_units(Select().where(eq("#opi", deposit.operation_id)).limit(100).fields(
        "#id", "Title", "StartDate", "EndDate", "#management").build())
    by_title = {unit["Title"]: unit for unit in found}
    assert len(found) == 22  # the deposit, ten year folders, ten letters and the PDF
    for year in YEARS:
        title = "Lettre au préfet" if year == 2020 else f"lettre-{year}.txt"
        unit = by_title[title]
        assert (unit["StartDate"][:10], unit["EndDate"][:10]) == (f"{year}-03-15", f"{year}-03-15")
        appraisal = unit["#management"]["AppraisalRule"]
        assert appraisal["Rules"][0]["Rule"] == "APP-COURRIER"
        assert appraisal["Rules"][0]["StartDate"][:10] == f"{year}-03-15"
        assert appraisal["FinalAction"] == "Destroy"
        assert unit["#management"]["AccessRule"]["Rules"][0]["StartDate"][:10] == f"{year}-03-15"
    assert by_title["note.pdf"]["StartDate"][:10] == "2016-04-12"

    # APP-COURRIER keeps two years: on 30 June 2021, what ended by 30 June 2019 is expired.
    when = datetime.date(2021, 6, 30)
    proposal = elimination.analysis_start(actor=vitam_world.archivist_a, tenant=tenant, title="Courrier échu",
                                          mode="criteria", criteria={"opi": deposit.operation_id}, date=when)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DRAFT, proposal.error
    destroyable = set(ProposalUnit.objects.filter(proposal=proposal, status=ProposalUnit.Status.DESTROY)
                      .values_list("title", flat=True))
    expired = {f"lettre-{year}.txt" for year in range(2014, 2020)} | {str(year) for year in range(2014, 2020)}
    expired.add("note.pdf")
    assert destroyable == expired


def test_file_dates_from_office_documents_and_photos(tmp_path):
    odt = tmp_path / "compte-rendu.odt"
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("meta.xml", '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
                         'office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"><office:meta>'
                         '<meta:creation-date>2017-09-21T10:00:00</meta:creation-date></office:meta>'
                         '</office:document-meta>')
    docx = tmp_path / "note.docx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("docProps/core.xml", '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
                         'package/2006/metadata/core-properties" xmlns:dcterms="http://purl.org/dc/terms/">'
                         '<dcterms:created>2012-02-03T08:00:00Z</dcterms:created></cp:coreProperties>')
    photo = tmp_path / "inauguration.jpg"
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2009:06:20 15:30:00"
    Image.new("RGB", (4, 4)).save(photo, exif=exif)
    broken = tmp_path / "abime.docx"
    broken.write_bytes(b"not a zip")
    assert file_date(odt) == datetime.date(2017, 9, 21)
    assert file_date(docx) == datetime.date(2012, 2, 3)
    assert file_date(photo) == datetime.date(2009, 6, 20)
    assert file_date(broken) == datetime.date.today()  # its modification time


def test_office_document_without_metadata_part_is_dated_by_its_modification_time(tmp_path):
    odt = tmp_path / "sans-meta.odt"
    with zipfile.ZipFile(odt, "w") as archive:  # valid for Siegfried, but no meta.xml
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    stamp = datetime.datetime(2017, 5, 4, 12, 0).timestamp()
    os.utime(odt, (stamp, stamp))
    assert file_date(odt) == datetime.date(2017, 5, 4)


def test_resip_metadata_csv_is_validated_line_by_line_and_applied(tmp_path):
    good = ("File;Content.DescriptionLevel;Content.Title;Content.StartDate;Content.EndDate\n"
            "Courrier/2014;RecordGrp;Année 2014;;\n"
            "Courrier\\2014\\lettre-2014.txt;Item;Lettre du maire;2014-01-02;2014-01-02\n")
    rows = simple.parse_metadata_csv(good.encode("utf-8"))
    units = [
        {"path": "", "kind": "folder", "depth": 0, "level": "File", "title": "x", "description": "",
         "start": "2014-03-15", "end": "2014-03-15", "folder_name": "Courrier"},
        {"path": "2014", "kind": "folder", "depth": 1, "level": "RecordGrp", "title": "2014", "description": "",
         "start": "2014-03-15", "end": "2014-03-15"},
        {"path": "2014/lettre-2014.txt", "kind": "file", "depth": 2, "level": "Item", "title": "lettre-2014.txt",
         "description": "", "start": "2014-03-15", "end": "2014-03-15"},
    ]
    simple.apply_metadata(units, rows)
    assert units[2]["title"] == "Lettre du maire" and units[2]["start"] == "2014-01-02"
    assert units[1]["title"] == "Année 2014" and units[1]["start"] == "2014-01-02"  # range recomputed
    assert units[0]["end"] == "2014-01-02"

    bad = ("File;Content.Title;Content.StartDate;Content.DescriptionLevel\n"
           "a.txt;A;2014-13-45;Item\n"
           ";B;;Item\n"
           "c.txt;C;;Dossier\n")
    with pytest.raises(simple.ValidationError) as refused:
        simple.parse_metadata_csv(bad.encode("utf-8"))
    messages = refused.value.messages
    assert any("line 2, column Content.StartDate" in m or "ligne 2, colonne Content.StartDate" in m for m in messages)
    assert any("3" in m and "File" in m for m in messages)
    assert any("4" in m and "Content.DescriptionLevel" in m for m in messages)
    with pytest.raises(simple.ValidationError):
        simple.parse_metadata_csv(b"Chemin;Content.Title\na;b\n")
    with pytest.raises(simple.ValidationError) as unknown:
        simple.apply_metadata(units, simple.parse_metadata_csv(b"File;Content.Title\nautre.txt;X\n"))
    assert "2" in unknown.value.messages[0] and "autre.txt" in unknown.value.messages[0]


def test_review_of_a_large_tree_page_by_page(client, vitam_world, deposits_dir):
    """More units than fit one page: each page is recorded on its own, an error names the line in the
    whole tree, nothing recorded is lost, and the package is built from every page."""
    from sam.deposits.views import REVIEW_UNITS_PER_PAGE
    from sam.site.demo import agency_prefix

    tenant = vitam_world.tenant_a
    client.force_login(vitam_world.archivist_a)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(1, 131):
            info = zipfile.ZipInfo(f"Actes/acte-{number:03d}.txt", date_time=(2010 + number % 10, 5, 4, 0, 0, 0))
            archive.writestr(info, f"Acte {number}")
    buffer.name = "actes.zip"
    buffer.seek(0)
    response = client.post(reverse("deposits:simple_create", kwargs={"tenant_pk": tenant.pk}), {
        "files": buffer, "title": "Actes 2010-2019", "archival_agency": "FRAD095",
        "originating_agency": f"{agency_prefix(tenant.organisation)}-DG", "rules": ["APP-ARRETES"],
        "final_action": "Keep", "description_level": "File",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    deposit = latest(tenant)
    units = deposit.summary["build"]["units"]
    assert len(units) == 131 > REVIEW_UNITS_PER_PAGE  # the deposit and its 130 acts

    review_url = reverse("deposits:deposit_review", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk})
    first_page = client.get(review_url).content.decode()
    assert first_page.count('class="review-row') == REVIEW_UNITS_PER_PAGE
    assert "Page 1 sur 2" in first_page

    def page_data(page, changes=None, action=None):
        start = (page - 1) * REVIEW_UNITS_PER_PAGE
        stored = latest(tenant).summary["build"]["units"]
        rows = stored[start:start + REVIEW_UNITS_PER_PAGE]
        data = {"unit-TOTAL_FORMS": len(rows), "unit-INITIAL_FORMS": len(rows), "page": page}
        for index, unit in enumerate(rows):
            values = {key: unit[key] for key in ("level", "title", "description", "start", "end")}
            values.update((changes or {}).get(start + index + 1, {}))
            data.update({f"unit-{index}-{key}": value for key, value in values.items()})
        if action:
            data["action"] = action
        return data

    # A wrong date on page 2 is refused naming its line in the whole tree; nothing is recorded.
    response = client.post(review_url, page_data(2, {105: {"start": "2015-05-01", "end": "2015-01-01"},
                                                     110: {"title": "Acte corrigé"}}, "save"))
    assert response.status_code == 200
    assert f"Ligne 105 ({units[104]['path']})" in response.content.decode()
    assert latest(tenant).summary["build"]["units"][109]["title"] == units[109]["title"]
    # Corrected, page 2 is recorded on its own; the deposit still waits for its description.
    response = client.post(review_url, page_data(2, {110: {"title": "Acte corrigé"}}, "save"))
    assert response.status_code == 302
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.REVIEW
    assert deposit.summary["build"]["units"][109]["title"] == "Acte corrigé"
    # Page 1 corrected and the package built: both pages' corrections are in it.
    client.post(review_url, page_data(1, {2: {"title": "Premier acte"}}))
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.READY, (deposit.problems, deposit.explanation)
    with zipfile.ZipFile(deposit.file_path) as sip:
        manifest = sip.read("manifest.xml").decode()
    assert "<Title>Premier acte</Title>" in manifest and "<Title>Acte corrigé</Title>" in manifest
    assert manifest.count("<ArchiveUnit ") == 131
