"""Sending a transfer to the receiving service's Vitam, as SAM deposits: a second vitam-lite started here over
HTTPS with client certificates (the receiving platform), configured by the referent through the screens; the SIP
sent by a job to its POST /ingest-external/v1/ingests, the receiving ingest followed, its ATR imported as the
reply and the accepted units purged from SAM's Vitam. And the refusals: another commune's platform, a contract
the platform does not take, certificate paths outside the organisation's folder, a platform that does not
answer."""

import html

import pytest
from django.urls import reverse

from sam.site.demo import ensure_referentials
from sam.lib.jobs.models import Job
from sam.transfers import delivery, services
from sam.transfers.models import ReceivingPlatform, Transfer
from sam.vitam import VitamContext
from sam.vitam.session import close_sessions
from tenants.models import AuditEntry
from tests.transfers.test_transfers import FORM, remaining, start_from_selection
from tests.vitam.test_vitamlite_mutual_tls import _issue
from vitamlite import security
from vitamlite.referentials import store as ref_store
from vitamlite.server import start_in_thread, tls_context

pytestmark = pytest.mark.django_db
RECEIVING_TENANT, ADMIN_TENANT = 3, 1
FOLDER_UNITS = ("Permis de construire 2008 A", "PC 0012 maison A", "PC 0047 garage A")


@pytest.fixture
def certs(world, tmp_path, settings):
    """The certificates, in commune A's folder of receiving platforms' certificates."""
    settings.RECEIVING_PLATFORM_CERTS_DIR = tmp_path
    folder = tmp_path / world.org_a.code
    folder.mkdir()
    ca_key, ca = _issue(folder, "ca", "CA des Archives départementales", ca=True)
    _issue(folder, "server", "127.0.0.1", ca_key, ca.subject, ip="127.0.0.1")
    _issue(folder, "sam-a", "sam-a", ca_key, ca.subject)
    return folder


@pytest.fixture
def receiving(certs, tmp_path_factory):
    """The departmental archives' Vitam: vitam-lite over HTTPS, SAM's certificate linked to a full context, the
    services and the ingest contract IC-DEFINITIF on its tenant."""
    server = start_in_thread(tmp_path_factory.mktemp("receiving"), tenants="0-9", admin_tenant=ADMIN_TENANT,
                             ssl_context=tls_context(str(certs / "server.crt"), str(certs / "server.key"),
                                                     str(certs / "ca.crt")))
    db = server.app.store.connect()
    ref_store.put(db, ADMIN_TENANT, "security_profiles", {"Identifier": "SP-FULL", "Name": "Accès complet",
                                                          "FullAccess": True, "Permissions": []})
    ref_store.put(db, ADMIN_TENANT, "contexts", {"Identifier": "CT-SAM-A", "Name": "SAM commune A",
                                                 "Status": "ACTIVE", "SecurityProfile": "SP-FULL",
                                                 "EnableControl": False, "Permissions": []})
    security.link_identity(db, (certs / "sam-a.crt").read_bytes(), "CT-SAM-A")
    db.commit()
    server.app.store.close_thread_connection()
    yield server
    close_sessions()
    server.stop()


def platform_data(server, certs, **changes):
    return {"name": "Archives départementales", "ingest_url": server.base_url, "vitam_tenant": RECEIVING_TENANT,
            "context_id": "DEFAULT_WORKFLOW", "ingest_contract": FORM["archival_agreement"],
            "cert_path": str(certs / "sam-a.crt"), "key_path": str(certs / "sam-a.key"),
            "ca_path": str(certs / "ca.crt"), **changes}


def prepare_receiving_tenant(platform, world):
    client = delivery.platform_client(platform)
    ensure_referentials(client, world.org_a, say=lambda *_: None)
    client.import_ingest_contracts([{"Identifier": FORM["archival_agreement"], "Name": "Versements définitifs",
                                     "Status": "ACTIVE", "CheckParentLink": "AUTHORIZED",
                                     "EveryDataObjectVersion": True, "FormatUnidentifiedAuthorized": True,
                                     "EveryFormatType": True}])
    return client


