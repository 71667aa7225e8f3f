"""Logbook operations (journal des opérations) in Vitam's external shape.

An operation is stored as its root document (the STARTED line: evId, evType, outcome "STARTED"...) plus an
ordered list of events; `get` assembles them as Vitam's `LogbookOperation` (field names of
`logbook_operation_search_response.json`). `finish` appends the closing event whose evType is the
operation's evType and whose outcome is the global status (OK/WARNING/KO/FATAL).

Who calls what:
    op_id = logbook.start(db, tenant=0, ev_type="PROCESS_SIP_UNITARY", ev_type_proc="INGEST", ...)
    logbook.event(db, op_id, "CHECK_SEDA", "OK")
    logbook.finish(db, op_id, "OK")
The caller owns the transaction (commit when the events must become visible to other connections).
"""

import json
from datetime import datetime, timezone

from vitamlite import catalogue
from vitamlite.ids import new_guid

# The agent (server) that wrote the line, as Vitam's agId JSON string.
AG_ID = json.dumps({"Name": "vitam-lite", "Role": "vitam-lite", "ServerId": 1, "SiteId": 1})

OUTCOMES = ("STARTED", "OK", "WARNING", "KO", "FATAL")
FINAL_OUTCOMES = ("OK", "WARNING", "KO", "FATAL")

# French labels of the processes and steps (modelled on vitam-logbook-messages_fr.properties).
# Other modules add theirs with register_messages(); outMessg falls back to a generic sentence.
LABELS: dict[str, str] = {
    "PROCESS_SIP_UNITARY": "processus d'entrée du SIP",
    "FILINGSCHEME": "processus d'import du plan de classement",
    "HOLDINGSCHEME": "processus d'import de l'arbre de positionnement",
    "STP_IMPORT_RULES": "processus d'import du référentiel des règles de gestion",
    "IMPORT_AGENCIES": "processus d'import du référentiel des services agents",
    "STP_IMPORT_ACCESS_CONTRACT": "processus d'import des contrats d'accès",
    "STP_IMPORT_INGEST_CONTRACT": "processus d'import des contrats d'entrée",
    "STP_UPDATE_ACCESS_CONTRACT": "processus de mise à jour du contrat d'accès",
    "STP_UPDATE_INGEST_CONTRACT": "processus de mise à jour du contrat d'entrée",
    "ELIMINATION_ANALYSIS": "processus d'analyse de l'élimination",
    "ELIMINATION_ACTION": "processus d'élimination définitive",
    "MASS_UPDATE_UNIT_DESC": "processus de mise à jour en masse des métadonnées descriptives",
    "MASS_UPDATE_UNIT_RULE": "processus de mise à jour en masse des règles de gestion",
    "EXPORT_DIP": "processus d'export du DIP",
    "ARCHIVE_TRANSFER": "processus de transfert",
    "TRANSFER_REPLY": "processus de prise en compte de l'accusé de réception du transfert",
    # Ingest steps (wording of logbook/expected-logbook-ingest-4_UNITS_2_GOTS.json).
    "STP_SANITY_CHECK_SIP": "processus des contrôles préalables à l'entrée",
    "STP_UPLOAD_SIP": "processus de réception du SIP",
    "STP_INGEST_CONTROL_SIP": "processus du contrôle du SIP",
    "STP_OG_CHECK_AND_TRANSFORME": "processus de vérification et de traitement des objets et des groupes d'objets",
    "STP_UNIT_CHECK_AND_PROCESS": "processus de contrôle et traitements des unités archivistiques",
    "STP_STORAGE_AVAILABILITY_CHECK": "processus de vérification préalable à la prise en charge",
    "STP_OBJ_STORING": "processus d'écriture et d'indexation des objets sur les offres de stockage",
    "STP_UNIT_METADATA": "processus d'indexation des métadonnées des unités archivistiques",
    "STP_OG_STORING": "processus d'écriture des métadonnées des groupes d'objets sur les offres de stockage",
    "STP_UNIT_STORING": "processus d'écriture des unités archivistiques sur les offres de stockage",
    "STP_UPDATE_OBJECT_GROUP": "processus de mise à jour du groupe d'objets",
    "STP_ACCESSION_REGISTRATION": "processus d'alimentation du Registre des Fonds",
    "STP_INGEST_FINALISATION": "processus de finalisation de l'entrée",
}

