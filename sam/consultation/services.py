"""Actions of search and consultation: CSV export, binary downloads, evidence files, saved searches.

Downloads go through a temporary file on disk (never whole in memory) and are streamed to the browser.
"""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sam.consultation import selectors
from sam.consultation.forms import SEARCH_FIELDS, plain_values
from sam.consultation.models import SavedSearch
from sam.consultation.seda_labels import RULE_CATEGORIES, level_label
from sam.lib.csv_export import csv_lines
from sam.vitam.errors import VitamVersionConflict
from tenants.audit import VitamTarget, audit_record

# Previews get their own strict policy: nothing runs, nothing loads from elsewhere.
PREVIEW_CSP = {
    "application/pdf": "default-src 'none'; object-src 'self'; img-src 'self'",
}
DEFAULT_PREVIEW_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def _rules(unit, category):
    return ((unit.get("#management") or {}).get(category) or {}).get("Rules") or []


# Export columns: key → (header, value of a unit). Headers are English msgids (French in the catalogue).
EXPORT_COLUMNS = {
    "id": (gettext_lazy("Identifier"), lambda u: u.get("#id", "")),
    "title": (gettext_lazy("Title"), lambda u: u.get("Title", "")),
    "description": (gettext_lazy("Description"), lambda u: u.get("Description", "")),
    "level": (gettext_lazy("Description level"), lambda u: level_label(u.get("DescriptionLevel", ""))),
    "start": (gettext_lazy("Start date"), lambda u: u.get("StartDate", "")),
    "end": (gettext_lazy("End date"), lambda u: u.get("EndDate", "")),
    "agency": (gettext_lazy("Producing service"), lambda u: u.get("#originating_agency", "")),
    "call_number": (gettext_lazy("Call number"), lambda u: u.get("ArchivalAgencyArchiveUnitIdentifier", "")),
    "parent": (gettext_lazy("Parent unit"), lambda u: ((u.get("#unitups") or [""])[0])),
    "operation": (gettext_lazy("Deposit operation"), lambda u: u.get("#opi", "")),
    "appraisal_rule": (gettext_lazy("Appraisal rule (DUA)"),
                       lambda u: " ".join(r.get("Rule", "") for r in _rules(u, "AppraisalRule"))),
    "appraisal_end": (gettext_lazy("DUA end date"),
                      lambda u: max((r.get("EndDate") or "" for r in _rules(u, "AppraisalRule")), default="")),
    "final_action": (gettext_lazy("Final action"),
                     lambda u: ((u.get("#management") or {}).get("AppraisalRule") or {}).get("FinalAction", "")),
    "access_end": (gettext_lazy("Communicable from"),
                   lambda u: max((r.get("EndDate") or "" for r in _rules(u, "AccessRule")), default="")),
    "has_objects": (gettext_lazy("Has objects"), lambda u: "1" if u.get("#object") else "0"),
}
DEFAULT_EXPORT_COLUMNS = ("id", "title", "level", "start", "end", "agency")
EXPORT_FIELDS = ("#id", "Title", "Description", "DescriptionLevel", "StartDate", "EndDate", "#originating_agency",
                 "ArchivalAgencyArchiveUnitIdentifier", "#unitups", "#opi", "#management", "#object")
# The unit fields each column reads: Vitam sends only those of the chosen columns.
EXPORT_COLUMN_FIELDS = {
    "id": ("#id",), "title": ("Title",), "description": ("Description",), "level": ("DescriptionLevel",),
    "start": ("StartDate",), "end": ("EndDate",), "agency": ("#originating_agency",),
    "call_number": ("ArchivalAgencyArchiveUnitIdentifier",), "parent": ("#unitups",), "operation": ("#opi",),
    # Vitam projects internal fields as a whole (#management, not its sub-fields).
    "appraisal_rule": ("#management",), "appraisal_end": ("#management",), "final_action": ("#management",),
    "access_end": ("#management",),
    "has_objects": ("#object",),
}


@dataclass
class CsvExport:
    total: int
    rows: object  # iterator of CSV lines (str)


