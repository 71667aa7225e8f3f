"""Safe extraction of a SIP archive (zip, tar, tar.gz, tar.bz2) into an operation's work directory.

SIPs come from users and are hostile until proven otherwise: absolute names, ``..`` components,
symbolic links, too many entries, too much uncompressed data and zip-bomb compression ratios are
refused before anything is written; entries are then streamed to disk in chunks, counting the bytes
actually inflated (the sizes in the zip directory may lie).
"""

import re
import stat
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# Own copy of safe extraction on purpose: vitam-lite stands for Vitam and must not depend on the portal.
CHUNK = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
# Vitam's SafeFileChecker (FILENAME_PATTERN, PATH_COMPONENT_PATTERN), applied by the workspace to every entry
# it unpacks: a name outside it makes the SIP's upload (STP_UPLOAD_SIP) KO.
ALLOWED_NAME_PART = re.compile(r"[a-zA-Z0-9\-_@]+(\.[a-zA-Z0-9\-_@]+)*")


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 100_000
    max_total_bytes: int = 20 * 1024**3
    max_ratio: int = 200  # uncompressed / compressed above this (for entries over 1 MiB) = zip bomb
    ratio_threshold_bytes: int = 1024 * 1024


DEFAULT_LIMITS = ZipLimits()


class UnsafeArchive(Exception):
    """The archive is refused; ``outcome`` is the logbook sub-status, ``message`` is French."""

    def __init__(self, outcome, message):
        super().__init__(message)
        self.outcome = outcome
        self.message = message


def _starts_as_zip(path) -> bool:
    """A zip begins with a local file header; zipfile.is_zipfile would also accept a plain tar that merely
    carries a zip member (an .odt, a .docx), since it looks for a central directory anywhere in the file."""
    with open(path, "rb") as handle:
        return handle.read(4) == ZIP_MAGIC


def is_supported_archive(path) -> bool:
    """Zip or (possibly gzip/bzip2-compressed) tar: the containers Vitam's CHECK_CONTAINER accepts."""
    if _starts_as_zip(path) and zipfile.is_zipfile(path):
        return True
    try:
        return tarfile.is_tarfile(path)
    except OSError:
        return False


def extract_archive(archive_path, target_dir, limits: ZipLimits = DEFAULT_LIMITS) -> list[str]:
    """Extract a zip or tar SIP safely (see module docstring); returns the relative file names."""
    if _starts_as_zip(archive_path):
        return extract(archive_path, target_dir, limits)
    return extract_tar(archive_path, target_dir, limits)


def extract_tar(archive_path, target_dir, limits: ZipLimits = DEFAULT_LIMITS) -> list[str]:
    """Tar counterpart of `extract`: only regular files and directories, streamed, within the limits."""
    target_dir = Path(target_dir)
    root = target_dir.resolve()
    names, written_total, entries = [], 0, 0
    try:
        archive = tarfile.open(archive_path, mode="r:*")
    except (tarfile.TarError, OSError) as exc:
        raise UnsafeArchive("CONTAINER_FORMAT.FILE", f"Le SIP n'est pas une archive tar lisible : {exc}")
    with archive:
        try:
            for member in archive:
                entries += 1
                if entries > limits.max_entries:
                    raise UnsafeArchive("CONTAINER_FORMAT.FILE",
                                        f"L'archive contient trop d'entrées (> {limits.max_entries})")
                relative = _safe_relative(member.name)
                if not (member.isfile() or member.isdir()):
                    raise UnsafeArchive("CONTAINER_FORMAT.FILE",
                                        f"Lien ou fichier spécial interdit dans l'archive : {member.name}")
                destination = (target_dir / relative).resolve()
                if root != destination and root not in destination.parents:
                    raise UnsafeArchive("CONTAINER_FORMAT.FILE", f"Chemin hors du répertoire de travail : {member.name}")
                if member.isdir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                with source, open(destination, "wb") as sink:
                    while chunk := source.read(CHUNK):
                        written_total += len(chunk)
                        if written_total > limits.max_total_bytes:
                            raise UnsafeArchive("CONTAINER_FORMAT.FILE",
                                                "L'archive décompressée dépasse la taille autorisée")
                        sink.write(chunk)
                names.append(relative.as_posix())
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise UnsafeArchive("CONTAINER_FORMAT.FILE", f"Archive tar illisible : {exc}")
    return names


