"""JSON referentials (contracts, archival profiles, security profiles, contexts): import, update, read.

Each kind is described by a Spec (fields and their types from Vitam's json-schemas, mandatory fields,
defaults, logbook event types, identifier prefix, cross-referential checks). An import is a JSON array,
validated as a whole: one bad document and nothing is written (400, logbook `<EV>.<REASON>.KO`).
An update is an UPDATE_BY_ID DSL ({"$action":[{"$set":{...}},{"$unset":[...]}]}) applied then re-validated.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from vitamlite import logbook
from vitamlite.referentials import store as ref_store

# Field types: "string", "boolean", "integer", "object", "date", ("enum", values), ("array", item_type).
STRING, BOOLEAN, INTEGER, OBJECT, DATE = "string", "boolean", "integer", "object", "date"
STATUS = ("enum", ("ACTIVE", "INACTIVE"))
STRING_LIST = ("array", STRING)

# Database field names of Vitam's stored form: silently ignored on import, as Vitam's models ignore them.
DB_FIELDS = frozenset({"_id", "_tenant", "_v", "_av", "_seqOpi"})
# Fields vitam-lite maintains itself; a client may not set them.
SYSTEM_FIELDS = frozenset({"#id", "#tenant", "#version", "CreationDate", "LastUpdate"})

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FRENCH_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


# Vitam's collection names in vitam_tenants_usage_external (SequenceType) for the kinds of this module.
EXTERNAL_IDENTIFIER_COLLECTIONS = {
    "ingest_contracts": "INGEST_CONTRACT", "access_contracts": "ACCESS_CONTRACT",
    "management_contracts": "MANAGEMENT_CONTRACT", "archive_unit_profiles": "ARCHIVE_UNIT_PROFILE",
    "profiles": "PROFILE", "security_profiles": "SECURITY_PROFILE", "contexts": "CONTEXT",
}
# Vitam's default deployment (deployment/environments/group_vars/all/main/main.yml, vitam_tenants_usage_external):
# on these tenants, these collections take the client's identifiers ("slave mode") instead of generating them.
VITAM_DEPLOYMENT_EXTERNAL_IDENTIFIERS = (
    "0:INGEST_CONTRACT,ACCESS_CONTRACT,MANAGEMENT_CONTRACT,ARCHIVE_UNIT_PROFILE;"
    "1:INGEST_CONTRACT,ACCESS_CONTRACT,MANAGEMENT_CONTRACT,PROFILE,SECURITY_PROFILE,CONTEXT"
)


def parse_external_identifiers(spec: str | None) -> dict[int, frozenset[str]]:
    """"0:INGEST_CONTRACT,PROFILE;1:CONTEXT" → {0: {...}, 1: {...}}; ValueError on an unknown collection."""
    known = set(EXTERNAL_IDENTIFIER_COLLECTIONS.values())
    parsed = {}
    for part in (spec or "").split(";"):
        if not part.strip():
            continue
        tenant, _, collections = part.partition(":")
        names = frozenset(name.strip() for name in collections.split(",") if name.strip())
        if names - known:
            raise ValueError(f"unknown collection(s) {', '.join(sorted(names - known))}")
        parsed[int(tenant)] = names
    return parsed


def identifier_required(external_identifiers: dict, tenant: int, spec: "Spec") -> bool:
    """Does this tenant take the client's identifiers for this kind (Vitam's slave mode)?"""
    return EXTERNAL_IDENTIFIER_COLLECTIONS.get(spec.kind) in external_identifiers.get(tenant, ())


class Rejected(Exception):
    """A document breaks a rule: `reason` is the Vitam sub-code (IDENTIFIER_DUPLICATION...), text in Vitam's
    wording where its service has one (contracts), else in French."""

    def __init__(self, reason: str, description: str, *, status: int = 400):
        super().__init__(description)
        self.reason = reason
        self.description = description
        self.status = status


@dataclass
class Spec:
    kind: str  # referentials table kind
    label: str  # French, for messages: "contrat d'accès"
    import_event: str
    update_event: str
    identifier_prefix: str
    fields: dict
    mandatory: tuple = ("Name",)
    defaults: dict = field(default_factory=dict)
    check_key: str = "check"  # evDetData key of the failure details (Vitam: "accessContractCheck")
    service_label: str = "Referential"  # VitamError message prefix: "<label> service error"
    platform_wide: bool = False  # stored under the admin tenant (contexts, security profiles)
    activation_dates: bool = True  # ActivationDate/DeactivationDate follow Status
    dates: bool = True  # CreationDate/LastUpdate maintained (security profiles have none)
    # Cross-referential checks: fn(db, tenant, doc, *, creating) raising Rejected or returning warnings.
    references: list[Callable] = field(default_factory=list)
    # Fields that cannot be changed by an update.
    frozen: tuple = ("Identifier",)
    # evDetData key of a refusal by reason (Vitam's ContractLogbookService); other reasons use check_key.
    detail_keys: dict = field(default_factory=dict)
    # Refusal texts, formatted with label, identifier, field: Vitam's own wording where its service has one.
    duplicate_text: str = "{label} « {identifier} » : l'identifiant est déjà utilisé."
    mandatory_text: str = "{label} « {identifier} » : le champ obligatoire {field} est vide."
    # Fields an import may leave to their default but an update may not remove (Vitam's schema "required").
    kept: tuple = ()
    # Text shown in a 404 for an unknown identifier (update).
    not_found_reason: str = "CONTRACT_NOT_FOUND"


def register_spec_messages(spec: Spec, *, noun: str, import_messages: dict, update_messages: dict) -> None:
    """French outMessg of the spec's events: {"OK": ..., "KO": ..., "<REASON>": ...} for import and update.

    `noun` with its article ("du contrat d'accès") names the process in STARTED lines."""
    logbook.register_messages(labels={
        spec.import_event: f"processus d'import {noun}",
        spec.update_event: f"processus de mise à jour {noun}",
    })
    messages = {}
    for event, table in ((spec.import_event, import_messages), (spec.update_event, update_messages)):
        for key, text in table.items():
            messages[f"{event}.{key}" if key in ("OK", "KO", "WARNING", "FATAL") else f"{event}.{key}.KO"] = text
    logbook.register_messages(messages=messages)


def _refusal_details(spec: Spec, exc: Rejected) -> str:
    return logbook.jackson_pretty({spec.detail_keys.get(exc.reason, spec.check_key): exc.description})


def now_iso() -> str:
    return ref_store.now_iso()


def normalise_date(value, field_name: str, label: str, name: str) -> str:
    """Vitam accepts ISO dates and, from its historical fixtures, dd/MM/yyyy (stored as ISO at midnight)."""
    if not isinstance(value, str) or not value.strip():
        raise Rejected("VALIDATION_ERROR", f"{label} « {name} » : la date {field_name} est vide ou n'est pas un texte.")
    value = value.strip()
    french = _FRENCH_DATE.fullmatch(value)
    try:
        if french:
            day, month, year = (int(part) for part in french.groups())
            return dt.datetime(year, month, day).isoformat(timespec="minutes")
        if _ISO_DATE.fullmatch(value):
            dt.date.fromisoformat(value)
            return value
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value
    except ValueError:
        raise Rejected(
            "VALIDATION_ERROR",
            f"{label} « {name} » : la date {field_name} « {value} » n'est pas valide (AAAA-MM-JJ ou JJ/MM/AAAA).",
        ) from None


def _check_type(value, expected, field_name: str, label: str, name: str) -> None:
    def fail(what: str):
        reason = "NOT_IN_ENUM" if isinstance(expected, tuple) and expected[0] == "enum" else "VALIDATION_ERROR"
        raise Rejected(reason, f"{label} « {name} » : le champ {field_name} {what}.")

    if expected == STRING and not isinstance(value, str):
        fail("doit être un texte")
    elif expected == BOOLEAN and not isinstance(value, bool):
        fail("doit valoir true ou false")
    elif expected == INTEGER and (isinstance(value, bool) or not isinstance(value, int)):
        fail("doit être un entier")
    elif expected == OBJECT and not isinstance(value, dict):
        fail("doit être un objet JSON")
    elif isinstance(expected, tuple) and expected[0] == "enum":
        if value not in expected[1]:
            fail(f"vaut « {value} » au lieu de l'une des valeurs {', '.join(expected[1])}")
    elif isinstance(expected, tuple) and expected[0] == "array":
        if not isinstance(value, list):
            fail("doit être une liste")
        for item in value:
            _check_type(item, expected[1], field_name, label, name)


def validate_shape(spec: Spec, doc: dict, warnings: list | None = None) -> dict:
    """Types, enums, mandatory fields and date formats of one document; returns the normalised document.

    Unknown fields are dropped, as Vitam's models ignore them (its own fixtures carry some), and reported
    in `warnings` when given, else refused.
    """
    name = doc.get("Identifier") or doc.get("Name") or "?"
    name = name if isinstance(name, str) else "?"
    unknown = sorted(key for key in doc if key not in DB_FIELDS and key not in SYSTEM_FIELDS
                     and not key.startswith("#") and key not in spec.fields)
    if unknown and warnings is None:
        raise Rejected("VALIDATION_ERROR", f"{spec.label} « {name} » : champ(s) inconnu(s) {', '.join(unknown)}.")
    if unknown:
        warnings.append(f"{spec.label} « {name} » : champ(s) ignoré(s) {', '.join(unknown)}")
    for key in spec.mandatory:
        value = doc.get(key)
        if value is None or (isinstance(value, str) and not value.strip()) or value == []:
            raise Rejected("EMPTY_REQUIRED_FIELD",
                           spec.mandatory_text.format(label=spec.label, identifier=name, field=key))
    normalised = {}
    for key, value in doc.items():
        if key in DB_FIELDS or key.startswith("#") or key in unknown:
            continue
        expected = spec.fields.get(key)
        if expected == DATE:
            if value is None:
                continue
            normalised[key] = normalise_date(value, key, spec.label, name)
            continue
        if value is None:
            continue
        _check_type(value, expected, key, spec.label, name)
        normalised[key] = value
    return normalised


def _complete(spec: Spec, doc: dict, *, previous: dict | None) -> dict:
    """Defaults and Vitam-maintained dates (creation, last update, activation/deactivation on Status)."""
    now = now_iso()
    for key, value in spec.defaults.items():
        doc.setdefault(key, value() if callable(value) else value)
    if not spec.dates:
        return doc
    if previous is None:
        doc["CreationDate"] = doc.get("CreationDate") or now
    else:
        doc["CreationDate"] = previous.get("CreationDate", now)
    doc["LastUpdate"] = now
    if spec.activation_dates and "Status" in doc:
        status_changed = previous is None or previous.get("Status") != doc["Status"]
        if doc["Status"] == "ACTIVE" and status_changed and (previous is not None or not doc.get("ActivationDate")):
            doc["ActivationDate"] = now
        if doc["Status"] == "INACTIVE" and status_changed and (previous is not None or not doc.get("DeactivationDate")):
            doc["DeactivationDate"] = now
    return doc


def prepare_import(db, spec: Spec, tenant: int, documents, warnings: list | None = None, *,
                   identifier_required: bool = False) -> list[dict]:
    """Validated, completed documents ready to store; Rejected on the first problem (nothing is written).

    Non-blocking findings are appended to `warnings` (French sentences). With `identifier_required` (Vitam's
    slave mode) a document without Identifier is EMPTY_REQUIRED_FIELD (checkEmptyIdentifierSlaveModeValidator)."""
    warnings = [] if warnings is None else warnings
    if not isinstance(documents, list) or not documents:
        raise Rejected("VALIDATION_ERROR", f"Le corps de la requête doit être une liste JSON non vide ({spec.label} : "
                       "un objet par élément).")
    seen: set[str] = set()
    prepared = []
    for position, raw in enumerate(documents, start=1):
        if not isinstance(raw, dict):
            raise Rejected("VALIDATION_ERROR", f"L'élément n° {position} n'est pas un objet JSON.")
        if raw.get("#id") is not None:
            raise Rejected("VALIDATION_ERROR", f"Id must be null when creating contracts ({raw.get('Name')})")
        doc = validate_shape(spec, raw, warnings)
        identifier = doc.get("Identifier")
        if (identifier is not None and not identifier.strip()) or (identifier is None and identifier_required):
            raise Rejected("EMPTY_REQUIRED_FIELD", f"{spec.label} n° {position} : l'identifiant est vide.")
        if identifier is None:
            identifier = None  # generated below, once the whole batch is valid
        elif identifier in seen or ref_store.exists(db, tenant, spec.kind, identifier):
            raise Rejected("IDENTIFIER_DUPLICATION",
                           spec.duplicate_text.format(label=spec.label, identifier=identifier, field="Identifier"))
        if identifier:
            seen.add(identifier)
        for check in spec.references:
            warnings.extend(check(db, tenant, doc, creating=True))
        prepared.append(_complete(spec, doc, previous=None))
    for doc in prepared:
        if not doc.get("Identifier"):
            # Skip numbers taken by identifiers given explicitly (e.g. "AC-000001" in Vitam's fixtures).
            while True:
                candidate = ref_store.next_identifier(db, tenant, spec.kind, spec.identifier_prefix)
                if candidate not in seen and not ref_store.exists(db, tenant, spec.kind, candidate):
                    break
            doc["Identifier"] = candidate
            seen.add(candidate)
    return prepared


def import_documents(db, spec: Spec, tenant: int, documents, *, operation_id: str, application_id=None,
                     identifier_required: bool = False) -> list[dict]:
    """Import with logbook (<import_event> STARTED then OK or <REASON>.KO); Rejected is re-raised after logging."""
    logbook.start(db, tenant=tenant, ev_type=spec.import_event, ev_type_proc="MASTERDATA",
                  operation_id=operation_id, application_id=application_id)
    warnings: list[str] = []
    try:
        prepared = prepare_import(db, spec, tenant, documents, warnings, identifier_required=identifier_required)
    except Rejected as exc:
        logbook.finish(db, operation_id, "KO", detail=f"{spec.import_event}.{exc.reason}.KO",
                       data=_refusal_details(spec, exc))
        raise
    stored = ref_store.put_many(db, tenant, spec.kind, prepared)
    if warnings:
        logbook.finish(db, operation_id, "WARNING", data={spec.check_key: " ; ".join(warnings)})
    else:
        logbook.finish(db, operation_id, "OK")
    return stored


def apply_update_dsl(doc: dict, query, spec: Spec) -> dict:
    """Apply {"$action":[{"$set":{..}},{"$unset":[..]}]} to a copy of the document."""
    if not isinstance(query, dict) or not isinstance(query.get("$action"), list) or not query["$action"]:
        raise Rejected("BAD_REQUEST", "La requête de mise à jour doit contenir une liste $action non vide.")
    updated = dict(doc)
    name = doc.get("Identifier", "?")
    for action in query["$action"]:
        if not isinstance(action, dict) or len(action) != 1:
            raise Rejected("BAD_REQUEST", "Chaque élément de $action doit contenir exactement une opération.")
        (operator, argument), = action.items()
        if operator == "$set" and isinstance(argument, dict):
            targets = argument.items()
        elif operator == "$unset" and isinstance(argument, list):
            targets = [(key, None) for key in argument]
        else:
            raise Rejected("BAD_REQUEST", f"Opération de mise à jour non prise en charge : {operator}.")
        for key, value in targets:
            if not isinstance(key, str) or key in SYSTEM_FIELDS or key.startswith("#") or key.startswith("_") \
                    or key in spec.frozen:
                raise Rejected("BAD_REQUEST", f"{spec.label} « {name} » : le champ {key} ne peut pas être modifié.")
            if key not in spec.fields:
                raise Rejected("BAD_REQUEST", f"{spec.label} « {name} » : champ inconnu {key}.")
            if value is None and key in spec.kept:
                # Vitam: the stored document fails its schema validation, hence CONTRACT_BAD_REQUEST.
                raise Rejected("BAD_REQUEST",
                               f"{spec.label} « {name} » : le champ obligatoire {key} ne peut pas être supprimé.")
            if value is None:
                updated.pop(key, None)
            else:
                updated[key] = value
    return updated


def update_document(db, spec: Spec, tenant: int, identifier: str, query, *, operation_id: str,
                    application_id=None) -> dict:
    """Update with logbook (<update_event>); Rejected (404 for an unknown identifier) re-raised after logging."""
    logbook.start(db, tenant=tenant, ev_type=spec.update_event, ev_type_proc="MASTERDATA",
                  operation_id=operation_id, application_id=application_id)
    try:
        previous = ref_store.get(db, tenant, spec.kind, identifier)
        if previous is None:
            raise Rejected(spec.not_found_reason, f"{spec.label} « {identifier} » introuvable.", status=404)
        updated = apply_update_dsl(previous, query, spec)
        doc = validate_shape(spec, {key: value for key, value in updated.items() if key not in SYSTEM_FIELDS})
        for check in spec.references:
            check(db, tenant, doc, creating=False)
        doc = _complete(spec, doc, previous=previous)
    except Rejected as exc:
        logbook.finish(db, operation_id, "KO", detail=f"{spec.update_event}.{exc.reason}.KO",
                       data=_refusal_details(spec, exc))
        raise
    stored = ref_store.put(db, tenant, spec.kind, doc)
    changed = sorted(key for key in set(previous) | set(stored)
                     if key not in SYSTEM_FIELDS and key not in ("#version", "ActivationDate", "DeactivationDate")
                     and previous.get(key) != stored.get(key))
    logbook.finish(db, operation_id, "OK", data={"updatedFields": changed})
    return stored
