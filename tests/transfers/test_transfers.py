"""Transfers to definitive archives through the screens, against vitam-lite over HTTP: from a selection and
from the DUA ended with Keep, the SIP downloaded, the receiving service's reply imported (bad replies refused,
nothing purged), the bordereau printed and laid out as PDF, the audit trail, and who may transfer."""

import io
import tempfile
import zipfile
from datetime import date

import pytest
from django.urls import reverse
from lxml import etree

from sam.lib.jobs.models import Job
from sam.lib.seda.sip import SipRule, SipUnit
from sam.selection import services as selection_services
from sam.transfers.models import Transfer
from sam.vitam.dsl import Select, in_
from tenants.models import AuditEntry
from tenants.vitam_clients import ACCESS, vitam_client
from tests.elimination.conftest import ingest

pytestmark = pytest.mark.django_db

SEDA = "fr:gouv:culture:archivesdefrance:seda:v2.1"
NS = {"s": SEDA}
FORM = {"archival_agency": "FRAD095", "archival_agreement": "IC-DEFINITIF", "transferring_agency": "",
        "comment": "Versement aux Archives départementales"}


def url(name, archive, **kwargs):
    return reverse(f"transfers:{name}", kwargs={"tenant_pk": archive.tenant_a.pk, **kwargs})


def folder_selection(archive):
    selection = selection_services.selection_working(user=archive.archivist_a, tenant=archive.tenant_a)
    folder = archive.ids["Permis de construire 2008 A"]
    selection_services.selection_units_add(selection=selection, units={folder: "Permis"}, with_descendants=True)
    return selection


def form_data(client, archive, page_url):
    page = client.get(page_url).content.decode()
    assert "Service d’archives destinataire" in page
    transferring = etree.HTML(page).xpath("//select[@name='transferring_agency']/option/@value")
    return {**FORM, "transferring_agency": [value for value in transferring if value][0]}


def start_from_selection(client, archive):
    client.force_login(archive.archivist_a)
    selection = folder_selection(archive)
    page_url = url("new_selection", archive, selection_pk=selection.pk)
    response = client.post(page_url, form_data(client, archive, page_url))
    assert response.status_code == 302, response.content.decode()
    return Transfer.objects.get(tenant=archive.tenant_a)


def manifest_of(sip: bytes):
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(sip)).read("manifest.xml"))


def reply_for(message_request_id, unit_ids, code="OK") -> bytes:
    units = "".join(f"<ArchiveUnit id='R{n}'><Content><SystemId>{unit_id}</SystemId></Content></ArchiveUnit>"
                    for n, unit_id in enumerate(unit_ids))
    return (f"<?xml version='1.0' encoding='UTF-8'?><ArchiveTransferReply xmlns='{SEDA}'>"
            f"<Date>2026-01-01T00:00:00</Date><MessageIdentifier>ATR-AD95-1</MessageIdentifier>"
            f"<ArchivalAgreement>IC-DEFINITIF</ArchivalAgreement><CodeListVersions/>"
            f"<DataObjectPackage><DescriptiveMetadata>{units}</DescriptiveMetadata><ManagementMetadata/>"
            f"</DataObjectPackage><ReplyCode>{code}</ReplyCode>"
            f"<MessageRequestIdentifier>{message_request_id}</MessageRequestIdentifier>"
            f"<ArchivalAgency><Identifier>FRAD095</Identifier></ArchivalAgency>"
            f"<TransferringAgency><Identifier>X</Identifier></TransferringAgency></ArchiveTransferReply>").encode()


def post_reply(client, archive, transfer, body: bytes):
    upload = io.BytesIO(body)
    upload.name = "reponse.xml"
    response = client.post(url("reply", archive, pk=transfer.pk), {"reply": upload}, follow=True)
    return response.content.decode()


def remaining(archive, ids):
    client = vitam_client(archive.tenant_a, contract=ACCESS)
    return {unit["#id"] for unit in client.search_units(Select().where(in_("#id", list(ids))).fields("#id")
                                                        .limit(100).build()).results}


