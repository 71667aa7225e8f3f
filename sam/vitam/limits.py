"""How many units one Vitam operation may select (CHECK_DISTRIBUTION_THRESHOLD of EXPORT_DIP, ARCHIVE_TRANSFER,
probative value...): Vitam refuses the operation (KO) above the query's `$threshold`, or above its configured
distributionThreshold (100,000 by default) when the query gives none, and never cuts the selection. SAM counts
first and refuses in French with the count and the limit before starting anything, then sends the limit as
`$threshold` so that a platform configured lower still takes what SAM accepted."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from sam.vitam.dsl import Select, gt, range_
from sam.vitam.types import HITS_TOTAL_CAP

PAGE = 1000


def distribution_threshold() -> int:
    return int(settings.VITAM.get("DISTRIBUTION_THRESHOLD") or 100_000)


def count_units(client, conditions: list[dict], *, limit: int) -> int:
    """Exact number of units matching `conditions`, counted up to limit + 1 (keyset paging on #id: Vitam's
    $hits.total stops at 10,000)."""
    first = client.search_units(Select().where(*conditions).fields("#id").limit(1).build()).total
    if first < HITS_TOTAL_CAP or first > limit:
        return first
    count, last = 0, None
    while count <= limit:
        page_conditions = [*conditions, gt("#id", last)] if last else conditions
        results = client.search_units(Select().where(*page_conditions).order_by("#id").fields("#id")
                                      .limit(PAGE).build()).results
        count += len(results)
        if len(results) < PAGE:
            break
        last = results[-1]["#id"]
    return count


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


def unit_id_ranges(client, conditions: list[dict], *, size: int) -> list[tuple[str, str]]:
    """The units matching `conditions` cut into consecutive parts of at most `size` units, each given by its
    first and last #id (keyset paging in #id order, so past Vitam's 10,000 window): `in_id_range(first, last)`
    added to the conditions selects exactly one part, however many units match, without a long $in list."""
    ranges: list[tuple[str, str]] = []
    first = last = None
    count = 0
    while True:
        page_conditions = [*conditions, gt("#id", last)] if last else conditions
        ids = [unit["#id"] for unit in client.search_units(
            Select().where(*page_conditions).order_by("#id").fields("#id").limit(PAGE).build()).results]
        for unit_id in ids:
            if count == 0:
                first = unit_id
            count += 1
            if count == size:
                ranges.append((first, unit_id))
                count = 0
        if len(ids) < PAGE:
            break
        last = ids[-1]
    if count:
        ranges.append((first, ids[-1] if ids else last))
    return ranges


def in_id_range(first: str, last: str) -> dict:
    """The condition that keeps one part found by unit_id_ranges."""
    return range_("#id", gte=first, lte=last)