def export_csv(*, user, tenant, criteria: dict, columns) -> CsvExport:
    """RFC 4180 CSV (CRLF, quotes doubled), UTF-8 with BOM, of every result (Vitam's stream: no window)."""
    columns = [column for column in columns if column in EXPORT_COLUMNS] or list(DEFAULT_EXPORT_COLUMNS)
    fields = list(dict.fromkeys(field for column in columns for field in EXPORT_COLUMN_FIELDS[column]))
    total, units = selectors.units_for_export(tenant, criteria, user=user, fields=fields)
    getters = [EXPORT_COLUMNS[column][1] for column in columns]

    def rows():
        labels: dict = {}  # translated labels (lazy strings) resolved once per export, not once per cell
        for unit in units:
            cells = []
            for getter in getters:
                value = getter(unit)
                if value is not None and not isinstance(value, str):
                    known = labels.get(id(value))
                    if known is None or known[0] is not value:
                        known = labels[id(value)] = (value, str(value))
                    value = known[1]
                cells.append(value)
            yield cells

    header = [str(EXPORT_COLUMNS[column][0]) for column in columns]
    return CsvExport(total=total, rows=csv_lines(header, rows()))


# --- binaries ---------------------------------------------------------------------------------------


@dataclass
class Binary:
    file: object  # an open temporary file, positioned at 0
    size: int
    filename: str
    content_type: str
    disposition: str  # inline | attachment
    csp: str = ""


def fetch_object(*, user, tenant, unit_id: str, usage: str, version: int, preview: bool = False) -> Binary:
    """Copy one binary from Vitam into a temporary file (disk, not memory) ready to stream.

    Raises Http404 for a unit or version the contract hides, VitamUnauthorized (401) for a usage the
    contract does not allow."""
    unit = selectors.get_unit(tenant, unit_id, user=user)
    described = selectors.find_object_version(tenant, unit, usage, version, user=user)
    client = selectors.client_for(tenant, user=user)
    temporary = tempfile.TemporaryFile(prefix="sam-object-")
    try:
        result = client.download_object(unit_id, usage, version, temporary)
    except BaseException:
        temporary.close()
        raise
    temporary.seek(0)
    content_type = selectors.PREVIEW_TYPES.get(described.mime_type) if preview else None
    filename = described.filename or result.filename or f"{unit_id}-{usage}-{version}"
    if content_type:
        return Binary(temporary, result.size, filename, content_type, "inline",
                      PREVIEW_CSP.get(described.mime_type, DEFAULT_PREVIEW_CSP))
    return Binary(temporary, result.size, filename, "application/octet-stream", "attachment")


def download_atr(*, user, tenant, operation_id: str) -> Binary:
    client = selectors.client_for(tenant, user=user)
    temporary = tempfile.TemporaryFile(prefix="sam-atr-")
    try:
        result = client.download_atr(operation_id, temporary)
    except BaseException:
        temporary.close()
        raise
    temporary.seek(0)
    return Binary(temporary, result.size, f"ATR-{operation_id}.xml", "application/xml", "attachment")


def download_report(*, user, tenant, operation: dict) -> Binary:
    """The report Vitam keeps for an operation: the rules import report (JSON) or a batch report
    (JSON lines: elimination, mass update...)."""
    client = selectors.client_for(tenant, user=user)
    operation_id = operation["id"]
    temporary = tempfile.TemporaryFile(prefix="sam-report-")
    try:
        if "RULES" in operation.get("evType", ""):
            temporary.write(json.dumps(client.rules_report(operation_id), ensure_ascii=False, indent=2).encode())
            name, content_type = f"rapport-{operation_id}.json", "application/json"
        else:
            client.batch_report(operation_id, temporary)
            name, content_type = f"rapport-{operation_id}.jsonl", "application/x-ndjson"
    except BaseException:
        temporary.close()
        raise
    size = temporary.tell()
    temporary.seek(0)
    return Binary(temporary, size, name, content_type, "attachment")


@dataclass
class Evidence:
    content: bytes
    sha512: str
    filename: str

    @property
    def digest_header(self) -> str:
        return "sha-512=" + base64.b64encode(bytes.fromhex(self.sha512)).decode()


