"""Reads of transfers, scoped by the tenants where the user may transfer (archivists and referents)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from django.http import Http404
from django.shortcuts import get_object_or_404

from sam.lib import safe_xml
from sam.lib.jobs.models import Job
from sam.transfers.models import ReceivingPlatform, Transfer
from tenants.models import Tenant
from tenants.permissions import tenant_get_for_user

SEDA_NS = "fr:gouv:culture:archivesdefrance:seda:v2.1"
NS = {"s": SEDA_NS}
# Transferring archives out ends their life in SAM as an elimination does: the same right.
TRANSFER_PERMISSION = "eliminate"


def transfer_tenant_for_user(user, tenant_pk) -> Tenant:
    """A tenant where the user may transfer; 404 otherwise."""
    return tenant_get_for_user(user, tenant_pk, TRANSFER_PERMISSION)


def transfer_get_for_user(user, tenant_pk, pk) -> Transfer:
    """A transfer of a tenant where the user may transfer; 404 alike for missing and forbidden."""
    tenant = transfer_tenant_for_user(user, tenant_pk)
    try:
        return Transfer.objects.select_related("tenant", "organisation", "created_by", "job").get(
            tenant=tenant, pk=int(pk))
    except (Transfer.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def transfer_list(*, tenant):
    return Transfer.objects.filter(tenant=tenant).select_related("created_by")


def bordereau_pdf_job(transfer: Transfer, job_pk) -> Job | None:
    """The job laying out this transfer's bordereau PDF (none when the number names another job)."""
    try:
        return Job.objects.filter(pk=int(job_pk), organisation_id=transfer.organisation_id,
                                  tenant_id=transfer.tenant_id, kind="transfer_bordereau_pdf").first()
    except (TypeError, ValueError):
        return None


def transferred_units(transfer: Transfer) -> list[dict]:
    """The units of the transfer SIP's manifest (id, title, level, dates), in the manifest's order."""
    if not transfer.sip_path or not Path(transfer.sip_path).is_file():
        return []
    with zipfile.ZipFile(transfer.sip_path) as archive, archive.open("manifest.xml") as manifest:
        tree = safe_xml.parse_bytes(manifest.read())
    units = []
    for content in tree.iterfind(".//s:ArchiveUnit/s:Content", NS):
        units.append({"id": content.findtext("s:SystemId", default="", namespaces=NS),
                      "title": content.findtext("s:Title", default="", namespaces=NS),
                      "level": content.findtext("s:DescriptionLevel", default="", namespaces=NS),
                      "start_date": content.findtext("s:StartDate", default="", namespaces=NS),
                      "end_date": content.findtext("s:EndDate", default="", namespaces=NS)})
    return units


# Receiving platforms hold certificate paths and addresses: the referent's to manage, as the organisation's users.
PLATFORM_PERMISSION = "manage_users"


def platform_tenant_for_user(user, tenant_pk) -> Tenant:
    return tenant_get_for_user(user, tenant_pk, PLATFORM_PERMISSION)


def platform_get(tenant, pk) -> ReceivingPlatform:
    return get_object_or_404(ReceivingPlatform, tenant=tenant, pk=pk)
