"""The deposit slip (bordereau de versement): the figures of a deposit, printable and as PDF (fpdf2)."""

from __future__ import annotations

from pathlib import Path

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from referentials.trees.selectors import tenant_agencies
from sam.deposits.models import Deposit
from sam.vitam import VitamError
from tenants.vitam_clients import MissingContract

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


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


def human_size(size: int) -> str:
    value = float(size or 0)
    for unit in (_("bytes"), _("KB"), _("MB"), _("GB"), _("TB")):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == _("bytes") else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} PB"


def slip_data(deposit: Deposit) -> dict:
    names = agency_names(deposit, (deposit.originating_agency, deposit.transferring_agency,
                                   deposit.submission_agency, deposit.archival_agency))

    def service(identifier):
        if not identifier:
            return "—"
        return f"{names.get(identifier)} ({identifier})" if names.get(identifier) else identifier

    return {
        "producing": service(deposit.originating_agency),
        "transferring": service(deposit.submission_agency or deposit.transferring_agency),
        "archival": service(deposit.archival_agency),
        "units": deposit.summary.get("top_units", []) if isinstance(deposit.summary, dict) else [],
        "volume": human_size(deposit.objects_size),
        "sip_size": human_size(deposit.size),
    }


def _lines(deposit: Deposit, data: dict) -> list[tuple[str, str]]:
    return [
        (_("Deposit"), f"#{deposit.pk} — {deposit.get_kind_display()}"),
        (_("Title"), deposit.title or "—"),
        (_("Message identifier"), deposit.message_identifier or "—"),
        (_("Ingest contract"), deposit.archival_agreement or "—"),
        (_("Producing service"), data["producing"]),
        (_("Transferring service"), data["transferring"]),
        (_("Archival service"), data["archival"]),
        (_("Extreme dates"), f"{deposit.start_date or '?'} — {deposit.end_date or '?'}"),
        (_("Archive units"), str(deposit.unit_count)),
        (_("Objects"), f"{deposit.object_count} ({data['volume']})"),
        (_("Deposited on"), formats.date_format(timezone.localtime(deposit.created_at), "DATETIME_FORMAT")),
        (_("Deposited by"), str(deposit.created_by or "—")),
        (_("State"), deposit.get_state_display() + (f" — {deposit.operation_status}" if deposit.operation_status else "")),
        (_("Vitam operation"), deposit.operation_id or "—"),
        (_("SHA-512 of the manifest"), deposit.manifest_sha512 or "—"),
    ]


def slip_pdf(deposit: Deposit) -> bytes:
    from fpdf import FPDF  # imported here: fpdf2 takes ~0.6 s to import, and only PDF downloads need it

    data = slip_data(deposit)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    if DEJAVU.exists() and DEJAVU_BOLD.exists():
        pdf.add_font("DejaVu", "", str(DEJAVU))
        pdf.add_font("DejaVu", "B", str(DEJAVU_BOLD))
        family, clean = "DejaVu", (lambda text: text)
    else:
        family = "Helvetica"

        def clean(text):
            return str(text).replace("—", "-").replace("’", "'").encode("latin-1", "replace").decode("latin-1")
    pdf.add_page()
    pdf.set_title(clean(_("Deposit slip")))
    pdf.set_font(family, "B", 16)
    pdf.cell(0, 10, clean(_("Deposit slip")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    pdf.cell(0, 6, clean(f"{deposit.organisation} — {deposit.tenant.label}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for label, value in _lines(deposit, data):
        pdf.set_font(family, "B", 9)
        pdf.cell(55, 6, clean(label))
        pdf.set_font(family, "", 9)
        pdf.multi_cell(0, 6, clean(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(family, "B", 11)
    pdf.cell(0, 8, clean(_("Archive units (first levels)")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    for unit in data["units"][:200]:
        pdf.multi_cell(0, 5, clean(f"• {unit['title']} ({unit.get('level', '')})"), new_x="LMARGIN", new_y="NEXT")
        for child in unit.get("children", [])[:50]:
            pdf.multi_cell(0, 5, clean(f"    – {child['title']} ({child.get('level', '')})"),
                           new_x="LMARGIN", new_y="NEXT")
        hidden = unit.get("child_count", 0) - len(unit.get("children", []))
        if hidden > 0:
            pdf.multi_cell(0, 5, clean("    " + _("and %(count)s more") % {"count": hidden}),
                           new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    y = pdf.get_y()
    if y > 240:
        pdf.add_page()
        y = pdf.get_y()
    for x, title in ((10, _("Transferring service")), (110, _("Archival service"))):
        pdf.set_xy(x, y)
        pdf.set_font(family, "B", 9)
        pdf.cell(90, 6, clean(title))
        pdf.set_xy(x, y + 6)
        pdf.set_font(family, "", 8)
        pdf.cell(90, 5, clean(_("Name, date and signature")))
        pdf.rect(x, y + 12, 90, 30)
    return bytes(pdf.output())
