"""Searches with Vitam's DSL: units and object groups in SQL, small collections in Python.

Shared semantics (vitam-api.md section 6):
- `$query` of SELECT_MULTIPLE is a chain: each query selects among the descendants (`$depth` n > 0:
  1..n levels below; 0: the roots themselves; < 0: ancestors) of the previous query's results, the
  first one starting from `$roots` (or from the whole tenant when there are no roots);
- `$filter`: `$offset` (default 0), `$limit` (default and maximum: the 10,000 result window, also the
  cap on `$offset + $limit`), `$orderby` (`{"Field": 1|-1}`, insertion order otherwise);
- `$hits.total` is capped at 10,000 unless `$track_total_hits` is allowed by the server configuration;
- `$projection.$fields` keeps the listed fields (dotted paths allowed), `{}` keeps everything;
- `$facets` are computed on every matching document (not only the returned page).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable

from vitamlite.contracts_filter import Restriction
from vitamlite.units_store import normalize_date

from .evaluate import COMPARISONS, matches, operator_of, values_at
from .sql import Compiler, install_functions, order_expression
from .validation import DslInvalid

MAX_RESULT_WINDOW = 10_000
TOTAL_HITS_CAP = 10_000


class TrackTotalHitsUnauthorized(Exception):
    """`$filter.$track_total_hits: true` while the server does not allow it (Vitam answers 401)."""

    description = "$track_total_hits is not authorized!"


class IdRangeUnsupported(Exception):
    """A comparison ($gt, $gte, $lt, $lte) or a $range on `#id` of units or object groups.

    Vitam sends `#id` to Elasticsearch as `_id` (VarNameAdapter) in a range query
    (QueryToElasticsearch.compareCommand/rangeCommand); Elasticsearch 7.17 refuses range queries on
    `_id` (IdFieldType has no rangeQuery): "all shards failed", HTTP 400, which metadata turns into a 400
    (ElasticsearchAccess.search: BadRequestException). `$in`, `$eq`, `$nin` and sorting on `#id` work."""

    def __init__(self, field: str, operator: str):
        super().__init__(f"{operator} on {field}: Elasticsearch does not support range queries on _id")


@dataclasses.dataclass
class SearchResult:
    results: list
    hits: dict
    facets: list


# -- shared pieces ----------------------------------------------------------------------------


def paging(query: dict) -> tuple[int, int]:
    """(offset, limit) of `$filter`, within Vitam's result window."""
    query_filter = query.get("$filter") or {}
    offset = query_filter.get("$offset", 0) or 0
    if "$limit" in query_filter:
        limit = query_filter["$limit"]
        if offset + limit > MAX_RESULT_WINDOW:
            raise DslInvalid(
                f"$offset + $limit ({offset} + {limit}) dépasse la fenêtre de résultats de {MAX_RESULT_WINDOW}."
            )
    else:
        limit = max(MAX_RESULT_WINDOW - offset, 0)
    if offset > MAX_RESULT_WINDOW:
        raise DslInvalid(f"$offset ({offset}) dépasse la fenêtre de résultats de {MAX_RESULT_WINDOW}.")
    return offset, limit


def track_total_hits(query: dict, allowed: bool) -> bool:
    wanted = bool((query.get("$filter") or {}).get("$track_total_hits", False))
    if wanted and not allowed:
        raise TrackTotalHitsUnauthorized()
    return wanted


def projection_fields(projection) -> list[str]:
    """Field paths of a `$projection` (or of a body holding one); [] means every field."""
    if projection is None:
        return []
    if "$projection" in projection:
        projection = projection["$projection"] or {}
    return [field for field, flag in (projection.get("$fields") or {}).items() if flag == 1]


def project(doc: dict, fields: list[str]) -> dict:
    if not fields:
        return doc
    result: dict = {}
    for field in fields:
        if field in doc:
            result[field] = doc[field]
            continue
        parts = field.split(".")
        source = doc
        for part in parts:
            if not isinstance(source, dict) or part not in source:
                source = None
                break
            source = source[part]
        if source is None:
            continue
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = source
    return result


def _bucket_order(buckets: Counter, size: int, order: str) -> list[dict]:
    # Most frequent first (as Vitam's own response sample shows), ties by value in $order.
    descending = order == "DESC"
    keyed = sorted(buckets.items(), key=lambda item: str(item[0]), reverse=descending)
    keyed.sort(key=lambda item: -item[1])
    return [{"value": value, "count": count} for value, count in keyed[:size]]


