"""The two CSV referentials SAM edits — management rules and agencies — described once.

A referential is handled as a list of rows (dicts keyed by Vitam's CSV column names). Vitam only
imports whole referentials, so every change (one rule, a file, a nomenclature template) becomes
"the target rows", compared with the current rows (diff), written as Vitam's CSV, checked with
Vitam's check endpoint, then imported.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from referentials import agencies_csv, rules_csv
from sam.lib.csv_export import csv_bytes, restore, vitam_csv
from sam.vitam import SelectSingle

# Vitam's result window: a referential larger than this cannot be read in one search.
MAX_ENTRIES = 10_000

# French labels of the rule types (archivists' vocabulary; English msgids, French catalogue later).
RULE_TYPE_LABELS = {
    "AppraisalRule": gettext_lazy("Retention period (DUA)"),
    "AccessRule": gettext_lazy("Access restriction (communicabilité)"),
    "StorageRule": gettext_lazy("Current-use period (DUC)"),
    "DisseminationRule": gettext_lazy("Dissemination"),
    "ReuseRule": gettext_lazy("Reuse"),
    "ClassificationRule": gettext_lazy("Classification"),
    "HoldRule": gettext_lazy("Hold (gel)"),
}
MEASUREMENT_LABELS = {
    "YEAR": gettext_lazy("years"),
    "MONTH": gettext_lazy("months"),
    "DAY": gettext_lazy("days"),
}


@dataclass
class ParsedFile:
    """A spreadsheet read whole: rows in Vitam's form, or the reasons it was refused (French, with lines)."""

    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def is_valid(self):
        return not self.errors


@dataclass
class Change:
    key: str
    before: dict | None
    after: dict | None

    @property
    def fields(self) -> list[str]:
        """Columns whose value differs (changes only)."""
        if self.before is None or self.after is None:
            return []
        return [name for name in self.after if self.before.get(name, "") != self.after.get(name, "")]


@dataclass
class Diff:
    added: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def is_empty(self):
        return not (self.added or self.changed or self.removed)

    def summary(self) -> dict:
        return {
            "added": [c.key for c in self.added],
            "changed": [c.key for c in self.changed],
            "removed": [c.key for c in self.removed],
            "unchanged": self.unchanged,
        }


@dataclass(frozen=True)
class Kind:
    """What differs between the rules and the agencies referentials."""

    name: str            # "rules" | "agencies"
    key: str             # identifier column
    columns: tuple
    label: str
    filename: str

    # --- reading files and documents ---------------------------------------------------------

    def parse(self, data: bytes) -> ParsedFile:
        if self.name == "rules":
            parsed = rules_csv.parse_rules(data)
            items, errors, file_errors = parsed.rules, parsed.errors, parsed.file_errors
        else:
            parsed = agencies_csv.parse_agencies(data)
            items, errors, file_errors = parsed.agencies, parsed.errors, parsed.file_errors
        result = ParsedFile(encoding=parsed.encoding, delimiter=parsed.delimiter)
        result.errors = [*file_errors, *(str(error) for error in errors)]
        if result.is_valid:
            result.rows = [self.normalise(dict(zip(self.columns, item.as_vitam_row(), strict=True))) for item in items]
        return result

    def normalise(self, row: dict) -> dict:
        """One canonical form for comparing rows from files, forms and Vitam documents (a spreadsheet
        cell's neutralising apostrophe removed: SAM's spreadsheet export reads back as it was)."""
        clean = {name: restore(str(row.get(name) or "").strip()) for name in self.columns}
        if self.name == "rules":
            duration = clean["RuleDuration"]
            clean["RuleDuration"] = "unlimited" if duration.lower() == "unlimited" else duration
            clean["RuleMeasurement"] = clean["RuleMeasurement"].upper()
        return clean

    def from_documents(self, documents: list[dict]) -> list[dict]:
        return sorted((self.normalise(doc) for doc in documents), key=lambda row: row[self.key])

    # --- writing -----------------------------------------------------------------------------

    def to_csv(self, rows: list[dict], *, spreadsheet: bool = False) -> bytes:
        """Vitam's CSV (values as they are), or the spreadsheet variant (UTF-8 with BOM, ';', formulas
        neutralised)."""
        values = ([row.get(name, "") for name in self.columns] for row in rows)
        if spreadsheet:
            return csv_bytes(self.columns, values)
        return vitam_csv(self.columns, values)

    # --- comparing ---------------------------------------------------------------------------

    def diff(self, current: list[dict], target: list[dict]) -> Diff:
        before = {row[self.key]: row for row in current}
        after = {row[self.key]: row for row in target}
        result = Diff()
        for key, row in after.items():
            old = before.get(key)
            if old is None:
                result.added.append(Change(key, None, row))
            elif old != row:
                result.changed.append(Change(key, old, row))
            else:
                result.unchanged += 1
        result.removed = [Change(key, row, None) for key, row in before.items() if key not in after]
        return result

    def merge(self, current: list[dict], incoming: list[dict]) -> list[dict]:
        """The incoming rows, plus the current rows they do not name (nothing is deleted)."""
        named = {row[self.key] for row in incoming}
        return [*incoming, *(row for row in current if row[self.key] not in named)]

    def fingerprint(self, rows: list[dict]) -> str:
        canonical = json.dumps(sorted(rows, key=lambda row: row[self.key]), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    # --- Vitam -------------------------------------------------------------------------------

    def search(self, client, query=None):
        query = query or SelectSingle().limit(MAX_ENTRIES)
        method = client.search_rules if self.name == "rules" else client.search_agencies
        return method(query.build())

    def get(self, client, key: str) -> dict:
        return client.get_rule(key) if self.name == "rules" else client.get_agency(key)

    def check(self, client, content: bytes):
        method = client.check_rules if self.name == "rules" else client.check_agencies
        return method(io.BytesIO(content), filename=self.filename)

    def import_(self, client, content: bytes) -> str:
        method = client.import_rules if self.name == "rules" else client.import_agencies
        return method(io.BytesIO(content), filename=self.filename)

    def row_label(self, row: dict) -> str:
        return row.get("RuleValue" if self.name == "rules" else "Name", "")


RULES = Kind("rules", "RuleId", rules_csv.VITAM_HEADER, gettext_lazy("management rules"), "regles.csv")
AGENCIES = Kind("agencies", "Identifier", agencies_csv.VITAM_HEADER, gettext_lazy("services"), "services.csv")
KINDS = {kind.name: kind for kind in (RULES, AGENCIES)}


def duration_label(row: dict) -> str:
    """'10 years', 'unlimited', or '—' for a hold rule without duration."""
    duration, measurement = row.get("RuleDuration", ""), row.get("RuleMeasurement", "")
    if not duration:
        return "—"
    if duration == "unlimited":
        return _("unlimited")
    return f"{duration} {MEASUREMENT_LABELS.get(measurement, measurement.lower())}"