def test_transfer_of_a_folder_from_the_selection_then_a_reply_accepting_all_but_one(client, archive):
    transfer = start_from_selection(client, archive)
    assert transfer.state == Transfer.State.SIP_READY, transfer.error
    assert transfer.unit_count == 3 and transfer.operation_id and transfer.originating_agency
    page = client.get(url("detail", archive, pk=transfer.pk)).content.decode()
    assert "SIP prêt" in page and "Télécharger le SIP de transfert" in page
    assert "FRAD095" not in page  # the receiving service by its name

    response = client.get(url("sip", archive, pk=transfer.pk))
    sip = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/zip"
    manifest = manifest_of(sip)
    assert manifest.findtext("s:MessageIdentifier", namespaces=NS) == transfer.operation_id
    assert manifest.findtext("s:ArchivalAgency/s:Identifier", namespaces=NS) == "FRAD095"
    assert manifest.findtext("s:ArchivalAgreement", namespaces=NS) == "IC-DEFINITIF"
    unit_ids = manifest.xpath("//s:ArchiveUnit/s:Content/s:SystemId/text()", namespaces=NS)
    assert set(unit_ids) == {archive.ids[t] for t in ("Permis de construire 2008 A", "PC 0012 maison A",
                                                      "PC 0047 garage A")}
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.SENT and transfer.sent_at

    folder = archive.ids["Permis de construire 2008 A"]
    page = post_reply(client, archive, transfer, reply_for(transfer.operation_id,
                                                           [u for u in unit_ids if u != folder]))
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.DONE, transfer.error
    assert (transfer.accepted_count, transfer.refused_count) == (2, 1)
    assert "Réponse intégrée — acceptés\u00a0: 2, refusés\u00a0: 1" in page, page
    assert remaining(archive, unit_ids) == {folder}
    assert transfer.refused_unit_ids == [folder]
    bordereau = client.get(url("print", archive, pk=transfer.pk)).content.decode()
    assert bordereau.count("Acceptée\u00a0: purgée") == 2 and bordereau.count("Refusée\u00a0: reste dans SAM") == 1
    assert remaining(archive, [archive.ids["Deliberations 2019 A"]])  # outside the transfer: untouched

    # Vitam purges every unit of a transfer: the accepted ones went through a regularisation transfer of their
    # own, answered to Vitam by SAM; the receiving service's reply is kept as received.
    accepted = [u for u in unit_ids if u != folder]
    assert transfer.regularisation_operation_id and transfer.regularisation_operation_id != transfer.operation_id
    assert transfer.reply_identifier == "ATR-AD95-1"
    sent = etree.parse(transfer.vitam_reply_path).getroot()
    assert sent.findtext("s:MessageRequestIdentifier", namespaces=NS) == transfer.regularisation_operation_id
    assert sent.findtext("s:ReplyCode", namespaces=NS) == "OK"
    comment = sent.findtext("s:Comment", namespaces=NS)
    assert transfer.operation_id in comment and "ATR-AD95-1" in comment and transfer.reference in comment
    vitam = vitam_client(archive.tenant_a, contract=ACCESS)
    regularisation_sip = tempfile.SpooledTemporaryFile()
    vitam.download_transfer_sip(transfer.regularisation_operation_id, regularisation_sip)
    regularisation_sip.seek(0)
    assert sorted(manifest_of(regularisation_sip.read()).xpath(
        "//s:ArchiveUnit/s:Content/s:SystemId/text()", namespaces=NS)) == sorted(accepted)
    # Two background jobs, both on behalf of the archivist who imported the reply.
    jobs = Job.objects.filter(tenant=archive.tenant_a, kind__in=("transfer_regularisation", "transfer_reply"))
    assert sorted((job.kind, job.state, job.created_by) for job in jobs) == [
        ("transfer_regularisation", Job.State.SUCCEEDED, archive.archivist_a),
        ("transfer_reply", Job.State.SUCCEEDED, archive.archivist_a)]
    page = client.get(url("detail", archive, pk=transfer.pk)).content.decode()
    assert transfer.regularisation_operation_id in page and "Télécharger la réponse telle que reçue" in page
    response = client.get(url("reply_file", archive, pk=transfer.pk))
    assert b"".join(response.streaming_content) == reply_for(transfer.operation_id, accepted)

    actions = list(AuditEntry.objects.filter(target_id=str(transfer.pk), target_type__endswith="transfer")
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["transfer.start", "transfer.sip_ready", "transfer.sent", "transfer.reply_partial",
                       "transfer.regularisation_ready", "transfer.reply_done", "transfer.reply_download"]


def test_a_partial_reply_shows_its_regularisation_in_french(client, archive):
    transfer = start_from_selection(client, archive)
    Transfer.objects.filter(pk=transfer.pk).update(state=Transfer.State.REGULARISING, accepted_count=2,
                                                   refused_count=1)
    page = client.get(url("detail", archive, pk=transfer.pk)).content.decode()
    assert ("Réponse partielle\u00a0: 2 unités acceptées, 1 refusée — transfert de régularisation en cours"
            in page), page


def test_a_ko_reply_is_kept_purges_nothing_and_the_transfer_shows_refused(client, archive):
    transfer = start_from_selection(client, archive)
    ids = [archive.ids[t] for t in ("Permis de construire 2008 A", "PC 0012 maison A", "PC 0047 garage A")]
    body = reply_for(transfer.operation_id, [], code="KO")
    page = post_reply(client, archive, transfer, body)
    assert "Le service destinataire a refusé tout le transfert" in page, page
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.REFUSED
    assert (transfer.accepted_count, transfer.refused_count) == (0, 3)
    assert not transfer.reply_operation_id and not transfer.regularisation_operation_id
    assert "Refusé par le service destinataire" in page
    assert remaining(archive, ids) == set(ids)
    response = client.get(url("reply_file", archive, pk=transfer.pk))
    assert b"".join(response.streaming_content) == body
    bordereau = client.get(url("print", archive, pk=transfer.pk)).content.decode()
    assert bordereau.count("Refusée\u00a0: reste dans SAM") == 3 and "Acceptée\u00a0: purgée" not in bordereau
    actions = list(AuditEntry.objects.filter(target_id=str(transfer.pk), target_type__endswith="transfer")
                   .order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["transfer.reply_refused", "transfer.reply_download"]


@pytest.mark.parametrize("make_reply, message", [
    (lambda transfer, ids: reply_for("aeeaaaaaaaotherop0000000000000000000", ids),
     "Cette réponse concerne le transfert aeeaaaaaaaotherop0000000000000000000, pas celui-ci"),
    (lambda transfer, ids: reply_for(transfer.operation_id, [*ids, "aeaqaaaaaaunknownunit00000000000000"]),
     "La réponse nomme 1 unité(s) que ce transfert ne contient pas\u00a0: aeaqaaaaaaunknownunit00000000000000"),
    (lambda transfer, ids: b"<ArchiveTransferReply xmlns='" + SEDA.encode() + b"'><ReplyCode>OK",
     "La réponse n’est pas un fichier XML bien formé (ligne 1"),
    (lambda transfer, ids: b"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;'>]>"
                           b"<ArchiveTransferReply xmlns='" + SEDA.encode() + b"'>&b;</ArchiveTransferReply>",
     "DOCTYPE"),
    (lambda transfer, ids: b"<ArchiveTransfer xmlns='" + SEDA.encode() + b"'/>", "ArchiveTransferReply"),
    (lambda transfer, ids: reply_for(transfer.operation_id, ids, code="PARTIEL"),
     "Le code de réponse PARTIEL n’est ni OK, ni WARNING, ni KO"),
])
def test_bad_replies_are_refused_in_french_and_purge_nothing(client, archive, make_reply, message):
    transfer = start_from_selection(client, archive)
    ids = [archive.ids[t] for t in ("Permis de construire 2008 A", "PC 0012 maison A", "PC 0047 garage A")]
    page = post_reply(client, archive, transfer, make_reply(transfer, ids))
    assert message in page, page
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.SIP_READY and not transfer.reply_path
    assert remaining(archive, ids) == set(ids)


def test_a_receiving_vitams_atr_names_the_units_by_the_sip_ids_and_purges_them_all(client, archive):
    transfer = start_from_selection(client, archive)
    ids = [archive.ids[t] for t in ("Permis de construire 2008 A", "PC 0012 maison A", "PC 0047 garage A")]
    # As a receiving Vitam writes it: ArchiveUnit/@id is the SIP's id, SystemId its own new id.
    atr = reply_for(transfer.operation_id, [f"aeaqaaaaaareceivingside{n:013d}" for n in range(3)])
    for unit_id, number in zip(ids, range(3)):
        atr = atr.replace(f"id='R{number}'".encode(), f"id='{unit_id}'".encode())
    page = post_reply(client, archive, transfer, atr)
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.DONE, page
    assert (transfer.accepted_count, transfer.refused_count) == (3, 0)
    assert remaining(archive, ids) == set()
    # Everything accepted: the reply goes to Vitam as it is, no second transfer.
    assert not transfer.regularisation_operation_id and transfer.vitam_reply_path == transfer.reply_path


def test_transfer_of_the_units_to_keep_whose_dua_has_ended(client, archive):
    with tempfile.TemporaryDirectory():
        ingest(archive.tenant_a, [SipUnit(title="Registre des délibérations 1901", description_level="File",
                                          start_date=date(1901, 1, 1), end_date=date(1901, 12, 31),
                                          rules=[SipRule("AppraisalRule", "APP-DELIB", date(1901, 12, 31),
                                                         final_action="Keep")])], identifier="KEEP-1901")
    client.force_login(archive.archivist_a)
    response = client.post(url("new_dua", archive), form_data(client, archive, url("new_dua", archive)))
    assert response.status_code == 302
    transfer = Transfer.objects.get(tenant=archive.tenant_a)
    assert transfer.state == Transfer.State.SIP_READY, transfer.error
    titles = manifest_of(open(transfer.sip_path, "rb").read()).xpath("//s:Title/text()", namespaces=NS)
    assert "Registre des délibérations 1901" in titles
    assert not any(title.startswith(("Permis", "PC ")) for title in titles)  # Destroy, not Keep


def test_bordereau_print_page_and_pdf(client, archive):
    transfer = start_from_selection(client, archive)
    page = client.get(url("print", archive, pk=transfer.pk)).content.decode()
    assert "Bordereau de transfert" in page and "PC 0047 garage A" in page and "Dossier" in page
    response = client.post(url("print_pdf", archive, pk=transfer.pk))
    assert response.status_code == 302
    response = client.get(url("print_pdf", archive, pk=transfer.pk))
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_vitam_down_while_preparing_fails_with_a_french_message_and_the_page_still_shows(client, archive,
                                                                                       vitamlite_server):
    client.force_login(archive.archivist_a)
    selection = folder_selection(archive)
    page_url = url("new_selection", archive, selection_pk=selection.pk)
    data = form_data(client, archive, page_url)
    vitamlite_server.set_faults("error503:/access-external/v1/transfers")
    try:
        client.post(page_url, data)
        transfer = Transfer.objects.get(tenant=archive.tenant_a)
        assert transfer.state == Transfer.State.FAILED and transfer.error
        vitamlite_server.set_faults("error503:/admin-external")
        page = client.get(url("detail", archive, pk=transfer.pk)).content.decode()
    finally:
        vitamlite_server.set_faults("")
    assert "Échec" in page and "Le système d’archivage est indisponible" in transfer.error
    assert transfer.error in page
    assert AuditEntry.objects.filter(action="transfer.failed", target_id=str(transfer.pk)).exists()


def test_regularisation_transfer_failing_purges_nothing_and_the_reply_can_be_imported_again(client, archive,
                                                                                          vitamlite_server):
    transfer = start_from_selection(client, archive)
    ids = [archive.ids[t] for t in ("Permis de construire 2008 A", "PC 0012 maison A", "PC 0047 garage A")]
    folder = ids[0]
    body = reply_for(transfer.operation_id, ids[1:])
    vitamlite_server.set_faults("error503:/access-external/v1/transfers")
    try:
        post_reply(client, archive, transfer, body)
    finally:
        vitamlite_server.set_faults("")
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.SENT and "Le système d’archivage est indisponible" in transfer.error
    assert AuditEntry.objects.filter(action="transfer.regularisation_failed", target_id=str(transfer.pk)).exists()
    assert remaining(archive, ids) == set(ids)

    page = post_reply(client, archive, transfer, body)
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.DONE, page
    assert remaining(archive, ids) == {folder}


def test_researcher_cannot_transfer(client, archive):
    client.force_login(archive.researcher_a)
    assert client.get(url("list", archive)).status_code == 404
    assert client.get(url("new_dua", archive)).status_code == 404
    assert not Transfer.objects.exists()
