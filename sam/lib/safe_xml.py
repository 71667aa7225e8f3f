"""The one way SAM reads XML it did not write: manifests, ATRs, profiles, filing plans, schemas.

The XML comes from users, applications or Vitam and is parsed as hostile: lxml without DTD
loading or validation, without entity expansion, without network access and without lxml's
huge-tree mode (which lifts libxml2's depth and size limits). A document that still declares a
DOCTYPE is for the caller to refuse (declares_doctype): SEDA and schemas never need one.
"""

from __future__ import annotations

import xmlschema
from lxml import etree


def hardened_parser() -> etree.XMLParser:
    """A new parser per document: lxml parsers keep state between parses."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_pis=True)


def parse_bytes(data: bytes) -> etree._ElementTree:
    """The document in `data`; raises etree.XMLSyntaxError when it is not well-formed."""
    return etree.fromstring(data, hardened_parser()).getroottree()


def parse_file(path) -> etree._ElementTree:
    """The document in the file at `path`; raises etree.XMLSyntaxError or OSError."""
    return etree.parse(str(path), hardened_parser())


def declares_doctype(tree: etree._ElementTree) -> bool:
    """True when the document has a DOCTYPE (the way entity bombs and external entities get in)."""
    return bool(tree.docinfo.doctype) or tree.docinfo.internalDTD is not None


def local_xsd_schema(path, *, locations) -> xmlschema.XMLSchema10:
    """An XSD 1.0 schema compiled by xmlschema from local files only, its XML defused (lax: an
    invalid schema part is skipped, not fatal).

    `locations` maps the imported namespaces to local files (nothing is fetched from the network).
    """
    return xmlschema.XMLSchema10(str(path), locations=locations, allow="local", defuse="always", validation="lax")
