"""What SAM knows about Vitam's contracts and archival profiles: kinds, editable fields, checks.

SAM stores nothing here: these descriptions drive the forms, the checks done before Vitam is called
(so that the archivist reads a French message naming the field) and the comparison of two versions of
a document when two people edit it at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Vitam's identifiers are free text; SAM restricts the ones it creates to a safe, URL-friendly shape.
IDENTIFIER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
# PRONOM identifiers: fmt/123, x-fmt/263.
PUID_RE = re.compile(r"(x-)?fmt/[0-9]+")

STATUSES = ("ACTIVE", "INACTIVE")
DATA_OBJECT_VERSIONS = ("BinaryMaster", "Dissemination", "Thumbnail", "TextContent", "PhysicalMaster")
RULE_CATEGORIES = (
    "AccessRule", "AppraisalRule", "StorageRule", "DisseminationRule", "ClassificationRule", "ReuseRule", "HoldRule",
)
CHECK_PARENT_LINKS = ("AUTHORIZED", "REQUIRED", "UNAUTHORIZED")
PROFILE_FORMATS = ("XSD", "RNG")

# Labels archivists read (English msgids, French catalogue later).
FIELD_LABELS = {
    "Identifier": gettext_lazy("Identifier"),
    "Name": gettext_lazy("Name"),
    "Description": gettext_lazy("Description"),
    "Status": gettext_lazy("Status"),
    "ArchiveProfiles": gettext_lazy("Archival profiles"),
    "CheckParentLink": gettext_lazy("Attachment to a holding or filing unit"),
    "LinkParentId": gettext_lazy("Attach every deposit under"),
    "CheckParentId": gettext_lazy("Deposits may be attached only under"),
    "MasterMandatory": gettext_lazy("Original (master copy) mandatory"),
    "EveryDataObjectVersion": gettext_lazy("Every data object version"),
    "DataObjectVersion": gettext_lazy("Data object versions"),
    "EveryFormatType": gettext_lazy("Every file format"),
    "FormatType": gettext_lazy("Allowed file formats (PRONOM)"),
    "FormatUnidentifiedAuthorized": gettext_lazy("Unidentified formats accepted"),
    "ComputeInheritedRulesAtIngest": gettext_lazy("Compute inherited rules at ingest"),
    "EveryOriginatingAgency": gettext_lazy("Every originating agency"),
    "OriginatingAgencies": gettext_lazy("Allowed originating agencies"),
    "RootUnits": gettext_lazy("Root units (only these branches)"),
    "ExcludedRootUnits": gettext_lazy("Excluded root units"),
    "WritingPermission": gettext_lazy("Writing permission"),
    "WritingRestrictedDesc": gettext_lazy("Writing limited to descriptive metadata"),
    "AccessLog": gettext_lazy("Access log"),
    "RuleCategoryToFilter": gettext_lazy("Hide archives whose rule still runs"),
    "Format": gettext_lazy("File format"),
    "Path": gettext_lazy("File"),
}

# Labels of Vitam's enumerated values, for forms and detail pages.
VALUE_LABELS = {
    "CheckParentLink": {
        "AUTHORIZED": gettext_lazy("Authorised: a deposit may be attached under a unit of the trees"),
        "REQUIRED": gettext_lazy("Required: every deposit must be attached under a unit of the trees"),
        "UNAUTHORIZED": gettext_lazy("Forbidden: deposits may not be attached"),
    },
    "DataObjectVersion": {
        "BinaryMaster": gettext_lazy("Original (master copy)"),
        "Dissemination": gettext_lazy("Dissemination copy"),
        "Thumbnail": gettext_lazy("Thumbnail"),
        "TextContent": gettext_lazy("Text content"),
        "PhysicalMaster": gettext_lazy("Physical original"),
    },
    "RuleCategoryToFilter": {
        "AccessRule": gettext_lazy("Access (communicability)"),
        "AppraisalRule": gettext_lazy("Appraisal (DUA)"),
        "StorageRule": gettext_lazy("Storage"),
        "DisseminationRule": gettext_lazy("Dissemination"),
        "ClassificationRule": gettext_lazy("Classification"),
        "ReuseRule": gettext_lazy("Reuse"),
        "HoldRule": gettext_lazy("Hold"),
    },
    "AccessLog": {"ACTIVE": gettext_lazy("Active"), "INACTIVE": gettext_lazy("Inactive")},
}


@dataclass(frozen=True)
class ContractKind:
    """Ingest or access contracts: which client methods, which editable fields, which defaults."""

    slug: str  # "ingest" | "access": URL part and audit action prefix
    label: str
    plural: str
    fields: tuple[str, ...]  # Vitam fields edited through SAM (besides Identifier)
    list_fields: tuple[str, ...]  # Vitam fields that hold a list
    bool_fields: tuple[str, ...]
    tenant_fields: tuple[tuple[str, str], ...]  # Tenant attribute -> what stops working when inactive

    def import_documents(self, client, documents):
        return getattr(client, f"import_{self.slug}_contracts")(documents)

    def update(self, client, identifier, set_fields, unset_fields):
        return getattr(client, f"update_{self.slug}_contract")(identifier, set_fields, unset_fields)

    def search(self, client, query):
        return getattr(client, f"search_{self.slug}_contracts")(query)

    def get(self, client, identifier):
        return getattr(client, f"get_{self.slug}_contract")(identifier)

    @property
    def url_prefix(self) -> str:
        return f"{self.slug}_contract"


INGEST = ContractKind(
    slug="ingest",
    label=gettext_lazy("ingest contract"),
    plural=gettext_lazy("Ingest contracts"),
    fields=("Name", "Description", "Status", "ArchiveProfiles", "CheckParentLink", "LinkParentId", "CheckParentId",
            "MasterMandatory", "EveryDataObjectVersion", "DataObjectVersion", "EveryFormatType", "FormatType",
            "FormatUnidentifiedAuthorized", "ComputeInheritedRulesAtIngest"),
    list_fields=("ArchiveProfiles", "CheckParentId", "DataObjectVersion", "FormatType"),
    bool_fields=("MasterMandatory", "EveryDataObjectVersion", "EveryFormatType", "FormatUnidentifiedAuthorized",
                 "ComputeInheritedRulesAtIngest"),
    tenant_fields=(("ingest_contract", gettext_lazy("Deposits of this tenant are refused by the archive system.")),),
)

ACCESS = ContractKind(
    slug="access",
    label=gettext_lazy("access contract"),
    plural=gettext_lazy("Access contracts"),
    fields=("Name", "Description", "Status", "EveryOriginatingAgency", "OriginatingAgencies", "RootUnits",
            "ExcludedRootUnits", "WritingPermission", "WritingRestrictedDesc", "EveryDataObjectVersion",
            "DataObjectVersion", "AccessLog", "RuleCategoryToFilter"),
    list_fields=("OriginatingAgencies", "RootUnits", "ExcludedRootUnits", "DataObjectVersion", "RuleCategoryToFilter"),
    bool_fields=("EveryOriginatingAgency", "WritingPermission", "WritingRestrictedDesc", "EveryDataObjectVersion"),
    tenant_fields=(
        ("access_contract", gettext_lazy(
            "Archivists of this tenant can no longer search, consult, eliminate or see the holdings register.")),
        ("researcher_access_contract", gettext_lazy("Researchers of this tenant can no longer consult archives.")),
    ),
)

KINDS = {"ingest": INGEST, "access": ACCESS}
PROFILE_FIELDS = ("Name", "Description", "Status")


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def editable(kind_fields, document: dict) -> dict:
    """The editable part of a Vitam document, with Vitam's defaults made explicit for comparison."""
    return {name: normalised(document.get(name)) for name in kind_fields}


