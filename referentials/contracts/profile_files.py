"""The XSD or RNG file of an archival profile: hostile input, checked by SAM before Vitam sees it.

Read with a size limit, parsed with no entity expansion, no DTD, no network; a DOCTYPE is refused
outright (it is the vector of entity attacks and has no place in a schema); the root element must
match the declared format.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lxml import etree

from sam.lib import safe_xml
from sam.lib.display import human_size

XSD_NAMESPACE = "http://www.w3.org/2001/XMLSchema"
RNG_NAMESPACE = "http://relaxng.org/ns/structure/1.0"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # Vitam's own limit for profile files


def max_bytes() -> int:
    return int(getattr(settings, "SAM_PROFILE_MAX_BYTES", DEFAULT_MAX_BYTES))


def read_limited(uploaded) -> bytes:
    """The uploaded file's bytes, refused beyond the limit without reading everything."""
    limit = max_bytes()
    if getattr(uploaded, "size", 0) and uploaded.size > limit:
        raise _too_big(limit)
    chunks, size = [], 0
    uploaded.seek(0)
    for chunk in uploaded.chunks() if hasattr(uploaded, "chunks") else iter(lambda: uploaded.read(65536), b""):
        size += len(chunk)
        if size > limit:
            raise _too_big(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big(limit: int) -> ValidationError:
    return ValidationError({"file": _("The file is larger than %(size)s, the limit for a profile.") % {
        "size": human_size(limit)}})


def check_profile_file(content: bytes, declared_format: str) -> None:
    """ValidationError (field "file") unless the content is a well-formed schema of the declared format."""
    if len(content) > max_bytes():
        raise _too_big(max_bytes())
    if not content.strip():
        raise ValidationError({"file": _("The file is empty.")})
    try:
        tree = safe_xml.parse_bytes(content)
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or (exc.position[0] if getattr(exc, "position", None) else "?")
        raise ValidationError({"file": _("The file is not well-formed XML (line %(line)s): %(detail)s") % {
            "line": line, "detail": exc.msg if hasattr(exc, "msg") else str(exc)}}) from None
    if safe_xml.declares_doctype(tree):
        raise ValidationError({"file": _("The file declares a DOCTYPE, refused for security reasons.")})
    name = etree.QName(tree.getroot())
    if declared_format == "XSD" and (name.namespace, name.localname) != (XSD_NAMESPACE, "schema"):
        raise ValidationError({"file": _(
            "The profile is declared as XSD but the file is not an XML schema (its root element must be xs:schema).")})
    if declared_format == "RNG" and name.namespace != RNG_NAMESPACE:
        raise ValidationError({"file": _(
            "The profile is declared as RNG but the file is not a RelaxNG grammar.")})
