"""Access, ingest and management contracts (contrats d'accès, d'entrée, de gestion).

Fields and enums come from Vitam's access-/ingest-/management-contract-schema.json; reference checks
mirror Vitam's contract validators: originating agencies must exist in the agencies referential, archival
profiles in the profiles referential, root/parent units among the tenant's units, the management contract
among the management contracts.
"""

from __future__ import annotations

import re

from vitamlite.referentials import common, documents
from vitamlite.referentials import store as ref_store
from vitamlite.referentials.documents import BOOLEAN, DATE, OBJECT, STATUS, STRING, STRING_LIST, Rejected, Spec

DATA_OBJECT_VERSIONS = ("BinaryMaster", "Dissemination", "Thumbnail", "TextContent", "PhysicalMaster")
RULE_CATEGORIES = (
    "AppraisalRule", "AccessRule", "StorageRule", "DisseminationRule", "ClassificationRule", "ReuseRule", "HoldRule",
)
# vitam-lite has no formats referential: a PRONOM identifier is recognised by its shape.
_PUID = re.compile(r"(x-)?fmt/[0-9]+")

_BASE_FIELDS = {
    "Name": STRING,
    "Identifier": STRING,
    "Description": STRING,
    "Status": STATUS,
    "CreationDate": DATE,
    "LastUpdate": DATE,
    "ActivationDate": DATE,
    "DeactivationDate": DATE,
}


def _check_agencies(db, tenant: int, doc: dict, *, creating: bool) -> list[str]:
    agencies = doc.get("OriginatingAgencies") or []
    missing = sorted(set(agencies) - set(ref_store.get_many(db, tenant, "agencies", agencies)))
    if missing:
        raise Rejected(
            "AGENCY_NOT_FOUND",
            f"Contrat d'accès « {doc.get('Identifier') or doc.get('Name')} » : service(s) producteur(s) inconnu(s) : "
            + ", ".join(missing),
        )
    return []


def _check_root_units(db, tenant: int, doc: dict, *, creating: bool) -> list[str]:
    name = doc.get("Identifier") or doc.get("Name")
    included, excluded = set(doc.get("RootUnits") or ()), set(doc.get("ExcludedRootUnits") or ())
    both = sorted(included & excluded)
    if both:
        raise Rejected("VALIDATION_ERROR",
                       f"Contrat d'accès « {name} » : unité(s) à la fois incluse(s) et exclue(s) : {', '.join(both)}")
    for field_name, unit_ids in (("RootUnits", included), ("ExcludedRootUnits", excluded)):
        missing = sorted(unit_ids - common.existing_units(db, tenant, unit_ids))
        if missing:
            raise Rejected("VALIDATION_ERROR",
                           f"Contrat d'accès « {name} » : {field_name} inconnue(s) : {', '.join(missing)}")
    return []


def _check_ingest_references(db, tenant: int, doc: dict, *, creating: bool) -> list[str]:
    name = doc.get("Identifier") or doc.get("Name")
    profiles = doc.get("ArchiveProfiles") or []
    missing = sorted(set(profiles) - set(ref_store.get_many(db, tenant, "profiles", profiles)))
    if missing:
        # Import and update alike, as IngestContractImpl (createCheckProfilesExistsInDatabaseValidator).
        raise Rejected("PROFILE_NOT_FOUND",
                       f"Contrat d'entrée « {name} » : profil(s) d'archivage inconnu(s) : {', '.join(missing)}")
    formats = doc.get("FormatType") or []
    if doc.get("EveryFormatType", True) and formats:
        raise Rejected("FORMAT_MUST_BE_EMPTY",
                       f"Contrat d'entrée « {name} » : FormatType doit être vide quand EveryFormatType est vrai.")
    if doc.get("EveryFormatType") is False and not formats:
        raise Rejected("FORMAT_MUST_NOT_BE_EMPTY",
                       f"Contrat d'entrée « {name} » : FormatType ne peut pas être vide quand EveryFormatType est faux.")
    unknown_formats = [puid for puid in formats if not _PUID.fullmatch(puid)]
    if unknown_formats:
        raise Rejected("FORMAT_NOT_FOUND",
                       f"Contrat d'entrée « {name} » : format(s) inconnu(s) : {', '.join(unknown_formats)}")
    management = doc.get("ManagementContractId")
    if management and not ref_store.exists(db, tenant, "management_contracts", management):
        raise Rejected("MANAGEMENT_CONTRAT_NOT_FOUND",
                       f"Contrat d'entrée « {name} » : contrat de gestion inconnu : {management}")
    parents = {doc["LinkParentId"]} if doc.get("LinkParentId") else set()
    parents |= set(doc.get("CheckParentId") or ())
    missing_units = sorted(parents - common.existing_units(db, tenant, parents))
    if missing_units:
        raise Rejected("VALIDATION_ERROR",
                       f"Contrat d'entrée « {name} » : unité(s) de rattachement inconnue(s) : {', '.join(missing_units)}")
    return []