# Exact messages keyed by outDetail, for events whose Vitam wording is not "<Succès|Échec...> du <label>".
MESSAGES: dict[str, str] = {}

_OUTCOME_PREFIX = {
    "OK": "Succès",
    "WARNING": "Avertissement lors",
    "KO": "Échec",
    "FATAL": "Erreur technique lors",
}


def register_messages(*, labels: dict[str, str] | None = None, messages: dict[str, str] | None = None) -> None:
    """Let other modules add French labels (by evType) or exact messages (by outDetail)."""
    LABELS.update(labels or {})
    MESSAGES.update(messages or {})


def now_iso() -> str:
    """Vitam's date-time format: UTC, milliseconds, no offset ("2020-12-16T09:13:31.501")."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def french_message(ev_type: str, outcome: str, detail: str | None = None) -> str:
    """outMessg for an event: exact message for the outDetail if known, else a generic French sentence
    built like Vitam's ("Succès du processus d'entrée du SIP", "Échec du début de l'étape CHECK_SEDA")."""
    if detail and detail in MESSAGES:
        return MESSAGES[detail]
    # Vitam words a detailed outcome from its catalogue (VitamLogbookMessages.getFromFullCodeKey).
    if detail and detail != f"{ev_type}.{outcome}" and (known := catalogue.text(detail)):
        return known
    if f"{ev_type}.{outcome}" in MESSAGES:
        return MESSAGES[f"{ev_type}.{outcome}"]
    is_step_start = ev_type.endswith(".STARTED")
    base_type = ev_type[: -len(".STARTED")] if is_step_start else ev_type
    subject = LABELS.get(base_type) or f"l'étape {base_type}"
    if is_step_start:
        subject = f"début {_of(subject)}"
    if outcome == "STARTED":
        return f"Début {_of(subject)}"
    return f"{_OUTCOME_PREFIX.get(outcome, 'Statut inconnu lors')} {_of(subject)}"


def _of(subject: str) -> str:
    # French contraction: "du processus", "du début", but "de l'étape".
    return f"de {subject}" if subject.startswith("l'") else f"du {subject}"


def jackson_pretty(value) -> str:
    """JSON as Jackson's default pretty printer writes it ({"key" : "value"} over lines), the form Vitam's
    referential services give evDetData (SanityChecker.sanitizeJson)."""
    return json.dumps(value, ensure_ascii=False, indent=2, separators=(",", " : "))


def _json_text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def start(
    db,
    *,
    tenant: int,
    ev_type: str,
    ev_type_proc: str,
    operation_id: str | None = None,
    context_id: str | None = None,
    application_id: str | None = None,
    contract: str | None = None,
    ob_id_in: str | None = None,
    ag_id_ext=None,
    rights_statement=None,
    state: str = "RUNNING",
    message: str | None = None,
    data=None,
) -> str:
    """Create an operation and its STARTED line; returns the operation id (a new GUID unless given).

    context_id is the security context (logged as agIdApp), application_id the X-Application-Id (evIdAppSession),
    contract an access contract identifier (rightsStatementIdentifier {"AccessContract": ...}) unless
    rights_statement (dict or JSON string, e.g. {"ArchivalAgreement": "IC-1"}) is given.
    """
    operation_id = operation_id or new_guid(tenant)
    now = now_iso()
    if rights_statement is None and contract:
        rights_statement = {"AccessContract": contract}
    doc = {
        "evId": operation_id,
        "evParentId": None,
        "evType": ev_type,
        "evDateTime": now,
        "evDetData": _json_text(data),
        "evIdProc": operation_id,
        "evTypeProc": ev_type_proc,
        "outcome": "STARTED",
        "outDetail": f"{ev_type}.STARTED",
        "outMessg": message or f"{french_message(ev_type, 'STARTED')} : {operation_id}",
        "agId": AG_ID,
        "agIdApp": context_id,
        "agIdPers": None,
        "evIdAppSession": application_id,
        "evIdReq": operation_id,
        "agIdExt": _json_text(ag_id_ext),
        "rightsStatementIdentifier": _json_text(rights_statement),
        "obId": operation_id,
        "obIdReq": None,
        "obIdIn": ob_id_in,
    }
    db.execute(
        "INSERT INTO logbook_operations (tenant, id, ev_type, ev_type_proc, state, status, context_id, created,"
        " updated, version, doc) VALUES (?, ?, ?, ?, ?, 'STARTED', ?, ?, ?, 0, ?)",
        (int(tenant), operation_id, ev_type, ev_type_proc, state, context_id, now, now, json.dumps(doc)),
    )
    return operation_id


