"""The bordereau de transfert: what it shows (print page and PDF, one template) and its PDF (sam.lib.pdf)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from referentials.trees.selectors import tenant_agencies
from sam.consultation.seda_labels import DESCRIPTION_LEVELS
from sam.lib.pdf import render_pdf
from sam.transfers.models import Transfer
from sam.transfers.selectors import transferred_units
from sam.vitam import VitamError


def agency_names(tenant) -> dict[str, str]:
    """{Identifier: Name} of the tenant's services (the pages show names, not codes); none while Vitam cannot be
    reached, so that a transfer's state and files stay readable."""
    try:
        agencies = tenant_agencies(tenant)
    except VitamError:
        return {}
    return {agency["Identifier"]: agency.get("Name") or agency["Identifier"] for agency in agencies}


def agency_labels(transfer: Transfer) -> dict[str, str]:
    """The names of the transfer's services, for the pages and the bordereau."""
    names = agency_names(transfer.tenant)
    return {"archival_agency": names.get(transfer.archival_agency, transfer.archival_agency),
            "transferring_agency": names.get(transfer.transferring_agency, transfer.transferring_agency),
            "originating_agency": names.get(transfer.originating_agency, transfer.originating_agency)}


def bordereau_context(transfer: Transfer) -> dict:
    refused = set(transfer.refused_unit_ids)
    units = [{**unit, "level": DESCRIPTION_LEVELS.get(unit["level"], unit["level"]), "refused": unit["id"] in refused}
             for unit in transferred_units(transfer)]
    return {"transfer": transfer, "tenant": transfer.tenant, "units": units, **agency_labels(transfer)}


def bordereau_pdf(transfer: Transfer) -> bytes:
    return render_pdf("transfers/transfer_print.html", bordereau_context(transfer),
                      title=_("Transfer bordereau %(reference)s") % {"reference": transfer.reference},
                      author=transfer.organisation.name)