# vitam-lite keeps every binary and metadata on one offer, under Vitam's "default" strategy (ingest/workflow.py).
STORAGE_STRATEGIES = ("default",)
INTERMEDIARY_VERSIONS = ("ALL", "LAST", "NONE")
# Usages whose first version must be kept: the original (and the default policy, which applies to it).
_INITIAL_VERSION_KEPT = ("Default", "BinaryMaster")


def _check_management(db, tenant: int, doc: dict, *, creating: bool) -> list[str]:
    """Storage strategies and version retention policy, as Vitam's ManagementContractImpl checks them."""
    for field_name, strategy in (doc.get("Storage") or {}).items():
        if strategy is not None and strategy not in STORAGE_STRATEGIES:
            raise Rejected("STRATEGY_VALIDATION_ERROR",
                           f"Storage Strategy ({strategy}) not found for the field Storage.{field_name}")
    policy = doc.get("VersionRetentionPolicy")
    if not policy:
        return []
    name = doc.get("Name")
    policies = [("Default", policy)] + [(usage.get("UsageName"), usage) for usage in policy.get("Usages") or []
                                        if isinstance(usage, dict)]
    for usage, rules in policies:
        if usage != "Default" and usage not in DATA_OBJECT_VERSIONS:
            raise Rejected("VERSION_RETENTION_POLICY_ERROR", f"The usage type {usage} is invalid in the contract {name}.")
        # A parameter left out takes Vitam's default; one given (even null) must be valid.
        initial = rules.get("InitialVersion", True)
        if not isinstance(initial, bool) or (usage in _INITIAL_VERSION_KEPT and not initial):
            raise Rejected("VERSION_RETENTION_POLICY_ERROR", f"The version retention policy's InitialVersion "
                           f"parameter in {usage} usage is invalid in the contract {name}.")
        if rules.get("IntermediaryVersion", "ALL") not in INTERMEDIARY_VERSIONS:
            raise Rejected("VERSION_RETENTION_POLICY_ERROR", f"The version retention policy's IntermediaryVersion "
                           f"parameter in {usage} usage is invalid in the contract {name}.")
    return []


# evDetData keys and texts of Vitam's ContractLogbookService and GenericContractValidator.
_CONTRACT_DETAIL_KEYS = {
    "EMPTY_REQUIRED_FIELD": "Mandatory Fields",
    "IDENTIFIER_DUPLICATION": "Duplicate Field",
    "CONTRACT_NOT_FOUND": "Contract not found",
    "NOT_IN_ENUM": "Not in Enum",
    "PROFILE_NOT_FOUND": "Profile not found",
    "AGENCY_NOT_FOUND": "Agency not found",
    "VALIDATION_ERROR": "Validation error",
}
_CONTRACT_TEXTS = {
    "detail_keys": _CONTRACT_DETAIL_KEYS,
    "duplicate_text": "The contract {identifier} already exists in database",
    "mandatory_text": "The field {field} is mandatory",
    "kept": ("Status",),
}


ACCESS = Spec(
    kind="access_contracts",
    label="Contrat d'accès",
    import_event="STP_IMPORT_ACCESS_CONTRACT",
    update_event="STP_UPDATE_ACCESS_CONTRACT",
    identifier_prefix="AC",
    fields=_BASE_FIELDS | {
        "DataObjectVersion": ("array", ("enum", DATA_OBJECT_VERSIONS)),
        "RuleCategoryToFilter": ("array", ("enum", RULE_CATEGORIES)),
        "OriginatingAgencies": STRING_LIST,
        "WritingPermission": BOOLEAN,
        "WritingRestrictedDesc": BOOLEAN,
        "EveryOriginatingAgency": BOOLEAN,
        "EveryDataObjectVersion": BOOLEAN,
        "RootUnits": STRING_LIST,
        "ExcludedRootUnits": STRING_LIST,
        "AccessLog": STATUS,
    },
    defaults={
        "Status": "INACTIVE",
        "EveryOriginatingAgency": False,
        "EveryDataObjectVersion": False,
        "WritingPermission": False,
        "WritingRestrictedDesc": False,
        "AccessLog": "INACTIVE",
    },
    check_key="accessContractCheck",
    **_CONTRACT_TEXTS,
    service_label="AccessContract",
    references=[_check_agencies, _check_root_units],
)

INGEST = Spec(
    kind="ingest_contracts",
    label="Contrat d'entrée",
    import_event="STP_IMPORT_INGEST_CONTRACT",
    update_event="STP_UPDATE_INGEST_CONTRACT",
    identifier_prefix="IC",
    fields=_BASE_FIELDS | {
        "CheckParentLink": ("enum", ("AUTHORIZED", "REQUIRED", "UNAUTHORIZED")),
        "LinkParentId": STRING,
        "CheckParentId": STRING_LIST,
        "ArchiveProfiles": STRING_LIST,
        "MasterMandatory": BOOLEAN,
        "EveryDataObjectVersion": BOOLEAN,
        "DataObjectVersion": ("array", ("enum", DATA_OBJECT_VERSIONS)),
        "FormatUnidentifiedAuthorized": BOOLEAN,
        "ComputeInheritedRulesAtIngest": BOOLEAN,
        "EveryFormatType": BOOLEAN,
        "FormatType": STRING_LIST,
        "ManagementContractId": STRING,
        "SignaturePolicy": OBJECT,
    },
    defaults={
        "Status": "INACTIVE",
        "CheckParentLink": "AUTHORIZED",
        "MasterMandatory": True,
        "EveryDataObjectVersion": False,
        "FormatUnidentifiedAuthorized": False,
        "EveryFormatType": True,
        "ComputeInheritedRulesAtIngest": False,
    },
    check_key="ingestContractCheck",
    **_CONTRACT_TEXTS,
    service_label="IngestContract",
    references=[_check_ingest_references],
)

