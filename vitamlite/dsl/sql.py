"""Compile Vitam DSL queries on archive units (and object groups) to SQLite.

Leaves on indexed fields become column predicates (`units.start_date >= ?`), full-text leaves on
Title/Description become FTS5 sub-queries, graph fields (`#allunitups`, `#unitups`,
`#originating_agencies`, rule ids) use their side tables, and every other leaf is evaluated by the
Python reference semantics through the SQLite function `dsl_match(doc, leaf_json)` (`dsl_match_unit` on units,
where a `$range` on an analysed text field compares indexed terms: analysis.py).
"""

from __future__ import annotations

import functools
import json
import sqlite3

from vitamlite.units_store import normalize_date

from .analysis import is_analysed_unit_field
from .evaluate import (
    COMPARISONS,
    FULL_TEXT_OPERATORS,
    matches,
    operator_of,
    parse_search,
    tokens,
    values_at,
)
from .validation import DslInvalid

# field -> (column, kind) for units; kind "date" normalises query values like the stored ones.
UNIT_COLUMNS = {
    "#id": ("u.id", "text"),
    "#unitType": ("u.unit_type", "text"),
    "DescriptionLevel": ("u.description_level", "text"),
    "StartDate": ("u.start_date", "date"),
    "EndDate": ("u.end_date", "date"),
    "#originating_agency": ("u.originating_agency", "text"),
    "#opi": ("u.opi", "text"),
    "#object": ("u.object_id", "text"),
    "#min": ("u.min_depth", "number"),
    "#max": ("u.max_depth", "number"),
    # Filled only when the value is a string: other values (and $exists) are left to the Python semantics.
    "#management.AppraisalRule.FinalAction": ("u.final_action", "string"),
}
OBJECT_GROUP_COLUMNS = {
    "#id": ("u.id", "text"),
    "#opi": ("u.opi", "text"),
    "#originating_agency": ("u.originating_agency", "text"),
}
FTS_COLUMNS = {"Title": "title", "Description": "description"}
RULE_FIELD_SUFFIX = ".Rules.Rule"
ORDER_COLUMNS = {"Title": "u.title_sort", "StartDate": "u.start_date", "EndDate": "u.end_date", "#id": "u.id",
                 "DescriptionLevel": "u.description_level", "#opi": "u.opi",
                 "#originating_agency": "u.originating_agency", "#min": "u.min_depth", "#max": "u.max_depth"}


# -- SQLite functions backed by the Python semantics --------------------------------------------

class _DocCache:
    """The last parsed document: one row's document is tested by several leaves in a row."""

    __slots__ = ("text", "doc")

    def __init__(self):
        self.text = None
        self.doc = None

    def parse(self, text: str):
        if text != self.text:
            self.doc = json.loads(text)
            self.text = text
        return self.doc


@functools.lru_cache(maxsize=1024)
def _leaf(leaf_json: str) -> dict:
    return json.loads(leaf_json)


def install_functions(db: sqlite3.Connection) -> None:
    """Register dsl_match / dsl_values on a connection (cheap; idempotent)."""
    cache = _DocCache()

    def dsl_match(doc_text, leaf_json):
        if doc_text is None:
            return 0
        return 1 if matches(cache.parse(doc_text), _leaf(leaf_json)) else 0

    def dsl_match_unit(doc_text, leaf_json):
        if doc_text is None:
            return 0
        return 1 if matches(cache.parse(doc_text), _leaf(leaf_json), analysed_field=is_analysed_unit_field) else 0

    def dsl_values(doc_text, field):
        if doc_text is None:
            return "[]"
        values = values_at(cache.parse(doc_text), field)
        distinct = []
        for value in values:
            if isinstance(value, (dict, list)):
                continue
            if value not in distinct:
                distinct.append(value)
        return json.dumps(distinct, ensure_ascii=False)

    db.create_function("dsl_match", 2, dsl_match, deterministic=True)
    db.create_function("dsl_match_unit", 2, dsl_match_unit, deterministic=True)
    db.create_function("dsl_values", 2, dsl_values, deterministic=True)


# -- compiler ----------------------------------------------------------------------------------


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def fts_term(word: str, prefix: bool = False) -> str:
    return f'"{word}"' + ("*" if prefix else "")


def _fts_subquery(column: str, expression: str, params: list) -> str:
    params.append(f"{column} : ({expression})")
    return "u.rid IN (SELECT rowid FROM units_fts WHERE units_fts MATCH ?)"


