"""What every referential of vitam-lite shares: error codes, import locks, searches, usage by units."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from vitamlite import dsl, units_store
from vitamlite.http import VitamHttpError
from vitamlite.referentials import store as ref_store

# VitamCode items of AdminManagementExternalResource (service 02 External Access, domain 01 Input / Output).
BAD_REQUEST = "020120"
NOT_FOUND = "020122"
FORBIDDEN = "020152"

# Vitam keeps tenant-level import exclusivity (one rules import at a time per tenant...).
_locks: dict[tuple, threading.Lock] = {}
_locks_guard = threading.Lock()


class ImportInProgress(Exception):
    """Another import of the same referential runs on the same tenant."""


@contextmanager
def import_lock(store, tenant: int, kind: str):
    """Exclusive import of one referential kind on one tenant; raises ImportInProgress when busy."""
    key = (str(store.data_dir), int(tenant), kind)
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    if not lock.acquire(blocking=False):
        raise ImportInProgress(kind)
    try:
        yield
    finally:
        lock.release()


def bad_request(description: str, *, errors: list | None = None) -> VitamHttpError:
    return VitamHttpError(400, BAD_REQUEST, description, message="Bad Request", errors=errors)


def not_found(description: str) -> VitamHttpError:
    return VitamHttpError(404, NOT_FOUND, description, message="Not Found")


def search(db, tenant: int, kind: str, query: dict | None):
    """Vitam's SELECT_SINGLE semantics over one referential of the tenant -> dsl.SearchResult."""
    documents = ref_store.list_all(db, tenant, kind)
    return dsl.search_documents(documents, query or {"$query": {}, "$projection": {}}, kind="select_single")


def rules_used_by_units(db, tenant: int, rule_ids) -> set[str]:
    """The rule ids among `rule_ids` referenced by at least one unit's #management."""
    rule_ids = list(rule_ids)
    if not rule_ids:
        return set()
    return {rule_id for rule_id, count in units_store.units_using_rules(db, tenant, rule_ids).items() if count}


def agencies_used_by_units(db, tenant: int, identifiers) -> set[str]:
    """The agency identifiers among `identifiers` that are an originating agency of at least one unit."""
    return {identifier for identifier in identifiers if units_store.units_with_agency(db, tenant, identifier)}


def existing_units(db, tenant: int, unit_ids) -> set[str]:
    """The ids among `unit_ids` of units stored on the tenant."""
    return set(units_store.get_unit_docs(db, tenant, list(unit_ids)))