def normalised(value):
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        return sorted(str(item) for item in value)
    return value


def differences(fields, before: dict, after: dict) -> list[tuple[str, object, object]]:
    """(field label, value before, value after) for each editable field that differs."""
    changed = []
    for name in fields:
        old, new = normalised(before.get(name)), normalised(after.get(name))
        if old != new:
            changed.append((field_label(name), display_value(old), display_value(new)))
    return changed


def display_value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def check_identifier(identifier: str) -> str:
    identifier = (identifier or "").strip()
    if identifier.lower() == "new":  # the address of the creation form
        raise ValidationError({"identifier": _("This identifier is reserved. Choose another one or leave it empty.")})
    if identifier and not IDENTIFIER_RE.fullmatch(identifier):
        raise ValidationError({"identifier": _(
            "The identifier may contain only letters, digits, dots, dashes and underscores (100 characters at most), "
            "and must start with a letter or a digit."
        )})
    return identifier


def split_formats(text: str) -> list[str]:
    """PRONOM identifiers typed in a text area: separated by commas, semicolons, spaces or lines."""
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


def check_ingest(values: dict) -> None:
    """Vitam's rules for an ingest contract, checked before sending, with French messages per field."""
    errors = {}
    formats = values.get("FormatType") or []
    bad = [puid for puid in formats if not PUID_RE.fullmatch(puid)]
    if bad:
        errors["FormatType"] = _("Unknown PRONOM format identifier(s): %(formats)s (expected fmt/123 or x-fmt/123).") % {
            "formats": ", ".join(bad)}
    elif values.get("EveryFormatType") and formats:
        errors["FormatType"] = _("Leave the list of formats empty when every format is accepted.")
    elif not values.get("EveryFormatType") and not formats:
        errors["FormatType"] = _("Give at least one format, or accept every format.")
    if values.get("EveryDataObjectVersion") and values.get("DataObjectVersion"):
        errors["DataObjectVersion"] = _("Leave the versions empty when every data object version is accepted.")
    if values.get("CheckParentLink") == "UNAUTHORIZED" and (values.get("LinkParentId") or values.get("CheckParentId")):
        errors["CheckParentLink"] = _(
            "Attachment is forbidden: remove the attachment unit and the allowed attachment units, "
            "or authorise attachment."
        )
    if errors:
        raise ValidationError(errors)


def check_access(values: dict) -> None:
    errors = {}
    if values.get("EveryOriginatingAgency") and values.get("OriginatingAgencies"):
        errors["OriginatingAgencies"] = _("Leave the agencies empty when every originating agency is allowed.")
    both = sorted(set(values.get("RootUnits") or ()) & set(values.get("ExcludedRootUnits") or ()))
    if both:
        errors["ExcludedRootUnits"] = _("These units are both root units and excluded root units: %(units)s.") % {
            "units": ", ".join(both)}
    if values.get("WritingRestrictedDesc") and not values.get("WritingPermission"):
        errors["WritingRestrictedDesc"] = _("Limiting writing to descriptive metadata needs the writing permission.")
    if values.get("EveryDataObjectVersion") and values.get("DataObjectVersion"):
        errors["DataObjectVersion"] = _("Leave the versions empty when every data object version is allowed.")
    if errors:
        raise ValidationError(errors)


CHECKS = {"ingest": check_ingest, "access": check_access}