def _safe_relative(name: str) -> PurePosixPath:
    if "\\" in name or "\x00" in name:
        raise UnsafeArchive("CONTAINER_FORMAT.FILE", f"Nom d'entrée interdit dans l'archive : {name!r}")
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("/") or (path.parts and ":" in path.parts[0]):
        raise UnsafeArchive("CONTAINER_FORMAT.FILE", f"Chemin absolu interdit dans l'archive : {name!r}")
    if any(part == ".." for part in path.parts):
        raise UnsafeArchive("CONTAINER_FORMAT.FILE", f"Chemin remontant (..) interdit dans l'archive : {name!r}")
    return path


def name_vitam_refuses(names) -> str | None:
    """The first path component of the extracted names that Vitam's workspace would refuse, or None."""
    for name in names:
        for part in PurePosixPath(name).parts:
            if not ALLOWED_NAME_PART.fullmatch(part):
                return part
    return None


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode)


def extract(archive_path, target_dir, limits: ZipLimits = DEFAULT_LIMITS) -> list[str]:
    """Extract every file of the zip under target_dir; returns the relative file names (POSIX form)."""
    target_dir = Path(target_dir)
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeArchive("CONTAINER_FORMAT.FILE", f"Le SIP n'est pas une archive zip lisible : {exc}")
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise UnsafeArchive(
                "CONTAINER_FORMAT.FILE", f"L'archive contient trop d'entrées ({len(infos)} > {limits.max_entries})"
            )
        declared_total = 0
        for info in infos:
            _safe_relative(info.filename)
            if _is_symlink(info):
                raise UnsafeArchive("CONTAINER_FORMAT.FILE", f"Lien symbolique interdit dans l'archive : {info.filename}")
            if info.flag_bits & 0x1:
                raise UnsafeArchive("CONTAINER_FORMAT.FILE", f"Entrée chiffrée non prise en charge : {info.filename}")
            declared_total += info.file_size
            if (
                info.file_size > limits.ratio_threshold_bytes
                and info.file_size > limits.max_ratio * max(info.compress_size, 1)
            ):
                raise UnsafeArchive(
                    "CONTAINER_FORMAT.FILE", f"Taux de compression suspect (bombe zip) : {info.filename}"
                )
        if declared_total > limits.max_total_bytes:
            raise UnsafeArchive("CONTAINER_FORMAT.FILE", "L'archive décompressée dépasse la taille autorisée")

        names = []
        written_total = 0
        root = target_dir.resolve()
        for info in infos:
            relative = _safe_relative(info.filename)
            destination = (target_dir / relative).resolve()
            if root != destination and root not in destination.parents:
                raise UnsafeArchive("CONTAINER_FORMAT.FILE", f"Chemin hors du répertoire de travail : {info.filename}")
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            written_entry = 0
            with archive.open(info) as source, open(destination, "wb") as sink:
                while True:
                    chunk = source.read(CHUNK)
                    if not chunk:
                        break
                    written_entry += len(chunk)
                    written_total += len(chunk)
                    # The directory sizes may lie: enforce the limits on what is really inflated.
                    if written_total > limits.max_total_bytes or written_entry > max(info.file_size, 0) + CHUNK:
                        raise UnsafeArchive(
                            "CONTAINER_FORMAT.FILE", "L'archive décompressée dépasse la taille autorisée"
                        )
                    sink.write(chunk)
            names.append(relative.as_posix())
        return names
