"""URL cases of transfers to definitive archives: commune A's users on commune B's transfers, their SIP, reply and
bordereau must get 403/404 and see nothing of B; inside B only the archive staff (the right to eliminate) may
transfer, researchers and controllers get 404."""

import tempfile
import zipfile

from sam.selection.models import Selection, SelectionEntry
from sam.transfers.models import ReceivingPlatform, Transfer
from tests.url_cases import ARCHIVE_STAFF, ORGANISATION, REFERENT_ONLY, UrlCase, register

SECRET = "Transfert secret de B"


def tenant_b(world):
    return {"tenant_pk": world.tenant_b.pk}


def _sip() -> str:
    """A transfer SIP whose manifest names one of B's units."""
    handle, path = tempfile.mkstemp(suffix=".zip")
    with open(handle, "wb") as stream, zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("manifest.xml", "<ArchiveTransfer xmlns='fr:gouv:culture:archivesdefrance:seda:v2.1'>"
                         "<DataObjectPackage><DescriptiveMetadata><ArchiveUnit id='U1'><Content>"
                         "<DescriptionLevel>File</DescriptionLevel><Title>Dossier à transférer secret de B</Title>"
                         "<SystemId>aeaqaaaaaasecretunitb</SystemId></Content></ArchiveUnit></DescriptiveMetadata>"
                         "</DataObjectPackage></ArchiveTransfer>")
    return path


def transfer_b(world):
    transfer = Transfer.objects.create(
        tenant=world.tenant_b, organisation=world.org_b, created_by=world.archivist_b, reference="TR-B-SECRET",
        mode=Transfer.Mode.SELECTION, criteria={"selection": SECRET}, archival_agency="FRAD095",
        transferring_agency="B-ARCH", archival_agreement="IC-SECRET-B", comment=SECRET,
        operation_id="aeeaaaaaaasecrettransferb", state=Transfer.State.SENT,
        sip_path=_sip())
    return {"tenant_pk": world.tenant_b.pk, "pk": transfer.pk}


def transfer_b_replied(world):
    """B's transfer with the receiving service's reply kept (a secret of B in it)."""
    kwargs = transfer_b(world)
    handle, path = tempfile.mkstemp(suffix=".xml")
    with open(handle, "wb") as stream:
        stream.write(f"<ArchiveTransferReply><Comment>{SECRET}</Comment></ArchiveTransferReply>".encode())
    Transfer.objects.filter(pk=kwargs["pk"]).update(reply_path=path, state=Transfer.State.REFUSED)
    return kwargs


def transfer_group_b(world):
    """B's transfer in two parts, both sent (nothing to resume: B's staff get a refusal, Vitam is not asked)."""
    kwargs = transfer_b(world)
    head = Transfer.objects.get(pk=kwargs["pk"])
    Transfer.objects.filter(pk=head.pk).update(group=head, part_index=1, part_count=2, reference="TR-B-SECRET-1")
    Transfer.objects.create(
        tenant=world.tenant_b, organisation=world.org_b, created_by=world.archivist_b, reference="TR-B-SECRET-2",
        mode=Transfer.Mode.SELECTION, criteria={"selection": SECRET}, archival_agency="FRAD095",
        transferring_agency="B-ARCH", archival_agreement="IC-SECRET-B", comment=SECRET, group=head, part_index=2,
        part_count=2, state=Transfer.State.SENT)
    return kwargs


def selection_b(world):
    selection = Selection.objects.create(user=world.archivist_b, tenant=world.tenant_b, organisation=world.org_b)
    SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.UNIT,
                                  unit_id="aeaqaaaaaasecretunitb", label="Dossier à transférer secret de B")
    return {"tenant_pk": world.tenant_b.pk, "selection_pk": selection.pk}


def platform_b(world):
    platform = ReceivingPlatform.objects.create(
        tenant=world.tenant_b, organisation=world.org_b, created_by=world.referent_b, name="Plateforme secrète de B",
        ingest_url="https://vitam-secret-b.example", vitam_tenant=7, ingest_contract="IC-SECRET-B")
    return {"tenant_pk": world.tenant_b.pk, "pk": platform.pk}


def markers(world):
    return [SECRET, "TR-B-SECRET", "IC-SECRET-B", "aeeaaaaaaasecrettransferb", "Dossier à transférer secret de B",
            "Plateforme secrète de B", "vitam-secret-b.example"]


register(
    UrlCase("transfers:list", ORGANISATION, kwargs=lambda w: (transfer_b(w), tenant_b(w))[1], markers=markers),
    UrlCase("transfers:new_dua", ORGANISATION, kwargs=tenant_b, methods=("get",), markers=markers,
            note="POST starts Vitam's ARCHIVE_TRANSFER: tests/transfers covers it"),
    # A selection is its owner's alone (world.archivist_b): the role matrix's users of B get 404 too.
    UrlCase("transfers:new_selection", ORGANISATION, kwargs=selection_b, methods=("get",), markers=markers,
            roles=frozenset()),
    UrlCase("transfers:detail", ORGANISATION, kwargs=transfer_b, markers=markers),
    UrlCase("transfers:sip", ORGANISATION, kwargs=transfer_b, markers=markers),
    UrlCase("transfers:reply", ORGANISATION, kwargs=transfer_b, methods=("post",), markers=markers,
            data=lambda w: {"reply": b"<ArchiveTransferReply/>"}, note="a reply never reaches another commune"),
    UrlCase("transfers:print", ORGANISATION, kwargs=transfer_b, markers=markers),
    UrlCase("transfers:print_pdf", ORGANISATION, kwargs=transfer_b, methods=("get",), markers=markers,
            note="POST lays out the PDF: tests/transfers covers it"),
    UrlCase("transfers:reply_file", ORGANISATION, kwargs=transfer_b_replied, markers=markers),
    UrlCase("transfers:group", ORGANISATION, kwargs=transfer_group_b, markers=markers),
    UrlCase("transfers:resume", ORGANISATION, kwargs=transfer_group_b, methods=("post",), markers=markers,
            note="no part of B's transfer failed: B's staff are sent back with a refusal, Vitam is not asked"),
    UrlCase("transfers:parts_send", ORGANISATION, kwargs=lambda w: (platform_b(w), transfer_group_b(w))[1],
            methods=("post",), markers=markers, data=lambda w: {"platform": ReceivingPlatform.objects.values_list(
                "pk", flat=True).filter(tenant=w.tenant_b).first()},
            note="no part of B's transfer has its SIP ready: B's staff are sent back with a refusal, nothing is sent"),
    UrlCase("transfers:send", ORGANISATION, kwargs=lambda w: (platform_b(w), transfer_b(w))[1], methods=("post",),
            markers=markers, data=lambda w: {"platform": ReceivingPlatform.objects.values_list("pk", flat=True)
                                              .filter(tenant=w.tenant_b).first()},
            note="B's transfer is SENT: B's staff are sent back with a refusal, nothing is sent"),
    roles=ARCHIVE_STAFF,
)
register(
    UrlCase("transfers:platforms", ORGANISATION, kwargs=lambda w: (platform_b(w), tenant_b(w))[1],
            methods=("get", "post"), markers=markers,
            data=lambda w: {"name": "x", "ingest_url": "https://x.example", "vitam_tenant": 1,
                            "context_id": "DEFAULT_WORKFLOW"}),
    UrlCase("transfers:platform_delete", ORGANISATION, kwargs=platform_b, methods=("post",), markers=markers),
    roles=REFERENT_ONLY,
)