def date_range_key(bound: str | None) -> str:
    return bound if bound is not None else "*"


def _range_bounds(facet_range: dict) -> tuple[str | None, str | None]:
    return normalize_date(facet_range.get("$from")), normalize_date(facet_range.get("$to"))


def _date_range_buckets(spec: dict, values_of) -> list[dict]:
    buckets = []
    for facet_range in spec["$ranges"]:
        low, high = _range_bounds(facet_range)
        count = 0
        for values in values_of():
            for value in values:
                date = normalize_date(value)
                if date is None:
                    continue
                if (low is None or date >= low) and (high is None or date < high):
                    count += 1
                    break
        key = f"{date_range_key(facet_range.get('$from'))}-{date_range_key(facet_range.get('$to'))}"
        buckets.append({"value": key, "count": count})
    return buckets


# -- documents in Python ----------------------------------------------------------------------


def _document_query(query: dict):
    """The query objects to AND together: SELECT_SINGLE has one, SELECT_MULTIPLE a list."""
    raw = query.get("$query", {})
    return raw if isinstance(raw, list) else [raw]


def search_documents(docs: Iterable[dict], query: dict, kind: str = "select_single", *,
                     allow_track_total_hits: bool = False) -> SearchResult:
    """Evaluate a DSL query on documents in memory (referentials, logbook operations)."""
    conditions = _document_query(query)
    for condition in conditions:
        _check_fields(condition)
    matched = [doc for doc in docs if all(matches(doc, c) for c in conditions)]
    offset, limit = paging(query)
    exact = track_total_hits(query, allow_track_total_hits)
    order = (query.get("$filter") or {}).get("$orderby") or {}
    for field, direction in reversed(list(order.items())):
        matched.sort(key=lambda doc: _sort_value(doc, field), reverse=direction == -1)
    fields = projection_fields(query.get("$projection"))
    page = [project(doc, fields) for doc in matched[offset : offset + limit]]
    total = len(matched) if exact else min(len(matched), TOTAL_HITS_CAP)
    facets = []
    for facet in query.get("$facets") or []:
        facets.append(_python_facet(facet, matched))
    return SearchResult(page, {"total": total, "offset": offset, "limit": limit, "size": len(page)}, facets)


def _sort_value(doc: dict, field: str):
    values = values_at(doc, field)
    if not values:
        return (0, "")  # missing values first in ascending order
    value = values[0]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = str(value)
        return (1, normalize_date(text) or text.casefold())
    return (1, f"{value:020.6f}" if value >= 0 else f"-{-value:020.6f}")


def _python_facet(facet: dict, docs: list[dict]) -> dict:
    name = facet["$name"]
    if "$terms" in facet:
        spec = facet["$terms"]
        counts: Counter = Counter()
        for doc in docs:
            for value in dict.fromkeys(v for v in values_at(doc, spec["$field"]) if not isinstance(v, (dict, list))):
                counts[value] += 1
        return {"name": name, "buckets": _bucket_order(counts, spec["$size"], spec["$order"])}
    if "$date_range" in facet:
        spec = facet["$date_range"]
        return {"name": name, "buckets": _date_range_buckets(spec, lambda: (values_at(d, spec["$field"]) for d in docs))}
    spec = facet["$filters"]
    buckets = []
    for query_filter in spec["$query_filters"]:
        count = sum(1 for doc in docs if matches(doc, query_filter["$query"]))
        buckets.append({"value": query_filter["$name"], "count": count})
    return {"name": name, "buckets": buckets}


def _check_fields(query: dict) -> None:
    """Fields starting with `_` are forbidden (internal fields are addressed with `#`)."""
    operator, arg = operator_of(query)
    if operator in ("$and", "$or", "$not"):
        for sub in arg:
            _check_fields(sub)
        return
    fields = [arg] if operator in ("$exists", "$missing") else list(arg) if isinstance(arg, dict) else []
    for field in fields:
        if isinstance(field, str) and field.startswith("_"):
            raise DslInvalid(f"Le champ {field} n'est pas autorisé (les champs internes commencent par #).")
    if operator == "$range":
        for bounds in arg.values():
            for key in bounds:
                if key not in COMPARISONS:
                    raise DslInvalid(f"$range : borne {key} inconnue (attendu $gt, $gte, $lt ou $lte).")


