"""Documents of the procedure: the bordereau as CSV (RFC 4180, UTF-8 with BOM), the elimination
certificate (attestation d'élimination) and the bordereau as PDF (sam.lib.pdf), a readable preview of batch
reports."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sam.elimination import selectors, vitam_side
from sam.consultation.seda_labels import level_label
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


def certificate_annex_lines(proposal: Proposal):
    """Streamed lines of the certificate's annex (CSV for people): every approved unit, what became of it, the
    Vitam operation that handled it. The certificate prints the SHA-512 of exactly these bytes."""
    operations = {unit_id: batch.operation_id
                  for batch in selectors.batches_of(proposal=proposal, kind="elimination") for unit_id in batch.unit_ids}
    header = (_("Identifier"), _("Title"), _("Description level"), _("Start date"), _("End date"),
              _("Producing service"), _("Appraisal rules"), _("Ends on"), _("Files"), _("Size (bytes)"), _("Result"),
              _("Reason"), _("Vitam operation"))
    outcomes = dict(ProposalUnit.Outcome.choices)
    units = (ProposalUnit.objects.filter(proposal=proposal, included=True).order_by("id")
             .values_list("unit_id", "title", "level", "start_date", "end_date", "agency", "rule_ids",
                          "rule_end_date", "object_count", "size", "outcome", "outcome_reason"))
    rows = ((unit_id, title, level_label(level), start, end, agency, rules, rule_end, objects, size,
             outcomes.get(outcome, outcome), reason, operations.get(unit_id, ""))
            for unit_id, title, level, start, end, agency, rules, rule_end, objects, size, outcome, reason
            in units.iterator(chunk_size=2000))
    return csv_lines(header, rows)


def certificate_figures(proposal: Proposal) -> dict:
    """The certificate's counts, computed by the database whatever the number of units: destroyed and not
    destroyed per producing service, per appraisal rule and per description level."""
    deleted, not_deleted = ProposalUnit.Outcome.DELETED, ProposalUnit.Outcome.NOT_DELETED
    counts = {"destroyed": Count("id", filter=Q(outcome=deleted)),
              "not_destroyed": Count("id", filter=Q(outcome=not_deleted)),
              "size": Sum("size", filter=Q(outcome=deleted), default=0)}
    approved = ProposalUnit.objects.filter(proposal=proposal, included=True).order_by()
    agencies = list(approved.values("agency").annotate(**counts).order_by("agency"))
    levels = [{**row, "label": level_label(row["level"])}
              for row in approved.values("level").annotate(**counts).order_by("level")]
    # A unit may carry several rules ("APP-1, APP-2"): it counts under each of them.
    rules: dict[str, dict] = {}
    for row in approved.values("rule_ids").annotate(**counts):
        for rule_id in {rule.strip() for rule in row["rule_ids"].split(",") if rule.strip()} or {""}:
            total = rules.setdefault(rule_id, {"rule": rule_id, "destroyed": 0, "not_destroyed": 0, "size": 0})
            for key in ("destroyed", "not_destroyed", "size"):
                total[key] += row[key]
    return {"agencies": agencies, "levels": levels, "rules": [rules[key] for key in sorted(rules)],
            "series": _series_counts(proposal)}


SERIES = "Series"
MAX_DEPTH = 64  # a tree deeper than this is not walked further (and a cycle never loops)


def _series_counts(proposal: Proposal) -> list[dict]:
    """Destroyed and not destroyed per series: the nearest ancestor (or the unit itself) at the Series level,
    found among the proposal's units, then in Vitam for the ancestors it keeps; "" for units under none."""
    outline = {unit_id: {"Title": title, "DescriptionLevel": level, "#unitups": [parent] if parent else []}
               for unit_id, title, level, parent in ProposalUnit.objects.filter(proposal=proposal).order_by()
               .values_list("unit_id", "title", "level", "parent_id").iterator(chunk_size=5000)}
    client = None
    for _depth in range(MAX_DEPTH):
        missing = {parent for unit in outline.values() for parent in unit["#unitups"][:1] if parent not in outline}
        if not missing:
            break
        client = client or vitam_side.client_for(proposal.tenant)
        found = vitam_side.units_outline(client, sorted(missing))
        outline.update(found)
        outline.update({unit_id: {"#unitups": []} for unit_id in missing - found.keys()})
    series_of: dict[str, str] = {}

    def series(unit_id: str) -> str:
        path = []
        while unit_id and unit_id not in series_of and len(path) < MAX_DEPTH:
            path.append(unit_id)
            unit = outline.get(unit_id) or {}
            if unit.get("DescriptionLevel") == SERIES:
                series_of[unit_id] = unit_id
                break
            unit_id = (unit.get("#unitups") or [""])[0]
        found = series_of.get(unit_id, "") if unit_id else ""
        for step in path:
            series_of[step] = found
        return found

    counts: dict[str, dict] = {}
    for unit_id, outcome, size in (ProposalUnit.objects.filter(proposal=proposal, included=True).order_by()
                                   .values_list("unit_id", "outcome", "size").iterator(chunk_size=5000)):
        key = series(unit_id)
        row = counts.setdefault(key, {"id": key, "title": str((outline.get(key) or {}).get("Title") or ""),
                                      "destroyed": 0, "not_destroyed": 0, "size": 0})
        if outcome == ProposalUnit.Outcome.DELETED:
            row["destroyed"] += 1
            row["size"] += size
        elif outcome == ProposalUnit.Outcome.NOT_DELETED:
            row["not_destroyed"] += 1
    return sorted(counts.values(), key=lambda row: (not row["id"], row["title"], row["id"]))


def certificate_pdf(proposal: Proposal) -> bytes:
    """Attestation d'élimination, a summary whatever the number of units: who, which commune, proposal and
    visa, counts per producing service, rule and level, operation ids, dates, the SHA-512 of Vitam's report and
    of the annex listing every unit (built first: certificate_annex_lines)."""
    summary = selectors.proposal_summary(proposal)
    context = {
        "proposal": proposal, "summary": summary, "volume": human_size(summary["size"]),
        "figures": certificate_figures(proposal), "produced_at": timezone.now(),
        "rule_names": selectors.proposal_rule_names(proposal),
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
