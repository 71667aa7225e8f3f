"""Probative value reports of several units, from a selection or from a unit's page (the unit and the units below
it): requested from vitam-lite over HTTP with one DSL query, read grouped by unit, the certificate as PDF; the
refusals (more units than one Vitam operation takes, an empty selection, a bad version) ask Vitam nothing."""

import html
import io

from django.urls import reverse
from pypdf import PdfReader

from sam.proof.models import ProofRequest
from sam.selection import services as selection_services
from tenants.models import AuditEntry

FOLDER = "Dossier public 2001"
TEXT_UNIT = 'Compte rendu ; "quoted"'
IMAGE_UNIT = "Plan du quartier"
FORM = {"usage": "BinaryMaster", "version": 1}


def tree_url(archive, unit_id):
    return reverse("proof:unit_tree", args=[archive.tenant_a.pk, unit_id])


def test_a_folder_and_the_units_below_it_get_one_report_grouped_by_unit(client, archive):
    client.force_login(archive.archivist_a)
    folder = archive.ids[FOLDER]
    unit_page = client.get(reverse("consultation:unit_detail", args=[archive.tenant_a.pk, folder])).content.decode()
    assert tree_url(archive, folder) in unit_page

    form_page = html.unescape(client.get(tree_url(archive, folder)).content.decode())
    assert "3 unités archivistiques seront couvertes" in form_page
    assert "Original" in form_page and "Dossier public 2001 et les unités en dessous" in form_page
    response = client.post(tree_url(archive, folder), FORM)
    proof = ProofRequest.objects.get(tenant=archive.tenant_a)
    assert response.status_code == 302 and response["Location"] == reverse("proof:detail",
                                                                           args=[archive.tenant_a.pk, proof.pk])
    assert proof.scope == ProofRequest.Scope.UNITS and proof.unit_count == 3 and proof.unit_id == folder
    assert proof.state == ProofRequest.State.READY, proof.error
    entry = AuditEntry.objects.get(action="proof.request")
    assert entry.after["units"] == 3 and entry.after["operation"] == proof.operation_id

    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "3 unités archivistiques" in page
    # One section per unit holding an object, in title order, each with its digests.
    text_at, image_at = page.index(f">{TEXT_UNIT}</a>"), page.index(f">{IMAGE_UNIT}</a>")
    assert text_at < image_at
    assert page.count("Empreinte au versement") == 2 and "Les empreintes concordent" in page
    assert archive.ids[TEXT_UNIT] in page and archive.ids[IMAGE_UNIT] in page

    pdf = client.get(reverse("proof:attestation_pdf", args=[archive.tenant_a.pk, proof.pk]))
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "Attestation de valeur probante" in text and IMAGE_UNIT in text and "Compte rendu" in text
    assert "3 unités archivistiques" in text

    unit_page = client.get(reverse("consultation:unit_detail", args=[archive.tenant_a.pk, folder])).content.decode()
    assert reverse("proof:detail", args=[archive.tenant_a.pk, proof.pk]) in unit_page


def test_the_units_of_a_selection_get_one_report(client, archive):
    client.force_login(archive.archivist_a)
    selection = selection_services.selection_working(user=archive.archivist_a, tenant=archive.tenant_a)
    selection_services.selection_units_add(selection=selection, units={
        archive.ids[TEXT_UNIT]: TEXT_UNIT, archive.ids[IMAGE_UNIT]: IMAGE_UNIT}, with_descendants=False)
    url = reverse("proof:selection", args=[archive.tenant_a.pk, selection.pk])
    assert url in client.get(reverse("selection:detail", args=[archive.tenant_a.pk, selection.pk])).content.decode()
    assert "2 unités archivistiques seront couvertes" in client.get(url).content.decode()
    client.post(url, FORM)
    proof = ProofRequest.objects.get(tenant=archive.tenant_a)
    assert proof.state == ProofRequest.State.READY and proof.unit_count == 2 and proof.unit_id == ""
    page = html.unescape(client.get(reverse("proof:detail", args=[archive.tenant_a.pk, proof.pk])).content.decode())
    assert f">{TEXT_UNIT}</a>" in page and f">{IMAGE_UNIT}</a>" in page


def test_more_units_than_one_operation_takes_are_refused_before_asking_vitam(client, archive, settings):
    settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": 2}
    client.force_login(archive.archivist_a)
    folder = archive.ids[FOLDER]
    response = client.post(tree_url(archive, folder), FORM, follow=True)
    page = html.unescape(response.content.decode())
    assert ("Le relevé de valeur probante porterait sur 3 unités archivistiques, plus que les 2 qu’une opération "
            "Vitam accepte") in page
    assert not ProofRequest.objects.exists() and not AuditEntry.objects.filter(action="proof.request").exists()


def test_an_empty_selection_and_a_bad_version_are_refused_in_french(client, archive):
    client.force_login(archive.archivist_a)
    selection = selection_services.selection_working(user=archive.archivist_a, tenant=archive.tenant_a)
    response = client.get(reverse("proof:selection", args=[archive.tenant_a.pk, selection.pk]), follow=True)
    assert "La sélection est vide" in html.unescape(response.content.decode())
    page = html.unescape(client.post(tree_url(archive, archive.ids[FOLDER]), {**FORM, "version": 0})
                         .content.decode())
    assert "supérieure ou égale à 1" in page
    assert not ProofRequest.objects.exists()


def test_researchers_get_no_report_of_several_units(client, archive):
    client.force_login(archive.researcher_a)
    assert client.get(tree_url(archive, archive.ids[FOLDER])).status_code == 404
    assert client.post(tree_url(archive, archive.ids[FOLDER]), FORM).status_code == 404
    assert not ProofRequest.objects.exists()
