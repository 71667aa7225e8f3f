"""Archive unit profiles (profils d'unité archivistique, "document types"): JSON documents whose ControlSchema,
a JSON schema written as a string, every archive unit naming the profile must satisfy.

As Vitam's ArchiveUnitProfileServiceImpl: Name is mandatory, the ControlSchema must be a valid JSON schema
(IMPORT_ARCHIVEUNITPROFILE.INVALID_JSON_SCHEMA.KO). The ingest check (CHECK_ARCHIVE_UNIT_PROFILE) is
`unit_profile_problem`, worded as metadata-core's UnitValidator.validateArchiveUnitProfile.
"""

from __future__ import annotations

import json

import jsonschema

from vitamlite import catalogue
from vitamlite.referentials import documents
from vitamlite.referentials import store as ref_store
from vitamlite.referentials.documents import DATE, STATUS, STRING, STRING_LIST, Rejected, Spec

IMPORT_EVENT = "IMPORT_ARCHIVEUNITPROFILE"
UPDATE_EVENT = "UPDATE_ARCHIVEUNITPROFILE"


def _control_schema(text) -> dict | None:
    """The ControlSchema as a JSON object, None when empty ("{}" or absent)."""
    if text is None:
        return None
    try:
        schema = json.loads(text) if isinstance(text, str) else text
    except ValueError as exc:
        raise Rejected("INVALID_JSON_SCHEMA", f"ControlSchema n'est pas un JSON valide : {exc}") from None
    if not isinstance(schema, dict):
        raise Rejected("INVALID_JSON_SCHEMA", "ControlSchema doit être un objet JSON.")
    return schema or None


def _check_control_schema(db, tenant: int, doc: dict, *, creating: bool) -> list[str]:
    schema = _control_schema(doc.get("ControlSchema"))
    if schema is not None:
        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise Rejected("INVALID_JSON_SCHEMA", f"ControlSchema n'est pas un schéma JSON valide : {exc.message}") from None
    return []


ARCHIVE_UNIT_PROFILE = Spec(
    kind="archive_unit_profiles",
    label="Profil d'unité archivistique",
    import_event=IMPORT_EVENT,
    update_event=UPDATE_EVENT,
    identifier_prefix="AUP",
    fields={
        "Identifier": STRING, "Name": STRING, "Description": STRING, "Status": STATUS, "ControlSchema": STRING,
        "Fields": STRING_LIST, "CreationDate": DATE, "LastUpdate": DATE, "ActivationDate": DATE,
        "DeactivationDate": DATE,
    },
    mandatory=("Name",),
    defaults={"Status": "INACTIVE"},
    check_key="archiveUnitProfileCheck",
    service_label="ArchiveUnitProfile",
    not_found_reason="AUP_NOT_FOUND",
    references=[_check_control_schema],
)


def _catalogue_texts(event: str, reasons: tuple) -> dict:
    return {reason: catalogue.text(f"{event}.{reason}" + ("" if reason in ("OK", "KO") else ".KO"))
            for reason in reasons}


documents.register_spec_messages(
    ARCHIVE_UNIT_PROFILE,
    noun="du profil d'unité archivistique",
    import_messages=_catalogue_texts(IMPORT_EVENT, ("OK", "KO", "IDENTIFIER_DUPLICATION", "EMPTY_REQUIRED_FIELD",
                                                    "INVALID_JSON_SCHEMA")),
    update_messages=_catalogue_texts(UPDATE_EVENT, ("OK", "KO", "AUP_NOT_FOUND", "NOT_IN_ENUM",
                                                    "IDENTIFIER_DUPLICATION")),
)

SPECS = {"archiveunitprofiles": ARCHIVE_UNIT_PROFILE}


def unit_profile_problem(db, tenant: int, unit: dict) -> tuple[str, str] | None:
    """(outcome sub-code, Vitam's message) when the unit breaks its archive unit profile, else None.

    `unit` is the unit as Vitam validates it: its external fields and "#management"."""
    identifier = unit.get("ArchiveUnitProfile")
    if not identifier:
        return None
    profile = ref_store.get(db, tenant, ARCHIVE_UNIT_PROFILE.kind, identifier)
    if profile is None:
        return "NOT_FOUND", "Archive Unit Profile not found"
    if profile.get("Status") != "ACTIVE":
        return "INACTIVE_STATUS", "Unit ArchiveUnitProfile is inactive"
    schema = _control_schema(profile.get("ControlSchema"))
    if schema is None:
        return "EMPTY_CONTROL_SCHEMA", "Archive unit profile does not have a controlSchema"
    error = jsonschema.exceptions.best_match(jsonschema.validators.validator_for(schema)(schema).iter_errors(unit))
    if error is not None:
        return "NOT_AU_JSON_VALID", f"Archive unit profile validation failed: {error.message}"
    return None
