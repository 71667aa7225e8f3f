"""Probative value reports from the unit page: requested from vitam-lite over HTTP, followed by a job, read in
French, downloaded raw and as a certificate; a file changed in Vitam's storage shows as not the one deposited."""

import hashlib
import io
import json

from django.urls import reverse
from pypdf import PdfReader

from sam.proof.models import ProofRequest
from tenants.models import AuditEntry
from vitamlite import binaries

TEXT_UNIT = 'Compte rendu ; "quoted"'


def _request(client, world, unit_id, usage="BinaryMaster", version=1):
    return client.post(reverse("proof:request", args=[world.tenant_a.pk, unit_id, usage, version]))


def _actions(user, since):
    return list(AuditEntry.objects.filter(pk__gt=since, actor=user).order_by("pk").values_list("action", flat=True))


def _last_audit_pk():
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_archivist_requests_reads_and_downloads_the_report_of_an_object(client, archive):
    client.force_login(archive.archivist_a)
    unit_id = archive.ids[TEXT_UNIT]
    unit_page = client.get(reverse("consultation:unit_detail", args=[archive.tenant_a.pk, unit_id]))
    assert reverse("proof:request", args=[archive.tenant_a.pk, unit_id, "BinaryMaster", 1]) in unit_page.content.decode()
    since = _last_audit_pk()

    response = _request(client, archive, unit_id)
    proof = ProofRequest.objects.get(tenant=archive.tenant_a, unit_id=unit_id)
    assert response.status_code == 302 and response["Location"] == reverse("proof:detail",
                                                                           args=[archive.tenant_a.pk, proof.pk])
    assert proof.state == ProofRequest.State.READY and proof.operation_id
    assert proof.outcome == "WARNING"  # vitam-lite secures no logbook: digests only (docs/vitam.md)
    assert proof.unit_title == TEXT_UNIT and proof.requested_by == archive.archivist_a

    page = client.get(response["Location"]).content.decode()
    group = archive.tenant_a  # the digest on the page is the one Vitam recorded at deposit
    raw = client.get(reverse("proof:report", args=[group.pk, proof.pk]))
    report = json.loads(raw.content)
    [entry] = report["reportEntries"]
    [check] = entry["checks"]
    assert check["status"] == "OK" and check["sourceComparable"] == check["destinationComparable"]
    assert check["destinationComparable"] in page
    assert "Empreinte au versement" in page and "Empreinte recalculée" in page
    assert "Les empreintes concordent" in page
    assert entry["operations"][0]["id"] in page  # the deposit operation and its date
    assert raw["Content-Disposition"].startswith("attachment;")

    pdf = client.get(reverse("proof:attestation_pdf", args=[group.pk, proof.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Attestation de valeur probante" in pdf_text and "Empreinte recalculée" in pdf_text
    assert check["sourceComparable"][:40] in pdf_text.replace("\n", "")
    printable = client.get(reverse("proof:attestation", args=[group.pk, proof.pk])).content.decode()
    assert hashlib.sha512(raw.content).hexdigest() in printable

    assert _actions(archive.archivist_a, since) == [
        "proof.request", "proof.view", "proof.report_download", "proof.attestation_download",
        "proof.attestation_download"]
    request_entry = AuditEntry.objects.get(pk__gt=since, action="proof.request")
    assert request_entry.tenant == archive.tenant_a and request_entry.after["operation"] == proof.operation_id

    unit_page = client.get(reverse("consultation:unit_detail", args=[archive.tenant_a.pk, unit_id])).content.decode()
    assert reverse("proof:detail", args=[archive.tenant_a.pk, proof.pk]) in unit_page


def test_a_file_changed_in_storage_is_reported_as_not_the_one_deposited(client, archive, vitamlite_server):
    client.force_login(archive.archivist_a)
    unit_id = archive.ids[TEXT_UNIT]
    first = ProofRequest.objects.get(pk=_proof_pk(_request(client, archive, unit_id)))
    [entry] = json.loads(client.get(reverse("proof:report", args=[archive.tenant_a.pk, first.pk])).content)[
        "reportEntries"]
    stored = binaries.resolve(vitamlite_server.app.store, archive.tenant_a.vitam_id,
                              binaries.object_path(entry["objectId"]))
    original = stored.read_bytes()
    try:
        stored.write_bytes(original.replace(b"Ligne 2", b"Ligne 3"))
        tampered = ProofRequest.objects.get(pk=_proof_pk(_request(client, archive, unit_id)))
        page = client.get(reverse("proof:detail", args=[archive.tenant_a.pk, tampered.pk])).content.decode()
    finally:
        stored.write_bytes(original)
    assert tampered.state == ProofRequest.State.READY and tampered.outcome == "KO"
    assert "Les empreintes diffèrent" in page
    assert "Valeur probante non établie" in page


def _proof_pk(response):
    assert response.status_code == 302, response
    return int(response["Location"].rstrip("/").rsplit("/", 1)[1])


def test_the_journal_links_the_operation_to_its_report(client, archive):
    client.force_login(archive.archivist_a)
    proof = ProofRequest.objects.get(pk=_proof_pk(_request(client, archive, archive.ids[TEXT_UNIT])))
    detail_url = reverse("proof:detail", args=[archive.tenant_a.pk, proof.pk])
    operation = client.get(reverse("consultation:operation_detail", args=[archive.tenant_a.pk, proof.operation_id]))
    assert detail_url in operation.content.decode()
    assert "Relevé de valeur probante de" in operation.content.decode()
    journal = client.get(reverse("consultation:operation_list", args=[archive.tenant_a.pk])).content.decode()
    assert detail_url in journal


def test_researchers_cannot_request_a_report(client, archive):
    client.force_login(archive.researcher_a)
    response = _request(client, archive, archive.ids["Dossier public 2001"])
    assert response.status_code == 404
    assert not ProofRequest.objects.exists()


def test_an_object_version_the_unit_does_not_have_is_404_and_asks_nothing(client, archive):
    client.force_login(archive.archivist_a)
    assert _request(client, archive, archive.ids[TEXT_UNIT], usage="Dissemination").status_code == 404
    assert not ProofRequest.objects.exists()


def test_vitam_down_gives_a_clear_page_and_records_nothing(client, archive, settings):
    client.force_login(archive.archivist_a)
    unit_id = archive.ids[TEXT_UNIT]
    settings.VITAM = {**settings.VITAM, "URL": "http://127.0.0.1:9", "CONNECT_TIMEOUT": 0.5, "TIMEOUT": 1}
    response = _request(client, archive, unit_id)
    assert response.status_code == 503
    assert "Vitam" in response.content.decode() or "archivage" in response.content.decode()
    assert not ProofRequest.objects.exists()
    assert not AuditEntry.objects.filter(action="proof.request").exists()


def test_following_an_operation_without_report_or_without_vitam_ends_failed_with_a_reason(archive, settings):
    from sam.proof import services

    deposit_operation = archive.ids["operation"]  # an ingest: Vitam keeps no batch report for it
    proof = ProofRequest.objects.create(organisation=archive.org_a, tenant=archive.tenant_a,
                                        unit_id=archive.ids[TEXT_UNIT], usage="BinaryMaster", version=1,
                                        operation_id=deposit_operation, requested_by=archive.archivist_a)
    proof = services.proof_follow(proof=proof)
    assert proof.state == ProofRequest.State.FAILED and proof.finished_at
    assert "journal des opérations" in proof.error

    settings.VITAM = {**settings.VITAM, "URL": "http://127.0.0.1:9", "CONNECT_TIMEOUT": 0.5, "TIMEOUT": 1}
    proof.state = ProofRequest.State.RUNNING
    proof = services.proof_follow(proof=proof)
    assert proof.state == ProofRequest.State.FAILED and "demandez de nouveau le relevé" in proof.error
