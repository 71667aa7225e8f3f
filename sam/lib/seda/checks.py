"""SAM's own check of a SEDA 2.1 SIP (zip, tar, tar.gz or tar.bz2, as Vitam accepts) before it goes to Vitam.

The SIP comes from a user or an application and is hostile until proven otherwise:

- the archive is inspected without being extracted (sam.lib.archive_safety): no absolute path, no '..', no link, no
  encrypted entry, limits on the number of entries and on the uncompressed volume, and a
  compression-ratio limit that catches bombs; binaries are read back in streaming only to
  check their digests (zipfile and tarfile never yield more than the declared size); in a tar they
  are read in the order of the archive, so that a compressed stream is decompressed forward only;
- the manifest is found with Vitam's own name rule, parsed by lxml without DTD, entities or
  network (a DOCTYPE is refused outright), then validated with the schema Vitam uses for
  CHECK_SEDA (seda-vitam-main.xsd, through xmlschema: libxml2 cannot compile it);
- every BinaryDataObject must point at an entry of the zip with the declared digest, and every
  file of the zip must be declared.

Problems are returned in French with their place in the manifest (line, XPath-like path).
Checks that need Vitam's referentials (contract, agencies) take the known identifiers as
arguments: see check_references().
"""

from __future__ import annotations

import hashlib
import re
import tarfile
import threading
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree

from sam.lib import archive_safety, safe_xml

XSD_DIR = Path(__file__).resolve().parent / "xsd"
VITAM_MAIN_XSD = XSD_DIR / "seda-2.1" / "vitam-validation" / "seda-vitam-main.xsd"
W3C_LOCATIONS = [
    ("http://www.w3.org/XML/1998/namespace", str(XSD_DIR / "w3c" / "xml.xsd")),
    ("http://www.w3.org/1999/xlink", str(XSD_DIR / "w3c" / "xlink.xsd")),
]
SEDA_NS_PREFIX = "fr:gouv:culture:archivesdefrance:seda:v"
SEDA_NS = "fr:gouv:culture:archivesdefrance:seda:v2.1"
# Vitam's rule (ingest-external): optional prefix of at most 57 characters ending in _ or -.
MANIFEST_NAME = re.compile(r"^([a-zA-Z0-9_\-]{0,56}[_-]{1}){0,1}(manifest.xml)\b")
DIGESTS = {"SHA-512": "sha512", "SHA-384": "sha384", "SHA-256": "sha256", "SHA-1": "sha1", "MD5": "md5"}
CHUNK = 1024 * 1024
MAX_REPORTED_SCHEMA_ERRORS = 20

ERROR = "error"
WARNING = "warning"


def limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@dataclass
class Problem:
    message: str
    line: int | None = None
    path: str = ""
    severity: str = ERROR

    def as_dict(self) -> dict:
        return {"message": self.message, "line": self.line, "path": self.path, "severity": self.severity}

    def __str__(self):
        where = []
        if self.line:
            where.append(_("line %(line)s") % {"line": self.line})
        if self.path:
            where.append(self.path)
        return f"{self.message} ({', '.join(where)})" if where else self.message


@dataclass
class Summary:
    """What the manifest says, for the deposit record and the deposit slip."""

    manifest_name: str = ""
    manifest_sha512: str = ""
    seda_version: str = ""
    message_identifier: str = ""
    comment: str = ""
    archival_agreement: str = ""
    archival_agreement_line: int | None = None
    archival_agency: str = ""
    transferring_agency: str = ""
    originating_agency: str = ""
    originating_agency_line: int | None = None
    submission_agency: str = ""
    submission_agency_line: int | None = None
    unit_count: int = 0
    object_count: int = 0
    total_size: int = 0
    start_date: str = ""
    end_date: str = ""
    top_units: list = field(default_factory=list)  # [{"title", "level", "children"}] of the first levels

    def as_dict(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if not key.endswith("_line")}


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    summary: Summary | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors


