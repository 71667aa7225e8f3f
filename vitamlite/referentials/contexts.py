"""Security profiles and application contexts: platform-wide, stored under the admin tenant.

A context names a security profile and, per tenant, the access and ingest contracts its application may
use (vitam-api.md §3). vitam-lite's server reads the context given at start-up (`context=` option) from the
admin tenant (vitamlite.server) and ingest checks a SIP's contract against it.
"""

from __future__ import annotations

from vitamlite.referentials import documents
from vitamlite.referentials import store as ref_store
from vitamlite.referentials.documents import BOOLEAN, DATE, INTEGER, OBJECT, STATUS, STRING, STRING_LIST, Rejected, Spec

PERMISSION_FIELDS = {
    "tenant": INTEGER,
    "AccessContracts": STRING_LIST,
    "IngestContracts": STRING_LIST,
    "ManagementContracts": STRING_LIST,
}


def _check_security_profile_permissions(db, tenant: int, doc: dict, *, creating: bool) -> list[str]:
    if doc.get("FullAccess") and doc.get("Permissions"):
        raise Rejected("VALIDATION_ERROR", f"Profil de sécurité « {doc.get('Identifier') or doc.get('Name')} » : "
                       "Permissions doit être vide quand FullAccess est vrai.")
    return []


def _check_context(db, admin_tenant: int, doc: dict, *, creating: bool) -> list[str]:
    name = doc.get("Identifier") or doc.get("Name")
    if not ref_store.exists(db, admin_tenant, "security_profiles", doc["SecurityProfile"]):
        raise Rejected("SECURITY_PROFILE_NOT_FOUND",
                       f"Contexte « {name} » : profil de sécurité inconnu : {doc['SecurityProfile']}")
    seen_tenants = set()
    for position, permission in enumerate(doc.get("Permissions") or [], start=1):
        if not isinstance(permission, dict):
            raise Rejected("UNKNOWN_VALUE", f"Contexte « {name} » : la permission n° {position} n'est pas un objet.")
        for key, value in permission.items():
            if key not in PERMISSION_FIELDS:
                raise Rejected("UNKNOWN_VALUE", f"Contexte « {name} » : champ de permission inconnu {key}.")
            documents._check_type(value, PERMISSION_FIELDS[key], f"Permissions[{position}].{key}", "Contexte", name)
        if "tenant" not in permission:
            raise Rejected("EMPTY_REQUIRED_FIELD", f"Contexte « {name} » : la permission n° {position} n'a pas de tenant.")
        tenant = permission["tenant"]
        if tenant in seen_tenants:
            raise Rejected("UNKNOWN_VALUE", f"Contexte « {name} » : le tenant {tenant} figure deux fois.")
        seen_tenants.add(tenant)
        for key, kind in (("AccessContracts", "access_contracts"), ("IngestContracts", "ingest_contracts"),
                          ("ManagementContracts", "management_contracts")):
            identifiers = permission.get(key) or []
            missing = sorted(set(identifiers) - set(ref_store.get_many(db, tenant, kind, identifiers)))
            if missing:
                raise Rejected("UNKNOWN_VALUE", f"Contexte « {name} » : {key} inconnu(s) sur le tenant {tenant} : "
                               + ", ".join(missing))
    return []


SECURITY_PROFILE = Spec(
    kind="security_profiles",
    label="Profil de sécurité",
    import_event="STP_IMPORT_SECURITY_PROFILE",
    update_event="STP_UPDATE_SECURITY_PROFILE",
    identifier_prefix="SEC_PROFILE",
    fields={"Identifier": STRING, "Name": STRING, "FullAccess": BOOLEAN, "Permissions": STRING_LIST},
    mandatory=("Name",),
    defaults={"FullAccess": False, "Permissions": list},
    check_key="securityProfileCheck",
    service_label="SecurityProfile",
    platform_wide=True,
    activation_dates=False,
    dates=False,
    references=[_check_security_profile_permissions],
    not_found_reason="SECURITY_PROFILE_NOT_FOUND",
)

