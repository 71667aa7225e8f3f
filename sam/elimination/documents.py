"""Documents of the procedure: the bordereau as CSV (RFC 4180, UTF-8 with BOM), the elimination
certificate (attestation d'élimination) as PDF (fpdf2), a readable preview of batch reports."""

from __future__ import annotations

import csv
import io

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from sam.deposits.slip import DEJAVU, DEJAVU_BOLD, human_size
from sam.elimination import selectors, vitam_side
from sam.elimination.models import Proposal, ProposalUnit

CSV_HEADER = ("unit_id", "title", "level", "start_date", "end_date", "producing_service", "decision",
              "included", "appraisal_rules", "rule_end_date", "objects", "size_bytes", "reasons", "result",
              "result_reason")


def proposal_csv_rows(proposal: Proposal):
    """Streamed lines of the CSV: a BOM, the header, one line per unit (in chunks of 2,000)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text.encode("utf-8")

    yield "\ufeff".encode()
    writer.writerow(CSV_HEADER)
    yield flush()
    units = ProposalUnit.objects.filter(proposal=proposal).order_by("id")
    for index, unit in enumerate(units.iterator(chunk_size=2000), 1):
        writer.writerow((unit.unit_id, unit.title, unit.level, unit.start_date, unit.end_date, unit.agency,
                         unit.status, "yes" if unit.included else "no", unit.rule_ids, unit.rule_end_date,
                         unit.object_count, unit.size, " ".join(unit.reasons or []), unit.outcome,
                         unit.outcome_reason))
        if index % 500 == 0:
            yield flush()
    yield flush()


def _pdf():
    from fpdf import FPDF  # imported here: fpdf2 takes ~0.6 s to import, and only PDF downloads need it

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    if DEJAVU.exists() and DEJAVU_BOLD.exists():
        pdf.add_font("DejaVu", "", str(DEJAVU))
        pdf.add_font("DejaVu", "B", str(DEJAVU_BOLD))
        return pdf, "DejaVu", (lambda text: str(text))

    def clean(text):
        return str(text).replace("—", "-").replace("’", "'").encode("latin-1", "replace").decode("latin-1")

    return pdf, "Helvetica", clean


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else "—"


def _person(user) -> str:
    if user is None:
        return "—"
    return f"{user.get_full_name() or user.username} ({user.username})"


def certificate_pdf(proposal: Proposal) -> bytes:
    """Attestation d'élimination: who, which commune, proposal and visa, destroyed units, those not
    destroyed with the reason, operation ids, dates and the SHA-512 of Vitam's report."""
    pdf, family, clean = _pdf()
    pdf.add_page()
    pdf.set_title(clean(_("Elimination certificate")))
    pdf.set_font(family, "B", 16)
    pdf.cell(0, 10, clean(_("Elimination certificate")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    pdf.cell(0, 6, clean(f"{proposal.organisation.name} — {proposal.tenant.label}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    summary = selectors.proposal_summary(proposal)
    lines = [
        (_("Proposal"), f"{proposal.reference} — {proposal.title}"),
        (_("Prepared by"), _person(proposal.created_by)),
        (_("Submitted"), f"{_person(proposal.submitted_by)}, {_when(proposal.submitted_at)}"),
        (_("Visa"), f"{_('Approved')} — {_person(proposal.decided_by)}, {_when(proposal.decided_at)}"),
        (_("Visa comment"), proposal.decision_comment or "—"),
        (_("Executed by"), f"{_person(proposal.executed_by)}, {_when(proposal.executed_at)}"),
        (_("Elimination date"), proposal.analysis_date.isoformat()),
        (_("Analysis operation"), proposal.analysis_operation_id or "—"),
        (_("Elimination operation"), proposal.action_operation_id or "—"),
        (_("Approved units"), str(summary["units"])),
        (_("Destroyed units"), str(proposal.destroyed_count)),
        (_("Units not destroyed"), str(proposal.not_destroyed_count)),
        (_("Extreme dates"), f"{summary['start_date'] or '?'} — {summary['end_date'] or '?'}"),
        (_("Volume"), human_size(summary["size"])),
        (_("Producing services"), ", ".join(summary["agencies"]) or "—"),
        (_("Appraisal rules"), ", ".join(summary["rules"]) or "—"),
        (_("SHA-512 of Vitam's report"), proposal.report_sha512 or "—"),
    ]
    for label, value in lines:
        pdf.set_font(family, "B", 9)
        pdf.cell(55, 5, clean(label))
        pdf.set_font(family, "", 9)
        pdf.multi_cell(0, 5, clean(value), new_x="LMARGIN", new_y="NEXT")
    for outcome, title in ((ProposalUnit.Outcome.DELETED, _("Destroyed units")),
                           (ProposalUnit.Outcome.NOT_DELETED, _("Units not destroyed, and why"))):
        units = ProposalUnit.objects.filter(proposal=proposal, included=True, outcome=outcome).order_by("id")
        pdf.ln(3)
        pdf.set_font(family, "B", 11)
        pdf.cell(0, 7, clean(f"{title} ({units.count()})"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 8)
        for unit in units.iterator(chunk_size=2000):
            text = f"{unit.unit_id} — {unit.title} ({unit.start_date or '?'} – {unit.end_date or '?'}, {unit.agency})"
            if outcome == ProposalUnit.Outcome.NOT_DELETED:
                text += f" : {unit.outcome_reason}"
            pdf.multi_cell(0, 4, clean(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(family, "", 8)
    pdf.multi_cell(0, 4, clean(_("Certificate produced by SAM on %(date)s from the batch report of Vitam's "
                                 "elimination operation.") % {"date": _when(timezone.now())}),
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


STATUS_LABELS = {"OK": "updated", "WARNING": "unchanged", "KO": "refused"}


def report_lines_preview(path, limit: int = 200) -> list[dict]:
    """The first unit lines of a mass update report, for the detail page."""
    try:
        lines = vitam_side.read_report_lines(path)[1:limit + 1]
    except OSError:
        return []
    preview = []
    labels = {"OK": _("Updated"), "WARNING": _("Unchanged"), "KO": _("Refused")}
    for line in lines:
        params = line.get("params") or {}
        status = str(params.get("status") or "")
        preview.append({"id": params.get("id") or line.get("id"), "status": status,
                        "label": labels.get(status, status), "message": params.get("message", "")})
    return preview