class SipRefused(Exception):
    """A problem that stops the check at once (not a zip, unsafe entry, unreadable manifest)."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


# --- schema ------------------------------------------------------------------------------------

_schema = None
_schema_lock = threading.Lock()


def schema():
    """Vitam's SEDA 2.1 validation schema, compiled once per process (local files only)."""
    global _schema
    if _schema is None:
        with _schema_lock:
            if _schema is None:
                with warnings.catch_warnings():
                    # The Vitam schema breaks Unique Particle Attribution on purpose (lax xsd:any).
                    warnings.simplefilter("ignore")
                    _schema = safe_xml.local_xsd_schema(VITAM_MAIN_XSD, locations=W3C_LOCATIONS)
    return _schema


# --- zip and tar -------------------------------------------------------------------------------


def inspect_zip(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The file entries of a safe zip; raises SipRefused on the first unsafe entry."""
    try:
        return archive_safety.zip_files(archive)
    except archive_safety.UnsafeArchive as unsafe:
        raise SipRefused(Problem(str(unsafe))) from None


TAR_MAGICS = {b"\x1f\x8b": "tar.gz", b"BZh": "tar.bz2"}


def archive_kind(path) -> str | None:
    """"zip", "tar", "tar.gz" or "tar.bz2" from the file's content (its name says nothing); None otherwise."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        return "zip"
    with open(path, "rb") as handle:
        head = handle.read(512)
    for magic, kind in TAR_MAGICS.items():
        if head.startswith(magic):
            return kind
    return "tar" if len(head) == 512 and head[257:262] == b"ustar" else None


@dataclass
class Entry:
    """A file of the SIP, whatever the archive format."""

    name: str
    size: int
    ref: object  # zipfile.ZipInfo or tarfile.TarInfo
    position: int = 0  # offset in a tar: digests are read in this order


class ZipSip:
    damaged = (zipfile.BadZipFile, OSError, EOFError)
    label = "zip"

    def __init__(self, path: Path):
        try:
            self.archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SipRefused(Problem(_("The zip archive cannot be read: %(error)s") % {"error": exc}))

    def files(self) -> list[Entry]:
        return [Entry(info.filename, info.file_size, info) for info in inspect_zip(self.archive)]

    def open(self, entry: Entry):
        return self.archive.open(entry.ref)

    def close(self):
        self.archive.close()


class TarSip:
    damaged = (tarfile.TarError, OSError, EOFError, zlib.error)
    label = "tar"

    def __init__(self, path: Path):
        self.size = path.stat().st_size
        try:
            self.archive = tarfile.open(path, "r:*")
        except self.damaged as exc:
            raise SipRefused(Problem(_("The tar archive cannot be read: %(error)s") % {"error": exc}))

    def files(self) -> list[Entry]:
        try:
            members = archive_safety.tar_files(self.archive, archive_bytes=self.size)
        except archive_safety.UnsafeArchive as unsafe:
            raise SipRefused(Problem(str(unsafe))) from None
        except self.damaged as exc:
            raise SipRefused(Problem(_("The tar archive cannot be read: %(error)s") % {"error": exc})) from None
        return [Entry(member.name, member.size, member, member.offset_data) for member in members]

    def open(self, entry: Entry):
        return self.archive.extractfile(entry.ref)

    def close(self):
        self.archive.close()


# --- manifest ----------------------------------------------------------------------------------


def parse_manifest_bytes(data: bytes):
    if b"<!DOCTYPE" in data[:65536] or b"<!ENTITY" in data[:65536]:
        raise SipRefused(Problem(_("The manifest contains a DOCTYPE or entity declaration, refused for security.")))
    try:
        tree = safe_xml.parse_bytes(data)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if getattr(exc, "lineno", None) else None
        raise SipRefused(Problem(_("The manifest is not well-formed XML: %(error)s") % {"error": exc.msg}, line=line))
    if safe_xml.declares_doctype(tree):
        raise SipRefused(Problem(_("The manifest contains a DOCTYPE or entity declaration, refused for security.")))
    return tree


def xpath_of(element) -> str:
    """/ArchiveTransfer/DataObjectPackage/DescriptiveMetadata/ArchiveUnit[2]/Content/Title"""
    parts = []
    while element is not None and isinstance(element.tag, str):
        name = etree.QName(element).localname
        parent = element.getparent()
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == element.tag]
            if len(same) > 1:
                name += f"[{same.index(element) + 1}]"
        parts.append(name)
        element = parent
    return "/" + "/".join(reversed(parts))


