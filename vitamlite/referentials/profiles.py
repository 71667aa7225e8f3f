"""Archival profiles (profils d'archivage): metadata imported as JSON, then an XSD or RNG file attached.

The attached file is hostile input: parsed with entity expansion, DTDs and network access disabled, size
limited, and its root element must match the declared Format (XSD schema or RelaxNG grammar).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from lxml import etree

from vitamlite import logbook
from vitamlite.referentials import documents
from vitamlite.referentials import store as ref_store
from vitamlite.referentials.documents import DATE, STATUS, STRING, Rejected, Spec

MAX_PROFILE_BYTES = 10 * 1024 * 1024
XSD_NAMESPACE = "http://www.w3.org/2001/XMLSchema"
RNG_NAMESPACE = "http://relaxng.org/ns/structure/1.0"
EXTENSIONS = {"XSD": "xsd", "RNG": "rng"}

PROFILE = Spec(
    kind="profiles",
    label="Profil d'archivage",
    import_event="STP_IMPORT_PROFILE_JSON",
    update_event="STP_UPDATE_PROFILE_JSON",
    identifier_prefix="PR",
    fields={
        "Identifier": STRING, "Name": STRING, "Description": STRING, "Status": STATUS,
        "Format": ("enum", tuple(EXTENSIONS)), "Path": STRING, "CreationDate": DATE, "LastUpdate": DATE,
        "ActivationDate": DATE, "DeactivationDate": DATE,
    },
    mandatory=("Name", "Format"),
    defaults={"Status": "INACTIVE"},
    check_key="profileCheck",
    service_label="Profile",
    not_found_reason="PROFILE_NOT_FOUND",
    frozen=("Identifier", "Path"),
)

documents.register_spec_messages(
    PROFILE,
    noun="du profil d'archivage",
    import_messages={
        "OK": "Succès du processus d'import du profil d'archivage",
        "KO": "Échec du processus d'import du profil d'archivage",
        "IDENTIFIER_DUPLICATION": "Échec de l'import du profil d'archivage : l'identifiant est déjà utilisé",
        "EMPTY_REQUIRED_FIELD": (
            "Échec de l'import du profil d'archivage : au moins un des champs obligatoires n'est pas renseigné"
        ),
        "VALIDATION_ERROR": "Échec de l'import du profil d'archivage : erreur de validation",
        "NOT_IN_ENUM": "Échec de l'import du profil d'archivage : une valeur ne correspond pas aux valeurs attendues",
    },
    update_messages={
        "OK": "Succès du processus de mise à jour du profil d'archivage (fichier xsd ou rng)",
        "KO": "Échec du processus de mise à jour du profil d'archivage (fichier xsd ou rng)",
        "PROFILE_NOT_FOUND": "Échec du processus de mise à jour du profil d'archivage : profil non trouvé",
        "NOT_IN_ENUM": (
            "Échec du processus de mise à jour du profil d'archivage : une valeur ne correspond pas aux valeurs "
            "attendues"
        ),
        "BAD_REQUEST": "Échec du processus de mise à jour du profil d'archivage : mauvaise requête",
        "VALIDATION_ERROR": "Échec du processus de mise à jour du profil d'archivage : fichier invalide",
    },
)

SPECS = {"profiles": PROFILE}


def _profiles_dir(store, tenant: int) -> Path:
    return store.data_dir / "profiles" / str(int(tenant))


def check_profile_file(content: bytes, declared_format: str) -> None:
    """Well-formed XML whose root matches the declared Format; Rejected otherwise. Never expands entities."""
    if len(content) > MAX_PROFILE_BYTES:
        raise Rejected("VALIDATION_ERROR", f"Le fichier dépasse la taille maximale ({MAX_PROFILE_BYTES // 1048576} Mo).")
    # Own hardened parser on purpose: vitam-lite stands for Vitam and must not depend on the portal.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise Rejected("VALIDATION_ERROR", f"Le fichier n'est pas un XML bien formé : {exc}") from None
    # A DOCTYPE has no place in a schema and is the vector of entity attacks: refuse it outright.
    if root.getroottree().docinfo.doctype:
        raise Rejected("VALIDATION_ERROR", "Le fichier contient une déclaration DOCTYPE, refusée par sécurité.")
    namespace = etree.QName(root).namespace
    if declared_format == "XSD" and (namespace, etree.QName(root).localname) != (XSD_NAMESPACE, "schema"):
        raise Rejected("VALIDATION_ERROR", "Le profil est déclaré au format XSD mais le fichier n'est pas un schéma XSD.")
    if declared_format == "RNG" and namespace != RNG_NAMESPACE:
        raise Rejected("VALIDATION_ERROR", "Le profil est déclaré au format RNG mais le fichier n'est pas une grammaire RelaxNG.")


def upload_file(db, store, tenant: int, identifier: str, content: bytes, *, operation_id: str,
                application_id=None) -> dict:
    """Attach the XSD/RNG file to the profile (logbook STP_UPDATE_PROFILE_JSON); Rejected re-raised after logging."""
    logbook.start(db, tenant=tenant, ev_type=PROFILE.update_event, ev_type_proc="MASTERDATA",
                  operation_id=operation_id, application_id=application_id)
    try:
        profile = ref_store.get(db, tenant, PROFILE.kind, identifier)
        if profile is None:
            raise Rejected("PROFILE_NOT_FOUND", f"Profil d'archivage « {identifier} » introuvable.", status=404)
        check_profile_file(content, profile["Format"])
    except Rejected as exc:
        logbook.finish(db, operation_id, "KO", detail=f"{PROFILE.update_event}.{exc.reason}.KO",
                       data={PROFILE.check_key: exc.description})
        raise
    file_name = f"{profile['#id']}.{EXTENSIONS[profile['Format']]}"
    directory = _profiles_dir(store, tenant)
    directory.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.replace(temporary, directory / file_name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    updated = ref_store.put(db, tenant, PROFILE.kind, {
        **{key: value for key, value in profile.items() if not key.startswith("#")},
        "Path": file_name,
        "LastUpdate": ref_store.now_iso(),
    })
    logbook.finish(db, operation_id, "OK", data={"Path": file_name})
    return updated


def file_path(store, tenant: int, profile: dict) -> Path | None:
    """Where the profile's attached file is, or None when no file was uploaded."""
    name = profile.get("Path")
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    path = _profiles_dir(store, tenant) / name
    return path if path.is_file() else None
