"""Deposits through SAM's screens and API, against vitam-lite over HTTP (tasks run at once in tests)."""

import io
import zipfile

import pytest
from django.urls import reverse

from sam.deposits.models import Deposit
from sam.vitam import Select, eq
from tenants.vitam_clients import ACCESS, vitam_client
from tenants.models import AuditEntry
from tests.deposits import hostile
from tests.deposits.conftest import build_sip, stored_files
from tests.factories import api_key


def upload(client, tenant, path, **extra):
    with open(path, "rb") as handle:
        return client.post(reverse("deposits:deposit_create", kwargs={"tenant_pk": tenant.pk}),
                           {"sip": handle, **extra})


def latest(tenant) -> Deposit:
    return Deposit.objects.filter(tenant=tenant).latest("id")


def review_data(deposit, changes=None) -> dict:
    """The review form of a simple deposit as the page sends it, with `changes` {line: {field: value}}."""
    units = deposit.summary["build"]["units"]
    data = {"unit-TOTAL_FORMS": len(units), "unit-INITIAL_FORMS": len(units)}
    for index, unit in enumerate(units):
        values = {key: unit[key] for key in ("level", "title", "description", "start", "end")}
        values.update((changes or {}).get(index + 1, {}))
        data.update({f"unit-{index}-{key}": value for key, value in values.items()})
    return data


@pytest.fixture
def archivist(client, vitam_world):
    client.force_login(vitam_world.archivist_a)
    return client


def test_sip_upload_is_checked_sent_followed_and_its_atr_kept(archivist, vitam_world, tmp_path, deposits_dir):
    tenant = vitam_world.tenant_a
    response = upload(archivist, tenant, build_sip(tenant, tmp_path / "sip"))
    deposit = latest(tenant)
    assert response.status_code == 302 and response.url.endswith(f"/deposits/{deposit.pk}/")
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK", deposit.explanation
    assert deposit.unit_count == 3 and deposit.object_count == 2
    assert (deposit.start_date, deposit.end_date) == ("2020-01-01", "2020-12-31")
    assert deposit.created_by == vitam_world.archivist_a and len(deposit.sha512) == 128
    # Vitam has the units; SAM let go of the SIP and kept only the ATR.
    units = vitam_client(tenant, contract=ACCESS).search_units(
        Select().where(eq("#opi", deposit.operation_id)).fields("Title").build())
    assert sorted(u["Title"] for u in units) == ["Délibérations 2020", "Pièce 0", "Pièce 1"]
    assert [p.name for p in stored_files(deposits_dir)] == [p.name for p in stored_files(deposits_dir)
                                                             if p.name.endswith(".atr.xml")]
    atr = archivist.get(reverse("deposits:deposit_atr", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk}))
    assert atr.status_code == 200 and b"ArchiveTransferReply" in b"".join(atr.streaming_content)
    page = archivist.get(response.url).content.decode()
    assert deposit.operation_id in page and "ATR" in page
    actions = set(AuditEntry.objects.filter(target_id=str(deposit.pk)).values_list("action", flat=True))
    assert {"deposits.upload", "deposits.check", "deposits.send", "deposits.complete"} <= actions


def test_test_deposit_is_checked_by_vitam_but_stores_nothing(archivist, vitam_world, tmp_path):
    tenant = vitam_world.tenant_a
    upload(archivist, tenant, build_sip(tenant, tmp_path / "sip", title="Entrée à blanc"), test_only="on")
    deposit = latest(tenant)
    assert deposit.kind == Deposit.Kind.TEST
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK"
    client = vitam_client(tenant, contract=ACCESS)
    assert client.operation_status(deposit.operation_id).context_id in ("BLANK_TEST", "INGEST_TEST")
    assert len(client.search_units(Select().where(eq("#opi", deposit.operation_id)).build())) == 0


