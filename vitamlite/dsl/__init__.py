"""Vitam's query DSL for vitam-lite: validation, and search over units, object groups and documents.

- `validate(query, kind)` raises `DslInvalid(description)` (HTTP 400 `000601`) with Vitam's validator text.
- `search_units`, `get_unit`, `search_object_groups`, `get_object_group` run SELECT_MULTIPLE /
  GET_BY_ID queries on the units store in SQL, under an access contract `Restriction`.
- `search_documents(docs, query)` evaluates SELECT_SINGLE (or multiple) queries in Python over small
  collections (referentials, logbook operations) with the same semantics.
"""

from .validation import DslInvalid, validate

__all__ = ["DslInvalid", "validate"]
