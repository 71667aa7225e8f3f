"""Names of folders and files written into a zip from archive data (titles, Vitam's Filename): safe on every OS.

A title is whatever a producer typed: it may hold path separators, "..", control characters, names Windows
reserves (CON, NUL…), trailing dots or spaces, or be thousands of characters long. safe_name() makes one path
component of it; UniqueNames de-duplicates the names of one folder (case-insensitively, as Windows and macOS
compare them) with a " (2)" suffix kept before the extension.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 100  # characters of one component: deep trees stay under Windows' 260-character paths more often
FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}


def safe_name(text: str, fallback: str) -> str:
    """One path component: forbidden characters become "_", no leading/trailing dots or spaces, capped length
    (the extension kept), never empty, never "." or "..", never a name Windows reserves."""
    name = unicodedata.normalize("NFC", str(text or ""))
    name = " ".join(name.split())  # tabs, newlines and runs of spaces: one space
    name = FORBIDDEN.sub("_", name)
    name = name.strip(" .")
    if not name.strip("_"):
        name = fallback
    if name.split(".", 1)[0].upper() in WINDOWS_RESERVED:
        name = "_" + name
    return _capped(name, MAX_LENGTH)


def _capped(name: str, length: int) -> str:
    if len(name) <= length:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and 0 < len(extension) <= 10:
        return stem[:length - len(extension) - 1].rstrip(" .") + "." + extension
    return name[:length].rstrip(" .")


class UniqueNames:
    """The names already used in one folder; take() answers a free one, "name (2).ext" after "name.ext"."""

    def __init__(self):
        self._used: set[str] = set()

    def take(self, name: str) -> str:
        candidate, number = name, 1
        while candidate.casefold() in self._used:
            number += 1
            stem, dot, extension = name.rpartition(".")
            suffix = f" ({number})"
            if dot and stem and 0 < len(extension) <= 10:
                candidate = _capped(stem, MAX_LENGTH - len(suffix) - len(extension) - 1) + suffix + "." + extension
            else:
                candidate = _capped(name, MAX_LENGTH - len(suffix)) + suffix
        self._used.add(candidate.casefold())
        return candidate
