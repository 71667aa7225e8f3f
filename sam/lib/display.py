"""Sizes as people read them, in pages, documents and messages alike.

Sizes use the units French archivists know (octets, Ko, Mo, Go, To: Django's filesizeformat
says Kio, Mio in French) with the locale's decimal separator. Dates go through Django's date filter and TIME_ZONE.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from sam.vitam.types import HITS_TOTAL_CAP


def human_size(size: int | None) -> str:
    """12 octets, 1,5 Ko, 10,0 Go (1 Ko = 1,024 octets), a no-break space before the unit."""
    value = float(size or 0)
    if value < 1024:
        return f"{value:.0f}\u00a0" + _("bytes")
    for unit in (_("KB"), _("MB"), _("GB")):
        value /= 1024
        if value < 1024:
            return f"{formats.number_format(value, 1)}\u00a0{unit}"
    return f"{formats.number_format(value / 1024, 1)}\u00a0" + _("TB")


def vitam_total(total):
    """A count Vitam answered: "au moins 10 000" once Vitam stopped counting (it caps $hits.total at 10,000),
    the number itself otherwise; both with the thousands separator of the language."""
    try:
        number = int(total)
    except (TypeError, ValueError):
        return total
    shown = formats.number_format(min(number, HITS_TOTAL_CAP), force_grouping=True)
    return _("at least %(count)s") % {"count": shown} if number >= HITS_TOTAL_CAP else shown


def vitam_datetime(value: str | None) -> datetime.datetime | None:
    """A Vitam timestamp ("2024-05-02T08:15:00.123", UTC without offset) as an aware datetime, so that the
    date filter shows it in TIME_ZONE (Europe/Paris) like every other date; None when unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


_ROW_ID_MARK = "2147483647"  # accepted by every converter of SAM's row URLs: int, slug, Vitam id


def row_urls(view_name: str, *args):
    """url(row_id) for the rows of a list page, from one reverse() instead of one per row: the row's id
    (a pk or a Vitam id, characters that need no quoting) takes the place of the view's last argument."""
    url = reverse(view_name, args=[*args, _ROW_ID_MARK])
    head, _mark, tail = url.rpartition(_ROW_ID_MARK)
    return lambda row_id: f"{head}{row_id}{tail}"