CONTEXT = Spec(
    kind="contexts",
    label="Contexte",
    import_event="STP_IMPORT_CONTEXT",
    update_event="STP_UPDATE_CONTEXT",
    identifier_prefix="CT",
    fields={
        "Identifier": STRING, "Name": STRING, "Status": STATUS, "EnableControl": BOOLEAN, "SecurityProfile": STRING,
        "Permissions": ("array", OBJECT), "CreationDate": DATE, "LastUpdate": DATE, "ActivationDate": DATE,
        "DeactivationDate": DATE,
    },
    mandatory=("Name", "SecurityProfile"),
    defaults={"Status": "INACTIVE", "EnableControl": False, "Permissions": list},
    check_key="contextCheck",
    service_label="Context",
    platform_wide=True,
    references=[_check_context],
    not_found_reason="CONTEXT_NOT_FOUND",
)

documents.register_spec_messages(
    SECURITY_PROFILE,
    noun="du profil de sécurité",
    import_messages={
        "OK": "Succès du processus d'import du profil de sécurité",
        "KO": "Échec du processus d'import du profil de sécurité",
        "IDENTIFIER_DUPLICATION": "Échec de l'import du profil de sécurité : l'identifiant est déjà utilisé",
        "EMPTY_REQUIRED_FIELD": (
            "Échec de l'import du profil de sécurité : au moins un des champs obligatoires n'est pas renseigné"
        ),
        "VALIDATION_ERROR": "Échec de l'import du profil de sécurité : erreur de validation",
    },
    update_messages={
        "OK": "Succès du processus de mise à jour du profil de sécurité",
        "KO": "Échec du processus de mise à jour du profil de sécurité",
        "SECURITY_PROFILE_NOT_FOUND": "Échec du processus de mise à jour du profil de sécurité : profil non trouvé",
        "BAD_REQUEST": "Échec du processus de mise à jour du profil de sécurité : mauvaise requête",
        "VALIDATION_ERROR": "Échec du processus de mise à jour du profil de sécurité : erreur de validation",
    },
)
documents.register_spec_messages(
    CONTEXT,
    noun="du contexte",
    import_messages={
        "OK": "Succès du processus d'import du contexte",
        "KO": "Échec du processus d'import du contexte",
        "IDENTIFIER_DUPLICATION": "Échec de l'import : l'identifiant est déjà utilisé",
        "EMPTY_REQUIRED_FIELD": "Échec de l'import : au moins un des champs obligatoires n'est pas renseigné",
        "SECURITY_PROFILE_NOT_FOUND": "Échec de l'import : profil de sécurité non trouvé",
        "UNKNOWN_VALUE": "Échec de l'import : au moins un objet déclare une valeur inconnue",
        "VALIDATION_ERROR": "Échec de l'import du contexte : erreur de validation",
        "NOT_IN_ENUM": "Échec de l'import du contexte : une valeur ne correspond pas aux valeurs attendues",
    },
    update_messages={
        "OK": "Succès du processus de mise à jour du contexte",
        "KO": "Échec du processus mise à jour du contexte",
        "CONTEXT_NOT_FOUND": "Échec du processus de mise à jour du contexte : contexte non trouvé",
        "UNKNOWN_VALUE": "Échec du processus de mise à jour du contexte : au moins un objet déclare une valeur inconnue",
        "SECURITY_PROFILE_NOT_FOUND": "Échec du processus de mise à jour du contexte : profil de sécurité non trouvé",
        "BAD_REQUEST": "Échec du processus de mise à jour du contexte : mauvaise requête",
        "NOT_IN_ENUM": "Échec du processus de mise à jour du contexte : une valeur ne correspond pas aux valeurs attendues",
        "VALIDATION_ERROR": "Échec du processus de mise à jour du contexte : erreur de validation",
    },
)

SPECS = {"securityprofiles": SECURITY_PROFILE, "contexts": CONTEXT}


def get_context(db, admin_tenant: int, identifier: str) -> dict | None:
    """The context document (platform-wide, read from the admin tenant)."""
    return ref_store.get(db, admin_tenant, "contexts", identifier)


def tenant_permission(context: dict, tenant: int) -> dict | None:
    """The context's permission for a tenant (the contracts it allows there), None when the tenant is not in it."""
    return next((p for p in context.get("Permissions") or [] if p.get("tenant") == tenant), None)
