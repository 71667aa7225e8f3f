"""French outMessg of the ingest workflow events, worded like Vitam's vitam-logbook-messages_fr.

LABELS hold the noun phrase with its article ("du contrôle sanitaire du SIP") so the outcome prefix
("Succès", "Échec", "Avertissement lors", "Erreur technique lors") reads naturally; DETAILS give the
explanation Vitam appends for a sub-status ("... : contrat d'entrée inconnu").
"""

LABELS = {
    "PROCESS_SIP_UNITARY": "du processus d'entrée du SIP",
    "HOLDINGSCHEME": "du processus d'import de l'arbre de positionnement",
    "FILINGSCHEME": "du processus d'import du plan de classement",
    "STP_SANITY_CHECK_SIP": "du processus des contrôles préalables à l'entrée",
    "SANITY_CHECK_SIP": "du contrôle sanitaire du SIP",
    "CHECK_CONTAINER": "du contrôle du format du conteneur du SIP",
    "MANIFEST_FILE_NAME_CHECK": "du contrôle du nom du bordereau de transfert",
    "MANIFEST_DIGEST_CHECK": "du contrôle de l'empreinte du bordereau de transfert",
    "STP_UPLOAD_SIP": "du processus de réception du SIP",
    "STP_INGEST_CONTROL_SIP": "du processus du contrôle du SIP",
    "CHECK_SEDA": "de la vérification globale du SIP",
    "CHECK_HEADER": "de la vérification générale du bordereau de transfert",
    "CHECK_HEADER.CHECK_AGENT": "de la vérification de la présence et du contrôle des services agents",
    "CHECK_HEADER.CHECK_CONTRACT_INGEST": "de la vérification de la présence et du contrôle du contrat d'entrée",
    "CHECK_HEADER.CHECK_IC_AP_RELATION": "de la vérification de la relation entre le contrat d'entrée et le profil d'archivage",
    "CHECK_HEADER.CHECK_ARCHIVEPROFILE": "de la vérification de la conformité au profil d'archivage",
    "PREPARE_STORAGE_INFO": "de la préparation des informations de stockage",
    "CHECK_DATAOBJECTPACKAGE": "de la vérification des objets et groupes d'objets",
    "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST_DATAOBJECT_VERSION": "de la vérification des usages des objets",
    "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST_OBJECTNUMBER": "de la vérification du nombre d'objets",
    "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST": "du contrôle de cohérence du bordereau de transfert",
    "CHECK_DATAOBJECTPACKAGE.CHECK_CONSISTENCY": (
        "de la vérification de la cohérence entre objets, groupes d'objets et unités archivistiques"
    ),
    "CHECK_DATAOBJECTPACKAGE.CHECK_NO_OBJECT": "de la vérification de la non existence d'objets",
    "CHECK_ATTACHEMENT": (
        "de la vérification du rattachement entre objets, groupes d'objets et unités archivistiques "
        "existantes et les nouveaux."
    ),
    "STP_OG_CHECK_AND_TRANSFORME": "du processus de vérification et de traitement des objets et des groupes d'objets",
    "CHECK_DIGEST": "de la vérification de l'empreinte des objets",
    "CHECK_OBJECT_SIZE": "de la vérification de la taille des fichiers",
    "OG_OBJECTS_FORMAT_CHECK": "de l'identification des formats",
    "CHECK_OBJECT_GROUP_SCHEMA": "de la vérification globale du groupe d'objet",
    "OBJECTS_LIST_EMPTY": "de l'établissement de la liste des éléments",
    "STP_UNIT_CHECK_AND_PROCESS": "du processus de contrôle et traitements des unités archivistiques",
    "CHECK_UNIT_SCHEMA": "de la vérification globale de l'unité archivistique",
    "CHECK_ARCHIVE_UNIT_PROFILE": "de la vérification de la conformité aux profils d'unité archivistique",
    "CHECK_CLASSIFICATION_LEVEL": "de la vérification du niveau de classification",
    "UNITS_RULES_COMPUTE": "de l'application des règles de gestion et du calcul des dates d'échéance",
    "STP_STORAGE_AVAILABILITY_CHECK": "du processus de vérification préalable à la prise en charge",
    "STORAGE_AVAILABILITY_CHECK": "de la vérification de la disponibilité de toutes les offres de stockage",
    "STORAGE_AVAILABILITY_CHECK.STORAGE_AVAILABILITY_CHECK": "de la vérification de la disponibilité de l'offre de stockage",
    "STP_OBJ_STORING": "du processus d'écriture et d'indexation des objets sur les offres de stockage",
    "OBJ_STORAGE": "de l'écriture des objets et des groupes d'objets sur les offres de stockage",
    "OG_METADATA_INDEXATION": "de l'indexation des métadonnées des objets et des groupes d'objets",
    "STP_UNIT_METADATA": "du processus d'indexation des métadonnées des unités archivistiques",
    "UNIT_METADATA_INDEXATION": "de l'indexation des métadonnées de l'unité archivistique",
    "COMPUTE_INHERITED_RULES": "du calcul des règles de gestion héritées",
    "STP_OG_STORING": "du processus d'écriture des métadonnées des groupes d'objets sur les offres de stockage",
    "COMMIT_LIFE_CYCLE_OBJECT_GROUP": "de l'enregistrement des journaux du cycle de vie des groupes d'objets",
    "OG_METADATA_STORAGE": "de l'écriture des métadonnées des objets et groupes d'objets sur l'offre de stockage",
    "STP_UNIT_STORING": "du processus d'écriture des unités archivistiques sur les offres de stockage",
    "COMMIT_LIFE_CYCLE_UNIT": "de l'enregistrement des journaux du cycle de vie des unités archivistiques",
    "UNIT_METADATA_STORAGE": "de l'enregistrement des métadonnées des unités archivistiques",
    "STP_UPDATE_OBJECT_GROUP": "du processus de mise à jour du groupe d'objets",
    "STP_ACCESSION_REGISTRATION": "du processus d'alimentation du Registre des Fonds",
    "ACCESSION_REGISTRATION": "de l'alimentation du Registre des Fonds",
    "STP_INGEST_FINALISATION": "du processus de finalisation de l'entrée",
    "ATR_NOTIFICATION": "de la notification de la fin de l'opération d'entrée à l'opérateur de versement",
    "ROLL_BACK": "de la mise en cohérence des journaux du cycle de vie",
}