# -- units and object groups in SQL -----------------------------------------------------------


def _reject_id_ranges(query: dict) -> None:
    """Raise IdRangeUnsupported for a comparison or a range on `#id` anywhere in the query, before either
    evaluator (the SQL column or the Python semantics) could answer it."""
    operator, arg = operator_of(query)
    if operator in ("$and", "$or", "$not"):
        for sub in arg:
            _reject_id_ranges(sub)
    elif operator == "$subobject":
        for sub in arg.values():
            _reject_id_ranges(sub)
    elif (operator in COMPARISONS or operator == "$range") and isinstance(arg, dict) and "#id" in arg:
        raise IdRangeUnsupported("#id", operator)


def restriction_sql(tenant: int, restriction: Restriction | None, params: list) -> str:
    """The access contract filter on the alias `u` (vitam-api.md section 9.3)."""
    if restriction is None:
        return "1"
    parts = []
    if restriction.root_units:
        roots = sorted(restriction.root_units)
        marks = ", ".join("?" * len(roots))
        params.extend([*roots, tenant, *roots])
        parts.append(
            f"(u.id IN ({marks}) OR u.id IN (SELECT unit_id FROM unit_ancestors WHERE tenant = ? AND ancestor_id IN ({marks})))"
        )
    if restriction.excluded_root_units:
        excluded = sorted(restriction.excluded_root_units)
        marks = ", ".join("?" * len(excluded))
        params.extend([*excluded, tenant, *excluded])
        parts.append(
            f"NOT (u.id IN ({marks}) OR u.id IN (SELECT unit_id FROM unit_ancestors WHERE tenant = ? AND ancestor_id IN ({marks})))"
        )
    if not restriction.every_originating_agency:
        agencies = sorted(restriction.originating_agencies)
        if agencies:
            params.extend([tenant, *agencies])
            parts.append(
                "(u.unit_type = 'HOLDING_UNIT' OR u.id IN (SELECT unit_id FROM unit_agencies WHERE tenant = ? "
                f"AND agency IN ({', '.join('?' * len(agencies))})))"
            )
        else:
            parts.append("u.unit_type = 'HOLDING_UNIT'")
    if restriction.rule_categories_to_filter:
        parts.append(_rules_still_running_sql(restriction, "u", params, negate=True))
    return " AND ".join(parts) if parts else "1"


def _rules_still_running_sql(restriction: Restriction, alias: str, params: list, *, negate: bool = False) -> str:
    """RuleCategoryToFilter: the unit `alias` (or an ancestor) carries a filtered rule ending after today
    or with no computable end (see vitamlite/contracts_filter.py for the approximation)."""
    categories = sorted(restriction.rule_categories_to_filter)
    today = restriction.today()
    params.extend([*categories, today])
    sql = (
        f"EXISTS (SELECT 1 FROM unit_rules r WHERE r.tenant = {alias}.tenant "
        f"AND r.category IN ({', '.join('?' * len(categories))}) "
        "AND (r.end_date IS NULL OR r.end_date = '' OR r.end_date > ?) "
        f"AND (r.unit_id = {alias}.id OR r.unit_id IN (SELECT a.ancestor_id FROM unit_ancestors a "
        f"WHERE a.tenant = {alias}.tenant AND a.unit_id = {alias}.id)))"
    )
    return f"NOT {sql}" if negate else sql


def _object_group_restriction_sql(restriction: Restriction | None, params: list) -> str:
    if restriction is None:
        return "1"
    parts = []
    if not restriction.every_originating_agency:
        agencies = sorted(restriction.originating_agencies)
        if not agencies:
            return "0"
        params.append(json.dumps({"$in": {"#originating_agencies": agencies}}))
        parts.append("dsl_match(u.doc, ?)")
    if restriction.rule_categories_to_filter:
        # An object group is readable when one of its units is communicable under the contract.
        running = _rules_still_running_sql(restriction, "v", params, negate=True)
        parts.append(f"EXISTS (SELECT 1 FROM units v WHERE v.tenant = u.tenant AND v.object_id = u.id AND {running})")
    return " AND ".join(parts) if parts else "1"


