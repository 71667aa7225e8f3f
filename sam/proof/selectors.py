"""Reads of probative value reports: SAM's requests (scoped by tenant) and Vitam's report, put in French."""

from __future__ import annotations

import datetime
import io
import json
from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from sam.consultation import selectors as consultation
from sam.consultation.seda_labels import USAGES
from sam.lib import vitam_messages
from sam.lib.display import vitam_datetime
from sam.proof.models import ProofRequest
from sam.vitam.dsl import Select, in_
from tenants.vitam_clients import ACCESS, vitam_client

TITLES_PAGE = 1000

# Overall status of a report entry or of the report (ProbativeReportEntry.status).
STATUSES = {
    "OK": (_("Probative value established"), "success"),
    "WARNING": (_("Digests match; the logbooks were not secured (no timestamp)"), "warning"),
    "KO": (_("Probative value not established"), "danger"),
}
# ChecksInformation of Vitam's probative value workflow, as an archivist reads them.
CHECKS = {
    "FILE_DIGEST_OFFER_DATABASE_COMPARISON": _("Digest of the stored file against the digest recorded at deposit"),
    "FILE_DIGEST_LFC_DATABASE_COMPARISON": _("Digest recorded at deposit against the object group's lifecycle"),
    "FILE_DIGEST_DATABASE_TRACEABILITY_COMPARISON": _("Digest recorded at deposit against the secured logbook"),
    "EVENTS_OBJECT_GROUP_DIGEST_DATABASE_TRACEABILITY_COMPARISON": _(
        "Lifecycle events of the object group against the secured logbook"),
    "EVENTS_OPERATION_DATABASE_TRACEABILITY_COMPARISON": _("Deposit operation against the secured logbook"),
}
CHECK_TYPES = {
    "LOCAL_INTEGRITY": _("Integrity"),
    "MERKLE_INTEGRITY": _("Merkle tree of the secured logbook"),
    "TIMESTAMP_CHECKING": _("Timestamp"),
    "CHAIN": _("Chaining of secured logbooks"),
}
DIGEST_CHECK = "FILE_DIGEST_OFFER_DATABASE_COMPARISON"


def status_label(status: str) -> tuple[str, str]:
    return STATUSES.get(status, (status or "—", "neutral"))


def proof_get(tenant, pk: int) -> ProofRequest:
    """A request of this tenant (404 alike for another tenant's and a missing one)."""
    return get_object_or_404(ProofRequest.objects.select_related("requested_by", "job", "tenant", "organisation"),
                             tenant=tenant, pk=pk)


def proofs_of_unit(tenant, unit_id: str) -> list[ProofRequest]:
    return list(ProofRequest.objects.filter(tenant=tenant, unit_id=unit_id).select_related("requested_by")[:20])


def report_bytes(proof: ProofRequest) -> bytes:
    """Vitam's report as it sent it (GET /batchreport/{operation}), with the tenant's access contract."""
    buffer = io.BytesIO()
    vitam_client(proof.tenant, contract=ACCESS).batch_report(proof.operation_id, buffer)
    return buffer.getvalue()


@dataclass
class ProofCheck:
    name: str
    label: str
    status: str
    status_label: str
    tone: str
    source: str
    destination: str


@dataclass
class ProofEntry:
    object_id: str
    usage_version: str
    usage_label: str
    version: str
    unit_ids: list[str]
    status: str
    status_label: str
    tone: str
    recorded_digest: str
    recomputed_digest: str
    digests_match: bool | None
    checks: list[ProofCheck] = field(default_factory=list)
    operations: list[dict] = field(default_factory=list)


@dataclass
class ProofReport:
    outcome: str
    outcome_label: str
    tone: str
    started_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    results: dict
    entries: list[ProofEntry]


def _check(check: dict) -> ProofCheck:
    name = check.get("name", "")
    label = CHECKS.get(name) or CHECK_TYPES.get(check.get("type", ""), name)
    status = check.get("status", "")
    text, tone = {"OK": (_("Match"), "success"), "KO": (_("Mismatch"), "danger"),
                  "WARNING": (_("Not verifiable"), "warning")}.get(status, (status, "neutral"))
    return ProofCheck(name=name, label=str(label), status=status, status_label=str(text), tone=tone,
                      source=check.get("sourceComparable") or "", destination=check.get("destinationComparable") or "")


def _operation(operation: dict) -> dict:
    ev_type = operation.get("evTypeProc") or ""
    return {"id": operation.get("id", ""), "label": vitam_messages.describe(ev_type),
            "date": vitam_datetime(operation.get("evDateTime"))}


def _entry(entry: dict) -> ProofEntry:
    checks = [_check(c) for c in entry.get("checks") or []]
    digest = next((c for c in checks if c.name == DIGEST_CHECK), None)
    usage, _sep, version = (entry.get("usageVersion") or "").rpartition("_")
    label, tone = status_label(entry.get("status", ""))
    return ProofEntry(
        object_id=entry.get("objectId", ""), usage_version=entry.get("usageVersion", ""),
        usage_label=str(USAGES.get(usage, usage)), version=version, unit_ids=list(entry.get("unitIds") or []),
        status=entry.get("status", ""), status_label=str(label), tone=tone,
        recorded_digest=digest.destination if digest else "", recomputed_digest=digest.source if digest else "",
        digests_match=(digest.status == "OK") if digest else None, checks=checks,
        operations=[_operation(op) for op in entry.get("operations") or []],
    )


def report_of(raw: bytes) -> ProofReport:
    """Vitam's ProbativeReportV2 (JSON) read for the report page and the attestation."""
    report = json.loads(raw)
    summary = report.get("operationSummary") or {}
    report_summary = report.get("reportSummary") or {}
    label, tone = status_label(summary.get("outcome", ""))
    return ProofReport(
        outcome=summary.get("outcome", ""), outcome_label=str(label), tone=tone,
        started_at=vitam_datetime(report_summary.get("evStartDateTime")),
        ended_at=vitam_datetime(report_summary.get("evEndDateTime")),
        results=report_summary.get("vitamResults") or {},
        entries=[_entry(e) for e in report.get("reportEntries") or []],
    )


@dataclass
class UnitEntries:
    """The objects of one unit in a report of several units (an object group shared by units shows under each)."""
    unit_id: str
    title: str
    entries: list[ProofEntry]


def report_by_unit(proof: ProofRequest, report: ProofReport, *, user) -> list[UnitEntries]:
    """The report's entries grouped by unit, units by title (read from Vitam under the reader's contract)."""
    by_unit: dict[str, list[ProofEntry]] = {}
    for entry in report.entries:
        for unit_id in entry.unit_ids:
            by_unit.setdefault(unit_id, []).append(entry)
    ids = list(by_unit)
    client = consultation.client_for(proof.tenant, user=user)
    titles = {}
    for start in range(0, len(ids), TITLES_PAGE):
        chunk = ids[start:start + TITLES_PAGE]
        for unit in client.search_units(Select().where(in_("#id", chunk)).fields("#id", "Title")
                                        .limit(len(chunk))).results:
            titles[unit["#id"]] = str(unit.get("Title") or "")
    groups = [UnitEntries(unit_id=unit_id, title=titles.get(unit_id, ""), entries=entries)
              for unit_id, entries in by_unit.items()]
    return sorted(groups, key=lambda group: (group.title.casefold(), group.unit_id))
