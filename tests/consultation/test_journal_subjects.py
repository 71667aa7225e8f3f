"""The journal of operations says what each operation SAM started is about (communications, transfers, changes of
published units too) and links to it; a page of the journal looks only among the kinds of SAM records its
operations' types can be about (one query, none when no type can be about a SAM record)."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from sam.communication.models import Communication, CommunicationPart
from sam.consultation.selectors import SUBJECT_KINDS_BY_PROCESS, operation_subjects
from sam.reclassification.models import PublishedChange
from sam.transfers.models import Transfer
from sam.vitam.dsl import Select, in_
from tenants.vitam_clients import ACCESS, vitam_client


def _communication(archive, operation_id, *, title="Permis de construire 2008"):
    communication = Communication.objects.create(
        tenant=archive.tenant_a, organisation=archive.org_a, created_by=archive.archivist_a, title=title,
        purpose=Communication.Purpose.RESEARCH, requester_name="Mme Lecteur", state=Communication.State.READY)
    CommunicationPart.objects.create(communication=communication, index=1, operation_id=operation_id,
                                     state=CommunicationPart.State.DONE)
    return communication


def _transfer(archive, **operations):
    return Transfer.objects.create(
        tenant=archive.tenant_a, organisation=archive.org_a, created_by=archive.archivist_a, reference="TR-2026-7",
        mode=Transfer.Mode.SELECTION, archival_agency="AD95", transferring_agency="A-SERVICE",
        archival_agreement="CONV-1", **operations)


def test_a_dip_export_in_the_journal_links_to_its_communication(client, archive, django_assert_num_queries):
    vitam = vitam_client(archive.tenant_a, contract=ACCESS)
    operation_id = vitam.export_dip(Select().where(in_("#id", [archive.ids["Dossier confidentiel 2020"]])), usages=["BinaryMaster"],
                                    parameters={"requesterIdentifier": "test"})
    assert vitam.wait_for_operation(operation_id, timeout=60).status in ("OK", "WARNING")
    communication = _communication(archive, operation_id)
    with django_assert_num_queries(1):
        subjects = operation_subjects(archive.tenant_a, [operation_id], processes={"EXPORT_DIP"})
    assert subjects[operation_id]["kind"] == "communication" and subjects[operation_id]["pk"] == communication.pk
    client.force_login(archive.archivist_a)
    page = client.get(reverse("consultation:operation_list", args=[archive.tenant_a.pk]), {"type": "EXPORT_DIP"})
    html = page.content.decode()
    assert reverse("communication:detail", args=[archive.tenant_a.pk, communication.pk]) in html
    assert "Permis de construire 2008" in html and "pour Mme Lecteur" in html
    detail = client.get(reverse("consultation:operation_detail", args=[archive.tenant_a.pk, operation_id]))
    assert reverse("communication:detail", args=[archive.tenant_a.pk, communication.pk]) in detail.content.decode()


def test_transfers_their_replies_and_changes_of_published_units_are_found(archive):
    transfer = _transfer(archive, operation_id="op-transfer", reply_operation_id="op-reply",
                         regularisation_operation_id="op-regularisation")
    move = PublishedChange.objects.create(tenant=archive.tenant_a, organisation=archive.org_a,
                                          kind=PublishedChange.Kind.MOVE, label="Dossier 12", operation_id="op-move",
                                          created_by=archive.archivist_a)
    ids = ["op-transfer", "op-reply", "op-regularisation", "op-move"]
    subjects = operation_subjects(archive.tenant_a, ids, processes={"ARCHIVE_TRANSFER", "TRANSFER_REPLY",
                                                                    "RECLASSIFICATION"})
    assert {key: (value["kind"], value["pk"]) for key, value in subjects.items()} == {
        "op-transfer": ("transfer", transfer.pk), "op-reply": ("transfer_reply", transfer.pk),
        "op-regularisation": ("transfer_regularisation", transfer.pk), "op-move": ("published_change", move.pk)}
    assert subjects["op-move"]["detail"] == PublishedChange.Kind.MOVE.label
    assert operation_subjects(archive.tenant_a, ids) == subjects  # no types given: every kind looked at
    assert operation_subjects(archive.tenant_b, ids) == {}  # never another tenant's records


def test_a_page_looks_only_where_its_operations_can_be(archive, django_assert_num_queries):
    _transfer(archive, operation_id="op-1")
    _communication(archive, "op-2")
    # An ingest's operation id is never a transfer's: a page of ingests does not look among transfers.
    assert operation_subjects(archive.tenant_a, ["op-1", "op-2"], processes={"INGEST"}) == {}
    assert set(operation_subjects(archive.tenant_a, ["op-1", "op-2"], processes={"ARCHIVE_TRANSFER"})) == {"op-1"}
    with django_assert_num_queries(0):  # traceability operations are about no SAM record
        assert operation_subjects(archive.tenant_a, ["op-1"], processes={"TRACEABILITY"}) == {}
    # A type SAM does not know yet is looked for everywhere: nothing a journal line is about goes unseen.
    assert set(operation_subjects(archive.tenant_a, ["op-1", "op-2"], processes={"INGEST", "NEW_PROCESS"})) == {
        "op-1", "op-2"}
    assert {"INGEST", "EXPORT_DIP", "ARCHIVE_TRANSFER", "TRANSFER_REPLY", "RECLASSIFICATION"} <= set(
        SUBJECT_KINDS_BY_PROCESS)


def test_each_new_kind_is_said_in_french_with_its_link(archive):
    tenant = archive.tenant_a
    cases = {
        "communication": ("Communication", reverse("communication:detail", args=[tenant.pk, 5]), "pour Mme X"),
        "transfer": ("Transfert", reverse("transfers:detail", args=[tenant.pk, 5]), "vers AD95"),
        "transfer_regularisation": ("Transfert de régularisation de", reverse("transfers:detail", args=[tenant.pk, 5]),
                                    "vers AD95"),
        "transfer_reply": ("Réponse au transfert", reverse("transfers:detail", args=[tenant.pk, 5]), "vers AD95"),
        "published_change": ("Déplacement d’unités", reverse("reclassification:change_detail", args=[tenant.pk, 5]),
                             "Dossier 12"),
    }
    details = {"communication": "Mme X", "published_change": str(PublishedChange.Kind.MOVE.label)}
    with translation.override("fr"):
        for kind, (words, url, more) in cases.items():
            subject = {"kind": kind, "pk": 5, "title": "Dossier 12" if kind == "published_change" else "TR-7",
                       "detail": details.get(kind, "AD95"), "person": ""}
            html = render_to_string("consultation/_operation_subject.html", {"subject": subject, "tenant": tenant})
            assert words in html and f'href="{url}"' in html and more in html, (kind, html)