def test_the_referent_adds_a_platform_and_the_transfer_is_sent_received_and_its_reply_imported(
        client, archive, receiving, certs):
    client.force_login(archive.referent_a)
    platforms_url = reverse("transfers:platforms", args=[archive.tenant_a.pk])
    response = client.post(platforms_url, platform_data(receiving, certs))
    assert response.status_code == 302, html.unescape(response.content.decode())
    platform = ReceivingPlatform.objects.get()
    assert platform.tenant == archive.tenant_a
    assert "Archives départementales" in client.get(platforms_url).content.decode()
    prepare_receiving_tenant(platform, archive)

    transfer = start_from_selection(client, archive)
    assert transfer.state == Transfer.State.SIP_READY, transfer.error
    detail_url = reverse("transfers:detail", args=[archive.tenant_a.pk, transfer.pk])
    assert "Envoyer au service destinataire" in html.unescape(client.get(detail_url).content.decode())
    response = client.post(reverse("transfers:send", args=[archive.tenant_a.pk, transfer.pk]),
                           {"platform": platform.pk})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.delivery_operation_id and transfer.platform == platform
    assert transfer.state == Transfer.State.DONE, transfer.error
    assert (transfer.accepted_count, transfer.refused_count) == (3, 0)
    ids = [archive.ids[title] for title in FOLDER_UNITS]
    assert remaining(archive, ids) == set()  # purged from SAM's Vitam: the receiving Vitam holds them now
    receiving_client = delivery.platform_client(platform).with_context(
        VitamContext(tenant=RECEIVING_TENANT))
    assert receiving_client.operation_status(transfer.delivery_operation_id).status == "OK"
    actions = list(AuditEntry.objects.filter(target_id=str(transfer.pk), action__startswith="transfer.")
                   .order_by("pk").values_list("action", flat=True))
    assert actions[actions.index("transfer.send"):] == [
        "transfer.send", "transfer.delivered", "transfer.atr_received", "transfer.reply_import",
        "transfer.reply_done"]
    page = html.unescape(client.get(detail_url).content.decode())
    assert "Archives départementales" in page and transfer.delivery_operation_id in page


def test_a_platform_not_answering_leaves_the_sip_ready_with_a_french_message(client, archive, certs):
    platform = delivery.platform_save(actor=archive.referent_a, tenant=archive.tenant_a, data={
        "name": "Injoignable", "ingest_url": "https://127.0.0.1:9", "vitam_tenant": 3,
        "context_id": "DEFAULT_WORKFLOW", "ingest_contract": "", "cert_path": "", "key_path": "", "ca_path": ""})
    transfer = start_from_selection(client, archive)
    client.post(reverse("transfers:send", args=[archive.tenant_a.pk, transfer.pk]), {"platform": platform.pk})
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.SIP_READY and not transfer.delivery_operation_id
    assert transfer.error.startswith("La plateforme destinataire Injoignable n’a pas pu être jointe")
    assert AuditEntry.objects.filter(action="transfer.send_failed", target_id=str(transfer.pk)).exists()


def test_refusals_before_anything_is_sent(client, archive, certs, tmp_path):
    client.force_login(archive.referent_a)
    platforms_url = reverse("transfers:platforms", args=[archive.tenant_a.pk])
    outside = tmp_path / "other.crt"
    outside.write_text("x")
    page = html.unescape(client.post(platforms_url, {**platform_data(type("S", (), {"base_url": "https://x.test"}),
                                                                     certs), "cert_path": str(outside)})
                         .content.decode())
    assert "le dossier des certificats des plateformes destinataires de votre organisation" in page
    assert not ReceivingPlatform.objects.exists()

    platform = delivery.platform_save(actor=archive.referent_a, tenant=archive.tenant_a, data={
        "name": "AD", "ingest_url": "https://127.0.0.1:9", "vitam_tenant": 3, "context_id": "DEFAULT_WORKFLOW",
        "ingest_contract": "IC-AUTRE", "cert_path": "", "key_path": "", "ca_path": ""})
    transfer = start_from_selection(client, archive)
    response = client.post(reverse("transfers:send", args=[archive.tenant_a.pk, transfer.pk]),
                           {"platform": platform.pk}, follow=True)
    assert "prend le contrat d’entrée IC-AUTRE" in html.unescape(response.content.decode())
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.SIP_READY and transfer.platform is None


