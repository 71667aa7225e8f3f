"""Storage of vitam-lite's referentials: one table, one JSON document per (tenant, kind, identifier).

Documents carry Vitam's external field names (`#id`, `#tenant`, `#version`, `Identifier`, `RuleId`...),
so readers (ingest, access, inheritance) use them as Vitam would return them. Contexts and security
profiles are platform-wide in Vitam: they are stored under the admin tenant and read from there.

Every function takes the caller's sqlite3 connection: the request (or workflow) owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable

from vitamlite.ids import new_guid
from vitamlite.store import register_schema

KINDS = (
    "rules",
    "agencies",
    "access_contracts",
    "ingest_contracts",
    "management_contracts",
    "profiles",
    "contexts",
    "security_profiles",
    "archive_unit_profiles",
)

# The document field naming each kind's business identifier.
IDENTIFIER_FIELD = {kind: "Identifier" for kind in KINDS} | {"rules": "RuleId"}

# Date fields Vitam maintains on each kind: (set at creation, refreshed on every update).
DATE_FIELDS: dict[str, tuple[str, str] | None] = {
    "rules": ("CreationDate", "UpdateDate"),
    "agencies": None,
    "access_contracts": ("CreationDate", "LastUpdate"),
    "ingest_contracts": ("CreationDate", "LastUpdate"),
    "management_contracts": ("CreationDate", "LastUpdate"),
    "profiles": ("CreationDate", "LastUpdate"),
    "contexts": ("CreationDate", "LastUpdate"),
    "security_profiles": None,
    "archive_unit_profiles": ("CreationDate", "LastUpdate"),
}

register_schema(
    """
    CREATE TABLE IF NOT EXISTS referentials (
        tenant INTEGER NOT NULL,
        kind TEXT NOT NULL,
        identifier TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (tenant, kind, identifier)
    );
    CREATE TABLE IF NOT EXISTS referential_sequences (
        tenant INTEGER NOT NULL,
        kind TEXT NOT NULL,
        last_value INTEGER NOT NULL,
        PRIMARY KEY (tenant, kind)
    );
    """
)


def now_iso() -> str:
    """Vitam's LocalDateUtil format for CreationDate/LastUpdate (milliseconds, no zone)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown referential kind {kind!r}")


def get(db: sqlite3.Connection, tenant: int, kind: str, identifier: str) -> dict | None:
    """The document of `identifier` (RuleId for rules, Identifier otherwise), or None."""
    _check_kind(kind)
    row = db.execute(
        "SELECT doc FROM referentials WHERE tenant = ? AND kind = ? AND identifier = ?",
        (tenant, kind, identifier),
    ).fetchone()
    return json.loads(row[0]) if row else None


def get_many(db: sqlite3.Connection, tenant: int, kind: str, identifiers: Iterable[str]) -> dict[str, dict]:
    """Documents by identifier for those of `identifiers` that exist."""
    _check_kind(kind)
    wanted = list(dict.fromkeys(identifiers))
    found: dict[str, dict] = {}
    # SQLite limits bound parameters; 500 per query stays far below it.
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for identifier, doc in db.execute(
            f"SELECT identifier, doc FROM referentials WHERE tenant = ? AND kind = ? AND identifier IN ({marks})",
            (tenant, kind, *chunk),
        ):
            found[identifier] = json.loads(doc)
    return found


def list_all(db: sqlite3.Connection, tenant: int, kind: str) -> list[dict]:
    """Every document of the kind for the tenant, in insertion order."""
    _check_kind(kind)
    rows = db.execute(
        "SELECT doc FROM referentials WHERE tenant = ? AND kind = ? ORDER BY rowid",
        (tenant, kind),
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


def exists(db: sqlite3.Connection, tenant: int, kind: str, identifier: str) -> bool:
    _check_kind(kind)
    row = db.execute(
        "SELECT 1 FROM referentials WHERE tenant = ? AND kind = ? AND identifier = ?",
        (tenant, kind, identifier),
    ).fetchone()
    return row is not None


def _prepare(tenant: int, kind: str, doc: dict, previous: dict | None, now: str) -> dict:
    """Adds the system fields Vitam maintains: `#id`, `#tenant`, `#version` and the kind's dates."""
    stored = {key: value for key, value in doc.items() if not key.startswith("#")}
    dates = DATE_FIELDS[kind]
    if previous is None:
        stored["#id"] = new_guid()
        stored["#version"] = 0
        if dates:
            stored.setdefault(dates[0], now)
            stored.setdefault(dates[1], now)
    else:
        stored["#id"] = previous["#id"]
        stored["#version"] = previous.get("#version", 0) + 1
        if dates:
            stored[dates[0]] = previous.get(dates[0], now)
            stored[dates[1]] = now
    stored["#tenant"] = tenant
    return stored


def put(db: sqlite3.Connection, tenant: int, kind: str, doc: dict) -> dict:
    """Inserts or updates one document (keyed by its identifier field); returns the stored document.

    On update `#id` and the creation date are kept and `#version` is incremented.
    """
    return put_many(db, tenant, kind, [doc])[0]


def put_many(db: sqlite3.Connection, tenant: int, kind: str, docs: list[dict]) -> list[dict]:
    """Bulk form of `put` (one read and one executemany, for 5,000-rule imports)."""
    _check_kind(kind)
    field = IDENTIFIER_FIELD[kind]
    identifiers = [doc[field] for doc in docs]
    previous = get_many(db, tenant, kind, identifiers)
    now = now_iso()
    stored = [_prepare(tenant, kind, doc, previous.get(doc[field]), now) for doc in docs]
    db.executemany(
        "INSERT INTO referentials (tenant, kind, identifier, doc) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (tenant, kind, identifier) DO UPDATE SET doc = excluded.doc",
        [(tenant, kind, doc[field], json.dumps(doc, ensure_ascii=False)) for doc in stored],
    )
    return stored


def delete(db: sqlite3.Connection, tenant: int, kind: str, identifier: str) -> bool:
    """Removes one document; True when it existed."""
    _check_kind(kind)
    cursor = db.execute(
        "DELETE FROM referentials WHERE tenant = ? AND kind = ? AND identifier = ?",
        (tenant, kind, identifier),
    )
    return cursor.rowcount > 0


def delete_many(db: sqlite3.Connection, tenant: int, kind: str, identifiers: Iterable[str]) -> None:
    _check_kind(kind)
    db.executemany(
        "DELETE FROM referentials WHERE tenant = ? AND kind = ? AND identifier = ?",
        [(tenant, kind, identifier) for identifier in identifiers],
    )


def next_identifier(db: sqlite3.Connection, tenant: int, kind: str, prefix: str) -> str:
    """Next generated identifier of the tenant for the kind, Vitam style: `AC-000001`, `IC-000002`..."""
    _check_kind(kind)
    row = db.execute(
        "INSERT INTO referential_sequences (tenant, kind, last_value) VALUES (?, ?, 1) "
        "ON CONFLICT (tenant, kind) DO UPDATE SET last_value = last_value + 1 RETURNING last_value",
        (tenant, kind),
    ).fetchone()
    return f"{prefix}-{row[0]:06d}"
