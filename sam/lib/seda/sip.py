"""Build SEDA 2.1 SIPs (ArchiveTransfer manifest + binaries) as a zip, streaming from disk.

Used by the simple deposit, by filing-plan publication and by the demo data. The manifest
follows the element order of the SEDA 2.1 schema (and Vitam's extensions: HoldRule,
UpdateOperation for attaching units under an existing unit of the holding or filing tree).
"""

from __future__ import annotations

import hashlib
import mimetypes
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from itertools import count
from pathlib import Path

from lxml import etree

from sam.lib import formats

SEDA_NS = "fr:gouv:culture:archivesdefrance:seda:v2.1"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
CHUNK = 1024 * 1024

# Rule categories in the order the SEDA 2.1 Management element requires (Vitam adds HoldRule).
RULE_CATEGORIES = (
    "StorageRule", "AppraisalRule", "AccessRule", "DisseminationRule",
    "ReuseRule", "ClassificationRule", "HoldRule",
)
DESCRIPTION_LEVELS = (
    "Fonds", "Subfonds", "Class", "Collection", "Series", "Subseries",
    "RecordGrp", "SubGrp", "File", "Item", "OtherLevel",
)
CODE_LIST_VERSIONS = (
    "ReplyCodeListVersion", "MessageDigestAlgorithmCodeListVersion", "MimeTypeCodeListVersion",
    "EncodingCodeListVersion", "FileFormatCodeListVersion", "CompressionAlgorithmCodeListVersion",
    "DataObjectVersionCodeListVersion", "StorageRuleCodeListVersion", "AppraisalRuleCodeListVersion",
    "AccessRuleCodeListVersion", "DisseminationRuleCodeListVersion", "ReuseRuleCodeListVersion",
    "ClassificationRuleCodeListVersion", "AuthorizationReasonCodeListVersion",
    "RelationshipCodeListVersion",
)


@dataclass
class SipRule:
    category: str  # one of RULE_CATEGORIES
    rule_id: str | None = None
    start_date: date | None = None
    final_action: str | None = None  # AppraisalRule: Keep|Destroy; StorageRule: RestrictAccess|Transfer|Copy
    prevent_inheritance: bool = False

    def __post_init__(self):
        if self.category not in RULE_CATEGORIES:
            raise ValueError(f"unknown rule category {self.category!r}")


@dataclass
class SipObject:
    """A file to deposit. Digest and size are computed from the file while building."""

    path: Path
    filename: str | None = None
    mime_type: str | None = None
    format_id: str | None = None
    format_label: str | None = None
    version: str = "BinaryMaster"


def _format_identification(obj: SipObject) -> tuple[str, str, str]:
    """(FormatLitteral, MimeType, FormatId): the caller's PUID, else Siegfried's, so that Vitam's format
    check finds what the bordereau declares."""
    if obj.format_id:
        mime = obj.mime_type or mimetypes.guess_type(obj.filename or obj.path.name)[0]
        return obj.format_label or "", mime or "application/octet-stream", obj.format_id
    identified = formats.identify(obj.path)
    if identified.puid:
        return identified.name, identified.mime_type, identified.puid
    mime = obj.mime_type or mimetypes.guess_type(obj.filename or obj.path.name)[0]
    return obj.format_label or "", mime or "application/octet-stream", ""


@dataclass
class SipUnit:
    title: str
    description_level: str = "File"
    description: str = ""
    start_date: date | None = None
    end_date: date | None = None
    originating_agency: str | None = None
    rules: list[SipRule] = field(default_factory=list)
    objects: list[SipObject] = field(default_factory=list)
    children: list[SipUnit] = field(default_factory=list)
    attach_to: str | None = None  # SystemId (#id) of an existing unit: this unit stands for it
    identifier: str | None = None  # ArchivalAgencyArchiveUnitIdentifier (e.g. filing-plan code)
    extra_content: dict[str, str] = field(default_factory=dict)  # further simple Content fields

    def __post_init__(self):
        if self.description_level not in DESCRIPTION_LEVELS:
            raise ValueError(f"unknown description level {self.description_level!r}")

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class SipPackage:
    message_identifier: str
    archival_agency: str
    transferring_agency: str
    originating_agency: str
    submission_agency: str | None = None
    archival_agreement: str | None = None
    archival_profile: str | None = None
    comment: str = ""
    units: list[SipUnit] = field(default_factory=list)
    date: datetime | None = None

    def all_units(self):
        for unit in self.units:
            yield from unit.walk()


@dataclass
class BuiltSip:
    path: Path
    manifest_sha512: str
    unit_count: int
    object_count: int
    total_size: int


def file_digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha512()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _sub(parent, name, text=None, **attrs):
    element = etree.SubElement(parent, f"{{{SEDA_NS}}}{name}", **attrs)
    if text is not None:
        element.text = str(text)
    return element


def _iso(value) -> str:
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


def _management(parent, unit: SipUnit):
    if not unit.rules and not unit.attach_to:
        return
    management = _sub(parent, "Management")
    for category in RULE_CATEGORIES:
        rules = [rule for rule in unit.rules if rule.category == category]
        if not rules:
            continue
        element = _sub(management, category)
        for rule in rules:
            if rule.rule_id:
                _sub(element, "Rule", rule.rule_id)
                if rule.start_date:
                    _sub(element, "StartDate", _iso(rule.start_date))
        if any(rule.prevent_inheritance for rule in rules):
            _sub(element, "PreventInheritance", "true")
        final_action = next((rule.final_action for rule in rules if rule.final_action), None)
        if final_action:
            _sub(element, "FinalAction", final_action)
    if unit.attach_to:
        _sub(_sub(management, "UpdateOperation"), "SystemId", unit.attach_to)


