"""Format identification of files SAM puts in a SIP: Siegfried with PRONOM signatures, as Vitam.

Vitam identifies every object with Siegfried (first match of the "pronom" namespace) at its
OG_OBJECTS_FORMAT_CHECK step and replaces the declared FormatIdentification with what it found; SAM uses
the same tool (pygfried, Siegfried as a Python extension) so the PUID written in the bordereau is the one
Vitam will find, and the ingest does not end in WARNING for a format SAM guessed differently.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

import pygfried

# Siegfried's id when no PRONOM signature matches.
SIEGFRIED_UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class FileFormat:
    """SEDA FormatIdentification of a file: puid and name are empty when PRONOM does not know it."""

    puid: str
    name: str
    mime_type: str


def identify(path: Path) -> FileFormat:
    """The file's PRONOM format; an unidentified file keeps only a MIME type guessed from its name."""
    report = pygfried.identify(str(path), detailed=True)
    for match in report["files"][0]["matches"]:
        if match.get("ns") != "pronom":
            continue
        if match.get("id") and match["id"] != SIEGFRIED_UNKNOWN:
            return FileFormat(puid=match["id"], name=match.get("format") or "",
                              mime_type=match.get("mime") or _guessed_mime(path))
        break
    return FileFormat(puid="", name="", mime_type=_guessed_mime(path))


def _guessed_mime(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"
