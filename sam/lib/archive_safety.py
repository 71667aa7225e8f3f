"""Safety of the archives users send (zip today, tar ready): checked before anything is extracted.

An archive is hostile until proven otherwise: no absolute path, no '..', no backslash, no link or
device, no encrypted entry, no entry twice, a limit on the number of entries and on the volume
once uncompressed, and a compression-ratio limit that catches decompression bombs. Extraction
writes only entries that were checked, and only inside the target folder.

The limits are settings: SIP_MAX_ENTRIES, SIP_MAX_UNCOMPRESSED_BYTES (default four times
UPLOAD_MAX_BYTES) and SIP_MAX_COMPRESSION_RATIO.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

CHUNK = 1024 * 1024


class UnsafeArchive(Exception):
    """The archive is refused; the message says why, in the user's language."""


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_entries() -> int:
    return _limit("SIP_MAX_ENTRIES", 100_000)


def max_uncompressed_bytes() -> int:
    return _limit("SIP_MAX_UNCOMPRESSED_BYTES", 4 * _limit("UPLOAD_MAX_BYTES", 10 * 1024**3))


def max_compression_ratio() -> int:
    return _limit("SIP_MAX_COMPRESSION_RATIO", 200)


def unsafe_name_reason(name: str) -> str | None:
    """Why an entry name could write outside the extraction folder (None: the name is safe)."""
    if not name or "\x00" in name:
        return _("empty or invalid file name")
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return _("absolute path")
    if "\\" in name:
        return _("backslash in the path")
    if any(part == ".." for part in PurePosixPath(name).parts):
        return _("'..' in the path")
    return None


# --- zip ---------------------------------------------------------------------------------------


def zip_files(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The file entries of a safe zip; raises UnsafeArchive on the first unsafe entry."""
    infos = archive.infolist()
    if len(infos) > max_entries():
        raise UnsafeArchive(_("The zip holds %(count)s entries; at most %(max)s are accepted.")
                            % {"count": len(infos), "max": max_entries()})
    max_total, max_ratio = max_uncompressed_bytes(), max_compression_ratio()
    total = 0
    seen = set()
    files = []
    for info in infos:
        reason = unsafe_name_reason(info.filename)
        if reason:
            raise UnsafeArchive(_("Unsafe entry in the zip: %(name)s (%(reason)s).")
                                % {"name": info.filename[:200], "reason": reason})
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UnsafeArchive(_("The zip contains a symbolic link: %(name)s.") % {"name": info.filename})
        if info.flag_bits & 0x1:
            raise UnsafeArchive(_("The zip contains an encrypted entry: %(name)s.") % {"name": info.filename})
        key = info.filename.rstrip("/")
        if key in seen:
            raise UnsafeArchive(_("The zip contains the same entry twice: %(name)s.") % {"name": info.filename})
        seen.add(key)
        if info.is_dir():
            continue
        total += info.file_size
        if total > max_total:
            raise UnsafeArchive(_("Once uncompressed, the zip would exceed %(max)s bytes.") % {"max": max_total})
        if info.file_size > CHUNK and info.file_size > max_ratio * max(info.compress_size, 1):
            raise UnsafeArchive(
                _("The entry %(name)s is compressed %(ratio)s times: the file looks like a zip bomb and is refused.")
                % {"name": info.filename, "ratio": info.file_size // max(info.compress_size, 1)})
        files.append(info)
    return files


def extract_zip(archive: zipfile.ZipFile, folder: Path, *, skip: Callable[[str], bool] = lambda name: False) -> None:
    """Write the checked files of the zip under `folder`, except those whose name `skip` rejects.

    Each file keeps the entry's date as its modification time (a simple deposit dates files by it)."""
    root = folder.resolve()
    for info in zip_files(archive):
        if skip(info.filename):
            continue
        target = _inside(root, info.filename, _("Unsafe entry in the zip: %(name)s."))
        with archive.open(info) as member, open(target, "wb") as out:
            shutil.copyfileobj(member, out, CHUNK)
        entry_time = _zip_entry_time(info)
        if entry_time is not None:
            os.utime(target, (entry_time, entry_time))


def _zip_entry_time(info: zipfile.ZipInfo) -> float | None:
    """The entry's date as a timestamp (zip stores local time), None when the date is invalid."""
    try:
        return datetime(*info.date_time).timestamp()
    except (ValueError, OverflowError):
        return None


# --- tar ---------------------------------------------------------------------------------------


def tar_files(archive: tarfile.TarFile, *, archive_bytes: int) -> list[tarfile.TarInfo]:
    """The file members of a safe tar of `archive_bytes` bytes on disk; raises UnsafeArchive.

    A compressed tar is one stream: its bomb check compares the whole uncompressed volume with
    the size of the file, where a zip compares each entry with its compressed size."""
    max_total, max_ratio = max_uncompressed_bytes(), max_compression_ratio()
    total = 0
    seen = set()
    files = []
    for count, member in enumerate(archive, 1):
        if count > max_entries():
            raise UnsafeArchive(_("The archive holds more than %(max)s entries.") % {"max": max_entries()})
        reason = unsafe_name_reason(member.name)
        if reason:
            raise UnsafeArchive(_("Unsafe entry in the archive: %(name)s (%(reason)s).")
                                % {"name": member.name[:200], "reason": reason})
        if not (member.isfile() or member.isdir()):
            raise UnsafeArchive(_("The archive contains a link or a special file: %(name)s.") % {"name": member.name})
        key = member.name.rstrip("/")
        if key in seen:
            raise UnsafeArchive(_("The archive contains the same entry twice: %(name)s.") % {"name": member.name})
        seen.add(key)
        if member.isdir():
            continue
        total += member.size
        if total > max_total:
            raise UnsafeArchive(_("Once uncompressed, the archive would exceed %(max)s bytes.") % {"max": max_total})
        if total > CHUNK and total > max_ratio * max(archive_bytes, 1):
            raise UnsafeArchive(_("The archive is compressed %(ratio)s times: it looks like a bomb and is refused.")
                                % {"ratio": total // max(archive_bytes, 1)})
        files.append(member)
    return files


def _inside(root: Path, name: str, message: str) -> Path:
    """The path of entry `name` under `root` (its folders created); UnsafeArchive if it would leave root."""
    target = (root / name).resolve()
    if root not in target.parents:
        raise UnsafeArchive(message % {"name": name})
    target.parent.mkdir(parents=True, exist_ok=True)
    return target
