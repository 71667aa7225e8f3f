"""`validate(query, kind)`: Vitam's DSL validators (schema + graph rules), raising DslInvalid."""

from __future__ import annotations

import functools

from .schema import Schema

SCHEMA_FILES = {
    "select_multiple": "select-query-multiple-dsl-schema.json",
    "select_single": "select-query-single-dsl-schema.json",
    "get_by_id": "get-by-id-query-dsl-schema.json",
    "update_by_id": "update-by-id-query-dsl-schema.json",
    "update_mass": "update-mass-query-dsl-schema.json",
    "batch_processing": "batch-processing-query-dsl-schema.json",
    "update_bulk": "update-bulk-query-dsl-schema.json",
    "reclassification": "reclassification-query-dsl-schema.json",
}
KIND_ALIASES = {"mass_update": "update_mass", "bulk_update": "update_bulk"}

MANDATORY_DEPTH_MESSAGE = (
    "DSL Graph validation : the query should contain a field $depth or $exactdepth "
    "(except on first query when no root is set)"
)
FORBIDDEN_DEPTH_MESSAGE = (
    "DSL Graph validation : the first query should not contain a field $depth or $exactdepth when no root is set"
)


class DslInvalid(ValueError):
    """A query rejected by the DSL validators; `description` is Vitam's validator text (HTTP 400 000601)."""

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description


@functools.cache
def schema_for(kind: str) -> Schema:
    kind = KIND_ALIASES.get(kind, kind)
    try:
        filename = SCHEMA_FILES[kind]
    except KeyError:
        raise ValueError(f"unknown DSL kind {kind!r}; expected one of {sorted(SCHEMA_FILES)}") from None
    return Schema.load(filename)


def validate(query, kind: str) -> None:
    """Raise DslInvalid unless `query` (parsed JSON) is a valid DSL request of this kind."""
    kind = KIND_ALIASES.get(kind, kind)
    errors = schema_for(kind).validate(query, "DSL")
    if errors:
        raise DslInvalid("\n".join(errors) + "\n")
    if kind == "select_multiple":
        _validate_graph(query)
    _validate_semantics(query, kind)


RESULT_WINDOW = 10_000
COMPARISON_KEYS = ("$lt", "$lte", "$gt", "$gte")


def _validate_semantics(query, kind: str) -> None:
    """Checks Vitam makes when parsing a valid-looking request (its parser answers 400 too)."""
    if kind in ("select_multiple", "select_single"):
        query_filter = query.get("$filter") or {}
        offset, limit = query_filter.get("$offset", 0), query_filter.get("$limit")
        if limit is not None and offset + limit > RESULT_WINDOW:
            raise DslInvalid(f"$offset + $limit ({offset} + {limit}) exceeds the result window of {RESULT_WINDOW}")
        if offset > RESULT_WINDOW:
            raise DslInvalid(f"$offset ({offset}) exceeds the result window of {RESULT_WINDOW}")
    raw = query.get("$query") if isinstance(query, dict) else None
    roots = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    for root_query in roots:
        _check_query(root_query)


def _check_query(query: dict) -> None:
    for operator, arg in query.items():
        if operator in ("$depth", "$exactdepth"):
            continue
        if operator in ("$and", "$or", "$not"):
            for sub in arg:
                _check_query(sub)
            continue
        if operator == "$subobject":
            for sub in arg.values():
                _check_query(sub)
            continue
        fields = [arg] if isinstance(arg, str) else list(arg) if isinstance(arg, dict) else []
        for field in fields:
            if field.startswith("_"):
                raise DslInvalid(f"Invalid field {field}: fields starting with _ are forbidden (use #)")
        if operator == "$range":
            for bounds in arg.values():
                for key in bounds:
                    if key not in COMPARISON_KEYS:
                        raise DslInvalid(f"Invalid $range bound {key}: expected $gt, $gte, $lt or $lte")


def _validate_graph(query: dict) -> None:
    """Vitam's SelectMultipleSchemaValidator.validateGraph: where $depth is required or forbidden."""
    roots = query.get("$roots")
    has_roots = isinstance(roots, list) and len(roots) > 0
    queries = query.get("$query")
    if not isinstance(queries, list):
        return
    for position, root_query in enumerate(queries):
        has_depth = "$depth" in root_query or "$exactdepth" in root_query
        if position == 0 and not has_roots:
            if has_depth:
                raise DslInvalid(FORBIDDEN_DEPTH_MESSAGE)
        elif not has_depth:
            raise DslInvalid(MANDATORY_DEPTH_MESSAGE)