def operation_evidence(*, tenant, operation_id: str, actor) -> Evidence:
    """Journal de preuve: the logbook operation with all its events, as Vitam returned it, in a JSON file
    whose own SHA-512 is given alongside (header, page) so a copy can be checked later. The operation part
    carries its own SHA-512 too (canonical JSON), to check it against Vitam's logbook again."""
    operation = selectors.client_for(tenant, user=actor).get_operation(operation_id)
    canonical = json.dumps(operation, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    document = {
        "format": "SAM journal de preuve 1",
        "generated_at": timezone.now().isoformat(),
        "generated_by": actor.get_username(),
        "organisation": tenant.organisation.name,
        "vitam_tenant": tenant.vitam_id,
        "operation_id": operation_id,
        "operation_sha512": hashlib.sha512(canonical).hexdigest(),
        "canonicalisation": "JSON, keys sorted, no spaces, UTF-8",
        "operation": operation,
    }
    content = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode()
    return Evidence(content, hashlib.sha512(content).hexdigest(), f"journal-de-preuve-{operation_id}.json")


# --- the consultation record ------------------------------------------------------------------------


def consultation_record(*, request, tenant, action: str, unit_id: str = "", title: str = "",
                        details: dict | None = None) -> None:
    """One audit entry for a consultation of archives: one INSERT, nothing read (the tenant's ids only).

    Unit pages, object downloads and previews, exports and operation documents are each recorded. A
    result list is a search, not a consultation of each unit it lists: the query is recorded once
    (first page), so a search costs one entry however many units it shows.
    """
    audit_record(actor=request.user, action=action, tenant=tenant, request=request,
                 target=VitamTarget("unit", unit_id, title) if unit_id else None, after=details or None)


def search_record(*, request, tenant, query_dict, action: str = "consultation.search") -> None:
    """Records a search when it starts (its first page); paging through the same results is not a new search."""
    if str(query_dict.get("page") or "1") != "1":
        return
    criteria = {name: str(value)[:200] for name, value in search_parameters(query_dict).items()}
    consultation_record(request=request, tenant=tenant, action=action, details={"criteria": criteria})


# --- saved searches ---------------------------------------------------------------------------------


def search_parameters(query_dict) -> dict:
    """The search form's parameters of a GET query (nothing else is kept)."""
    return {name: query_dict.get(name) for name in SEARCH_FIELDS if query_dict.get(name)}


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the search a name.")})
    if len(name) > 200:
        raise ValidationError({"name": _("The name must not exceed 200 characters.")})
    return name


def saved_search_create(*, user, tenant, name: str, parameters: dict) -> SavedSearch:
    name = _clean_name(name)
    parameters = {key: str(value) for key, value in parameters.items() if key in SEARCH_FIELDS and value}
    try:
        with transaction.atomic():
            return SavedSearch.objects.create(user=user, tenant=tenant, name=name, parameters=parameters)
    except IntegrityError:
        raise ValidationError({"name": _("You already have a search named “%(name)s” here.") % {"name": name}})


def saved_search_rename(*, saved_search: SavedSearch, name: str) -> SavedSearch:
    saved_search.name = _clean_name(name)
    try:
        with transaction.atomic():
            saved_search.save(update_fields=["name", "updated_at"])
    except IntegrityError:
        raise ValidationError({"name": _("You already have a search named “%(name)s” here.") % {"name": name}})
    return saved_search


def saved_search_delete(*, saved_search: SavedSearch) -> None:
    saved_search.delete()


# --- editing a unit's description -------------------------------------------------------------------


class UnitEditConflict(Exception):
    """The unit changed since the form was opened: `unit` is what Vitam stores now."""

    def __init__(self, unit: dict):
        super().__init__(f"unit {unit.get('#id')} is now at version {unit.get('#version')}")
        self.unit = unit


# The form's own fields → the unit's field in Vitam (the rules and final actions go to #management).
UNIT_FIELDS = {"title": "Title", "description": "Description", "level": "DescriptionLevel",
               "start_date": "StartDate", "end_date": "EndDate"}
FINAL_ACTION_FIELDS = {"AppraisalRule": "appraisal_final_action", "StorageRule": "storage_final_action"}


def _final_actions_given(values: dict) -> None:
    errors = {}
    if values["rules"].get("AppraisalRule") and not values["appraisal_final_action"]:
        errors["appraisal_final_action"] = _("Choose the final action of the appraisal rules (DUA).")
    if values["rules"].get("StorageRule") and not values["storage_final_action"]:
        errors["storage_final_action"] = _("Choose the final action of the storage rules.")
    if errors:
        raise ValidationError(errors)


def _keywords(unit: dict, keywords: list[str]) -> list[dict]:
    """Vitam's Keyword list for these words, each kept keyword with its type."""
    known = {str(item.get("KeywordContent", "")).strip(): item for item in unit.get("Keyword") or []
             if isinstance(item, dict)}
    return [known.get(word) or {"KeywordContent": word} for word in keywords]


def _management_changes(unit: dict, old: dict, new: dict, set_fields: dict, unset_fields: list) -> None:
    management = unit.get("#management") or {}
    for category in RULE_CATEGORIES:
        final_action = FINAL_ACTION_FIELDS.get(category)
        if old["rules"].get(category, []) == new["rules"].get(category, []) and (
                not final_action or old[final_action] == new[final_action]):
            continue
        content = {key: value for key, value in (management.get(category) or {}).items() if key != "Rules"}
        existing = {rule.get("Rule"): rule for rule in (management.get(category) or {}).get("Rules") or []}
        rules = []
        for rule_id, start in new["rules"].get(category, []):
            # Other attributes of a kept rule (hold reason...) stay; Vitam computes the end date again.
            rule = {key: value for key, value in existing.get(rule_id, {}).items()
                    if key not in ("EndDate", "StartDate")}
            rule.update({"Rule": rule_id, **({"StartDate": start} if start else {})})
            rules.append(rule)
        if rules:
            content["Rules"] = rules
        if final_action:
            content.pop("FinalAction", None)
            if new[final_action]:
                content["FinalAction"] = new[final_action]
        if content:
            set_fields[f"#management.{category}"] = content
        else:
            unset_fields.append(f"#management.{category}")


def unit_changes(unit: dict, new: dict) -> tuple[dict, dict, dict, list]:
    """(before, after) of the changed form values and the ($set, $unset) that make them so in Vitam."""
    old = selectors.editable_values(unit)
    changed = [name for name in new if old.get(name) != new[name]]
    before = {name: old.get(name) for name in changed}
    after = {name: new[name] for name in changed}
    set_fields, unset_fields = {}, []
    for name, field_name in UNIT_FIELDS.items():
        if name in after:
            if after[name]:
                set_fields[field_name] = after[name]
            else:
                unset_fields.append(field_name)
    if "keywords" in after:
        if after["keywords"]:
            set_fields["Keyword"] = _keywords(unit, after["keywords"])
        else:
            unset_fields.append("Keyword")
    _management_changes(unit, old, new, set_fields, unset_fields)
    return before, after, set_fields, unset_fields


def unit_edit(*, request, tenant, unit_id: str, version: int, values: dict) -> dict:
    """Change a unit's description and own rules through Vitam's single-unit update, on top of `version`.

    Raises UnitEditConflict when the unit is no longer at that version (nothing is sent), ValidationError on a
    rule category without its final action, VitamError when Vitam refuses. Returns the changed values
    {name: new}; an audit entry keeps them with their former values."""
    _final_actions_given(values)
    client = selectors.client_for(tenant, user=request.user)
    current = client.get_unit(unit_id)
    if current.get("#version") != version:
        raise UnitEditConflict(current)
    before, after, set_fields, unset_fields = unit_changes(current, values)
    if not after:
        return {}
    try:
        client.update_unit(unit_id, set_fields, unset_fields, expected_version=version)
    except VitamVersionConflict:
        raise UnitEditConflict(client.get_unit(unit_id)) from None
    with transaction.atomic():
        audit_record(actor=request.user, action="consultation.unit_edit", tenant=tenant, request=request,
                     target=VitamTarget("unit", unit_id, values["title"]), before=before, after=after)
    return after


def merged_on_conflict(stored: dict, theirs: dict, opened: dict | None, rules: list[dict]) -> tuple[dict, list[dict]]:
    """Their input on top of what is stored now, and the rows to show, field by field.

    What they changed stays theirs; what they left as they found it takes the other editor's value. The rows
    are the fields the other editor changed. Without their starting point (`opened`), every differing field
    is a row and keeps their input."""
    stored, theirs = plain_values(stored), plain_values(theirs)
    labels = {rule["RuleId"]: rule.get("RuleValue", "") for rule in rules}
    stored_texts, their_texts = selectors.edit_texts(stored, labels), selectors.edit_texts(theirs, labels)
    merged, rows = dict(theirs), []
    for name, label in selectors.EDIT_LABELS.items():
        if stored[name] == theirs[name] or (opened is not None and stored[name] == opened.get(name)):
            continue  # nobody else changed it: their value simply stays
        kept_theirs = opened is None or theirs[name] != opened.get(name)
        if not kept_theirs:
            merged[name] = stored[name]
        rows.append({"label": label, "stored": stored_texts[name], "theirs": their_texts[name],
                     "kept_theirs": kept_theirs})
    return merged, rows
