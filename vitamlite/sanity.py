"""Vitam's sanity check of JSON bodies (SanityCheckerJsonFilter, registered on every JsonNode endpoint).

Behaviour from ProgrammeVitam/vitam sources/common/common-private/.../security/SanityChecker.java
(checkJsonSanity, validateJSONField, checkHtmlPattern) and common-public/.../StringUtils.java (HTML_PATTERN,
RULES, UNPRINTABLE_PATTERN): every key and every scalar value is refused when it holds an HTML tag pair, a
self-closing tag or an HTML entity, a CDATA/ENTITY/script tag, or a control character other than CR, LF, tab.
The filter answers 412 Precondition Failed, context CHECK_SANITY. ESAPI's AntiSamy pass is not reproduced.
"""

from __future__ import annotations

import json
import re

_ATTRIBUTES = r"((\s+\w+(\s*=\s*(?:\".*?\"|'.*?'|[^'\">\s]+))?)+\s*|\s*)"
_TAG_START = r"<\w+" + _ATTRIBUTES + r">"
_TAG_END = r"</\w+>"
_TAG_SELF_CLOSING = r"<\w+" + _ATTRIBUTES + r"/>"
_HTML_ENTITY = r"&[a-zA-Z][a-zA-Z0-9]+;"
HTML_PATTERN = re.compile(f"({_TAG_START}.*{_TAG_END})|({_TAG_SELF_CLOSING})|({_HTML_ENTITY})", re.DOTALL)
FORBIDDEN_TAGS = ("<![CDATA[", "&lt;![CDATA[", "<!ENTITY", "&lt;!ENTITY", "<script>", "&lt;script&gt;")
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Insane(ValueError):
    """The body breaks Vitam's sanity rules; the message is Vitam's."""


def _check_text(text: str) -> None:
    if UNPRINTABLE.search(text):
        raise Insane("Invalid input bytes")
    if any(tag in text for tag in FORBIDDEN_TAGS):
        raise Insane("Invalid tag sanity check")


def check_json(node) -> None:
    """Raise Insane when a key or a value of the parsed JSON document breaks Vitam's sanity rules."""
    if isinstance(node, list):
        for item in node:
            check_json(item)
        return
    if not isinstance(node, dict):
        _check_value(node)
        return
    for key, value in node.items():
        _check_text(key)
        if isinstance(value, (dict, list)):
            check_json(value)
        else:
            _check_value(value)


def _check_value(value) -> None:
    # Vitam serialises the value node (strings with their quotes) before matching.
    text = json.dumps(value, ensure_ascii=False)
    _check_text(text)
    if HTML_PATTERN.search(text):
        raise Insane("HTML PATTERN found")
