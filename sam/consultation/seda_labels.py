"""SEDA 2.1 / Vitam field names → labels for people (English msgids, French catalogue later).

Used by the unit view to show metadata readably: known fields in a stable, archivist's order, unknown
ones after them under their SEDA name, internal Vitam fields (#...) never shown as metadata.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Descriptive metadata (SEDA 2.1 ArchiveUnit Content), in the order archivists read them.
FIELD_LABELS = {
    "Title": _("Title"),
    "Description": _("Description"),
    "DescriptionLevel": _("Description level"),
    "ArchivalAgencyArchiveUnitIdentifier": _("Archival agency's identifier (call number)"),
    "OriginatingAgencyArchiveUnitIdentifier": _("Producing service's identifier"),
    "TransferringAgencyArchiveUnitIdentifier": _("Transferring service's identifier"),
    "SystemId": _("System identifier"),
    "FilePlanPosition": _("Position in the file plan"),
    "DocumentType": _("Document type"),
    "StartDate": _("Start date"),
    "EndDate": _("End date"),
    "CreatedDate": _("Created on"),
    "TransactedDate": _("Transacted on"),
    "AcquiredDate": _("Acquired on"),
    "SentDate": _("Sent on"),
    "ReceivedDate": _("Received on"),
    "RegisteredDate": _("Registered on"),
    "Language": _("Language of the documents"),
    "DescriptionLanguage": _("Language of the description"),
    "Status": _("Status"),
    "Version": _("Version"),
    "Keyword": _("Keywords"),
    "KeywordContent": _("Keyword"),
    "KeywordType": _("Keyword type"),
    "KeywordReference": _("Keyword reference"),
    "Coverage": _("Coverage"),
    "Spatial": _("Places"),
    "Temporal": _("Periods"),
    "Juridictional": _("Jurisdictions"),
    "OriginatingAgency": _("Producing service"),
    "SubmissionAgency": _("Transferring service"),
    "Identifier": _("Identifier"),
    "AuthorizedAgent": _("Authorized agent"),
    "Writer": _("Writer"),
    "Addressee": _("Addressee"),
    "Recipient": _("Recipient"),
    "Transmitter": _("Transmitter"),
    "Sender": _("Sender"),
    "FullName": _("Full name"),
    "FirstName": _("First name"),
    "BirthName": _("Birth name"),
    "GivenName": _("Given name"),
    "Corpname": _("Corporate name"),
    "Activity": _("Activity"),
    "Position": _("Position"),
    "Role": _("Role"),
    "Source": _("Source"),
    "RelatedObjectReference": _("Related archives"),
    "CustodialHistory": _("Custodial history"),
    "CustodialHistoryItem": _("Custodial history"),
    "Type": _("Type"),
    "Tag": _("Tags"),
    "Event": _("Events"),
    "EventType": _("Event type"),
    "EventDateTime": _("Event date"),
    "EventDetail": _("Event detail"),
    "Signature": _("Signature"),
    "Gps": _("GPS coordinates"),
    "OriginatingSystemId": _("Identifier in the producing system"),
    "ArchiveUnitProfile": _("Archive unit profile"),
}

DESCRIPTION_LEVELS = {
    "Fonds": _("Fonds"),
    "Subfonds": _("Sub-fonds"),
    "Class": _("Class"),
    "Collection": _("Collection"),
    "Series": _("Series"),
    "Subseries": _("Sub-series"),
    "RecordGrp": _("Record group"),
    "SubGrp": _("Sub-group"),
    "File": pgettext_lazy("description level", "File"),
    "Item": _("Item"),
    "OtherLevel": _("Other level"),
}

RULE_CATEGORIES = {
    "AppraisalRule": _("Appraisal (DUA)"),
    "AccessRule": _("Access (communicability)"),
    "StorageRule": _("Storage"),
    "DisseminationRule": _("Dissemination"),
    "ReuseRule": _("Reuse"),
    "ClassificationRule": _("Classification"),
    "HoldRule": _("Hold"),
}

FINAL_ACTIONS = {
    "Keep": _("Keep"),
    "Destroy": _("Destroy"),
    "RestrictAccess": _("Restrict access"),
    "Transfer": _("Transfer"),
    "Copy": _("Copy"),
}

USAGES = {
    "BinaryMaster": _("Original (master copy)"),
    "Dissemination": _("Dissemination copy"),
    "Thumbnail": _("Thumbnail"),
    "TextContent": _("Text content"),
    "PhysicalMaster": _("Physical original"),
}

OPERATION_TYPES = {
    "INGEST": _("Deposit (ingest)"),
    "UPDATE": _("Update"),
    "ELIMINATION": _("Elimination"),
    "MASTERDATA": _("Referential"),
    "AUDIT": _("Audit"),
    "TRACEABILITY": _("Traceability"),
    "PRESERVATION": _("Preservation"),
    "EXPORT_DIP": _("Export (DIP)"),
    "ARCHIVE_TRANSFER": _("Transfer"),
    "TRANSFER_REPLY": _("Transfer reply"),
    "MASS_UPDATE": _("Mass update"),
    "RECLASSIFICATION": _("Reclassification"),
    "INTERNAL_OPERATING_OP": _("Internal operation"),
}

OUTCOMES = {
    "OK": (_("Succeeded"), "success"),
    "WARNING": (_("Succeeded with warnings"), "warning"),
    "KO": (_("Failed"), "danger"),
    "FATAL": (_("Technical failure"), "danger"),
    "STARTED": (_("In progress"), "info"),
    "UNKNOWN": (_("Unknown"), "neutral"),
}


# SEDA's KeywordType values, with the words of the archivists' thesauri.
KEYWORD_TYPES = {
    "subject": _("Subject"), "geogname": _("Place"), "persname": _("Person"), "corpname": _("Organisation"),
    "famname": _("Family"), "function": _("Function"), "occupation": _("Occupation"),
    "genreform": _("Type of document"),
}
# What the search rows show, computed once per unit by consultation.selectors (not SEDA metadata).
ROW_DISPLAY_KEYS = frozenset({"level_label", "id", "agency", "title_shown", "title_short", "description_short",
                              "dates_shown", "select_label"})


def label_for(field_name: str) -> str:
    return FIELD_LABELS.get(field_name, field_name)


def level_label(level: str) -> str:
    return DESCRIPTION_LEVELS.get(level, level or "")


def outcome_label(outcome: str) -> tuple[str, str]:
    """(label, badge tone) of a logbook outcome."""
    return OUTCOMES.get(outcome or "UNKNOWN", (outcome, "neutral"))


def _text(value) -> str:
    """One readable line for a SEDA value: composite fields as “Label: value; Label: value”."""
    if isinstance(value, dict):
        parts = [f"{label_for(key)} : {KEYWORD_TYPES.get(inner, inner) if key == 'KeywordType' else _text(inner)}"
                 for key, inner in value.items()
                 if not str(key).startswith("#") and inner not in (None, "", [], {})]
        return " ; ".join(parts)
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value if item not in (None, "", [], {}))
    return str(value)


def readable_metadata(unit: dict) -> list[dict]:
    """[{name, label, values}] of a unit's descriptive metadata in reading order; each value a line
    of text (repeated SEDA fields such as Keyword give several lines). Internal #fields are left out."""
    rows = []
    known = [name for name in FIELD_LABELS if name in unit]
    others = sorted(name for name in unit if name not in FIELD_LABELS)
    for name in known + others:
        if name.startswith(("#", "_")) or name in ROW_DISPLAY_KEYS:
            continue
        value = unit[name]
        if value in (None, "", [], {}):
            continue
        if name == "DescriptionLevel":
            value = level_label(value)
        items = value if isinstance(value, list) else [value]
        values = [_text(item) for item in items if item not in (None, "", [], {})]
        rows.append({"name": name, "label": label_for(name), "values": values})
    return rows
