"""ArchiveTransferReply (ATR, SEDA 2.1) of an ingest: ReplyCode, system ids of what was created, events.

Shapes follow Vitam's examples (responses/sedaArchiveTransferReply.xml and ...KO.xml): every manifest
ArchiveUnit id is mapped to Content/SystemId, every data object to DataObjectSystemId and
DataObjectGroupSystemId; KO and WARNING events are listed under Operation. As in Vitam's
TransferNotificationActionHandler (buildArchiveUnit, buildDataObjectGroup), a unit or object group with
lifecycle events of the reply's severity is listed with them: Management/LogBook for a unit,
LogBook (each event naming its object by DataObjectReferenceId) for an object group.
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


def _event(parent, event, object_reference=None):
    event_element = _sub(parent, "Event")
    _sub(event_element, "EventTypeCode", event["evType"])
    _sub(event_element, "EventType", event.get("evTypeLabel") or event["evType"])
    _sub(event_element, "EventDateTime", event.get("evDateTime") or _now())
    _sub(event_element, "Outcome", event["outcome"])
    _sub(event_element, "OutcomeDetail", event.get("outDetail") or f"{event['evType']}.{event['outcome']}")
    _sub(event_element, "OutcomeDetailMessage", event.get("outMessg") or "")
    if event.get("evDetData"):
        _sub(event_element, "EventDetailData", event["evDetData"])
    if object_reference:
        _sub(event_element, "DataObjectReferenceId", object_reference)


def build_atr(*, operation_id: str, reply_code: str, manifest=None, unit_ids: dict | None = None,
              object_ids: dict | None = None, group_ids: dict | None = None, versions: dict | None = None,
              events: list | None = None, unit_lifecycles: dict | None = None,
              object_lifecycles: dict | None = None, known_units: dict | None = None) -> bytes:
    """The ATR XML bytes.

    unit_ids maps manifest unit id → GUID, object_ids manifest object id → GUID, group_ids manifest
    group id → GUID, versions manifest object id → normalised DataObjectVersion; events are logbook
    event dicts (evType, outcome, outDetail, outMessg, evDateTime, evDetData) to list; unit_lifecycles
    (manifest unit id → events) and object_lifecycles (manifest object id → events) are the lifecycle
    events to list, known_units the GUIDs given to units of a refused SIP.
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
    unit_lifecycles, object_lifecycles = unit_lifecycles or {}, object_lifecycles or {}
    for group_id, objects in (manifest.groups.items() if manifest is not None else ()):
        group_events = [(o.id, event) for o in objects for event in object_lifecycles.get(o.id, ())]
        listed = [o for o in objects if o.id in object_ids or group_events]
        if not listed:
            continue
        group_element = _sub(package, "DataObjectGroup")
        group_element.set("id", group_id)
        for data_object in listed:
            object_element = _sub(group_element, data_object.kind)
            object_element.set("id", data_object.id)
            if data_object.id in object_ids:
                _sub(object_element, "DataObjectSystemId", object_ids[data_object.id])
                _sub(object_element, "DataObjectGroupSystemId", group_ids.get(group_id, ""))
            _sub(object_element, "DataObjectVersion", versions.get(data_object.id, data_object.version))
        if group_events:
            group_logbook = _sub(group_element, "LogBook")
            for object_id, event in group_events:
                _event(group_logbook, event, object_reference=object_id)
    descriptive = _sub(package, "DescriptiveMetadata")
    known_units = known_units or {}
    for manifest_id in list(unit_ids) + [u for u in unit_lifecycles if u not in unit_ids]:
        unit_element = _sub(descriptive, "ArchiveUnit")
        unit_element.set("id", manifest_id)
        if unit_lifecycles.get(manifest_id):
            unit_logbook = _sub(_sub(unit_element, "Management"), "LogBook")
            for event in unit_lifecycles[manifest_id]:
                _event(unit_logbook, event)
        guid = unit_ids.get(manifest_id) or known_units.get(manifest_id)
        content = _sub(unit_element, "Content")
        if guid:
            _sub(content, "SystemId", guid)
    _sub(package, "ManagementMetadata")
    _sub(root, "ReplyCode", reply_code)
    listed = [event for event in events or [] if event.get("outcome") in ("KO", "WARNING", "FATAL")]
    if listed:
        operation = _sub(root, "Operation")
        for event in listed:
            _event(operation, event)
    # Without a readable manifest there is no request identifier; the schema wants a non-empty token.
    _sub(root, "MessageRequestIdentifier", (manifest.message_identifier if manifest is not None else "") or "Unknown")
    _sub(root, "GrantDate", _now())
    # Both agencies are mandatory in the schema; "Unknown" when the manifest could not be read.
    _sub(_sub(root, "ArchivalAgency"), "Identifier", (manifest.archival_agency if manifest else None) or "Unknown")
    _sub(_sub(root, "TransferringAgency"), "Identifier",
         (manifest.transferring_agency if manifest else None) or "Unknown")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