def _depth_of(root_query: dict) -> tuple[str, int] | None:
    if "$exactdepth" in root_query:
        return "exact", int(root_query["$exactdepth"])
    if "$depth" in root_query:
        return "depth", int(root_query["$depth"])
    return None


def _graph_sql(tenant: int, roots_sql: str, roots_params: list, depth: tuple[str, int], params: list) -> str:
    """Units reachable from the roots (a SQL set of ids) at the requested depth."""
    mode, value = depth
    if mode == "depth" and value == 0:
        params.extend(roots_params)
        return f"u.id IN ({roots_sql})"
    if mode == "depth" and value < 0:
        params.extend([tenant, -value, *roots_params])
        return (
            "u.id IN (SELECT ancestor_id FROM unit_ancestors WHERE tenant = ? AND depth <= ? "
            f"AND unit_id IN ({roots_sql}))"
        )
    condition = "depth = ?" if mode == "exact" else "depth <= ?"
    params.extend([tenant, value, *roots_params])
    return f"u.id IN (SELECT unit_id FROM unit_ancestors WHERE tenant = ? AND {condition} AND ancestor_id IN ({roots_sql}))"


def _units_where(tenant: int, query: dict, restriction: Restriction | None) -> tuple[str, list]:
    """WHERE clause (alias u) selecting the units of a SELECT_MULTIPLE query."""
    queries = query.get("$query", [])
    if isinstance(queries, dict):
        queries = [queries]
    roots = list(query.get("$roots") or [])
    compiler = Compiler(tenant, units=True)
    restriction_params: list = []
    restricted = restriction_sql(tenant, restriction, restriction_params)

    roots_sql, roots_params = None, []
    if roots:
        roots_sql, roots_params = ", ".join("?" * len(roots)), list(roots)
    if not queries:
        params = [tenant]
        clauses = ["u.tenant = ?"]
        if roots_sql is not None:
            clauses.append(f"u.id IN ({roots_sql})")
            params.extend(roots_params)
        clauses.append(restricted)
        params.extend(restriction_params)
        return " AND ".join(clauses), params

    for position, root_query in enumerate(queries):
        _check_fields(root_query)
        _reject_id_ranges(root_query)
        params = [tenant]
        clauses = ["u.tenant = ?"]
        depth = _depth_of(root_query)
        if roots_sql is not None:
            clauses.append(_graph_sql(tenant, roots_sql, roots_params, depth or ("depth", 1), params))
        clauses.append(compiler.compile(root_query, params))
        clauses.append(restricted)
        params.extend(restriction_params)
        where = " AND ".join(clauses)
        if position == len(queries) - 1:
            return where, params
        roots_sql, roots_params = f"SELECT u.id FROM units u WHERE {where}", params
    raise AssertionError("unreachable")


def _order_by(query: dict, *, units: bool) -> str:
    order = (query.get("$filter") or {}).get("$orderby") or {}
    parts = [f"{order_expression(field, units=units)} {'DESC' if direction == -1 else 'ASC'}" for field, direction in order.items()]
    parts.append("u.rid")
    return ", ".join(parts)


def _count(db: sqlite3.Connection, table: str, where: str, params: list, exact: bool) -> int:
    if exact:
        return db.execute(f"SELECT COUNT(*) FROM {table} u WHERE {where}", params).fetchone()[0]
    return db.execute(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} u WHERE {where} LIMIT {TOTAL_HITS_CAP})", params
    ).fetchone()[0]


def _facet_columns(query: dict, *, units: bool) -> list[str]:
    """Bare names of the indexed columns the query's term and date range facets group on."""
    columns = []
    for facet in query.get("$facets") or []:
        spec = facet.get("$terms") or facet.get("$date_range")
        column = _facet_column(spec["$field"], units=units) if spec else None
        if column and column[2:] not in columns:
            columns.append(column[2:])
    return columns


