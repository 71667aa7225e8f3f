"""A small immutable builder for Vitam's query DSL (vitam-api.md section 6).

    query = (Select()
             .where(eq("DescriptionLevel", "File"), match("Title", "marché public"))
             .roots(["aeaqaaaa..."]).depth(3)
             .offset(0).limit(50).order_by("Title")
             .fields("Title", "#id")
             .facet_terms("agency", "#originating_agency", size=20)
             .build())

Each builder method returns a new builder; build() returns the JSON-able dict Vitam expects,
always with the mandatory $projection. Condition helpers (eq, match, range_...) return plain
dicts, so hand-written conditions mix freely with them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

# Vitam's maximum result window: $offset + $limit must stay within it.
MAX_RESULT_WINDOW = 10_000
# A condition every unit and object group meets, to carry a $depth without other criteria.
MATCH_ALL = {"$exists": "#id"}
# $depth used when roots are given without an explicit depth: "anywhere below the roots".
DEFAULT_DEPTH_UNDER_ROOTS = 100


# --- conditions ---------------------------------------------------------------------------

def _one(operator: str, field_name: str, value: Any) -> dict:
    if not field_name:
        raise ValueError(f"{operator} needs a field name")
    return {operator: {field_name: value}}


def eq(field_name: str, value: Any) -> dict:
    return _one("$eq", field_name, value)


def ne(field_name: str, value: Any) -> dict:
    return _one("$ne", field_name, value)


def lt(field_name: str, value: Any) -> dict:
    return _one("$lt", field_name, value)


def lte(field_name: str, value: Any) -> dict:
    return _one("$lte", field_name, value)


def gt(field_name: str, value: Any) -> dict:
    return _one("$gt", field_name, value)


def gte(field_name: str, value: Any) -> dict:
    return _one("$gte", field_name, value)


def range_(field_name: str, *, gte: Any = None, gt: Any = None, lte: Any = None, lt: Any = None) -> dict:
    """Interval on a keyword, date or number. Vitam's $range takes exactly two bounds, so a
    single bound becomes the matching comparison operator."""
    if gte is not None and gt is not None or lte is not None and lt is not None:
        raise ValueError("range_: give at most one lower bound (gte/gt) and one upper bound (lte/lt)")
    bounds = {op: v for op, v in (("$gte", gte), ("$gt", gt), ("$lte", lte), ("$lt", lt)) if v is not None}
    if not bounds:
        raise ValueError("range_ needs at least one bound")
    if len(bounds) == 1:
        ((operator, value),) = bounds.items()
        return _one(operator, field_name, value)
    return {"$range": {field_name: bounds}}


def in_(field_name: str, values) -> dict:
    return _one("$in", field_name, list(values))


def nin(field_name: str, values) -> dict:
    return _one("$nin", field_name, list(values))


def exists(field_name: str) -> dict:
    return {"$exists": field_name}


def missing(field_name: str) -> dict:
    return {"$missing": field_name}


def match(field_name: str, text: str) -> dict:
    """Full-text: any of the words (analysed fields such as Title, Description)."""
    return _one("$match", field_name, text)


def match_all(field_name: str, text: str) -> dict:
    return _one("$match_all", field_name, text)


def match_phrase(field_name: str, text: str) -> dict:
    return _one("$match_phrase", field_name, text)


def match_phrase_prefix(field_name: str, text: str) -> dict:
    return _one("$match_phrase_prefix", field_name, text)


def search(field_name: str, text: str) -> dict:
    """Lucene simple query string (+ AND, | OR, - NOT, quotes, * prefix)."""
    return _one("$search", field_name, text)


def wildcard(field_name: str, pattern: str) -> dict:
    return _one("$wildcard", field_name, pattern)


def regex(field_name: str, pattern: str) -> dict:
    return _one("$regex", field_name, pattern)


def and_(*conditions: dict) -> dict:
    if not conditions:
        raise ValueError("and_ needs at least one condition")
    return {"$and": list(conditions)}


def or_(*conditions: dict) -> dict:
    if not conditions:
        raise ValueError("or_ needs at least one condition")
    return {"$or": list(conditions)}


def not_(*conditions: dict) -> dict:
    """None of the conditions matches."""
    if not conditions:
        raise ValueError("not_ needs at least one condition")
    return {"$not": list(conditions)}


def _combine(conditions: tuple[dict, ...]) -> dict | None:
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else and_(*conditions)


# --- shared filter/projection parts -------------------------------------------------------

@dataclass(frozen=True)
class _Common:
    _offset: int | None = None
    _limit: int | None = None
    _orderby: tuple[tuple[str, int], ...] = ()
    _fields: tuple[str, ...] = ()
    _track_total_hits: bool | None = None

    def offset(self, value: int):
        if value < 0:
            raise ValueError("offset must be >= 0")
        return replace(self, _offset=int(value))

    def limit(self, value: int):
        if value < 0:
            raise ValueError("limit must be >= 0")
        return replace(self, _limit=int(value))

    def order_by(self, field_name: str, desc: bool = False):
        kept = tuple(item for item in self._orderby if item[0] != field_name)
        return replace(self, _orderby=kept + ((field_name, -1 if desc else 1),))

    def fields(self, *names: str):
        return replace(self, _fields=tuple(dict.fromkeys(self._fields + names)))

    def track_total_hits(self, value: bool = True):
        return replace(self, _track_total_hits=value)

    def _filter(self) -> dict:
        window = (self._offset or 0) + (self._limit or 0)
        if window > MAX_RESULT_WINDOW:
            raise ValueError(f"offset + limit must not exceed {MAX_RESULT_WINDOW} (Vitam's result window)")
        result = {}
        if self._offset is not None:
            result["$offset"] = self._offset
        if self._limit is not None:
            result["$limit"] = self._limit
        if self._orderby:
            result["$orderby"] = dict(self._orderby)
        if self._track_total_hits is not None:
            result["$track_total_hits"] = self._track_total_hits
        return result

    def _projection(self) -> dict:
        return {"$fields": {name: 1 for name in self._fields}} if self._fields else {}


# --- SELECT_MULTIPLE (units, object groups) -----------------------------------------------

@dataclass(frozen=True)
class Select(_Common):
    """SELECT_MULTIPLE query for /units, /objects, /unitsWithInheritedRules."""

    _queries: tuple[tuple[dict | None, int | None], ...] = ()
    _roots: tuple[str, ...] = ()
    _facets: tuple[dict, ...] = ()
    _threshold: int | None = None

    def where(self, *conditions: dict):
        """Set the first query (several conditions are joined with $and)."""
        first_depth = self._queries[0][1] if self._queries else None
        rest = self._queries[1:]
        return replace(self, _queries=((_combine(conditions), first_depth),) + rest)

    def then(self, *conditions: dict, depth: int = 1):
        """Add a narrowing query: evaluated under the results of the previous one, at depth."""
        queries = self._queries or ((None, None),)
        return replace(self, _queries=queries + ((_combine(conditions), depth),))

    def roots(self, unit_ids):
        return replace(self, _roots=tuple(unit_ids))

    def depth(self, value: int):
        """$depth of the first query: 0 = the roots themselves, n = descendants down to n levels."""
        if value < 0:
            raise ValueError("depth must be >= 0")
        condition = self._queries[0][0] if self._queries else None
        return replace(self, _queries=((condition, int(value)),) + self._queries[1:])

    def threshold(self, value: int):
        return replace(self, _threshold=int(value))

    def facet_terms(self, name: str, field_name: str, *, size: int = 20, order: str = "DESC"):
        if order not in ("ASC", "DESC"):
            raise ValueError("order must be ASC or DESC")
        facet = {"$name": name, "$terms": {"$field": field_name, "$size": int(size), "$order": order}}
        return replace(self, _facets=self._facets + (facet,))

    def facet_date_range(self, name: str, field_name: str, ranges, *, date_format: str = "yyyy"):
        """Vitam's $date_range facet; ranges are (from, to) pairs, either may be None."""
        items = []
        for start, end in ranges:
            item = {}
            if start is not None:
                item["$from"] = str(start)
            if end is not None:
                item["$to"] = str(end)
            if not item:
                raise ValueError("each date range needs a start or an end")
            items.append(item)
        if not items:
            raise ValueError("facet_date_range needs at least one range")
        facet = {"$name": name, "$date_range": {"$field": field_name, "$format": date_format, "$ranges": items}}
        return replace(self, _facets=self._facets + (facet,))

    def facet_date_histogram(self, name: str, field_name: str, *, start_year: int, end_year: int, step: int = 1):
        """A histogram by year, expressed as Vitam's $date_range facet (one range per step;
        a bucket counts dates from its first year included to the next bucket's excluded)."""
        if end_year < start_year or step < 1:
            raise ValueError("facet_date_histogram: end_year >= start_year and step >= 1")
        ranges = [(year, year + step) for year in range(start_year, end_year + 1, step)]
        return self.facet_date_range(name, field_name, ranges)

    def facet_filters(self, name: str, filters: dict[str, dict]):
        """$filters facet: {bucket name: condition}."""
        if not filters:
            raise ValueError("facet_filters needs at least one filter")
        facet = {"$name": name, "$filters": {"$query_filters": [
            {"$name": bucket, "$query": condition} for bucket, condition in filters.items()
        ]}}
        return replace(self, _facets=self._facets + (facet,))

    def build(self) -> dict:
        queries = []
        for index, (condition, depth) in enumerate(self._queries):
            if condition is None:
                if index == 0 and len(self._queries) == 1 and depth is None:
                    continue  # no condition at all: "$query": [] (every unit, or the roots)
                if index > 0:
                    raise ValueError("each narrowing query needs a condition")
                condition = MATCH_ALL  # a depth alone: every unit at that depth under the roots
            query = dict(condition)
            if depth is None and self._roots:
                depth = DEFAULT_DEPTH_UNDER_ROOTS
            if depth is not None:
                if index == 0 and not self._roots:
                    raise ValueError("depth() on the first query needs roots() (Vitam's graph rule)")
                query["$depth"] = depth
            queries.append(query)
        body: dict[str, Any] = {}
        if self._roots:
            body["$roots"] = list(self._roots)
        body["$query"] = queries
        filter_ = self._filter()
        if filter_:
            body["$filter"] = filter_
        body["$projection"] = self._projection()
        if self._facets:
            body["$facets"] = list(self._facets)
        if self._threshold is not None:
            body["$threshold"] = self._threshold
        return body

    def build_batch(self) -> dict:
        """BATCH_PROCESSING form (elimination, rules mass update): no filter/projection/facets."""
        body = self.build()
        return {key: body[key] for key in ("$roots", "$query", "$threshold") if key in body}


