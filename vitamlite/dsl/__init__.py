"""Vitam's query DSL for vitam-lite: validation, and search over units, object groups and documents.

- `validate(query, kind)` raises `DslInvalid(description)` (HTTP 400 `000601`) with Vitam's validator text.
- `search_units`, `get_unit`, `search_object_groups`, `get_object_group` run SELECT_MULTIPLE /
  GET_BY_ID queries on the units store in SQL, under an access contract `Restriction`.
- `search_documents(docs, query)` evaluates SELECT_SINGLE (or multiple) queries in Python over small
  collections (referentials, logbook operations) with the same semantics.
- `search_unit_ids` returns every matching unit id (no result window) for workflows.
- `IdRangeUnsupported` for a comparison or a range on `#id` of units/object groups (Elasticsearch refuses
  range queries on `_id`: Vitam answers 400, see access.py).
- `TrackTotalHitsUnauthorized` (HTTP 401 in Vitam) when `$track_total_hits` is asked but not allowed.
"""

from .evaluate import matches
from .search import (
    IdRangeUnsupported,
    SearchResult,
    TrackTotalHitsUnauthorized,
    get_object_group,
    get_unit,
    search_documents,
    search_object_groups,
    search_unit_ids,
    search_units,
)
from .validation import DslInvalid, validate

__all__ = [
    "DslInvalid",
    "IdRangeUnsupported",
    "SearchResult",
    "TrackTotalHitsUnauthorized",
    "get_object_group",
    "get_unit",
    "matches",
    "search_documents",
    "search_object_groups",
    "search_unit_ids",
    "search_units",
    "validate",
]
