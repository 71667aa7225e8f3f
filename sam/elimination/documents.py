"""Documents of the procedure: the bordereau as CSV (RFC 4180, UTF-8 with BOM), the elimination
certificate (attestation d'élimination) and the bordereau as PDF (sam.lib.pdf), a readable preview of batch
reports."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sam.elimination import selectors, vitam_side
from sam.elimination.models import Proposal, ProposalUnit
from sam.lib.csv_export import csv_lines
from sam.lib import vitam_messages
from sam.lib.display import human_size
from sam.lib.pdf import render_pdf

CSV_HEADER = ("unit_id", "title", "level", "start_date", "end_date", "producing_service", "decision",
              "included", "appraisal_rules", "rule_end_date", "objects", "size_bytes", "reasons", "result",
              "result_reason")


def proposal_csv_rows(proposal: Proposal):
    """Streamed lines of the CSV: a BOM, the header, one line per unit; titles and other texts come
    from users, so formulas are neutralised."""
    return csv_lines(CSV_HEADER, _proposal_rows(proposal))


def _proposal_rows(proposal: Proposal):
    for unit in ProposalUnit.objects.filter(proposal=proposal).order_by("id").iterator(chunk_size=2000):
        yield (unit.unit_id, unit.title, unit.level, unit.start_date, unit.end_date, unit.agency, unit.status,
               "yes" if unit.included else "no", unit.rule_ids, unit.rule_end_date, unit.object_count, unit.size,
               " ".join(unit.reasons or []), unit.outcome, unit.outcome_reason)


def bordereau_context(proposal: Proposal) -> dict:
    """What the bordereau d'élimination shows, for its print page and its PDF."""
    return {"proposal": proposal, "summary": selectors.proposal_summary(proposal),
            "rule_names": selectors.proposal_rule_names(proposal),
            "groups": selectors.proposal_groups(proposal),
            "units": selectors.proposal_units(proposal, included="yes").iterator(chunk_size=2000)}


def bordereau_pdf(proposal: Proposal) -> bytes:
    return render_pdf("elimination/proposal_print.html", bordereau_context(proposal),
                      title=f"{_('Elimination proposal')} {proposal.reference}", author=proposal.organisation.name)


def certificate_pdf(proposal: Proposal) -> bytes:
    """Attestation d'élimination: who, which commune, proposal and visa, destroyed units, those not
    destroyed with the reason, operation ids, dates and the SHA-512 of Vitam's report."""
    summary = selectors.proposal_summary(proposal)
    approved = selectors.proposal_units(proposal, included="yes")
    context = {
        "proposal": proposal, "summary": summary, "volume": human_size(summary["size"]),
        "destroyed": list(approved.filter(outcome=ProposalUnit.Outcome.DELETED)),
        "not_destroyed": list(approved.filter(outcome=ProposalUnit.Outcome.NOT_DELETED)),
        "produced_at": timezone.now(), "rule_names": selectors.proposal_rule_names(proposal),
        "batches": selectors.batches_of(proposal=proposal, kind="elimination"),
    }
    return render_pdf("elimination/certificate.html", context,
                      title=f"{_('Elimination certificate')} {proposal.reference}", author=proposal.organisation.name)


STATUS_LABELS = {"OK": "updated", "WARNING": "unchanged", "KO": "refused"}


# The reasons metadata's UnitValidator gives (in English) for a unit an update would make invalid.
UNIT_VALIDATION_REASONS = (
    ("Title is mandatory", gettext_lazy("the unit would be left without a title")),
    ("is not a SEDA level", gettext_lazy("the description level is not one of SEDA's")),
    ("is not a date", gettext_lazy("a date cannot be read")),
    ("EndDate is before StartDate", gettext_lazy("the end date would be before the start date")),
)


def unit_line_reason(params: dict) -> str:
    """What Vitam says of a unit it did not update, in French: its catalogue's text for the line's key, then the
    detail (the validator's reason told in French when SAM knows it, else as Vitam gave it)."""
    status, message = str(params.get("status") or ""), str(params.get("message") or "")
    if status not in ("KO", "WARNING"):
        return message
    key = str(params.get("key") or "").removesuffix(f"_{status}")
    detail = next((str(text) for marker, text in UNIT_VALIDATION_REASONS if marker in message), message)
    text = vitam_messages.message(f"{key}.{status}") if key else ""
    return f"{text}\u00a0: {detail}" if text and detail else text or detail


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
                        "label": labels.get(status, status), "message": unit_line_reason(params)})
    return preview