def _q(name: str) -> str:
    return f"{{{SEDA_NS}}}{name}"


def _text(parent, path: str) -> tuple[str, int | None]:
    found = parent.find(path.replace("S:", f"{{{SEDA_NS}}}")) if parent is not None else None
    if found is None or not (found.text or "").strip():
        return "", (found.sourceline if found is not None else None)
    return found.text.strip(), found.sourceline


def _summarise(tree, summary: Summary) -> None:
    root = tree.getroot()
    summary.comment, _line = _text(root, "S:Comment")
    summary.message_identifier, _line = _text(root, "S:MessageIdentifier")
    summary.archival_agreement, summary.archival_agreement_line = _text(root, "S:ArchivalAgreement")
    summary.archival_agency, _line = _text(root, "S:ArchivalAgency/S:Identifier")
    summary.transferring_agency, _line = _text(root, "S:TransferringAgency/S:Identifier")
    management = root.find(f"{_q('DataObjectPackage')}/{_q('ManagementMetadata')}")
    summary.originating_agency, summary.originating_agency_line = _text(management, "S:OriginatingAgencyIdentifier")
    summary.submission_agency, summary.submission_agency_line = _text(management, "S:SubmissionAgencyIdentifier")
    # An ArchiveUnit holding only ArchiveUnitRefId points at another unit: not a unit of its own.
    units = [unit for unit in root.iter(_q("ArchiveUnit")) if unit.find(_q("ArchiveUnitRefId")) is None]
    summary.unit_count = len(units)
    starts, ends = [], []
    for unit in units:
        start, _line = _text(unit, "S:Content/S:StartDate")
        end, _line = _text(unit, "S:Content/S:EndDate")
        if start:
            starts.append(start[:10])
        if end:
            ends.append(end[:10])
    summary.start_date = min(starts) if starts else ""
    summary.end_date = max(ends) if ends else ""
    descriptive = root.find(f"{_q('DataObjectPackage')}/{_q('DescriptiveMetadata')}")

    def describe(unit, depth):
        title, _line = _text(unit, "S:Content/S:Title")
        level, _line = _text(unit, "S:Content/S:DescriptionLevel")
        children = unit.findall(_q("ArchiveUnit"))
        return {"title": title or _("(untitled)"), "level": level,
                "children": [describe(child, depth + 1) for child in children[:50]] if depth < 1 else [],
                "child_count": len(children)}

    if descriptive is not None:
        summary.top_units = [describe(unit, 0) for unit in descriptive.findall(_q("ArchiveUnit"))[:200]]


def _schema_problems(tree) -> list[Problem]:
    problems = []
    for error in schema().iter_errors(tree):
        element = getattr(error, "elem", None)
        line = getattr(element, "sourceline", None) if element is not None and hasattr(element, "sourceline") else None
        path = xpath_of(element) if element is not None and hasattr(element, "getparent") else (error.path or "")
        reason = error.reason or str(error).splitlines()[0]
        problems.append(Problem(_("The manifest does not conform to SEDA 2.1: %(reason)s") % {"reason": reason},
                                line=line, path=path))
        if len(problems) >= MAX_REPORTED_SCHEMA_ERRORS:
            break
    return problems


# --- the whole check ---------------------------------------------------------------------------


def check_sip(path, *, progress: Callable[[int, int, str], None] | None = None) -> CheckResult:
    """Check a SIP (zip or tar) on disk; never raises for bad input (the problems are in the result)."""
    result = CheckResult(summary=Summary())
    try:
        _check(Path(path), result, progress or (lambda *_args: None))
    except SipRefused as refused:
        result.problems.append(refused.problem)
    return result