def _operation_row(db, operation_id: str, tenant: int | None = None):
    if tenant is None:
        return db.execute("SELECT * FROM logbook_operations WHERE id = ?", (operation_id,)).fetchone()
    return db.execute(
        "SELECT * FROM logbook_operations WHERE tenant = ? AND id = ?", (int(tenant), operation_id)
    ).fetchone()


def event(
    db,
    operation_id: str,
    ev_type: str,
    outcome: str,
    *,
    detail: str | None = None,
    message: str | None = None,
    data=None,
    parent_id: str | None = None,
    ob_id: str | None = None,
) -> dict:
    """Append an event; outDetail is "<evType>.<OUTCOME>" unless detail (a full outDetail) is given."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    row = _operation_row(db, operation_id)
    if row is None:
        raise LookupError(f"unknown logbook operation {operation_id}")
    out_detail = detail or f"{ev_type}.{outcome}"
    now = now_iso()
    event_doc = {
        "evId": new_guid(row["tenant"]),
        "evParentId": parent_id,
        "evType": ev_type,
        "evDateTime": now,
        "evDetData": _json_text(data),
        "evIdProc": operation_id,
        "evTypeProc": row["ev_type_proc"],
        "outcome": outcome,
        "outDetail": out_detail,
        "outMessg": message or french_message(ev_type, outcome, out_detail),
        "agId": AG_ID,
        "agIdPers": None,
        "evIdReq": operation_id,
        "obId": ob_id,
    }
    seq = db.execute(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM logbook_events WHERE tenant = ? AND operation_id = ?",
        (row["tenant"], operation_id),
    ).fetchone()[0]
    db.execute(
        "INSERT INTO logbook_events (tenant, operation_id, seq, doc) VALUES (?, ?, ?, ?)",
        (row["tenant"], operation_id, seq, json.dumps(event_doc)),
    )
    db.execute(
        "UPDATE logbook_operations SET updated = ?, version = version + 1 WHERE tenant = ? AND id = ?",
        (now, row["tenant"], operation_id),
    )
    return event_doc


def finish(db, operation_id: str, outcome: str, *, message: str | None = None, data=None, detail: str | None = None):
    """Close the operation: final event (evType of the operation), state COMPLETED, global status = outcome."""
    if outcome not in FINAL_OUTCOMES:
        raise ValueError(f"final outcome must be one of {FINAL_OUTCOMES}, not {outcome!r}")
    row = _operation_row(db, operation_id)
    if row is None:
        raise LookupError(f"unknown logbook operation {operation_id}")
    final = event(db, operation_id, row["ev_type"], outcome, detail=detail, message=message, data=data, ob_id=operation_id)
    db.execute(
        "UPDATE logbook_operations SET state = 'COMPLETED', status = ? WHERE tenant = ? AND id = ?",
        (outcome, row["tenant"], operation_id),
    )
    return final


def update_root(db, tenant: int, operation_id: str, **fields) -> None:
    """Fill root fields learnt during the workflow (e.g. obIdIn, agIdExt, rightsStatementIdentifier once the
    manifest is read). Values that are dicts are stored as JSON strings, as Vitam does."""
    row = _operation_row(db, operation_id, tenant)
    if row is None:
        raise LookupError(f"unknown logbook operation {operation_id}")
    doc = json.loads(row["doc"])
    for key, value in fields.items():
        doc[key] = _json_text(value) if key in ("agIdExt", "rightsStatementIdentifier", "evDetData") else value
    db.execute("UPDATE logbook_operations SET doc = ? WHERE tenant = ? AND id = ?", (json.dumps(doc), int(tenant), operation_id))


def _assemble(db, row, *, last_events: int | None = None) -> dict:
    doc = json.loads(row["doc"])
    if last_events is None:
        event_rows = db.execute(
            "SELECT doc FROM logbook_events WHERE tenant = ? AND operation_id = ? ORDER BY seq",
            (row["tenant"], row["id"]),
        ).fetchall()
    else:
        event_rows = db.execute(
            "SELECT doc FROM (SELECT seq, doc FROM logbook_events WHERE tenant = ? AND operation_id = ?"
            " ORDER BY seq DESC LIMIT ?) ORDER BY seq",
            (row["tenant"], row["id"], last_events),
        ).fetchall()
    doc["events"] = [json.loads(r["doc"]) for r in event_rows]
    doc["#id"] = row["id"]
    doc["#tenant"] = row["tenant"]
    doc["#version"] = row["version"]
    doc["#lastPersistedDate"] = row["updated"]
    return doc


def get(db, tenant: int, operation_id: str) -> dict | None:
    """The external logbook operation document of this tenant, with all its events, or None."""
    row = _operation_row(db, operation_id, tenant)
    return _assemble(db, row) if row is not None else None


def list_operations(db, tenant: int, *, last_events: int | None = None) -> list[dict]:
    """Every operation of the tenant (oldest first); last_events keeps only the last N events (search slice).

    Two queries whatever the number of operations (events are grouped in Python)."""
    rows = db.execute(
        "SELECT * FROM logbook_operations WHERE tenant = ? ORDER BY created, rowid", (int(tenant),)
    ).fetchall()
    if last_events is None:
        event_rows = db.execute(
            "SELECT operation_id, doc FROM logbook_events WHERE tenant = ? ORDER BY operation_id, seq", (int(tenant),)
        )
    else:
        event_rows = db.execute(
            "SELECT operation_id, doc FROM (SELECT operation_id, seq, doc, ROW_NUMBER() OVER"
            " (PARTITION BY operation_id ORDER BY seq DESC) AS from_last FROM logbook_events WHERE tenant = ?)"
            " WHERE from_last <= ? ORDER BY operation_id, seq",
            (int(tenant), int(last_events)),
        )
    events: dict[str, list[dict]] = {}
    for operation_id, doc in event_rows:
        events.setdefault(operation_id, []).append(json.loads(doc))
    operations = []
    for row in rows:
        doc = json.loads(row["doc"])
        doc["events"] = events.get(row["id"], [])
        doc["#id"] = row["id"]
        doc["#tenant"] = row["tenant"]
        doc["#version"] = row["version"]
        doc["#lastPersistedDate"] = row["updated"]
        operations.append(doc)
    return operations


def state(db, tenant: int, operation_id: str) -> tuple[str, str, str] | None:
    """(X-Global-Execution-State, X-Global-Execution-Status, X-Context-Id) of the operation, or None.

    Vitam's X-Context-Id on operation status is the logbook type process (evTypeProc, e.g. "INGEST")."""
    row = _operation_row(db, operation_id, tenant)
    if row is None:
        return None
    return row["state"], row["status"], row["ev_type_proc"]


def operation_row(db, tenant: int, operation_id: str):
    """The raw row (tenant, id, ev_type, ev_type_proc, state, status, created, updated...) or None."""
    return _operation_row(db, operation_id, tenant)