def test_another_communes_platform_and_the_archivist_managing_platforms_are_refused(client, archive):
    platform_b = delivery.platform_save(actor=archive.referent_b, tenant=archive.tenant_b, data={
        "name": "AD de B", "ingest_url": "https://127.0.0.1:9", "vitam_tenant": 3, "context_id": "DEFAULT_WORKFLOW",
        "ingest_contract": "", "cert_path": "", "key_path": "", "ca_path": ""})
    transfer = start_from_selection(client, archive)
    client.post(reverse("transfers:send", args=[archive.tenant_a.pk, transfer.pk]), {"platform": platform_b.pk})
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.SIP_READY and transfer.platform is None
    client.force_login(archive.archivist_a)
    assert client.get(reverse("transfers:platforms", args=[archive.tenant_a.pk])).status_code == 404


def test_a_platform_removed_before_the_job_runs_leaves_the_sip_ready(client, archive):
    platform = delivery.platform_save(actor=archive.referent_a, tenant=archive.tenant_a, data={
        "name": "AD", "ingest_url": "https://127.0.0.1:9", "vitam_tenant": 3, "context_id": "DEFAULT_WORKFLOW",
        "ingest_contract": "", "cert_path": "", "key_path": "", "ca_path": ""})
    transfer = start_from_selection(client, archive)
    Transfer.objects.filter(pk=transfer.pk).update(state=Transfer.State.SENDING, platform=platform)
    delivery.platform_delete(actor=archive.referent_a, platform=platform)
    transfer.refresh_from_db()
    delivery.transfer_deliver(transfer=transfer, on_progress=lambda *args: None)
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.SIP_READY
    assert transfer.error == "La plateforme destinataire a été retirée avant l’envoi du transfert."


def test_a_transfer_in_parts_is_sent_part_after_part_and_each_reply_purges_its_units(
        client, archive, receiving, certs, settings):
    settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": 2}
    platform = delivery.platform_save(actor=archive.referent_a, tenant=archive.tenant_a,
                                      data=platform_data(receiving, certs))
    prepare_receiving_tenant(platform, archive)
    with pytest.raises(Transfer.MultipleObjectsReturned):  # the transfer became two parts
        start_from_selection(client, archive)
    head = Transfer.objects.get(tenant=archive.tenant_a, part_index=1)
    parts = list(Transfer.objects.filter(group=head).order_by("part_index"))
    assert [part.state for part in parts] == [Transfer.State.SIP_READY] * 2, [part.error for part in parts]
    group_url = reverse("transfers:group", args=[archive.tenant_a.pk, head.pk])
    assert "Envoyer au service destinataire" in html.unescape(client.get(group_url).content.decode())

    response = client.post(reverse("transfers:parts_send", args=[archive.tenant_a.pk, head.pk]),
                           {"platform": platform.pk})
    assert response.status_code == 302 and response["Location"] == group_url
    parts = list(Transfer.objects.filter(group=head).order_by("part_index"))
    assert [part.state for part in parts] == [Transfer.State.DONE] * 2, [part.error for part in parts]
    assert [(part.accepted_count, part.refused_count) for part in parts] == [(2, 0), (1, 0)]
    assert len({part.delivery_operation_id for part in parts}) == 2 and all(p.platform == platform for p in parts)
    assert remaining(archive, [archive.ids[title] for title in FOLDER_UNITS]) == set()
    receiving_client = delivery.platform_client(platform).with_context(VitamContext(tenant=RECEIVING_TENANT))
    # the second part holds the folder alone, without any binary object: Vitam's ingest warns of it
    assert [receiving_client.operation_status(part.delivery_operation_id).status for part in parts] == [
        "OK", "WARNING"]
    page = html.unescape(client.get(group_url).content.decode())
    assert "Réponse intégrée 2/2" in page and '<dd id="group-accepted">3</dd>' in page

    # nothing left to send: a French refusal
    page = html.unescape(client.post(reverse("transfers:parts_send", args=[archive.tenant_a.pk, head.pk]),
                                     {"platform": platform.pk}, follow=True).content.decode())
    assert "Aucune partie de ce transfert n’a de SIP prêt à envoyer." in page


