"""Typed values returned by the Vitam client: callers never dig into raw envelopes."""

from __future__ import annotations

from dataclasses import dataclass, field

# Vitam's $hits.total stops at 10,000 (no flag says so) unless the platform allows $track_total_hits.
HITS_TOTAL_CAP = 10_000


@dataclass(frozen=True)
class VitamResponse:
    """A RequestResponseOK envelope: $results, $hits, $facetResults, $context."""

    results: list
    hits: dict = field(default_factory=dict)
    facets: list = field(default_factory=list)
    context: dict | None = None
    request_id: str = ""
    http_code: int = 200

    @classmethod
    def from_envelope(cls, body, *, request_id: str = "", status: int = 200) -> VitamResponse:
        if not isinstance(body, dict):
            return cls(results=list(body) if isinstance(body, list) else [], request_id=request_id, http_code=status)
        return cls(
            results=list(body.get("$results") or []),
            hits=dict(body.get("$hits") or {}),
            facets=list(body.get("$facetResults") or []),
            context=body.get("$context"),
            request_id=request_id,
            http_code=body.get("httpCode", status),
        )

    @property
    def total(self) -> int:
        """Number of matches ($hits.total, capped at 10,000 by Vitam)."""
        return int(self.hits.get("total", len(self.results)))

    @property
    def total_is_capped(self) -> bool:
        """Vitam stopped counting: there are HITS_TOTAL_CAP matches or more (it says nothing else about it)."""
        return self.total >= HITS_TOTAL_CAP

    @property
    def first(self) -> dict | None:
        return self.results[0] if self.results else None

    def facet(self, name: str) -> dict[str, int]:
        """Buckets of a facet as {value: count}."""
        for facet in self.facets:
            if facet.get("name") == name:
                return {str(b.get("value")): int(b.get("count", 0)) for b in facet.get("buckets", [])}
        return {}

    def __len__(self):
        return len(self.results)

    def __iter__(self):
        return iter(self.results)


# X-Global-Execution-State values (ProcessState) and X-Global-Execution-Status values (StatusCode).
STATE_COMPLETED = "COMPLETED"
FINAL_STATUSES = ("OK", "WARNING", "KO", "FATAL")


@dataclass(frozen=True)
class OperationStatus:
    """State of an asynchronous operation as told by HEAD /admin-external/v1/operations/{id}."""

    operation_id: str
    state: str  # PAUSE | RUNNING | COMPLETED
    status: str  # UNKNOWN | STARTED | ALREADY_EXECUTED | OK | WARNING | KO | FATAL
    context_id: str = ""
    http_code: int = 0

    @property
    def is_completed(self) -> bool:
        return self.state == STATE_COMPLETED

    @property
    def is_ok(self) -> bool:
        return self.is_completed and self.status in ("OK", "WARNING")

    @property
    def is_failed(self) -> bool:
        return self.status in ("KO", "FATAL")


@dataclass(frozen=True)
class CheckReport:
    """Report of a referential file check or import (rules, agencies).

    valid is False when Vitam answered 400 with the report; report is the JSON report
    ({"Operation": ..., "error": {"line 3": [...]}, ...}).
    """

    valid: bool
    report: dict
    request_id: str = ""
    http_code: int = 200

    def line_errors(self) -> dict[str, list[dict]]:
        """Per-line errors of a rules report: {"line 3": [{"Code": ..., "Message": ..., ...}]}."""
        errors = self.report.get("error") or self.report.get("Errors") or {}
        return errors if isinstance(errors, dict) else {}


@dataclass(frozen=True)
class DownloadResult:
    """A streamed binary: bytes written, with Vitam's answer headers."""

    size: int
    content_type: str = ""
    filename: str = ""
    request_id: str = ""
    headers: dict = field(default_factory=dict)


@dataclass
class BinaryStream:
    """A binary being received: iterate `chunks` (bytes) once; close() when stopping early."""

    chunks: object
    response: object = field(repr=False, default=None)
    size: int | None = None

    def __iter__(self):
        return iter(self.chunks)

    def close(self) -> None:
        if self.response is not None:
            self.response.close()


@dataclass
class UnitStream:
    """Units read from /units/stream as they arrive: `count` from X-Units-Count, `units` an iterator of dicts."""

    count: int | None
    units: object
    response: object = field(repr=False, default=None)

    def __iter__(self):
        return iter(self.units)

    def close(self) -> None:
        if self.response is not None:
            self.response.close()


def final_outcome(operation: dict) -> str:
    """A logbook operation's outcome is the one of its last event (the first one only says STARTED)."""
    events = operation.get("events") or []
    last = events[-1] if events else operation
    if last.get("evType") == operation.get("evType") and last.get("outcome") not in (None, "", "STARTED"):
        return last["outcome"]
    if operation.get("outcome") not in (None, "", "STARTED"):
        return operation["outcome"]
    return "STARTED"
