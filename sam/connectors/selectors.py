"""Reads of connector accounts: scoped by the organisations whose users the user manages (404 alike)."""

from django.http import Http404

from sam.connectors.models import Connector, ConnectorDeposit
from tenants.permissions import organisation_get_for_user, organisations_for

PERM = "manage_users"  # the organisation's referent (and platform administrators)


def connector_organisation_for_user(user, organisation_pk):
    return organisation_get_for_user(user, organisation_pk, PERM)


def connector_list(organisation):
    return Connector.objects.filter(organisation=organisation).prefetch_related("tenants")


def connector_get_for_user(user, pk) -> Connector:
    try:
        return Connector.objects.select_related("organisation").get(
            pk=int(pk), organisation__in=organisations_for(user, PERM))
    except (Connector.DoesNotExist, ValueError, TypeError):
        raise Http404("No such connector") from None


def connector_deposits(connector: Connector):
    return (ConnectorDeposit.objects.filter(connector=connector)
            .select_related("deposit", "deposit__tenant").order_by("-created_at", "-id"))


def active_connector_by_fingerprint(sha256: str) -> Connector | None:
    return Connector.objects.filter(certificate_sha256=sha256, state=Connector.State.ACTIVE,
                                    organisation__is_active=True).first()