def _sql_facets(db, table: str, tenant: int, query: dict, where: str, params: list, *, units: bool,
                copied=()) -> list[dict]:
    """Every facet of the query over the matching set: one GROUP BY per term facet on an indexed column,
    one pass per date range facet on a date column, and a single pass over the documents for all the
    facets on other fields (each document parsed once)."""
    specs = query.get("$facets") or []
    facets: list = [None] * len(specs)
    on_documents = []
    for index, facet in enumerate(specs):
        name = facet["$name"]
        if "$terms" in facet:
            spec = facet["$terms"]
            field = spec["$field"]
            column = _facet_column(field, units=units)
            if column:
                source, condition, values = _facet_source(column, copied, table, where, params)
                rows = db.execute(
                    f"SELECT {column}, COUNT(*) FROM {source} u WHERE {condition} AND {column} IS NOT NULL GROUP BY {column}",
                    values,
                )
            elif units and field == "#originating_agencies":
                rows = db.execute(
                    "SELECT a.agency, COUNT(*) FROM unit_agencies a JOIN units u ON u.tenant = a.tenant AND u.id = a.unit_id "
                    f"WHERE a.tenant = ? AND {where} GROUP BY a.agency",
                    [tenant, *params],
                )
            else:
                on_documents.append(index)
                continue
            counts: Counter = Counter()
            for value, count in rows:
                counts[value] += count
            facets[index] = {"name": name, "buckets": _bucket_order(counts, spec["$size"], spec["$order"])}
        elif "$date_range" in facet:
            spec = facet["$date_range"]
            column = _facet_column(spec["$field"], units=units)
            if not column:
                on_documents.append(index)
                continue
            source, condition, values = _facet_source(column, copied, table, where, params)
            counts = _column_range_counts(db, source, column, condition, values, [_range_bounds(r) for r in spec["$ranges"]])
            facets[index] = {"name": name, "buckets": [
                {"value": f"{date_range_key(r.get('$from'))}-{date_range_key(r.get('$to'))}", "count": count}
                for r, count in zip(spec["$ranges"], counts)]}
        else:
            spec = facet["$filters"]
            compiler = Compiler(tenant, units=units)
            buckets = []
            for query_filter in spec["$query_filters"]:
                extra_params: list = []
                condition = compiler.compile(query_filter["$query"], extra_params)
                count = db.execute(
                    f"SELECT COUNT(*) FROM {table} u WHERE {where} AND {condition}", [*params, *extra_params]
                ).fetchone()[0]
                buckets.append({"value": query_filter["$name"], "count": count})
            facets[index] = {"name": name, "buckets": buckets}
    if on_documents:
        docs = (json.loads(text) for (text,) in db.execute(f"SELECT u.doc FROM {table} u WHERE {where}", params))
        for index, facet in zip(on_documents, _document_facets([specs[i] for i in on_documents], docs)):
            facets[index] = facet
    return facets


def _facet_source(column: str, copied, table: str, where: str, params: list) -> tuple[str, str, list]:
    """(table, condition, parameters) to group the matching rows on `column`: the temporary copy when it holds it."""
    if column[2:] in copied:
        return "temp.dsl_matched", "1", []
    return table, where, params


def _document_facets(specs: list[dict], docs: Iterable[dict]) -> list[dict]:
    """Term and date range facets on fields without a column, all counted in one pass over the documents."""
    counters: list[Counter] = [Counter() for _ in specs]
    ranges = [[_range_bounds(r) for r in spec["$date_range"]["$ranges"]] if "$date_range" in spec else None
              for spec in specs]
    for doc in docs:
        for spec, counter, bounds in zip(specs, counters, ranges):
            if bounds is None:
                values = values_at(doc, spec["$terms"]["$field"])
                for value in dict.fromkeys(v for v in values if not isinstance(v, (dict, list))):
                    counter[value] += 1
                continue
            dates = [d for d in (normalize_date(v) for v in values_at(doc, spec["$date_range"]["$field"]))
                     if d is not None]
            for position, (low, high) in enumerate(bounds):
                if any((low is None or d >= low) and (high is None or d < high) for d in dates):
                    counter[position] += 1
    facets = []
    for spec, counter in zip(specs, counters):
        if "$terms" in spec:
            terms = spec["$terms"]
            facets.append({"name": spec["$name"], "buckets": _bucket_order(counter, terms["$size"], terms["$order"])})
        else:
            facets.append({"name": spec["$name"], "buckets": [
                {"value": f"{date_range_key(r.get('$from'))}-{date_range_key(r.get('$to'))}", "count": counter[i]}
                for i, r in enumerate(spec["$date_range"]["$ranges"])]})
    return facets


