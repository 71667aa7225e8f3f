"""Reads of deposits, always scoped by the tenants the user may deposit on (404 alike otherwise)."""

from django.http import Http404

from sam.deposits.models import Deposit
from sam.lib.display import row_urls
from sam.vitam import Select, eq
from tenants.vitam_clients import ACCESS, vitam_client
from tenants.permissions import tenant_get_for_user

PERM = "deposit"
FILING_UNITS_LIMIT = 2000


def deposit_tenant_for_user(user, tenant_pk):
    return tenant_get_for_user(user, tenant_pk, PERM)


def deposit_get_for_user(user, tenant_pk, pk) -> Deposit:
    tenant = deposit_tenant_for_user(user, tenant_pk)
    try:
        return Deposit.objects.select_related("tenant", "organisation", "created_by", "job").get(
            pk=int(pk), tenant=tenant)
    except (Deposit.DoesNotExist, ValueError, TypeError):
        raise Http404("No such deposit") from None


def deposit_list(*, user, tenant, mine: bool = False, state: str = "", date_from=None, date_to=None, kind: str = ""):
    deposits = Deposit.objects.filter(tenant=tenant).select_related("created_by")
    if mine:
        deposits = deposits.filter(created_by=user)
    if state:
        deposits = deposits.filter(state=state)
    if kind:
        deposits = deposits.filter(kind=kind)
    if date_from:
        deposits = deposits.filter(created_at__date__gte=date_from)
    if date_to:
        deposits = deposits.filter(created_at__date__lte=date_to)
    return deposits.order_by("-created_at", "-id")


def deposit_rows(deposits, *, tenant) -> list[Deposit]:
    """One page of the list with each row's links, from one reverse() per link for the page (not three per row
    in the template)."""
    detail_url, status_url, atr_url = (row_urls(name, tenant.pk) for name in (
        "deposits:deposit_detail", "deposits:deposit_status", "deposits:deposit_atr"))
    rows = list(deposits)
    for deposit in rows:
        deposit.detail_url, deposit.status_url = detail_url(deposit.pk), status_url(deposit.pk)
        deposit.atr_url = atr_url(deposit.pk) if deposit.atr_path else ""
    return rows


def filing_units(tenant) -> list[dict]:
    """The published filing plan's nodes (FILING_UNIT), for the simple deposit's select."""
    client = vitam_client(tenant, contract=ACCESS)
    query = (Select().where(eq("#unitType", "FILING_UNIT")).limit(FILING_UNITS_LIMIT)
             .fields("#id", "Title", "ArchivalAgencyArchiveUnitIdentifier"))
    units = [
        {"id": unit["#id"], "title": unit.get("Title") or unit["#id"],
         "identifier": unit.get("ArchivalAgencyArchiveUnitIdentifier") or ""}
        for unit in client.search_units(query.build()).results if unit.get("#id")
    ]
    return sorted(units, key=lambda u: (u["identifier"] or "~", u["title"].lower()))
