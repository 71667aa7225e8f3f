"""Vitam's detailed codes (evType, outDetail) told in French, from ONE table: Vitam's own catalogue.

vitam_messages_fr.json holds the part of Vitam's French logbook message catalogue that reaches an
archivist in SAM (ingests, referential imports, mass updates, eliminations); its "source" names the file and
commit it was extracted from (scripts/extract_vitam_messages.py rebuilds it). Pages show the French text and
keep the raw code for support (sam_ui's vitam_code component), logs and the audit trail keep the code.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

CATALOGUE = Path(__file__).with_name("vitam_messages_fr.json")
OUTCOMES = ("OK", "KO", "WARNING", "FATAL", "STARTED")


@cache
def _messages() -> dict[str, str]:
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))["messages"]


def message(code: str | None) -> str:
    """Vitam's French text for a code ("CHECK_HEADER.CHECK_AGENT.UNKNOWN.KO", "STP_IMPORT_RULES"...), "" if unknown.

    A sub-status the catalogue lacks falls back to its parent with the same outcome, as Vitam's own
    message lookup does (CHECK_HEADER.X.Y.KO -> CHECK_HEADER.X.KO -> CHECK_HEADER.KO)."""
    if not code:
        return ""
    messages = _messages()
    if code in messages:
        return messages[code]
    parts = code.split(".")
    outcome = parts[-1] if parts[-1] in OUTCOMES else None
    names = parts[:-1] if outcome else parts
    while len(names) > 1:
        names = names[:-1]
        candidate = ".".join(names + ([outcome] if outcome else []))
        if candidate in messages:
            return messages[candidate]
    return ""


def describe(code: str | None, fallback: str = "") -> str:
    """The French text of a code, else `fallback` (e.g. Vitam's outMessg), else the code itself."""
    return message(code) or fallback or (code or "")