_YEAR_START = "-01-01T00:00:00"


def _year_of_bound(bound: str | None) -> int | None:
    """The year of a bound that is exactly the first instant of a (four-digit) year, else -1."""
    if bound is None:
        return None
    year, rest = bound[:-len(_YEAR_START)], bound[-len(_YEAR_START):]
    return int(year) if rest == _YEAR_START and len(year) == 4 and year.isdigit() else -1


def _column_range_counts(db, table: str, column: str, where: str, params: list,
                         bounds: list[tuple[str | None, str | None]]) -> list[int]:
    """How many matching rows have `column` (a normalised date) in each [low, high) range.

    Year-aligned ranges (what a $format yyyy facet sends) are answered from one GROUP BY year; other
    ranges from one pass summing a condition per range."""
    years = [(_year_of_bound(low), _year_of_bound(high)) for low, high in bounds]
    if all(low != -1 and high != -1 for low, high in years):
        # Normalised dates are 'YYYY-MM-DDTHH:MM:SS': the year is all but the last 15 characters. A date
        # before its year's first instant (month or day 00) or a year not of four digits is counted exactly below.
        rows = db.execute(
            f"SELECT substr({column}, 1, length({column}) - 15), substr({column}, -15) < ?, COUNT(*) "
            f"FROM {table} u WHERE {where} AND {column} IS NOT NULL GROUP BY 1, 2",
            [_YEAR_START, *params],
        ).fetchall()
        if all(len(year) == 4 and year.isdigit() and not early for year, early, _count in rows):
            per_year = [(int(year), count) for year, _early, count in rows]
            return [sum(count for year, count in per_year
                        if (low is None or year >= low) and (high is None or year < high)) for low, high in years]
    sums, range_params = [], []
    for low, high in bounds:
        conditions = []
        if low is not None:
            conditions.append(f"{column} >= ?")
            range_params.append(low)
        if high is not None:
            conditions.append(f"{column} < ?")
            range_params.append(high)
        sums.append(f"COALESCE(SUM({' AND '.join(conditions) or '1'}), 0)")
    if not sums:
        return []
    row = db.execute(
        f"SELECT {', '.join(sums)} FROM {table} u WHERE {where} AND {column} IS NOT NULL", [*range_params, *params]
    ).fetchone()
    return list(row)


def _facet_column(field: str, *, units: bool) -> str | None:
    if units:
        return {"DescriptionLevel": "u.description_level", "#originating_agency": "u.originating_agency",
                "#unitType": "u.unit_type", "#opi": "u.opi", "StartDate": "u.start_date",
                "EndDate": "u.end_date", "#management.AppraisalRule.FinalAction": "u.final_action"}.get(field)
    return {"#opi": "u.opi", "#originating_agency": "u.originating_agency"}.get(field)


def _run(db, table: str, tenant: int, query: dict, where: str, params: list, *, units: bool,
         allow_track_total_hits: bool) -> SearchResult:
    offset, limit = paging(query)
    exact = track_total_hits(query, allow_track_total_hits)
    fields = projection_fields(query.get("$projection"))
    matched = None
    copied: list[str] = []
    if query.get("$facets"):
        # Facets read the whole matching set several times: evaluate the query once into a
        # per-connection temporary table of row ids, with a copy of the columns the facets group on,
        # and let every later statement read it (no second lookup of the wide units rows).
        copied = _facet_columns(query, units=units)
        db.execute("DROP TABLE IF EXISTS temp.dsl_matched")
        db.execute(f"CREATE TEMP TABLE dsl_matched (rid INTEGER PRIMARY KEY{''.join(', ' + c for c in copied)})")
        matched = db.execute(
            f"INSERT INTO temp.dsl_matched SELECT u.rid{''.join(', u.' + c for c in copied)} FROM {table} u WHERE {where}",
            params,
        ).rowcount
        where, params = "u.rid IN (SELECT rid FROM temp.dsl_matched)", []
    rows = db.execute(
        f"SELECT u.doc FROM {table} u WHERE {where} ORDER BY {_order_by(query, units=units)} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    results = [project(json.loads(row[0]), fields) for row in rows]
    if matched is not None:
        total = matched if exact else min(matched, TOTAL_HITS_CAP)
    else:
        total = _count(db, table, where, params, exact)
    facets = _sql_facets(db, table, tenant, query, where, params, units=units, copied=copied)
    return SearchResult(results, {"total": total, "offset": offset, "limit": limit, "size": len(results)}, facets)


def search_units(db: sqlite3.Connection, tenant: int, query: dict, restriction: Restriction | None = None, *,
                 allow_track_total_hits: bool = False) -> SearchResult:
    """Run a SELECT_MULTIPLE query on the tenant's units, filtered by the access contract."""
    install_functions(db)
    where, params = _units_where(tenant, query, restriction)
    return _run(db, "units", tenant, query, where, params, units=True, allow_track_total_hits=allow_track_total_hits)


def search_unit_ids(db: sqlite3.Connection, tenant: int, query: dict, restriction: Restriction | None = None,
                    *, limit: int | None = None) -> list[str]:
    """Ids of every unit matching a SELECT_MULTIPLE or BATCH_PROCESSING query (no result window),
    in insertion order; for workflows (elimination, mass updates) that process whole selections."""
    install_functions(db)
    where, params = _units_where(tenant, query, restriction)
    sql = f"SELECT u.id FROM units u WHERE {where} ORDER BY u.rid"
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, limit]
    return [row[0] for row in db.execute(sql, params)]


