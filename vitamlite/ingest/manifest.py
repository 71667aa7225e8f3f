"""Reading a SEDA 2.1 manifest (already parsed safely by vitamlite.ingest.seda) into plain structures.

Descriptive metadata is converted to Vitam's JSON form: one key per SEDA element, repeated elements
and the elements Vitam's ontology declares multi-valued become arrays, nested elements become
objects, ``xml:lang`` variants go to ``<Name>_`` maps (``Title_: {"fr": ...}``).
"""

from dataclasses import dataclass, field
from functools import cached_property

from lxml import etree

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Elements Vitam's ontology stores as arrays even when they appear once.
ARRAY_FIELDS = {
    "OriginatingAgencyArchiveUnitIdentifier", "ArchivalAgencyArchiveUnitIdentifier",
    "TransferringAgencyArchiveUnitIdentifier", "FilePlanPosition", "SystemId", "OriginatingSystemId",
    "DataObjectSystemId", "Keyword", "Tag", "Writer", "Addressee", "Recipient", "Transmitter", "Sender",
    "AuthorizedAgent", "Event", "Signature", "Language", "Spatial", "Temporal", "Juridictional",
    "Agent", "Activity", "Function", "Role", "Position", "Nationality", "Mandate",
}
BOOLEAN_FIELDS = {"PreventRearrangement", "NeedReassessingAuthorization", "PreventInheritance", "NeedAuthorization"}
RULE_CATEGORIES = (
    "StorageRule", "AppraisalRule", "AccessRule", "DisseminationRule", "ReuseRule", "ClassificationRule", "HoldRule",
)


@dataclass
class DataObject:
    id: str
    group_id: str
    kind: str  # "BinaryDataObject" | "PhysicalDataObject"
    version: str
    uri: str | None = None
    digest: str | None = None
    digest_algorithm: str | None = None
    size: int | None = None
    metadata: dict = field(default_factory=dict)


@dataclass
class ArchiveUnit:
    id: str
    content: dict
    management: etree._Element | None
    children: list = field(default_factory=list)  # manifest ids of child units
    group_ref: str | None = None  # manifest id of the data object group
    object_ref: str | None = None  # manifest id of a data object (DataObjectReferenceId)
    attachment_system_id: str | None = None  # existing unit (UpdateOperation/SystemId)
    attachment_key: tuple | None = None  # (MetadataName, MetadataValue)
    profile: str | None = None


@dataclass
class Manifest:
    message_identifier: str = ""
    comment: str | None = None
    date: str | None = None
    archival_agreement: str | None = None
    archival_agency: str | None = None
    transferring_agency: str | None = None
    archive_profile: str | None = None
    originating_agency: str | None = None
    submission_agency: str | None = None
    acquisition_information: str | None = None
    legal_status: str | None = None
    global_management: etree._Element | None = None
    objects: dict = field(default_factory=dict)  # id -> DataObject, in manifest order
    units: dict = field(default_factory=dict)  # id -> ArchiveUnit, in manifest order
    problems: list = field(default_factory=list)  # (sub_status, French message)

    @cached_property
    def groups(self) -> dict:
        """Manifest group id → its data objects (computed once: read after the manifest is complete)."""
        groups = {}
        for data_object in self.objects.values():
            groups.setdefault(data_object.group_id, []).append(data_object)
        return groups

    def root_unit_ids(self):
        referenced = {child for unit in self.units.values() for child in unit.children}
        return [unit_id for unit_id in self.units if unit_id not in referenced]


def local(element) -> str:
    return etree.QName(element).localname


def _text(element):
    return (element.text or "") if element is not None else None


def _child(element, name):
    if element is None:
        return None
    for child in element:
        if isinstance(child.tag, str) and local(child) == name:
            return child
    return None


def _child_text(element, name):
    child = _child(element, name)
    return child.text.strip() if child is not None and child.text else None


def _value(element):
    children = [c for c in element if isinstance(c.tag, str)]
    if not children:
        text = element.text or ""
        if local(element) in BOOLEAN_FIELDS:
            return text.strip().lower() == "true"
        return text.strip()
    return to_json(element)


def to_json(element) -> dict:
    """SEDA element children → Vitam JSON object."""
    result = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = local(child)
        value = _value(child)
        lang = child.get(XML_LANG)
        if lang and isinstance(value, str):
            result.setdefault(f"{name}_", {})[lang] = value
            if name in result:
                continue
        for attribute, attribute_value in child.attrib.items():
            if attribute != XML_LANG and isinstance(value, dict):
                value[etree.QName(attribute).localname] = attribute_value
        if name in result:
            if not isinstance(result[name], list):
                result[name] = [result[name]]
            result[name].append(value)
        elif name in ARRAY_FIELDS:
            result[name] = [value]
        else:
            result[name] = value
    return result