@pytest.mark.parametrize("maker, words", [
    (hostile.traversal_zip, ".."),
    (hostile.bomb_zip, "bombe"),
    (hostile.entity_bomb_zip, "DOCTYPE"),
    (hostile.symlink_zip, "lien symbolique"),
    (hostile.not_a_zip, "zip"),
])
def test_hostile_uploads_are_refused_in_french_and_nothing_is_kept(archivist, vitam_world, tmp_path, deposits_dir,
                                                                    maker, words):
    tenant = vitam_world.tenant_a
    response = upload(archivist, tenant, maker(tmp_path / "hostile.zip"))
    deposit = latest(tenant)
    assert deposit.state == Deposit.State.REJECTED and not deposit.operation_id
    assert stored_files(deposits_dir) == []
    page = archivist.get(response.url).content.decode()
    assert "Refusé par le contrôle de SAM" in page or "contrôle de SAM" in page
    assert words in deposit.problems[0]["message"]


def test_an_empty_file_is_refused_with_a_french_message(archivist, vitam_world, tmp_path, deposits_dir):
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    response = upload(archivist, vitam_world.tenant_a, empty)
    assert response.status_code == 200
    assert "vide" in response.content.decode()
    assert not Deposit.objects.exists() and stored_files(deposits_dir) == []


def test_a_too_large_upload_is_stopped_while_streaming(archivist, vitam_world, tmp_path, deposits_dir, settings):
    settings.UPLOAD_MAX_BYTES = 4096
    big = tmp_path / "big.zip"
    big.write_bytes(b"PK" + b"x" * 20_000)
    response = upload(archivist, vitam_world.tenant_a, big)
    assert response.status_code == 200
    assert "dépasse la taille maximale" in response.content.decode() or "limite" in response.content.decode()
    assert not Deposit.objects.exists() and stored_files(deposits_dir) == []
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".upload")]


def test_vitam_down_while_sending_keeps_the_deposit_and_a_retry_succeeds(archivist, vitam_world, vitamlite_server,
                                                                         tmp_path, deposits_dir):
    tenant = vitam_world.tenant_a
    vitamlite_server.set_faults("error503:/ingest-external/v1/ingests")
    try:
        response = upload(archivist, tenant, build_sip(tenant, tmp_path / "sip", title="Versement en attente"))
    finally:
        vitamlite_server.set_faults("")
    deposit = latest(tenant)
    assert deposit.state == Deposit.State.WAITING_RETRY and deposit.retry_phase == "send"
    assert deposit.next_attempt_at and "indisponible" in deposit.last_error
    assert [p for p in stored_files(deposits_dir) if str(p) == deposit.file_path]  # the SIP is kept
    assert "Réessayer" in archivist.get(response.url).content.decode()
    archivist.post(reverse("deposits:deposit_retry", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk}))
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK"
    assert deposit.attempts == 2
    assert AuditEntry.objects.filter(action="deposits.retry", target_id=str(deposit.pk)).exists()


def test_vitam_down_while_following_keeps_the_operation_and_a_retry_completes_it(archivist, vitam_world,
                                                                                 vitamlite_server, tmp_path):
    tenant = vitam_world.tenant_a
    vitamlite_server.set_faults("drop:/admin-external/v1/operations")
    try:
        upload(archivist, tenant, build_sip(tenant, tmp_path / "sip", title="Suivi interrompu"))
    finally:
        vitamlite_server.set_faults("")
    deposit = latest(tenant)
    assert deposit.state == Deposit.State.WAITING_RETRY and deposit.retry_phase == "follow"
    assert deposit.operation_id
    from sam.deposits.services import deposit_retry

    deposit_retry(actor=None, deposit=deposit)
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK"


def test_cancel_a_deposit_waiting_for_vitam_removes_its_sip(archivist, vitam_world, vitamlite_server, tmp_path,
                                                            deposits_dir):
    tenant = vitam_world.tenant_a
    vitamlite_server.set_faults("error503:/ingest-external/v1/ingests")
    try:
        upload(archivist, tenant, build_sip(tenant, tmp_path / "sip", title="Abandon"))
    finally:
        vitamlite_server.set_faults("")
    deposit = latest(tenant)
    archivist.post(reverse("deposits:deposit_cancel", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk}))
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.CANCELLED and stored_files(deposits_dir) == []


