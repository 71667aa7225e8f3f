"""Validators for French official codes (INSEE commune code, SIREN)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INSEE_COMMUNE = re.compile(r"^(?:\d{2}|2A|2B)\d{3}$")
SIREN = re.compile(r"^\d{9}$")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_official_code(value: str) -> None:
    """An INSEE commune code (5 characters, e.g. 95127 or 2A004) or a SIREN (9 digits, Luhn key)."""
    code = (value or "").strip().upper()
    if INSEE_COMMUNE.match(code):
        return
    if SIREN.match(code):
        if luhn_valid(code):
            return
        raise ValidationError(
            _("The SIREN number %(code)s is invalid: its check digit is wrong."),
            code="invalid_siren",
            params={"code": code},
        )
    raise ValidationError(
        _("“%(code)s” is neither an INSEE commune code (5 characters, e.g. 95127) nor a SIREN number (9 digits)."),
        code="invalid_code",
        params={"code": value},
    )
