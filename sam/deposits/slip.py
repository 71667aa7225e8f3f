"""The deposit slip (bordereau de versement): the figures of a deposit, printable and as PDF."""

from __future__ import annotations

from django.utils.translation import gettext as _

from referentials.trees.selectors import tenant_agencies
from sam.deposits.models import Deposit
from sam.lib.display import human_size
from sam.lib.pdf import render_pdf
from sam.vitam import VitamError
from tenants.vitam_clients import MissingContract


def agency_names(deposit: Deposit, identifiers) -> dict[str, str]:
    """Names of the services from Vitam's referential; the identifiers alone when Vitam is away."""
    wanted = [i for i in identifiers if i]
    if not wanted:
        return {}
    try:
        names = {a["Identifier"]: a.get("Name", "") for a in tenant_agencies(deposit.tenant)}
    except (VitamError, MissingContract):
        names = {}
    return {identifier: names.get(identifier, "") for identifier in wanted}


def slip_data(deposit: Deposit) -> dict:
    names = agency_names(deposit, (deposit.originating_agency, deposit.transferring_agency,
                                   deposit.submission_agency, deposit.archival_agency))

    def service(identifier):
        if not identifier:
            return "—"
        return f"{names.get(identifier)} ({identifier})" if names.get(identifier) else identifier

    units = deposit.summary.get("top_units", []) if isinstance(deposit.summary, dict) else []
    return {
        "producing": service(deposit.originating_agency),
        "transferring": service(deposit.submission_agency or deposit.transferring_agency),
        "archival": service(deposit.archival_agency),
        # The summary keeps the first 50 children of a unit: the slip says how many it leaves out.
        "units": [{**unit, "more": unit.get("child_count", 0) - len(unit.get("children", []))} for unit in units],
        "volume": human_size(deposit.objects_size),
        "sip_size": human_size(deposit.size),
    }


def slip_pdf(deposit: Deposit) -> bytes:
    """The slip as PDF, laid out from the body and signatures of its print page."""
    context = {"tenant": deposit.tenant, "deposit": deposit, "slip": slip_data(deposit)}
    return render_pdf("deposits/deposit_slip_document.html", context,
                      title=f"{_('Deposit slip')} #{deposit.pk}", author=deposit.organisation.name)