# --- SELECT_SINGLE (referentials, logbook, registers) -------------------------------------

@dataclass(frozen=True)
class SelectSingle(_Common):
    """SELECT_SINGLE query for referentials, accession registers and logbook operations."""

    _condition: dict | None = None

    def where(self, *conditions: dict):
        return replace(self, _condition=_combine(conditions))

    def build(self) -> dict:
        body: dict[str, Any] = {"$query": dict(self._condition) if self._condition else {}}
        filter_ = self._filter()
        if filter_:
            body["$filter"] = filter_
        body["$projection"] = self._projection()
        return body


# --- GET_BY_ID ----------------------------------------------------------------------------

@dataclass(frozen=True)
class GetById:
    """GET_BY_ID body: only a projection."""

    _fields: tuple[str, ...] = ()

    def fields(self, *names: str):
        return replace(self, _fields=tuple(dict.fromkeys(self._fields + names)))

    def build(self) -> dict:
        return {"$projection": {"$fields": {name: 1 for name in self._fields}} if self._fields else {}}


def update_by_id(set_fields: dict | None = None, unset_fields=()) -> dict:
    """UPDATE_BY_ID body used by PUT on contracts, contexts, profiles."""
    actions = []
    if set_fields:
        actions.append({"$set": dict(set_fields)})
    if unset_fields:
        actions.append({"$unset": list(unset_fields)})
    if not actions:
        raise ValueError("update_by_id needs fields to set or unset")
    return {"$action": actions}
