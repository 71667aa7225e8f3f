"""Archive units and object groups of vitam-lite: tables, writers and graph bookkeeping.

A unit is stored as its external Vitam document (SEDA Content fields at top level plus `#id`,
`#unitups`, `#management`...) in `units.doc`, with the fields searched most often copied into
indexed columns. The graph is kept in two tables: `unit_parents` (direct links, `#unitups`) and
`unit_ancestors` (every ancestor with its shortest distance), so `$roots`/`$depth` and the contract
root-unit filters are plain indexed joins. `units_fts` (FTS5, accent- and case-insensitive) indexes
Title and Description; `unit_agencies` holds `#originating_agencies` for the contract filter and
`unit_rules` the management rules for rule lookups.

Every function takes the caller's sqlite3 connection and never commits: the request or the workflow
owns the transaction (a failed ingest leaves nothing half-written).
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable

from vitamlite.store import register_schema

RULE_CATEGORIES = (
    "AccessRule",
    "AppraisalRule",
    "StorageRule",
    "DisseminationRule",
    "ClassificationRule",
    "ReuseRule",
    "HoldRule",
)

register_schema(
    """
    CREATE TABLE IF NOT EXISTS units (
        rid INTEGER PRIMARY KEY,
        tenant INTEGER NOT NULL,
        id TEXT NOT NULL,
        unit_type TEXT,
        description_level TEXT,
        title TEXT,
        title_sort TEXT,
        start_date TEXT,
        end_date TEXT,
        originating_agency TEXT,
        opi TEXT,
        object_id TEXT,
        min_depth INTEGER,
        max_depth INTEGER,
        doc TEXT NOT NULL,
        final_action TEXT,
        UNIQUE (tenant, id)
    );
    CREATE INDEX IF NOT EXISTS units_by_level ON units (tenant, description_level);
    CREATE INDEX IF NOT EXISTS units_by_final_action ON units (tenant, final_action);
    -- Period searches (EndDate >= start AND StartDate <= end) read both dates from the index alone.
    CREATE INDEX IF NOT EXISTS units_by_period ON units (tenant, end_date, start_date);
    -- Units found through the full-text index are read by rid: this copy of the searched and faceted
    -- columns answers those lookups without reading the (wide) rows and their documents.
    CREATE INDEX IF NOT EXISTS units_search_cover ON units (rid, tenant, end_date, start_date, originating_agency,
                                                            description_level, final_action);
    CREATE INDEX IF NOT EXISTS units_by_start ON units (tenant, start_date);
    CREATE INDEX IF NOT EXISTS units_by_end ON units (tenant, end_date);
    CREATE INDEX IF NOT EXISTS units_by_agency ON units (tenant, originating_agency);
    CREATE INDEX IF NOT EXISTS units_by_opi ON units (tenant, opi);
    CREATE INDEX IF NOT EXISTS units_by_title ON units (tenant, title_sort);
    CREATE INDEX IF NOT EXISTS units_by_type ON units (tenant, unit_type);
    CREATE INDEX IF NOT EXISTS units_by_object ON units (tenant, object_id);
    CREATE TABLE IF NOT EXISTS unit_parents (
        tenant INTEGER NOT NULL,
        unit_id TEXT NOT NULL,
        parent_id TEXT NOT NULL,
        PRIMARY KEY (tenant, unit_id, parent_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS unit_parents_by_parent ON unit_parents (tenant, parent_id);
    CREATE TABLE IF NOT EXISTS unit_ancestors (
        tenant INTEGER NOT NULL,
        unit_id TEXT NOT NULL,
        ancestor_id TEXT NOT NULL,
        depth INTEGER NOT NULL,
        PRIMARY KEY (tenant, unit_id, ancestor_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS unit_ancestors_by_ancestor ON unit_ancestors (tenant, ancestor_id, depth);
    CREATE TABLE IF NOT EXISTS unit_agencies (
        tenant INTEGER NOT NULL,
        agency TEXT NOT NULL,
        unit_id TEXT NOT NULL,
        PRIMARY KEY (tenant, agency, unit_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS unit_agencies_by_unit ON unit_agencies (tenant, unit_id);
    CREATE TABLE IF NOT EXISTS unit_rules (
        tenant INTEGER NOT NULL,
        unit_id TEXT NOT NULL,
        category TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        start_date TEXT,
        end_date TEXT
    );
    CREATE INDEX IF NOT EXISTS unit_rules_by_rule ON unit_rules (tenant, rule_id);
    CREATE INDEX IF NOT EXISTS unit_rules_by_unit ON unit_rules (tenant, unit_id);
    CREATE VIRTUAL TABLE IF NOT EXISTS units_fts USING fts5(
        title, description, tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TABLE IF NOT EXISTS object_groups (
        rid INTEGER PRIMARY KEY,
        tenant INTEGER NOT NULL,
        id TEXT NOT NULL,
        opi TEXT,
        originating_agency TEXT,
        doc TEXT NOT NULL,
        UNIQUE (tenant, id)
    );
    CREATE INDEX IF NOT EXISTS object_groups_by_opi ON object_groups (tenant, opi);
    """,
    migrate=lambda db: _add_final_action_column(db),
)


def _add_final_action_column(db: sqlite3.Connection) -> None:
    """Databases written before `units.final_action` existed get the column, filled from the documents."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(units)")}
    if not columns or "final_action" in columns:
        return
    path = '$."#management".AppraisalRule.FinalAction'
    db.execute("ALTER TABLE units ADD COLUMN final_action TEXT")
    db.execute(f"UPDATE units SET final_action = json_extract(doc, '{path}') WHERE json_type(doc, '{path}') = 'text'")
    db.commit()


class UnitsStoreError(ValueError):
    """A write that would break the units graph (unknown parent, cycle, duplicate id...)."""


_DATE_ONLY = re.compile(r"^-?\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^(-?\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(:\d{2})?)")
_YEAR_ONLY = re.compile(r"^-?\d{4}$")
_YEAR_MONTH = re.compile(r"^-?\d{4}-\d{2}$")


def normalize_date(value) -> str | None:
    """A sortable 'YYYY-MM-DDTHH:MM:SS' for any ISO-like date, None when value is not a date.

    Vitam indexes dates as dates: "2014-01-01" and "2014-01-01T00:00:00" are the same instant, and a
    bare year or year-month means its first day. Time zones and fractions are ignored.
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    if _DATE_ONLY.match(value):
        return value + "T00:00:00"
    match = _DATE_TIME.match(value)
    if match:
        time_part = match.group(2)
        if len(time_part) == 5:
            time_part += ":00"
        return f"{match.group(1)}T{time_part}"
    if _YEAR_MONTH.match(value):
        return value + "-01T00:00:00"
    if _YEAR_ONLY.match(value):
        return value + "-01-01T00:00:00"
    return None


_TOKEN = re.compile(r"[^\W_]+")


def analyze(text, *, stem: bool = True) -> list[str]:
    """Full-text analysis shared by the FTS index and the Python evaluator: accents and case removed,
    split on anything but letters and digits (like unicode61), and a light French plural stemming
    (trailing s/x dropped on words longer than 3) so "délibérations" finds "délibération"."""
    if not isinstance(text, str):
        return []
    decomposed = unicodedata.normalize("NFKD", text)
    words = _TOKEN.findall("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold())
    if stem:
        words = [w[:-1] if len(w) > 3 and w[-1] in "sx" and not w[-2].isdigit() else w for w in words]
    return words


def fts_text(values: list[str]) -> str:
    """Indexed form of text values: their analysed words (the query side is analysed the same way)."""
    return " ".join(word for value in values for word in analyze(value))


def _plain_text(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def sort_key(text) -> str | None:
    """Case- and accent-insensitive sort key for titles."""
    if not isinstance(text, str):
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


def _language_values(doc: dict, field: str) -> list[str]:
    """Field plus its language variants (`Title`, `Title_: {"fr": ..., "en": ...}`) as text."""
    values = []
    for value in (doc.get(field), *((doc.get(field + "_") or {}).values() if isinstance(doc.get(field + "_"), dict) else ())):
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, list):
            values.extend(item for item in value if isinstance(item, str))
    return values


def _unit_columns(doc: dict) -> dict:
    title = doc.get("Title")
    if not isinstance(title, str):
        titles = _language_values(doc, "Title")
        title = titles[0] if titles else None
    return {
        "unit_type": doc.get("#unitType"),
        "description_level": doc.get("DescriptionLevel"),
        "title": title,
        "title_sort": sort_key(title),
        "start_date": normalize_date(doc.get("StartDate")),
        "end_date": normalize_date(doc.get("EndDate")),
        "originating_agency": doc.get("#originating_agency"),
        "opi": doc.get("#opi"),
        "object_id": doc.get("#object"),
        "min_depth": doc.get("#min"),
        "max_depth": doc.get("#max"),
        "final_action": _final_action(doc),
    }


def _final_action(doc: dict) -> str | None:
    """The appraisal rule's final action (Keep/Destroy), a common search filter and facet."""
    appraisal = (doc.get("#management") or {}).get("AppraisalRule")
    value = appraisal.get("FinalAction") if isinstance(appraisal, dict) else None
    return value if isinstance(value, str) else None


def _rule_rows(tenant: int, unit_id: str, doc: dict) -> list[tuple]:
    rows = []
    management = doc.get("#management") or {}
    for category in RULE_CATEGORIES:
        rules = (management.get(category) or {}).get("Rules") or []
        for rule in rules:
            if isinstance(rule, dict) and rule.get("Rule"):
                rows.append(
                    (tenant, unit_id, category, rule["Rule"], rule.get("StartDate"), rule.get("EndDate"))
                )
    return rows


class _GraphNode:
    __slots__ = ("ancestors", "min", "max", "agencies")

    def __init__(self, ancestors: dict, min_depth: int, max_depth: int, agencies: set):
        self.ancestors = ancestors
        self.min = min_depth
        self.max = max_depth
        self.agencies = agencies


def _stored_nodes(db: sqlite3.Connection, tenant: int, unit_ids: Iterable[str]) -> dict[str, _GraphNode]:
    """Graph facts of units already stored (their ancestors, depths, originating agencies)."""
    nodes: dict[str, _GraphNode] = {}
    ids = list(dict.fromkeys(unit_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.execute(
            f"SELECT id, min_depth, max_depth, doc FROM units WHERE tenant = ? AND id IN ({marks})", (tenant, *chunk)
        ):
            doc = json.loads(row[3])
            nodes[row[0]] = _GraphNode({}, row[1] or 1, row[2] or 1, set(doc.get("#originating_agencies") or []))
        for row in db.execute(
            f"SELECT unit_id, ancestor_id, depth FROM unit_ancestors WHERE tenant = ? AND unit_id IN ({marks})",
            (tenant, *chunk),
        ):
            if row[0] in nodes:
                nodes[row[0]].ancestors[row[1]] = row[2]
    return nodes


def _own_agencies(doc: dict) -> set:
    agencies = set(doc.get("#originating_agencies") or [])
    if doc.get("#originating_agency"):
        agencies.add(doc["#originating_agency"])
    return agencies


def _compute_node(unit_id: str, doc: dict, parents: list[str], known: dict[str, _GraphNode]) -> _GraphNode:
    ancestors: dict[str, int] = {}
    agencies = _own_agencies(doc)
    for parent_id in parents:
        parent = known[parent_id]
        ancestors[parent_id] = 1
        for ancestor_id, depth in parent.ancestors.items():
            if ancestors.get(ancestor_id, depth + 2) > depth + 1:
                ancestors[ancestor_id] = depth + 1
        agencies |= parent.agencies
    if unit_id in ancestors:
        raise UnitsStoreError(f"L'unité archivistique {unit_id} serait son propre ancêtre.")
    if parents:
        min_depth = min(known[p].min for p in parents) + 1
        max_depth = max(known[p].max for p in parents) + 1
    else:
        min_depth = max_depth = 1
    return _GraphNode(ancestors, min_depth, max_depth, agencies)


def _topological(units: list[dict]) -> list[dict]:
    """Parents before children inside one batch (a SIP may list children first)."""
    by_id = {unit["#id"]: unit for unit in units}
    ordered: list[dict] = []
    state: dict[str, int] = {}  # 1 = visiting, 2 = done
    for unit in units:
        if state.get(unit["#id"]) == 2:
            continue
        stack = [(unit["#id"], iter(unit.get("#unitups") or []))]
        state[unit["#id"]] = 1
        while stack:
            current, parents = stack[-1]
            advanced = False
            for parent_id in parents:
                if parent_id in by_id:
                    if state.get(parent_id) == 1:
                        raise UnitsStoreError(f"Cycle dans l'arborescence autour de l'unité archivistique {parent_id}.")
                    if state.get(parent_id) != 2:
                        state[parent_id] = 1
                        stack.append((parent_id, iter(by_id[parent_id].get("#unitups") or [])))
                        advanced = True
                        break
            if not advanced:
                stack.pop()
                state[current] = 2
                ordered.append(by_id[current])
    return ordered


def _with_graph_fields(tenant: int, doc: dict, node: _GraphNode) -> dict:
    doc = dict(doc)
    doc["#tenant"] = tenant
    doc["#unitups"] = list(doc.get("#unitups") or [])
    doc["#allunitups"] = sorted(node.ancestors)
    doc["#min"] = node.min
    doc["#max"] = node.max
    doc["#originating_agencies"] = sorted(node.agencies)
    return doc


def insert_units(db: sqlite3.Connection, tenant: int, units: list[dict]) -> list[dict]:
    """Insert new units (external Vitam documents); returns the stored documents.

    `#allunitups`, `#min`, `#max`, `#tenant` and `#originating_agencies` (own agencies plus the
    parents') are computed from parents already stored or present in the same batch.
    """
    if not units:
        return []
    for unit in units:
        if not unit.get("#id"):
            raise UnitsStoreError("Une unité archivistique n'a pas d'identifiant (#id).")
    batch_ids = [unit["#id"] for unit in units]
    if len(set(batch_ids)) != len(batch_ids):
        raise UnitsStoreError("Le lot contient plusieurs fois le même identifiant d'unité archivistique.")
    existing = _existing_ids(db, tenant, batch_ids)
    if existing:
        raise UnitsStoreError(f"L'unité archivistique {sorted(existing)[0]} existe déjà.")
    batch = set(batch_ids)
    outside_parents = {p for unit in units for p in (unit.get("#unitups") or []) if p not in batch}
    known = _stored_nodes(db, tenant, outside_parents)
    missing = outside_parents - known.keys()
    if missing:
        raise UnitsStoreError(f"Unité archivistique parente inconnue : {sorted(missing)[0]}.")

    stored_docs, unit_rows, fts_rows, parent_rows, ancestor_rows, agency_rows, rule_rows = [], [], [], [], [], [], []
    for unit in _topological(units):
        unit_id = unit["#id"]
        parents = list(dict.fromkeys(unit.get("#unitups") or []))
        node = _compute_node(unit_id, unit, parents, known)
        known[unit_id] = node
        doc = _with_graph_fields(tenant, unit, node)
        stored_docs.append(doc)
        columns = _unit_columns(doc)
        unit_rows.append((tenant, unit_id, *columns.values(), json.dumps(doc, ensure_ascii=False)))
        fts_rows.append((fts_text(_plain_text(doc.get("Title"))), fts_text(_plain_text(doc.get("Description")))))
        parent_rows.extend((tenant, unit_id, parent_id) for parent_id in parents)
        ancestor_rows.extend((tenant, unit_id, ancestor, depth) for ancestor, depth in node.ancestors.items())
        agency_rows.extend((tenant, agency, unit_id) for agency in node.agencies)
        rule_rows.extend(_rule_rows(tenant, unit_id, doc))

    column_names = list(_unit_columns({}).keys())
    db.executemany(
        f"INSERT INTO units (tenant, id, {', '.join(column_names)}, doc) "
        f"VALUES (?, ?, {', '.join('?' * len(column_names))}, ?)",
        unit_rows,
    )
    rids = _rids(db, tenant, [row[1] for row in unit_rows])
    db.executemany(
        "INSERT INTO units_fts (rowid, title, description) VALUES (?, ?, ?)",
        [(rids[row[1]], *fts) for row, fts in zip(unit_rows, fts_rows)],
    )
    db.executemany("INSERT INTO unit_parents (tenant, unit_id, parent_id) VALUES (?, ?, ?)", parent_rows)
    db.executemany(
        "INSERT INTO unit_ancestors (tenant, unit_id, ancestor_id, depth) VALUES (?, ?, ?, ?)", ancestor_rows
    )
    db.executemany("INSERT INTO unit_agencies (tenant, agency, unit_id) VALUES (?, ?, ?)", agency_rows)
    db.executemany(
        "INSERT INTO unit_rules (tenant, unit_id, category, rule_id, start_date, end_date) VALUES (?, ?, ?, ?, ?, ?)",
        rule_rows,
    )
    return stored_docs


def _rids(db: sqlite3.Connection, tenant: int, ids: list[str]) -> dict[str, int]:
    rids = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rids.update(db.execute(f"SELECT id, rid FROM units WHERE tenant = ? AND id IN ({marks})", (tenant, *chunk)))
    return rids


def _existing_ids(db: sqlite3.Connection, tenant: int, ids: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(
            row[0] for row in db.execute(f"SELECT id FROM units WHERE tenant = ? AND id IN ({marks})", (tenant, *chunk))
        )
    return found


def get_unit_doc(db: sqlite3.Connection, tenant: int, unit_id: str) -> dict | None:
    """The stored document of one unit, without any contract filtering (internal use)."""
    row = db.execute("SELECT doc FROM units WHERE tenant = ? AND id = ?", (tenant, unit_id)).fetchone()
    return json.loads(row[0]) if row else None


def get_unit_docs(db: sqlite3.Connection, tenant: int, unit_ids: Iterable[str]) -> dict[str, dict]:
    """Stored documents by id (missing ids are absent from the result); internal use."""
    ids = list(dict.fromkeys(unit_ids))
    docs = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.execute(f"SELECT id, doc FROM units WHERE tenant = ? AND id IN ({marks})", (tenant, *chunk)):
            docs[row[0]] = json.loads(row[1])
    return docs


def update_unit(db: sqlite3.Connection, tenant: int, unit_id: str, doc: dict) -> dict:
    """Replace a unit's document (descriptive metadata, #management...); returns the stored document.

    When `#unitups` changes (reclassification) the graph fields of the unit and of all its
    descendants are recomputed.
    """
    row = db.execute("SELECT rid, doc FROM units WHERE tenant = ? AND id = ?", (tenant, unit_id)).fetchone()
    if row is None:
        raise UnitsStoreError(f"Unité archivistique inconnue : {unit_id}.")
    rid, old_doc = row[0], json.loads(row[1])
    doc = dict(doc)
    doc["#id"] = unit_id
    parents = list(dict.fromkeys(doc.get("#unitups") or []))
    graph_changed = parents != list(old_doc.get("#unitups") or []) or doc.get("#originating_agency") != old_doc.get(
        "#originating_agency"
    )
    # Stored #originating_agencies include the parents': recompute them from the unit's own agency.
    doc["#originating_agencies"] = [doc["#originating_agency"]] if doc.get("#originating_agency") else []
    known = _stored_nodes(db, tenant, parents)
    missing = set(parents) - known.keys()
    if missing:
        raise UnitsStoreError(f"Unité archivistique parente inconnue : {sorted(missing)[0]}.")
    node = _compute_node(unit_id, doc, parents, known)
    stored = _with_graph_fields(tenant, doc, node)
    _rewrite_unit(db, tenant, rid, unit_id, stored, parents, node)
    if graph_changed:
        _recompute_descendants(db, tenant, unit_id)
    return stored


def replace_unit_documents(db: sqlite3.Connection, tenant: int, docs: Iterable[dict]) -> None:
    """Rewrite stored documents whose change touches no indexed column, link, agency, rule or text
    (e.g. the `#elimination` entries of an elimination analysis): one UPDATE per unit, no reindexing."""
    db.executemany(
        "UPDATE units SET doc = ? WHERE tenant = ? AND id = ?",
        [(json.dumps(doc, ensure_ascii=False), tenant, doc["#id"]) for doc in docs],
    )

def _rewrite_unit(db, tenant, rid, unit_id, doc, parents, node) -> None:
    columns = _unit_columns(doc)
    assignments = ", ".join(f"{name} = ?" for name in columns)
    db.execute(
        f"UPDATE units SET {assignments}, doc = ? WHERE rid = ?",
        (*columns.values(), json.dumps(doc, ensure_ascii=False), rid),
    )
    db.execute("DELETE FROM units_fts WHERE rowid = ?", (rid,))
    db.execute(
        "INSERT INTO units_fts (rowid, title, description) VALUES (?, ?, ?)",
        (rid, fts_text(_plain_text(doc.get("Title"))), fts_text(_plain_text(doc.get("Description")))),
    )
    for table in ("unit_parents", "unit_ancestors", "unit_agencies", "unit_rules"):
        db.execute(f"DELETE FROM {table} WHERE tenant = ? AND unit_id = ?", (tenant, unit_id))
    db.executemany(
        "INSERT INTO unit_parents (tenant, unit_id, parent_id) VALUES (?, ?, ?)",
        [(tenant, unit_id, parent_id) for parent_id in parents],
    )
    db.executemany(
        "INSERT INTO unit_ancestors (tenant, unit_id, ancestor_id, depth) VALUES (?, ?, ?, ?)",
        [(tenant, unit_id, ancestor, depth) for ancestor, depth in node.ancestors.items()],
    )
    db.executemany(
        "INSERT INTO unit_agencies (tenant, agency, unit_id) VALUES (?, ?, ?)",
        [(tenant, agency, unit_id) for agency in node.agencies],
    )
    db.executemany(
        "INSERT INTO unit_rules (tenant, unit_id, category, rule_id, start_date, end_date) VALUES (?, ?, ?, ?, ?, ?)",
        _rule_rows(tenant, unit_id, doc),
    )


def _recompute_descendants(db: sqlite3.Connection, tenant: int, unit_id: str) -> None:
    """Recompute graph fields of every descendant, nearest first (after a move or agency change)."""
    # Children of the moved unit are found through unit_parents (unit_ancestors of the
    # descendants still holds the old paths until they are rewritten).
    pending, seen, order = [unit_id], {unit_id}, []
    while pending:
        current = pending.pop(0)
        for (child,) in db.execute(
            "SELECT unit_id FROM unit_parents WHERE tenant = ? AND parent_id = ?", (tenant, current)
        ).fetchall():
            if child not in seen:
                seen.add(child)
                order.append(child)
                pending.append(child)
    for descendant in order:
        row = db.execute("SELECT rid, doc FROM units WHERE tenant = ? AND id = ?", (tenant, descendant)).fetchone()
        doc = json.loads(row[1])
        parents = list(dict.fromkeys(doc.get("#unitups") or []))
        known = _stored_nodes(db, tenant, parents)
        # Recompute own agencies from the SIP-given ones only: drop inherited ones first.
        base = dict(doc)
        base["#originating_agencies"] = [doc["#originating_agency"]] if doc.get("#originating_agency") else []
        node = _compute_node(descendant, base, parents, known)
        _rewrite_unit(db, tenant, row[0], descendant, _with_graph_fields(tenant, doc | {"#originating_agencies": base["#originating_agencies"]}, node), parents, node)


def delete_units(db: sqlite3.Connection, tenant: int, ids: Iterable[str]) -> int:
    """Delete units (elimination, transfer reply); returns how many existed. Children are the caller's concern."""
    ids = list(dict.fromkeys(ids))
    deleted = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rids = [
            row[0] for row in db.execute(f"SELECT rid FROM units WHERE tenant = ? AND id IN ({marks})", (tenant, *chunk))
        ]
        deleted += len(rids)
        db.executemany("DELETE FROM units_fts WHERE rowid = ?", [(rid,) for rid in rids])
        db.execute(f"DELETE FROM units WHERE tenant = ? AND id IN ({marks})", (tenant, *chunk))
        for table in ("unit_parents", "unit_ancestors", "unit_agencies", "unit_rules"):
            db.execute(f"DELETE FROM {table} WHERE tenant = ? AND unit_id IN ({marks})", (tenant, *chunk))
    return deleted


def children_count(db: sqlite3.Connection, tenant: int, unit_id: str) -> int:
    """Number of direct child units."""
    return db.execute(
        "SELECT COUNT(*) FROM unit_parents WHERE tenant = ? AND parent_id = ?", (tenant, unit_id)
    ).fetchone()[0]


def children_ids(db: sqlite3.Connection, tenant: int, unit_id: str) -> list[str]:
    """Ids of the direct child units."""
    return [
        row[0]
        for row in db.execute(
            "SELECT unit_id FROM unit_parents WHERE tenant = ? AND parent_id = ? ORDER BY unit_id", (tenant, unit_id)
        )
    ]


def units_using_rules(db: sqlite3.Connection, tenant: int, rule_ids: Iterable[str]) -> dict[str, int]:
    """How many units declare each rule in their own #management (rules absent from the result: none)."""
    ids = list(dict.fromkeys(rule_ids))
    counts: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for rule_id, count in db.execute(
            f"SELECT rule_id, COUNT(DISTINCT unit_id) FROM unit_rules WHERE tenant = ? AND rule_id IN ({marks}) "
            "GROUP BY rule_id",
            (tenant, *chunk),
        ):
            counts[rule_id] = count
    return counts


def units_with_agency(db: sqlite3.Connection, tenant: int, agency: str) -> int:
    """How many units have this originating agency among their #originating_agencies."""
    return db.execute(
        "SELECT COUNT(*) FROM unit_agencies WHERE tenant = ? AND agency = ?", (tenant, agency)
    ).fetchone()[0]


# ---------------------------------------------------------------------------------------------
# Object groups


def insert_object_groups(db: sqlite3.Connection, tenant: int, groups: list[dict]) -> list[dict]:
    """Insert object groups (external documents with `#id`, `#qualifiers`, `#unitups`...)."""
    stored = []
    rows = []
    for group in groups:
        if not group.get("#id"):
            raise UnitsStoreError("Un groupe d'objets n'a pas d'identifiant (#id).")
        doc = dict(group)
        doc["#tenant"] = tenant
        agencies = set(doc.get("#originating_agencies") or [])
        if doc.get("#originating_agency"):
            agencies.add(doc["#originating_agency"])
        doc["#originating_agencies"] = sorted(agencies)
        stored.append(doc)
        rows.append((tenant, doc["#id"], doc.get("#opi"), doc.get("#originating_agency"), json.dumps(doc, ensure_ascii=False)))
    try:
        db.executemany(
            "INSERT INTO object_groups (tenant, id, opi, originating_agency, doc) VALUES (?, ?, ?, ?, ?)", rows
        )
    except sqlite3.IntegrityError as error:
        raise UnitsStoreError(f"Un groupe d'objets existe déjà : {error}.") from None
    return stored


def update_object_group(db: sqlite3.Connection, tenant: int, group_id: str, doc: dict) -> dict:
    """Replace an object group's document."""
    doc = dict(doc)
    doc["#id"] = group_id
    doc["#tenant"] = tenant
    cursor = db.execute(
        "UPDATE object_groups SET opi = ?, originating_agency = ?, doc = ? WHERE tenant = ? AND id = ?",
        (doc.get("#opi"), doc.get("#originating_agency"), json.dumps(doc, ensure_ascii=False), tenant, group_id),
    )
    if cursor.rowcount == 0:
        raise UnitsStoreError(f"Groupe d'objets inconnu : {group_id}.")
    return doc


def get_object_group_doc(db: sqlite3.Connection, tenant: int, group_id: str) -> dict | None:
    """The stored document of one object group, without contract filtering (internal use)."""
    row = db.execute("SELECT doc FROM object_groups WHERE tenant = ? AND id = ?", (tenant, group_id)).fetchone()
    return json.loads(row[0]) if row else None


def delete_object_groups(db: sqlite3.Connection, tenant: int, ids: Iterable[str]) -> int:
    """Delete object groups; returns how many existed."""
    ids = list(dict.fromkeys(ids))
    deleted = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        deleted += db.execute(f"DELETE FROM object_groups WHERE tenant = ? AND id IN ({marks})", (tenant, *chunk)).rowcount
    return deleted