def unit_stream_statements(tenant: int, query: dict, restriction: Restriction | None = None) -> tuple[str, str, list]:
    """(count SQL, documents SQL, parameters) of a units stream: every match in the query's order, no window;
    the caller runs them on a connection with install_functions()."""
    where, params = _units_where(tenant, query, restriction)
    return (f"SELECT COUNT(*) FROM units u WHERE {where}",
            f"SELECT u.doc FROM units u WHERE {where} ORDER BY {_order_by(query, units=True)}", params)


def get_unit(db: sqlite3.Connection, tenant: int, unit_id: str, restriction: Restriction | None = None,
             projection=None) -> dict | None:
    """One unit if it exists in the tenant and the contract lets it be seen (else None → 404)."""
    install_functions(db)
    params: list = [tenant, unit_id]
    restricted = restriction_sql(tenant, restriction, params)
    row = db.execute(f"SELECT u.doc FROM units u WHERE u.tenant = ? AND u.id = ? AND {restricted}", params).fetchone()
    if row is None:
        return None
    return project(json.loads(row[0]), projection_fields(projection))


def _object_groups_where(tenant: int, query: dict, restriction: Restriction | None) -> tuple[str, list]:
    queries = query.get("$query", [])
    if isinstance(queries, dict):
        queries = [queries]
    compiler = Compiler(tenant, units=False)
    params: list = [tenant]
    clauses = ["u.tenant = ?"]
    roots = list(query.get("$roots") or [])
    if roots:
        # Roots of an object search are units: keep the groups attached to them.
        params.append(json.dumps({"$in": {"#unitups": roots}}))
        clauses.append("dsl_match(u.doc, ?)")
    for root_query in queries:
        _check_fields(root_query)
        _reject_id_ranges(root_query)
        clauses.append(compiler.compile(root_query, params))
    clauses.append(_object_group_restriction_sql(restriction, params))
    return " AND ".join(clauses), params


def search_object_groups(db: sqlite3.Connection, tenant: int, query: dict, restriction: Restriction | None = None,
                         *, allow_track_total_hits: bool = False) -> SearchResult:
    """Run a SELECT_MULTIPLE query on the tenant's object groups (queries are ANDed, `$subobject` allowed)."""
    install_functions(db)
    where, params = _object_groups_where(tenant, query, restriction)
    return _run(db, "object_groups", tenant, query, where, params, units=False,
                allow_track_total_hits=allow_track_total_hits)


def get_object_group(db: sqlite3.Connection, tenant: int, group_id: str, restriction: Restriction | None = None,
                     projection=None) -> dict | None:
    """One object group if it exists in the tenant and the contract lets it be seen."""
    install_functions(db)
    params: list = [tenant, group_id]
    restricted = _object_group_restriction_sql(restriction, params)
    row = db.execute(
        f"SELECT u.doc FROM object_groups u WHERE u.tenant = ? AND u.id = ? AND {restricted}", params
    ).fetchone()
    if row is None:
        return None
    return project(json.loads(row[0]), projection_fields(projection))
