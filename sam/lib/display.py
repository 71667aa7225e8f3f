"""Sizes as people read them, in pages, documents and messages alike.

Sizes use the units French archivists know (octets, Ko, Mo, Go, To: Django's filesizeformat
says Kio, Mio in French) with the locale's decimal separator. Dates go through Django's date filter and TIME_ZONE.
"""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _


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