def _parse_object(element, group_id_hint):
    object_id = element.get("id")
    group = _child_text(element, "DataObjectGroupId") or _child_text(element, "DataObjectGroupReferenceId")
    digest_element = _child(element, "MessageDigest")
    size_text = _child_text(element, "Size")
    metadata = {}
    for name in ("FormatIdentification", "FileInfo", "PhysicalDimensions", "Metadata", "OtherMetadata", "Compressed"):
        child = _child(element, name)
        if child is not None:
            metadata[name] = to_json(child)
    physical_id = _child_text(element, "PhysicalId")
    if physical_id:
        metadata["PhysicalId"] = physical_id
    try:
        size = int(size_text) if size_text is not None else None
    except ValueError:
        size = None
    return DataObject(
        id=object_id,
        group_id=group or group_id_hint or f"{object_id}_GOT",
        kind=local(element),
        version=_child_text(element, "DataObjectVersion") or ("PhysicalMaster" if local(element) == "PhysicalDataObject" else "BinaryMaster"),
        uri=_child_text(element, "Uri"),
        digest=digest_element.text.strip() if digest_element is not None and digest_element.text else None,
        digest_algorithm=digest_element.get("algorithm") if digest_element is not None else None,
        size=size,
        metadata=metadata,
    )


def _parse_unit(element, manifest, parent_id=None):
    unit_id = element.get("id")
    ref = _child_text(element, "ArchiveUnitRefId")
    if ref:
        # A reference: the referenced unit becomes a child of the enclosing unit.
        if parent_id is not None:
            manifest.units[parent_id].children.append(ref)
        return
    content_element = _child(element, "Content")
    management = _child(element, "Management")
    unit = ArchiveUnit(
        id=unit_id,
        content=to_json(content_element) if content_element is not None else {},
        management=management,
        profile=_child_text(element, "ArchiveUnitProfile"),
    )
    update = _child(management, "UpdateOperation")
    if update is not None:
        unit.attachment_system_id = _child_text(update, "SystemId")
        key = _child(update, "ArchiveUnitIdentifierKey")
        if key is not None:
            unit.attachment_key = (_child_text(key, "MetadataName"), _child_text(key, "MetadataValue"))
    reference = _child(element, "DataObjectReference")
    if reference is not None:
        unit.group_ref = _child_text(reference, "DataObjectGroupReferenceId")
        unit.object_ref = _child_text(reference, "DataObjectReferenceId")
    if unit_id in manifest.units:
        manifest.problems.append(("CHECK_MANIFEST", f"Identifiant d'unité archivistique dupliqué : {unit_id}"))
    manifest.units[unit_id] = unit
    if parent_id is not None:
        manifest.units[parent_id].children.append(unit_id)
    for child in element:
        if isinstance(child.tag, str) and local(child) == "ArchiveUnit":
            _parse_unit(child, manifest, unit_id)


def read_manifest(tree) -> Manifest:
    root = tree.getroot()
    manifest = Manifest(
        message_identifier=_child_text(root, "MessageIdentifier") or "",
        comment=_child_text(root, "Comment"),
        date=_child_text(root, "Date"),
        archival_agreement=_child_text(root, "ArchivalAgreement"),
        archival_agency=_child_text(_child(root, "ArchivalAgency"), "Identifier"),
        transferring_agency=_child_text(_child(root, "TransferringAgency"), "Identifier"),
    )
    package = _child(root, "DataObjectPackage")
    if package is None:
        return manifest
    for element in package:
        if not isinstance(element.tag, str):
            continue
        name = local(element)
        if name in ("BinaryDataObject", "PhysicalDataObject"):
            data_object = _parse_object(element, None)
            manifest.objects[data_object.id] = data_object
        elif name == "DataObjectGroup":
            for child in element:
                if isinstance(child.tag, str) and local(child) in ("BinaryDataObject", "PhysicalDataObject"):
                    data_object = _parse_object(child, element.get("id"))
                    manifest.objects[data_object.id] = data_object
        elif name == "DescriptiveMetadata":
            for child in element:
                if isinstance(child.tag, str) and local(child) == "ArchiveUnit":
                    _parse_unit(child, manifest)
        elif name == "ManagementMetadata":
            manifest.archive_profile = _child_text(element, "ArchivalProfile")
            manifest.originating_agency = _child_text(element, "OriginatingAgencyIdentifier")
            manifest.submission_agency = _child_text(element, "SubmissionAgencyIdentifier")
            manifest.acquisition_information = _child_text(element, "AcquisitionInformation")
            manifest.legal_status = _child_text(element, "LegalStatus")
            manifest.global_management = element
    return manifest