class Compiler:
    """Turns one DSL query object into a SQL boolean expression over the alias `u`."""

    def __init__(self, tenant: int, *, units: bool = True):
        self.tenant = tenant
        self.units = units
        self.columns = UNIT_COLUMNS if units else OBJECT_GROUP_COLUMNS

    def compile(self, query: dict, params: list) -> str:
        operator, arg = operator_of(query)
        if not operator:
            return "1"
        if operator == "$or" and self.units:
            merged = self._merged_full_text(arg, params)
            if merged is not None:
                return merged
        if operator in ("$and", "$or"):
            parts = [self.compile(sub, params) for sub in arg]
            joiner = " AND " if operator == "$and" else " OR "
            return "(" + joiner.join(parts) + ")"
        if operator == "$not":
            parts = [self.compile(sub, params) for sub in arg]
            return "NOT (" + " OR ".join(parts) + ")"
        if operator in ("$exists", "$missing"):
            field = arg
        elif operator == "$subobject":
            return self._generic(query, params)
        else:
            if not isinstance(arg, dict) or len(arg) != 1:
                raise DslInvalid(f"Opérateur {operator} : un seul champ attendu.")
            ((field, value),) = arg.items()
            if operator == "$range":
                self._check_range(value)
        if field == "#tenant":
            # Every row of the query has the request's tenant: decide once in Python.
            return "1" if matches({"#tenant": self.tenant}, query) else "0"
        if field.startswith("_"):
            raise DslInvalid(f"Le champ {field} n'est pas autorisé (les champs internes commencent par #).")
        if self.units and operator in FULL_TEXT_OPERATORS and field in FTS_COLUMNS:
            return self._full_text(operator, FTS_COLUMNS[field], value, params)
        if field in self.columns and operator not in ("$wildcard", "$regex") + FULL_TEXT_OPERATORS:
            return self._column(operator, *self.columns[field], query, params)
        if self.units and operator in ("$eq", "$in"):
            values = [value] if operator == "$eq" else list(value)
            if all(isinstance(v, str) for v in values):
                side = self._side_table(field, values, params)
                if side:
                    return side
        return self._generic(query, params)

    @staticmethod
    def _check_range(bounds) -> None:
        for key in bounds:
            if key not in COMPARISONS:
                raise DslInvalid(f"$range : borne {key} inconnue (attendu $gt, $gte, $lt ou $lte).")

    def _generic(self, query: dict, params: list) -> str:
        params.append(json.dumps(query, ensure_ascii=False, sort_keys=True))
        return "dsl_match_unit(u.doc, ?)" if self.units else "dsl_match(u.doc, ?)"

    def _side_table(self, field: str, values: list, params: list) -> str | None:
        if field == "#allunitups":
            params.extend([self.tenant, *values])
            return f"u.id IN (SELECT unit_id FROM unit_ancestors WHERE tenant = ? AND ancestor_id IN ({_marks(len(values))}))"
        if field == "#unitups":
            params.extend([self.tenant, *values])
            return f"u.id IN (SELECT unit_id FROM unit_parents WHERE tenant = ? AND parent_id IN ({_marks(len(values))}))"
        if field == "#originating_agencies":
            params.extend([self.tenant, *values])
            return f"u.id IN (SELECT unit_id FROM unit_agencies WHERE tenant = ? AND agency IN ({_marks(len(values))}))"
        if field.startswith("#management.") and field.endswith(RULE_FIELD_SUFFIX):
            category = field[len("#management.") : -len(RULE_FIELD_SUFFIX)]
            if "." not in category:
                params.extend([self.tenant, category, *values])
                return (
                    "u.id IN (SELECT unit_id FROM unit_rules WHERE tenant = ? AND category = ? "
                    f"AND rule_id IN ({_marks(len(values))}))"
                )
        return None

    def _column(self, operator: str, column: str, kind: str, query: dict, params: list) -> str:
        _, arg = operator_of(query)
        if kind == "string" and operator in ("$exists", "$missing", "$ne", "$nin"):
            return self._generic(query, params)  # a non-string value is in the document, not in the column
        if operator == "$exists":
            return f"{column} IS NOT NULL"
        if operator == "$missing":
            return f"{column} IS NULL"
        ((_, value),) = arg.items()

        def convert(raw):
            if kind == "date":
                normalized = normalize_date(raw)
                if normalized is None:
                    raise _NotIndexable
                return normalized
            if kind == "number":
                if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
                    raise _NotIndexable
                return raw
            if not isinstance(raw, str):
                raise _NotIndexable  # a number or boolean against a text column: Python decides
            return raw

        try:
            # "col IS NOT NULL AND ..." keeps predicates two-valued (a missing field is simply false,
            # so $not works as in Python) while leaving the column index usable.
            if operator == "$eq":
                params.append(convert(value))
                return f"({column} IS NOT NULL AND {column} = ?)"
            if operator == "$ne":
                params.append(convert(value))
                return f"({column} IS NULL OR {column} <> ?)"
            if operator in COMPARISONS:
                params.append(convert(value))
                symbol = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}[operator]
                return f"({column} IS NOT NULL AND {column} {symbol} ?)"
            if operator == "$range":
                parts = []
                for bound_operator, bound in value.items():
                    params.append(convert(bound))
                    symbol = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}[bound_operator]
                    parts.append(f"{column} {symbol} ?")
                return f"({column} IS NOT NULL AND " + " AND ".join(parts) + ")"
            if operator in ("$in", "$nin"):
                converted = [convert(item) for item in value]
                if not converted:
                    return "0" if operator == "$in" else "1"
                params.extend(converted)
                if operator == "$in":
                    return f"({column} IS NOT NULL AND {column} IN ({_marks(len(converted))}))"
                return f"({column} IS NULL OR {column} NOT IN ({_marks(len(converted))}))"
        except _NotIndexable:
            return self._generic(query, params)
        return self._generic(query, params)

    def _full_text(self, operator: str, column: str, text: str, params: list) -> str:
        if operator == "$search":
            tree = parse_search(text)
            if tree is None:
                return "0"
            return self._search_tree(column, tree, params)
        expression = _fts_expression(operator, text)
        if expression is None:
            return "0"
        return _fts_subquery(column, expression, params)

    def _merged_full_text(self, alternatives: list, params: list) -> str | None:
        """`$or` of full-text leaves (the usual "words in the title or the description") as one FTS
        query: one index lookup the planner can drive the search from, instead of a union of two."""
        expressions = []
        for sub in alternatives:
            operator, arg = operator_of(sub)
            if operator not in FULL_TEXT_OPERATORS or operator == "$search" or not isinstance(arg, dict) or len(arg) != 1:
                return None
            ((field, text),) = arg.items()
            if field not in FTS_COLUMNS:
                return None
            expression = _fts_expression(operator, text)
            if expression is not None:  # a leaf without words matches nothing: drop it from the union
                expressions.append(f"({FTS_COLUMNS[field]} : ({expression}))")
        if len(alternatives) < 2:
            return None
        if not expressions:
            return "0"
        params.append(" OR ".join(expressions))
        return "u.rid IN (SELECT rowid FROM units_fts WHERE units_fts MATCH ?)"

    def _search_tree(self, column: str, tree, params: list) -> str:
        kind = tree[0]
        if kind in ("and", "or"):
            left = self._search_tree(column, tree[1], params)
            right = self._search_tree(column, tree[2], params)
            return f"({left} {kind.upper()} {right})"
        if kind == "not":
            return f"NOT ({self._search_tree(column, tree[1], params)})"
        if kind == "phrase":
            return _fts_subquery(column, '"' + " ".join(tree[1]) + '"', params)
        if kind == "prefix_phrase":
            return _fts_subquery(column, '"' + " ".join(tree[1]) + '"*', params)
        return _fts_subquery(column, fts_term(tree[1][0], tree[2]), params)


def _fts_expression(operator: str, text) -> str | None:
    """FTS5 expression of a $match* leaf (None when the text has no word: the leaf matches nothing)."""
    words = tokens(text)
    if not words:
        return None
    if operator == "$match":
        return " OR ".join(fts_term(w) for w in words)
    if operator == "$match_all":
        return " AND ".join(fts_term(w) for w in words)
    if operator == "$match_phrase":
        return '"' + " ".join(words) + '"'
    return '"' + " ".join(words) + '"*'  # $match_phrase_prefix


class _NotIndexable(Exception):
    """A query value the column cannot compare like Vitam would: evaluate the leaf in Python."""


def order_expression(field: str, *, units: bool = True) -> str:
    if units and field in ORDER_COLUMNS:
        return ORDER_COLUMNS[field]
    if not units and field in OBJECT_GROUP_COLUMNS:
        return OBJECT_GROUP_COLUMNS[field][0]
    path = "$" + "".join(f'."{part}"' for part in field.split("."))
    return f"json_extract(u.doc, '{path.replace(chr(39), chr(39) * 2)}')"


__all__ = ["Compiler", "install_functions", "order_expression"]