def test_unknown_producing_service_is_refused_by_sams_check_with_its_place(archivist, vitam_world, tmp_path):
    tenant = vitam_world.tenant_a
    upload(archivist, tenant, build_sip(tenant, tmp_path / "sip", agency="SERVICE-INCONNU"))
    deposit = latest(tenant)
    assert deposit.state == Deposit.State.REJECTED
    problem = deposit.error_problems[0]
    assert "SERVICE-INCONNU" in problem["message"] and problem["line"]
    assert problem["path"].endswith("OriginatingAgencyIdentifier")


def test_list_filters_and_slip(archivist, vitam_world, tmp_path):
    tenant = vitam_world.tenant_a
    upload(archivist, tenant, build_sip(tenant, tmp_path / "one", title="Premier versement"))
    upload(archivist, tenant, hostile.traversal_zip(tmp_path / "bad.zip"))
    deposit = Deposit.objects.get(title="Premier versement")
    url = reverse("deposits:deposit_list", kwargs={"tenant_pk": tenant.pk})
    page = archivist.get(url, {"state": "completed"}).content.decode()
    assert "Premier versement" in page and "hostile" not in page and "bad.zip" not in page
    assert "bad.zip" in archivist.get(url, {"state": "rejected", "scope": "mine"}).content.decode()
    slip = archivist.get(reverse("deposits:deposit_slip", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk}))
    text = slip.content.decode()
    assert "Premier versement" in text and "Pièce 0" in text and "signature" in text.lower()
    pdf = archivist.get(reverse("deposits:deposit_slip_pdf", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk}))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_simple_deposit_of_a_folder_tree(archivist, vitam_world, tmp_path, deposits_dir):
    tenant = vitam_world.tenant_a
    from sam.site.demo import agency_prefix

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Conseil/2021/compte-rendu.txt", "Compte rendu du conseil")
        archive.writestr("Conseil/2021/annexe.pdf", b"%PDF-1.4\n%annexe\n%%EOF\n")  # Vitam refuses a fake PDF
        archive.writestr("Conseil/convocation.txt", "Convocation")
    buffer.name = "dossier.zip"
    buffer.seek(0)
    response = archivist.post(reverse("deposits:simple_create", kwargs={"tenant_pk": tenant.pk}), {
        "files": buffer, "title": "Conseil municipal 2021", "archival_agency": "FRAD095",
        "originating_agency": f"{agency_prefix(tenant.organisation)}-DG", "rules": ["APP-DELIB"],
        "final_action": "Keep", "description_level": "File",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    deposit = latest(tenant)
    # The issue 14 review step: the archivist sees the scanned tree and records it unchanged.
    assert deposit.state == Deposit.State.REVIEW, deposit.problems
    review_url = reverse("deposits:deposit_review", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk})
    archivist.post(review_url, review_data(deposit))
    deposit.refresh_from_db()
    assert deposit.kind == Deposit.Kind.SIMPLE and deposit.state == Deposit.State.READY, deposit.problems
    assert deposit.object_count == 3 and deposit.unit_count == 5  # top, 2021, three items
    summary = archivist.get(response.url).content.decode()
    assert "Confirmer" in summary or "confirm" in summary.lower()
    archivist.post(reverse("deposits:deposit_send", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk}))
    deposit.refresh_from_db()
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK", deposit.explanation
    units = vitam_client(tenant, contract=ACCESS).search_units(
        Select().where(eq("#opi", deposit.operation_id)).fields("Title", "DescriptionLevel").build())
    assert {u["Title"] for u in units} == {"Conseil municipal 2021", "2021", "compte-rendu.txt", "annexe.pdf",
                                           "convocation.txt"}


