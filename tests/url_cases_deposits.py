"""URL cases of deposits: every screen and API endpoint, tried by commune A's users on commune B's deposit."""

from sam.deposits.models import Deposit
from tests.url_cases import ARCHIVE_STAFF, ORGANISATION, UrlCase, register


def tenant_b(world):
    return {"tenant_pk": world.tenant_b.pk}


def deposit_b(world, state=Deposit.State.WAITING_RETRY):
    deposit = Deposit.objects.create(tenant=world.tenant_b, organisation=world.org_b, created_by=world.archivist_b,
                                     title="Versement secret de B", state=state, retry_phase="follow",
                                     operation_id="aeaaaaaaaasecretb")
    return {"tenant_pk": world.tenant_b.pk, "pk": deposit.pk}


def deposit_with_atr_b(world):
    import tempfile

    kwargs = deposit_b(world, state=Deposit.State.COMPLETED)
    handle, path = tempfile.mkstemp(suffix=".atr.xml")
    with open(handle, "wb") as atr:
        atr.write(b"<ArchiveTransferReply>Versement secret de B</ArchiveTransferReply>")
    Deposit.objects.filter(pk=kwargs["pk"]).update(atr_path=path, operation_status="OK")
    return kwargs


def review_deposit_b(world):
    kwargs = deposit_b(world, state=Deposit.State.REVIEW)
    Deposit.objects.filter(pk=kwargs["pk"]).update(kind=Deposit.Kind.SIMPLE, summary={"build": {"units": [
        {"path": "", "kind": "folder", "depth": 0, "level": "File", "title": "Versement secret de B",
         "description": "", "start": "2020-01-01", "end": "2020-12-31"}]}})
    return kwargs


def ready_deposit_b(world):
    return deposit_b(world, state=Deposit.State.READY)


MARKERS = lambda w: ["Versement secret de B", "aeaaaaaaaasecretb"]  # noqa: E731
GP = ("get", "post")

register(
    UrlCase("deposits:deposit_list", ORGANISATION, kwargs=tenant_b, markers=MARKERS),
    UrlCase("deposits:deposit_create", ORGANISATION, kwargs=tenant_b, methods=GP),
    UrlCase("deposits:simple_create", ORGANISATION, kwargs=tenant_b, methods=("post",)),
    UrlCase("deposits:deposit_detail", ORGANISATION, kwargs=deposit_b, markers=MARKERS),
    UrlCase("deposits:deposit_review", ORGANISATION, kwargs=review_deposit_b, methods=GP, markers=MARKERS),
    UrlCase("deposits:deposit_status", ORGANISATION, kwargs=deposit_b, markers=MARKERS),
    UrlCase("deposits:deposit_send", ORGANISATION, kwargs=ready_deposit_b, methods=("post",)),
    UrlCase("deposits:deposit_retry", ORGANISATION, kwargs=deposit_b, methods=("post",)),
    UrlCase("deposits:deposit_cancel", ORGANISATION, kwargs=ready_deposit_b, methods=("post",)),
    UrlCase("deposits:deposit_atr", ORGANISATION, kwargs=deposit_with_atr_b, markers=MARKERS),
    UrlCase("deposits:deposit_slip", ORGANISATION, kwargs=deposit_b, markers=MARKERS),
    UrlCase("deposits:deposit_slip_pdf", ORGANISATION, kwargs=deposit_b),
    UrlCase("api-deposit-list", ORGANISATION, kwargs=tenant_b, methods=GP, api=True, markers=MARKERS),
    UrlCase("api-deposit-detail", ORGANISATION, kwargs=deposit_b, api=True, markers=MARKERS),
    UrlCase("api-deposit-atr", ORGANISATION, kwargs=deposit_with_atr_b, api=True, markers=MARKERS),
    roles=ARCHIVE_STAFF,
)
