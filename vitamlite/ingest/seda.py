"""SEDA 2.1 manifest parsing and validation, hardened against hostile XML.

Manifests are parsed by lxml without DTD loading, entity expansion or network access, and any
document carrying a DOCTYPE is refused outright (SEDA never needs one; it is how entity bombs and
external entities get in). Validation uses Vitam's own schema (``seda-vitam-main.xsd``) through
xmlschema, since libxml2 cannot compile it (Unique Particle Attribution); it is compiled once per
process.
"""

import threading
import warnings
from pathlib import Path

import xmlschema
from lxml import etree

XSD_DIR = Path(__file__).resolve().parent.parent / "resources" / "xsd"
VITAM_MAIN_XSD = XSD_DIR / "seda-2.1" / "vitam-validation" / "seda-vitam-main.xsd"
W3C_LOCATIONS = [
    ("http://www.w3.org/XML/1998/namespace", str(XSD_DIR / "w3c" / "xml.xsd")),
    ("http://www.w3.org/1999/xlink", str(XSD_DIR / "w3c" / "xlink.xsd")),
]

SEDA_NS_PREFIX = "fr:gouv:culture:archivesdefrance:seda:v"
MAX_MANIFEST_BYTES = 512 * 1024 * 1024

_schema = None
_schema_lock = threading.Lock()


class ManifestError(Exception):
    """The manifest cannot be accepted; ``outcome`` is the CHECK_SEDA sub-status (NOT_XML_FILE...)."""

    def __init__(self, outcome, message):
        super().__init__(message)
        self.outcome = outcome
        self.message = message


# Own copy of the hardened parser on purpose: vitam-lite stands for Vitam and must not depend on the portal.
def _parser():
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_manifest(path):
    """Parse a manifest file safely; returns the lxml ElementTree or raises ManifestError."""
    path = Path(path)
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise ManifestError("NOT_XML_FILE", "Le bordereau de transfert dépasse la taille autorisée")
    try:
        tree = etree.parse(str(path), _parser())
    except etree.XMLSyntaxError as exc:
        raise ManifestError("NOT_XML_FILE", f"Le bordereau de transfert n'est pas un fichier XML valide : {exc}")
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise ManifestError(
            "NOT_XML_FILE", "Le bordereau de transfert contient une déclaration DOCTYPE, refusée par sécurité"
        )
    return tree


def seda_version(tree):
    """'2.1', '2.2'... from the root namespace, or None when it is not a SEDA ArchiveTransfer."""
    root = tree.getroot()
    qname = etree.QName(root)
    if qname.localname != "ArchiveTransfer" or not (qname.namespace or "").startswith(SEDA_NS_PREFIX):
        return None
    return qname.namespace[len(SEDA_NS_PREFIX):]


def schema():
    """Vitam's SEDA 2.1 validation schema, compiled once per process (a few seconds)."""
    global _schema
    if _schema is None:
        with _schema_lock:
            if _schema is None:
                with warnings.catch_warnings():
                    # The Vitam schema violates UPA on purpose (lax xsd:any); xmlschema warns about it.
                    warnings.simplefilter("ignore")
                    _schema = xmlschema.XMLSchema10(
                        str(VITAM_MAIN_XSD),
                        locations=W3C_LOCATIONS,
                        allow="local",
                        defuse="always",
                        validation="lax",
                    )
    return _schema


def validation_errors(tree, limit=5):
    """First XSD validation errors of an already safely-parsed manifest, as short French-ready strings."""
    errors = []
    for error in schema().iter_errors(tree):
        reason = error.reason or str(error)
        where = getattr(error, "path", None) or ""
        errors.append(f"{where}: {reason}" if where else reason)
        if len(errors) >= limit:
            break
    return errors