def test_api_deposit_raw_zip_status_and_atr(vitam_world, tmp_path, client):
    tenant = vitam_world.tenant_a
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_key(vitam_world.archivist_a)}"}
    url = reverse("api-deposit-list", kwargs={"tenant_pk": tenant.pk})
    body = build_sip(tenant, tmp_path / "sip", title="Versement Pastell").read_bytes()
    response = client.post(url, body, content_type="application/zip", HTTP_X_FILENAME="pastell.zip", **auth)
    assert response.status_code == 202, response.content
    deposit_id = response.json()["id"]
    status = client.get(reverse("api-deposit-detail", kwargs={"tenant_pk": tenant.pk, "pk": deposit_id}), **auth)
    assert status.json()["state"] == "completed" and status.json()["operation_status"] == "OK"
    assert status.json()["file_name"] == "pastell.zip"
    atr = client.get(status.json()["atr_url"], **auth)
    assert atr.status_code == 200 and b"ArchiveTransferReply" in b"".join(atr.streaming_content)
    listing = client.get(url, **auth).json()
    assert [d["id"] for d in listing["results"]] == [deposit_id]
    # Multipart works too; commune B's tenant is out of reach.
    with open(tmp_path / "sip" / "sip.zip", "rb") as handle:
        assert client.post(url, {"sip": handle}, **auth).status_code == 202
    other = reverse("api-deposit-list", kwargs={"tenant_pk": vitam_world.tenant_b.pk})
    with open(tmp_path / "sip" / "sip.zip", "rb") as handle:
        assert client.post(other, {"sip": handle}, **auth).status_code == 404
    assert not Deposit.objects.filter(tenant=vitam_world.tenant_b).exists()


# --- Vitam's corpus through the upload path -------------------------------------------------------

CORPUS = {
    # SIP: (state shown, Vitam's final status or "", words of the explanation or problem)
    "valid/4_UNITS_2_GOTS.zip": ("completed", "OK", ""),
    "valid/OK_RULES_COMPLEXE_COMPLETE_V2.zip": ("completed", "OK", ""),
    "warning/SIP_OK_HoldRules.zip": ("completed", "WARNING", ""),
    "warning/KO_SIP_INCORRECT_OBJECT_SIZE.zip": ("completed", "WARNING", ""),
    "invalid/SIP_INGEST_WRONG_DATE.zip": ("completed", "KO", ""),
    "invalid/SIP_KO_HoldRules_HoldEndDateBeforeStartDate.zip": ("completed", "KO", ""),
    "invalid/SIP_INGEST_CONTRACT_UNKNOW.zip": ("rejected", "", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
    "invalid/KO_Reference_Unexisting.zip": ("rejected", "", "ID006"),
    "invalid/KO_manifest-name-with-dollar.zip": ("rejected", "", "manifest"),
    "invalid/SIP_no_manifest.zip": ("rejected", "", "manifest"),
    "invalid/SIP_Conformity_KO.zip": ("rejected", "", "content/"),
    "valid/TEST_ELIMINATION_V2_seda2.3.zip": ("rejected", "", "2.3"),
    # SIP_INGEST_CONTRACT_NOT_IN_CONTEXT needs Vitam's security context (Context_IT), which the
    # portal's shared vitam-lite does not enforce: tests/conformance covers it.
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_sips_through_the_upload_path(client, corpus_tenant, vitam_world, vitam_reference, name):
    state, status, words = CORPUS[name]
    client.force_login(vitam_world.archivist_a)
    response = upload(client, corpus_tenant, vitam_reference / "sip" / name)
    deposit = latest(corpus_tenant)
    assert deposit.state == state, (deposit.problems, deposit.explanation, deposit.last_error)
    assert deposit.operation_status == status
    page = client.get(response.url).content.decode()
    if status == "KO":
        assert deposit.failing_event and deposit.explanation
        assert deposit.failing_event in page
    if words:
        assert words in " ".join(p["message"] for p in deposit.problems)
        assert words in page
