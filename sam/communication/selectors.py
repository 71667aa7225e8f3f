"""Reads of communications: the tenant's archive staff (permission `search`) see the communications asked on
it; researchers and controllers have none (a DIP hands over whole files, beyond what a researcher may read)."""

from django.db.models import Count
from django.http import Http404

from sam.communication.models import Communication, CommunicationPart
from tenants.permissions import tenant_get_for_user

PERM = "search"


def communication_tenant_for_user(user, tenant_pk):
    return tenant_get_for_user(user, tenant_pk, PERM)


def communications_for(tenant):
    return Communication.objects.filter(tenant=tenant).select_related("created_by")


def communications_asked_by(tenant, user):
    """The user's own communications, each with its number of parts (one DIP per part)."""
    return communications_for(tenant).filter(created_by=user).annotate(part_count=Count("parts"))


def communication_get_for_user(user, tenant_pk, pk) -> Communication:
    """404 alike for missing and forbidden."""
    tenant = communication_tenant_for_user(user, tenant_pk)
    communication = communications_for(tenant).filter(pk=pk).select_related("tenant", "job").first()
    if communication is None:
        raise Http404("No such communication")
    return communication


def part_of(communication: Communication, index: int) -> CommunicationPart:
    """The part, done or not (its download says why it cannot be had yet); 404 past the last part."""
    part = communication.parts.filter(index=index).defer("unit_ids").first()
    if part is None:
        raise Http404("No such part")
    return part


def communication_parts(communication: Communication) -> list[CommunicationPart]:
    """The parts, each with why it cannot be downloaded now (`unavailable`, "" when it can)."""
    parts = list(communication.parts.defer("unit_ids"))
    for part in parts:
        part.unavailable = part.unavailable_reason(len(parts))
    return parts
