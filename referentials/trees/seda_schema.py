"""Validate a SIP manifest against Vitam's SEDA 2.1 schema before sending it.

Uses the schema files SAM ships (sam/archives/xsd/, copied from Vitam with their licence notes),
or vitam-lite's identical copy when the portal's is absent. Compiled once per process: lxml cannot
compile Vitam's schema (it breaks Unique Particle Attribution on purpose), xmlschema can.
"""

import threading
import warnings
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
CANDIDATES = (ROOT / "sam" / "archives" / "xsd", ROOT / "vitamlite" / "resources" / "xsd")
_schema = None
_lock = threading.Lock()


def _xsd_dir() -> Path:
    for folder in CANDIDATES:
        if (folder / "seda-2.1" / "vitam-validation" / "seda-vitam-main.xsd").exists():
            return folder
    raise FileNotFoundError("Vitam's SEDA 2.1 schema files are missing")


def schema():
    global _schema
    if _schema is None:
        with _lock:
            if _schema is None:
                import xmlschema

                folder = _xsd_dir()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    _schema = xmlschema.XMLSchema10(
                        str(folder / "seda-2.1" / "vitam-validation" / "seda-vitam-main.xsd"),
                        locations=[("http://www.w3.org/XML/1998/namespace", str(folder / "w3c" / "xml.xsd")),
                                   ("http://www.w3.org/1999/xlink", str(folder / "w3c" / "xlink.xsd"))],
                        allow="local", defuse="always", validation="lax",
                    )
    return _schema


def manifest_errors(manifest: bytes, limit: int = 5) -> list[str]:
    """The first schema violations of a manifest SAM built (empty list: valid)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        tree = etree.fromstring(manifest, parser)
    except etree.XMLSyntaxError as exc:
        return [str(exc)]
    errors = []
    for error in schema().iter_errors(tree):
        where = getattr(error, "path", None) or ""
        errors.append(f"{where}: {error.reason or error}" if where else str(error.reason or error))
        if len(errors) >= limit:
            break
    return errors