DETAILS = {
    "SANITY_CHECK_SIP.OK": "aucun virus détecté",
    "MANIFEST_FILE_NAME_CHECK.OK": "nom du fichier conforme",
    "MANIFEST_FILE_NAME_CHECK.KO": "nom du fichier non conforme ou bordereau absent",
    "MANIFEST_DIGEST_CHECK.KO": "l'empreinte du bordereau ne correspond pas à celle attendue",
    "CHECK_SEDA.NO_FILE.KO": "absence du bordereau de transfert",
    "CHECK_SEDA.NOT_XML_FILE.KO": "bordereau de transfert non conforme aux caractéristiques d'un fichier XML",
    "CHECK_SEDA.NOT_XSD_VALID.KO": "bordereau de transfert non conforme au schéma SEDA",
    "CHECK_SEDA.UNSUPPORTED_SEDA_VERSION.KO": "version du SEDA non prise en charge",
    "CHECK_HEADER.CHECK_AGENT.UNKNOWN.KO": "services agents inconnus du référentiel des services agents",
    "CHECK_HEADER.CHECK_AGENT.EMPTY_REQUIRED_FIELD.KO": "service producteur non déclaré dans le bordereau",
    "CHECK_HEADER.UNKNOWN.KO": "donnée référentielle inconnue",
    "CHECK_HEADER.CHECK_CONTRACT_INGEST.CONTRACT_UNKNOWN.KO": "contrat d'entrée inconnu du référentiel",
    "CHECK_HEADER.CHECK_CONTRACT_INGEST.CONTRACT_INACTIVE.KO": "contrat d'entrée inactif",
    "CHECK_HEADER.CHECK_CONTRACT_INGEST.CONTRACT_NOT_IN_CONTEXT.KO": (
        "le contrat d'entrée n'est pas autorisé par le contexte applicatif"
    ),
    "CHECK_HEADER.CHECK_IC_AP_RELATION.DIFF.KO": "le profil d'archivage n'est pas autorisé par le contrat d'entrée",
    "CHECK_HEADER.CHECK_IC_AP_RELATION.UNKNOWN.KO": "profil d'archivage inconnu",
    "CHECK_HEADER.CHECK_IC_AP_RELATION.INACTIVE.KO": "profil d'archivage inactif",
    "CHECK_HEADER.CHECK_ARCHIVEPROFILE.KO": "le bordereau n'est pas conforme au profil d'archivage",
    "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST.UNAUTHORIZED_ATTACHMENT.KO": "rattachement non autorisé",
    "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST_OBJECTNUMBER.KO": (
        "le nombre d'objets reçus n'est pas conforme au nombre d'objets déclarés dans le bordereau"
    ),
    "CHECK_DATAOBJECTPACKAGE.CHECK_NO_OBJECT.KO": "le bordereau déclare des objets, interdits dans ce processus",
    "CHECK_DIGEST.KO": "empreinte non conforme",
    "CHECK_OBJECT_SIZE.WARNING": "taille déclarée différente de la taille réelle",
    "UNITS_RULES_COMPUTE.UNKNOWN.KO": "règle de gestion inconnue",
    "UNITS_RULES_COMPUTE.CONSISTENCY.KO": "règle de gestion incohérente",
    "UNITS_RULES_COMPUTE.REF_INCONSISTENCY.KO": "règle exclue de l'héritage incohérente",
    "OBJECTS_LIST_EMPTY.WARNING": "il n'y a aucun objet pour cette étape",
}

PREFIX = {"OK": "Succès", "KO": "Échec", "WARNING": "Avertissement lors", "FATAL": "Erreur technique lors"}


def message(ev_type: str, outcome: str, detail: str | None = None, count: int | None = None) -> str:
    """outMessg for an event of the ingest workflow; count adds Vitam's " Detail=  OK:n" suffix."""
    is_started = ev_type.endswith(".STARTED")
    base = ev_type[: -len(".STARTED")] if is_started else ev_type
    label = LABELS.get(base, f"de l'étape {base}")
    if is_started:
        label = "du début " + label
    text = f"{PREFIX.get(outcome, 'Statut inconnu')} {label}"
    explanation = DETAILS.get(detail or f"{ev_type}.{outcome}")
    if explanation:
        text = f"{text} : {explanation}"
    if count is not None:
        text = f"{text} Detail=  {outcome}:{count}"
    return text


def event_label(ev_type: str) -> str:
    """The event's French name for the ATR's EventType ("Vérification générale du bordereau de transfert")."""
    label = LABELS.get(ev_type)
    if label is None:
        return ev_type
    for article in ("du ", "de la ", "de l'", "des "):
        if label.startswith(article):
            label = label[len(article):]
            break
    return label[:1].upper() + label[1:]