def _content(parent, unit: SipUnit, package: SipPackage):
    content = _sub(parent, "Content")
    _sub(content, "DescriptionLevel", unit.description_level)
    _sub(content, "Title", unit.title)
    if unit.identifier:
        _sub(content, "ArchivalAgencyArchiveUnitIdentifier", unit.identifier)
    if unit.description:
        _sub(content, "Description", unit.description)
    for name, value in unit.extra_content.items():
        _sub(content, name, value)
    if unit.originating_agency and unit.originating_agency != package.originating_agency:
        _sub(_sub(content, "OriginatingAgency"), "Identifier", unit.originating_agency)
    if unit.start_date:
        _sub(content, "StartDate", _iso(unit.start_date))
    if unit.end_date:
        _sub(content, "EndDate", _iso(unit.end_date))


def build_manifest(package: SipPackage, objects: dict[int, tuple[str, str, int]]) -> bytes:
    """The manifest.xml bytes. `objects` maps id(SipObject) to (uri, sha512, size)."""
    ids = count(1)
    root = etree.Element(f"{{{SEDA_NS}}}ArchiveTransfer", nsmap={None: SEDA_NS, "xlink": XLINK_NS})
    if package.comment:
        _sub(root, "Comment", package.comment)
    _sub(root, "Date", _iso(package.date or datetime.now(timezone.utc)))
    _sub(root, "MessageIdentifier", package.message_identifier)
    if package.archival_agreement:
        _sub(root, "ArchivalAgreement", package.archival_agreement)
    code_lists = _sub(root, "CodeListVersions")
    for name in CODE_LIST_VERSIONS:
        _sub(code_lists, name, f"{name}0")
    data_package = _sub(root, "DataObjectPackage")

    group_ids = {}
    for unit in package.all_units():
        if not unit.objects:
            continue
        group_id = f"GOT{next(ids)}"
        group_ids[id(unit)] = group_id
        group = _sub(data_package, "DataObjectGroup", id=group_id)
        for obj in unit.objects:
            uri, sha512, size = objects[id(obj)]
            binary = _sub(group, "BinaryDataObject", id=f"BDO{next(ids)}")
            _sub(binary, "DataObjectVersion", obj.version)
            _sub(binary, "Uri", uri)
            _sub(binary, "MessageDigest", sha512, algorithm="SHA-512")
            _sub(binary, "Size", size)
            identification = _sub(binary, "FormatIdentification")
            label, mime, format_id = _format_identification(obj)
            if label:
                _sub(identification, "FormatLitteral", label)
            _sub(identification, "MimeType", mime)
            if format_id:
                _sub(identification, "FormatId", format_id)
            _sub(_sub(binary, "FileInfo"), "Filename", obj.filename or obj.path.name)

    descriptive = _sub(data_package, "DescriptiveMetadata")

    def add_unit(parent, unit: SipUnit):
        element = _sub(parent, "ArchiveUnit", id=f"AU{next(ids)}")
        _management(element, unit)
        _content(element, unit, package)
        for child in unit.children:
            add_unit(element, child)
        if id(unit) in group_ids:
            _sub(_sub(element, "DataObjectReference"), "DataObjectGroupReferenceId", group_ids[id(unit)])

    for unit in package.units:
        add_unit(descriptive, unit)
    management_metadata = _sub(data_package, "ManagementMetadata")
    if package.archival_profile:
        _sub(management_metadata, "ArchivalProfile", package.archival_profile)
    _sub(management_metadata, "OriginatingAgencyIdentifier", package.originating_agency)
    if package.submission_agency:
        _sub(management_metadata, "SubmissionAgencyIdentifier", package.submission_agency)
    _sub(_sub(root, "ArchivalAgency"), "Identifier", package.archival_agency)
    _sub(_sub(root, "TransferringAgency"), "Identifier", package.transferring_agency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_sip(package: SipPackage, destination: Path) -> BuiltSip:
    """Write the SIP zip to `destination`: binaries are streamed from disk, never held whole."""
    objects = {}
    total_size = 0
    object_count = 0
    for index, obj in enumerate((o for unit in package.all_units() for o in unit.objects), start=1):
        sha512, size = file_digest(obj.path)
        suffix = Path(obj.filename or obj.path.name).suffix
        objects[id(obj)] = (f"content/{index:06d}{suffix}", sha512, size)
        total_size += size
        object_count += 1
    manifest = build_manifest(package, objects)
    destination = Path(destination)
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        archive.writestr("manifest.xml", manifest)
        for unit in package.all_units():
            for obj in unit.objects:
                archive.write(obj.path, objects[id(obj)][0], compress_type=zipfile.ZIP_STORED)
    return BuiltSip(
        path=destination,
        manifest_sha512=hashlib.sha512(manifest).hexdigest(),
        unit_count=sum(1 for _ in package.all_units()),
        object_count=object_count,
        total_size=total_size,
    )