def _check(path: Path, result: CheckResult, progress) -> None:
    summary = result.summary
    if path.stat().st_size == 0:
        raise SipRefused(Problem(_("The file is empty.")))
    kind = archive_kind(path)
    if kind is None:
        raise SipRefused(Problem(_("The file is neither a zip nor a tar archive (tar, tar.gz, tar.bz2): "
                                   "a SIP is one of those, containing manifest.xml.")))
    sip = ZipSip(path) if kind == "zip" else TarSip(path)
    try:
        _check_archive(sip, result, progress)
    finally:
        sip.close()


def _check_archive(sip, result: CheckResult, progress) -> None:
    summary = result.summary
    files = sip.files()
    manifests = [entry for entry in files if "/" not in entry.name and MANIFEST_NAME.fullmatch(entry.name)]
    if not manifests:
        raise SipRefused(Problem(_(
            "No manifest found at the root of the archive: it must be named manifest.xml "
            "(optionally with a prefix ending in _ or -, letters, digits, _ and - only).")))
    if len(manifests) > 1:
        raise SipRefused(Problem(_("Several manifests at the root of the archive: %(names)s.")
                                 % {"names": ", ".join(entry.name for entry in manifests)}))
    manifest = manifests[0]
    summary.manifest_name = manifest.name
    max_manifest = limit("SIP_MAX_MANIFEST_BYTES", 512 * 1024 * 1024)
    if manifest.size > max_manifest:
        raise SipRefused(Problem(_("The manifest exceeds %(max)s bytes.") % {"max": max_manifest}))
    try:
        with sip.open(manifest) as member:
            data = member.read()
    except sip.damaged as exc:
        raise SipRefused(Problem(_("The entry %(name)s of the archive is damaged: %(error)s")
                                 % {"name": manifest.name, "error": exc})) from None
    summary.manifest_sha512 = hashlib.sha512(data).hexdigest()
    tree = parse_manifest_bytes(data)
    del data
    root = tree.getroot()
    qname = etree.QName(root)
    if qname.localname != "ArchiveTransfer" or not (qname.namespace or "").startswith(SEDA_NS_PREFIX):
        raise SipRefused(Problem(_("The manifest is not a SEDA ArchiveTransfer message."), line=root.sourceline,
                                 path=xpath_of(root)))
    summary.seda_version = qname.namespace[len(SEDA_NS_PREFIX):]
    if qname.namespace != SEDA_NS:
        raise SipRefused(Problem(_("SEDA version %(version)s is not supported: SAM and Vitam accept SEDA 2.1.")
                                 % {"version": summary.seda_version}, line=root.sourceline, path=xpath_of(root)))
    _summarise(tree, summary)
    progress(0, 1, _("Checking the manifest against the SEDA 2.1 schema"))
    result.problems.extend(_schema_problems(tree))
    _check_objects(sip, files, manifest, tree, result, progress)


