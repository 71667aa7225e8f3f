"""Validate the manifest of a tree SIP against Vitam's SEDA 2.1 schema before sending it.

The schema is the one the deposits check compiles once per process (sam.lib.seda.checks, Vitam's
``seda-vitam-main.xsd`` with xmlschema: libxml2 cannot compile it).
"""

from lxml import etree

from sam.lib import safe_xml
from sam.lib.seda.checks import schema


def manifest_errors(manifest: bytes, limit: int = 5) -> list[str]:
    """The first schema violations of a manifest SAM built (empty list: valid)."""
    try:
        tree = safe_xml.parse_bytes(manifest)
    except etree.XMLSyntaxError as exc:
        return [str(exc)]
    errors = []
    for error in schema().iter_errors(tree):
        where = getattr(error, "path", None) or ""
        reason = error.reason or str(error).splitlines()[0]
        errors.append(f"{where}: {reason}" if where else reason)
        if len(errors) >= limit:
            break
    return errors
