"""How many units one Vitam operation may select (CHECK_DISTRIBUTION_THRESHOLD of EXPORT_DIP, ARCHIVE_TRANSFER,
probative value...): Vitam refuses the operation (KO) above the query's `$threshold`, or above its configured
distributionThreshold (100,000 by default) when the query gives none, and never cuts the selection. SAM counts
first and refuses in French with the count and the limit before starting anything, then sends the limit as
`$threshold` so that a platform configured lower still takes what SAM accepted."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from sam.vitam.dsl import MAX_RESULT_WINDOW, Select
from sam.vitam.types import HITS_TOTAL_CAP

PAGE = 1000


def distribution_threshold() -> int:
    return int(settings.VITAM.get("DISTRIBUTION_THRESHOLD") or 100_000)


def batch_size() -> int:
    """Units per Vitam operation when SAM cuts a large one (SAM_VITAM_BATCH_SIZE, Vitam's 10,000 by default):
    far below Elasticsearch's 65,536 terms of one `$in` (index.max_terms_count)."""
    return int(settings.VITAM.get("BATCH_SIZE") or 10_000)


def part_size() -> int:
    """Units of one part when an operation is cut: within the distribution threshold and the batch size."""
    return min(distribution_threshold(), batch_size())


def unit_ids(client, conditions: list[dict], *, limit: int) -> list[str]:
    """Identifiers of the units matching `conditions`, sorted, at most limit + 1 (more means too many).

    Below Vitam's capped $hits.total one plain search reads them. Past it, /units/stream (the one external way
    past the 10,000 window: Vitam's DSL has no scroll, and Elasticsearch refuses range queries on _id, so no
    keyset paging on #id), closed as soon as limit + 1 ids are read. A stream spends one of the tenant's daily
    stream reads (unitsStreamExecutionLimit): the plain search comes first so small selections spend none."""
    query = Select().where(*(conditions or [{"$exists": "#id"}])).fields("#id")
    first = client.search_units(query.limit(min(PAGE, limit + 1)).build())
    ids = [unit["#id"] for unit in first.results]
    if first.total < HITS_TOTAL_CAP:
        if first.total > len(ids) and len(ids) <= limit:
            ids = [unit["#id"] for unit in client.search_units(
                query.limit(min(first.total, limit + 1, MAX_RESULT_WINDOW)).build()).results]
        return sorted(ids)
    stream = client.stream_units(query)
    ids = []
    try:
        for unit in stream:
            ids.append(unit["#id"])
            if len(ids) > limit:
                break
    finally:
        stream.close()
    return sorted(ids)


def units_all(client, query: Select) -> tuple[int, Iterator[dict]]:
    """(how many, iterator over) every unit the query selects, read without holding them: while Vitam's count
    is below its 10,000 cap, pages of PAGE units (sorted as asked, then by #id so that no unit moves between
    pages), else /units/stream. Exports of a few thousand units spend none of the tenant's daily stream reads
    (unitsStreamExecutionLimit)."""
    paged = query.order_by("#id")
    first = client.search_units(paged.offset(0).limit(PAGE).build())
    if first.total >= HITS_TOTAL_CAP:
        stream = client.stream_units(query)
        return (stream.count if stream.count is not None else first.total), iter(stream)
    return first.total, _pages(client, paged, first)


def _pages(client, query: Select, first) -> Iterator[dict]:
    yield from first.results
    for offset in range(PAGE, first.total, PAGE):
        yield from client.search_units(query.offset(offset).limit(min(PAGE, MAX_RESULT_WINDOW - offset)).build()).results


def count_units(client, conditions: list[dict], *, limit: int) -> int:
    """Exact number of units matching `conditions`, counted up to limit + 1 (Vitam's $hits.total stops at
    10,000: past it the ids are read from the stream)."""
    first = client.search_units(Select().where(*conditions).fields("#id").limit(1).build()).total
    if first < HITS_TOTAL_CAP or first > limit:
        return first
    return len(unit_ids(client, conditions, limit=limit))


def over_threshold_message(count: int, *, what: str, at_least: bool = False) -> str:
    return _(
        "%(what)s would hold %(prefix)s%(count)s archive units, more than the %(limit)s one Vitam operation takes: "
        "split the selection (by producing service, dates or filing node) into several.") % {
        "what": what, "prefix": _("at least ") if at_least else "", "count": number_format(count, force_grouping=True),
        "limit": number_format(distribution_threshold(), force_grouping=True)}


def refuse_over_threshold(count: int, *, what: str, at_least: bool = False) -> None:
    """A French refusal naming the count and the limit when one operation cannot take `count` units."""
    if count > distribution_threshold():
        raise ValidationError(over_threshold_message(count, what=what, at_least=at_least))
