"""Helpers for the tenants tests."""

import html

from django.utils import translation


def in_french(msgid: str, **params) -> str:
    """The French text users read (the msgid itself until the French catalogue translates it)."""
    with translation.override("fr"):
        text = translation.gettext(msgid)
    return text % params if params else text


def page_text(response) -> str:
    return html.unescape(response.content.decode())