def test_a_part_is_delivered_once_the_reply_of_the_part_before_is_integrated(
        client, archive, receiving, certs, settings):
    """The platform answers at once: part 2 is delivered only when part 1's reply has gone through Vitam (its
    own job), so that the replies reach Vitam in the order of the parts; the end of that reply sends part 2."""
    settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": 2}
    platform = delivery.platform_save(actor=archive.referent_a, tenant=archive.tenant_a,
                                      data=platform_data(receiving, certs))
    prepare_receiving_tenant(platform, archive)
    with pytest.raises(Transfer.MultipleObjectsReturned):
        start_from_selection(client, archive)
    head = Transfer.objects.get(tenant=archive.tenant_a, part_index=1)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}  # the test runs each job's work itself
    client.post(reverse("transfers:parts_send", args=[archive.tenant_a.pk, head.pk]), {"platform": platform.pk})

    delivery.parts_deliver(head=head, actor=archive.archivist_a, on_progress=lambda *progress: None)
    first, second = Transfer.objects.filter(group=head).order_by("part_index")
    assert first.state == Transfer.State.REPLY_RUNNING, first.error
    assert (second.state, second.delivery_operation_id) == (Transfer.State.SENDING, "")
    assert Job.objects.filter(kind="transfer_send_parts").count() == 1

    services.reply_run(transfer=first, actor=archive.archivist_a, on_progress=lambda *progress: None)
    first.refresh_from_db()
    assert first.state == Transfer.State.DONE
    again = Job.objects.filter(kind="transfer_send_parts").order_by("pk").last()
    assert Job.objects.filter(kind="transfer_send_parts").count() == 2 and again.created_by == archive.archivist_a
    delivery.parts_deliver(head=head, actor=again.created_by, on_progress=lambda *progress: None)
    second.refresh_from_db()
    assert second.state == Transfer.State.REPLY_RUNNING and second.delivery_operation_id, second.error
    services.reply_run(transfer=second, actor=archive.archivist_a, on_progress=lambda *progress: None)
    second.refresh_from_db()
    assert second.state == Transfer.State.DONE
    assert remaining(archive, [archive.ids[title] for title in FOLDER_UNITS]) == set()


def test_parts_are_not_sent_while_an_earlier_part_awaits_its_reply(client, archive, receiving, certs, settings):
    """Part 1's SIP was taken by hand (awaiting its reply): sending part 2 to the platform, whose reply would come
    at once and could not be imported, is refused naming part 1; nothing is sent."""
    settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": 2}
    platform = delivery.platform_save(actor=archive.referent_a, tenant=archive.tenant_a,
                                      data=platform_data(receiving, certs))
    with pytest.raises(Transfer.MultipleObjectsReturned):
        start_from_selection(client, archive)
    head = Transfer.objects.get(tenant=archive.tenant_a, part_index=1)
    client.get(reverse("transfers:sip", args=[archive.tenant_a.pk, head.pk]))  # taken to the receiving service
    head.refresh_from_db()
    assert head.state == Transfer.State.SENT
    page = html.unescape(client.post(reverse("transfers:parts_send", args=[archive.tenant_a.pk, head.pk]),
                                     {"platform": platform.pk}, follow=True).content.decode())
    assert f"Importez d’abord la réponse de la partie 1 sur 2 ({head.reference})" in page
    second = Transfer.objects.get(group=head, part_index=2)
    assert (second.state, second.platform) == (Transfer.State.SIP_READY, None)
    assert not Job.objects.filter(kind="transfer_send_parts").exists()
