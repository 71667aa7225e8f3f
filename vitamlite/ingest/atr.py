"""ArchiveTransferReply (ATR, SEDA 2.1) of an ingest: ReplyCode, system ids of what was created, events.

Shapes follow Vitam's examples (responses/sedaArchiveTransferReply.xml and ...KO.xml): every manifest
ArchiveUnit id is mapped to Content/SystemId, every data object to DataObjectSystemId and
DataObjectGroupSystemId; KO and WARNING events are listed under Operation.
"""

from datetime import datetime, timezone

from lxml import etree

SEDA_NS = "fr:gouv:culture:archivesdefrance:seda:v2.1"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {None: SEDA_NS, "ns2": "http://www.w3.org/1999/xlink", "xsi": XSI_NS}


def _sub(parent, name, text=None):
    element = etree.SubElement(parent, f"{{{SEDA_NS}}}{name}")
    if text is not None:
        element.text = str(text)
    return element


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def build_atr(*, operation_id: str, reply_code: str, manifest=None, unit_ids: dict | None = None,
              object_ids: dict | None = None, group_ids: dict | None = None, versions: dict | None = None,
              events: list | None = None) -> bytes:
    """The ATR XML bytes.

    unit_ids maps manifest unit id → GUID, object_ids manifest object id → GUID, group_ids manifest
    group id → GUID, versions manifest object id → normalised DataObjectVersion; events are logbook
    event dicts (evType, outcome, outDetail, outMessg, evDateTime, evDetData) to list.
    """
    root = etree.Element(f"{{{SEDA_NS}}}ArchiveTransferReply", nsmap=NSMAP)
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{SEDA_NS} seda-vitam-2.1-main.xsd")
    _sub(root, "Date", _now())
    _sub(root, "MessageIdentifier", operation_id)
    if manifest is not None and manifest.archival_agreement:
        _sub(root, "ArchivalAgreement", manifest.archival_agreement)
    code_lists = _sub(root, "CodeListVersions")
    for name in ("ReplyCodeListVersion", "MessageDigestAlgorithmCodeListVersion", "FileFormatCodeListVersion"):
        _sub(code_lists, name, name + "0")
    package = _sub(root, "DataObjectPackage")
    unit_ids, object_ids, group_ids, versions = unit_ids or {}, object_ids or {}, group_ids or {}, versions or {}
    if manifest is not None and object_ids:
        for group_id, objects in manifest.groups.items():
            group_element = _sub(package, "DataObjectGroup")
            group_element.set("id", group_id)
            for data_object in objects:
                if data_object.id not in object_ids:
                    continue
                object_element = _sub(group_element, data_object.kind)
                object_element.set("id", data_object.id)
                _sub(object_element, "DataObjectSystemId", object_ids[data_object.id])
                _sub(object_element, "DataObjectGroupSystemId", group_ids.get(group_id, ""))
                _sub(object_element, "DataObjectVersion", versions.get(data_object.id, data_object.version))
    descriptive = _sub(package, "DescriptiveMetadata")
    for manifest_id, guid in unit_ids.items():
        unit_element = _sub(descriptive, "ArchiveUnit")
        unit_element.set("id", manifest_id)
        _sub(_sub(unit_element, "Content"), "SystemId", guid)
    _sub(package, "ManagementMetadata")
    _sub(root, "ReplyCode", reply_code)
    listed = [event for event in events or [] if event.get("outcome") in ("KO", "WARNING", "FATAL")]
    if listed:
        operation = _sub(root, "Operation")
        for event in listed:
            event_element = _sub(operation, "Event")
            _sub(event_element, "EventTypeCode", event["evType"])
            _sub(event_element, "EventType", event.get("evTypeLabel") or event["evType"])
            _sub(event_element, "EventDateTime", event.get("evDateTime") or _now())
            _sub(event_element, "Outcome", event["outcome"])
            _sub(event_element, "OutcomeDetail", event.get("outDetail") or f"{event['evType']}.{event['outcome']}")
            _sub(event_element, "OutcomeDetailMessage", event.get("outMessg") or "")
            if event.get("evDetData"):
                _sub(event_element, "EventDetailData", event["evDetData"])
    # Without a readable manifest there is no request identifier; the schema wants a non-empty token.
    _sub(root, "MessageRequestIdentifier", (manifest.message_identifier if manifest is not None else "") or "Unknown")
    _sub(root, "GrantDate", _now())
    # Both agencies are mandatory in the schema; "Unknown" when the manifest could not be read.
    _sub(_sub(root, "ArchivalAgency"), "Identifier", (manifest.archival_agency if manifest else None) or "Unknown")
    _sub(_sub(root, "TransferringAgency"), "Identifier",
         (manifest.transferring_agency if manifest else None) or "Unknown")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