MANAGEMENT = Spec(
    kind="management_contracts",
    label="Contrat de gestion",
    import_event="STP_IMPORT_MANAGEMENT_CONTRACT",
    update_event="STP_UPDATE_MANAGEMENT_CONTRACT",
    identifier_prefix="MC",
    fields=_BASE_FIELDS | {"Storage": OBJECT, "VersionRetentionPolicy": OBJECT,
                           "PersistentIdentifierPolicy": ("array", OBJECT)},
    defaults={"Status": "INACTIVE"},
    check_key="managementContractCheck",
    **_CONTRACT_TEXTS,
    service_label="ManagementContract",
    references=[_check_management],
)

for _spec, _noun, _label in (
    (ACCESS, "contrat d'accès", "contrats d'accès"),
    (INGEST, "contrat d'entrée", "contrats d'entrée"),
    (MANAGEMENT, "contrat de gestion", "contrats de gestion"),
):
    documents.register_spec_messages(
        _spec,
        noun=f"du {_noun}",
        import_messages={
            "OK": f"Succès du processus d'import du {_noun}",
            "KO": f"Échec du processus d'import du {_noun}",
            "IDENTIFIER_DUPLICATION": f"Échec de l'import du {_noun} : l'identifiant est déjà utilisé",
            "EMPTY_REQUIRED_FIELD": f"Échec de l'import du {_noun} : au moins un des champs obligatoires n'est pas renseigné",
            "AGENCY_NOT_FOUND": f"Échec de l'import du {_noun} : au moins un service producteur est inconnu",
            "PROFILE_NOT_FOUND": f"Échec de l'import du {_noun} : profil d'archivage non trouvé",
            "VALIDATION_ERROR": f"Échec de l'import du {_noun} : erreur de validation du {_noun}",
            "NOT_IN_ENUM": f"Échec de l'import du {_noun} : une valeur ne correspond pas aux valeurs attendues",
            "FORMAT_MUST_BE_EMPTY": (
                f"Échec de l'import du {_noun} : la liste blanche des formats doit être vide lorsque tous les formats "
                "sont autorisés"
            ),
            "FORMAT_MUST_NOT_BE_EMPTY": (
                f"Échec de l'import du {_noun} : la liste blanche des formats ne peut pas être vide lorsque tous les "
                "formats ne sont pas autorisés"
            ),
            "FORMAT_NOT_FOUND": (
                f"Échec de l'import du {_noun} : un ou plusieurs formats ne sont pas référencés dans le référentiel "
                "des formats"
            ),
            "MANAGEMENT_CONTRAT_NOT_FOUND": (
                f"Échec de l'import du {_noun} : le contrat de gestion n'est pas référencé dans le référentiel des "
                "contrats de gestion"
            ),
        },
        update_messages={
            "OK": f"Succès du processus de mise à jour du {_noun}",
            "KO": f"Échec du processus de mise à jour du {_noun}",
            "CONTRACT_NOT_FOUND": f"Échec du processus de mise à jour du {_noun} : {_noun} non trouvé",
            "NOT_IN_ENUM": (
                f"Échec du processus de mise à jour du {_noun} : une valeur ne correspond pas aux valeurs attendues"
            ),
            "AGENCY_NOT_FOUND": f"Échec du processus de mise à jour du {_noun} : au moins un service agent est inconnu",
            "PROFILE_NOT_FOUND": (
                f"Échec du processus de mise à jour du {_noun} : au moins un profil d'archivage est inconnu"
            ),
            "BAD_REQUEST": f"Échec du processus de mise à jour du {_noun} : mauvaise requête",
            "VALIDATION_ERROR": f"Échec du processus de mise à jour du {_noun} : erreur de validation",
            "EMPTY_REQUIRED_FIELD": (
                f"Échec du processus de mise à jour du {_noun} : au moins un des champs obligatoires n'est pas renseigné"
            ),
        },
    )

SPECS = {"accesscontracts": ACCESS, "ingestcontracts": INGEST, "managementcontracts": MANAGEMENT}


def get_access_contract(db, tenant: int, identifier: str) -> dict | None:
    return ref_store.get(db, tenant, ACCESS.kind, identifier)


def get_ingest_contract(db, tenant: int, identifier: str) -> dict | None:
    return ref_store.get(db, tenant, INGEST.kind, identifier)