def _check_objects(sip, files, manifest, tree, result: CheckResult, progress) -> None:
    summary = result.summary
    by_name = {entry.name: entry for entry in files}
    referenced = set()
    to_hash = []  # (entry, algorithm, digest element, where)
    binaries = list(tree.getroot().iter(_q("BinaryDataObject")))
    summary.object_count = len(binaries)
    for binary in binaries:
        uri, uri_line = _text(binary, "S:Uri")
        if not uri:
            continue  # the schema check reports a missing Uri
        entry = by_name.get(uri) or by_name.get(unquote(uri))
        if entry is None:
            result.problems.append(Problem(_("The object %(uri)s declared in the manifest is missing from the archive.")
                                           % {"uri": uri}, line=uri_line, path=xpath_of(binary) + "/Uri"))
            continue
        referenced.add(entry.name)
        summary.total_size += entry.size
        declared_size, size_line = _text(binary, "S:Size")
        if declared_size and declared_size.isdigit() and int(declared_size) != entry.size:
            result.problems.append(Problem(
                _("The declared size of %(uri)s (%(declared)s bytes) differs from the real size (%(real)s bytes); "
                  "Vitam keeps the real size (warning).") % {"uri": uri, "declared": declared_size,
                                                            "real": entry.size},
                line=size_line, path=xpath_of(binary) + "/Size", severity=WARNING))
        digest_element = binary.find(_q("MessageDigest"))
        if digest_element is None:
            continue
        algorithm = DIGESTS.get((digest_element.get("algorithm") or "").upper())
        if algorithm is None:
            result.problems.append(Problem(_("Unknown digest algorithm %(algo)s for %(uri)s.")
                                           % {"algo": digest_element.get("algorithm"), "uri": uri},
                                           line=digest_element.sourceline, path=xpath_of(digest_element)))
            continue
        to_hash.append((entry, uri, algorithm, digest_element, binary))
    total = sum(entry.size for entry, *_rest in to_hash) or 1
    done = 0
    # Archive order (stable: a zip keeps the manifest's order): a compressed tar is read forward only.
    for entry, uri, algorithm, digest_element, binary in sorted(to_hash, key=lambda item: item[0].position):
        hasher = hashlib.new(algorithm)
        try:
            with sip.open(entry) as member:
                while chunk := member.read(CHUNK):
                    hasher.update(chunk)
                    done += len(chunk)
                    progress(done, total, _("Checking the digests of the objects"))
        except sip.damaged as exc:
            raise SipRefused(Problem(_("The entry %(name)s of the archive is damaged: %(error)s")
                                     % {"name": entry.name, "error": exc},
                                     line=binary.sourceline, path=xpath_of(binary))) from None
        if hasher.hexdigest().lower() != (digest_element.text or "").strip().lower():
            result.problems.append(Problem(_("The digest of %(uri)s does not match the manifest.") % {"uri": uri},
                                           line=digest_element.sourceline, path=xpath_of(digest_element)))
    for entry in files:
        if entry is not manifest and entry.name not in referenced:
            result.problems.append(Problem(_("The file %(name)s of the archive is not declared in the manifest.")
                                           % {"name": entry.name}))


def check_references(summary: Summary, *, contracts: dict[str, str], agencies: set[str]) -> list[Problem]:
    """The manifest's contract and services against Vitam's referentials of the tenant.

    contracts: {Identifier: Status} of the tenant's ingest contracts; agencies: known identifiers."""
    problems = []
    base = "/ArchiveTransfer"
    if not summary.archival_agreement:
        problems.append(Problem(_("The manifest names no ingest contract (ArchivalAgreement)."), path=base))
    elif summary.archival_agreement not in contracts:
        problems.append(Problem(_("The ingest contract %(id)s is unknown for this tenant.")
                                % {"id": summary.archival_agreement}, line=summary.archival_agreement_line,
                                path=f"{base}/ArchivalAgreement"))
    elif contracts[summary.archival_agreement] != "ACTIVE":
        problems.append(Problem(_("The ingest contract %(id)s is inactive.") % {"id": summary.archival_agreement},
                                line=summary.archival_agreement_line, path=f"{base}/ArchivalAgreement"))
    management = f"{base}/DataObjectPackage/ManagementMetadata"
    if not summary.originating_agency:
        problems.append(Problem(_("The manifest names no producing service (OriginatingAgencyIdentifier)."),
                                path=management))
    elif summary.originating_agency not in agencies:
        problems.append(Problem(_("The producing service %(id)s is unknown in the services referential.")
                                % {"id": summary.originating_agency}, line=summary.originating_agency_line,
                                path=f"{management}/OriginatingAgencyIdentifier"))
    if summary.submission_agency and summary.submission_agency not in agencies:
        problems.append(Problem(_("The transferring service %(id)s is unknown in the services referential.")
                                % {"id": summary.submission_agency}, line=summary.submission_agency_line,
                                path=f"{management}/SubmissionAgencyIdentifier"))
    return problems
