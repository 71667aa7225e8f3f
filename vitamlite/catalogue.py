"""Vitam's French logbook message catalogue, read once from the copy in resources/logbook/.

Vitam (`VitamLogbookMessages`, `Messages.getStringNotEmpty`) formats every entry with
java.text.MessageFormat: a doubled apostrophe reads as one and ``{n}`` is argument n.
"""

import functools
import re
from pathlib import Path

import javaproperties

CATALOGUE = Path(__file__).parent / "resources" / "logbook" / "vitam-logbook-messages_fr.properties"
_ARGUMENT = re.compile(r"\{(\d+)\}")


@functools.cache
def _entries() -> dict[str, str]:
    with open(CATALOGUE, encoding="utf-8") as handle:
        return javaproperties.load(handle)


def text(key: str, *args) -> str | None:
    """The catalogue's French text for key (``CHECK_DIGEST.KO``, ``LFC.CHECK_UNIT_SCHEMA``...), or None."""
    source = _entries().get(key, "").strip()
    if not source:
        return None
    source = _ARGUMENT.sub(lambda match: str(args[int(match[1])]) if int(match[1]) < len(args) else "", source)
    return source.replace("''", "'")
