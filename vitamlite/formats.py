"""Formats referential (PRONOM) and format identification, as Vitam does them.

Vitam identifies every binary object with Siegfried (FormatIdentifierSiegfried, first match of the
"pronom" namespace) and looks the PUID up in its formats referential, a platform-wide collection
imported from a DROID signature file (`POST /admin-external/v1/formats`, admin tenant only).
vitam-lite does the same with pygfried (Siegfried as a Python extension) and keeps its own call to it:
it must not import the portal. An empty referential is filled from the DROID signature file shipped in
resources/formats/ (what a Vitam deployment imports at installation).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import pygfried
from lxml import etree
from werkzeug import Request, Response

from vitamlite import dsl, logbook
from vitamlite.http import Ctx, VitamHttpError, endpoint, json_ok
from vitamlite.ingest.seda import _parser as hardened_xml_parser
from vitamlite.store import register_schema

ADMIN = "/admin-external/v1"
EV_TYPE = "STP_REFERENTIAL_FORMAT_IMPORT"
DEFAULT_SIGNATURE_FILE = Path(__file__).parent / "resources" / "formats" / "DROID_SignatureFile_V118.xml.gz"
DROID_NAMESPACE = "http://www.nationalarchives.gov.uk/pronom/SignatureFile"
MAX_SIGNATURE_FILE_BYTES = 64 * 1024 * 1024
# Siegfried answers this id when no PRONOM signature matches (FormatIdentifierSiegfried: format not found).
SIEGFRIED_UNKNOWN = "UNKNOWN"

register_schema(
    """
    CREATE TABLE IF NOT EXISTS formats (
        puid TEXT PRIMARY KEY,
        doc TEXT NOT NULL
    );
    """
)

logbook.register_messages(
    labels={EV_TYPE: "processus d'import du référentiel des formats"},
    messages={
        f"{EV_TYPE}.OK": "Succès du processus d'import du référentiel des formats",
        f"{EV_TYPE}.KO": "Échec du processus d'import du référentiel des formats",
    },
)


class SignatureFileError(ValueError):
    """The uploaded file is not a DROID signature file."""


@dataclass(frozen=True)
class Identified:
    """Siegfried's first PRONOM match: puid is None when no signature matched."""

    puid: str | None
    name: str
    mime_type: str
    basis: str


def identify(path) -> Identified:
    """Identify one file as Vitam's worker does (first match in the pronom namespace)."""
    report = pygfried.identify(str(path), detailed=True)
    for match in report["files"][0]["matches"]:
        if match.get("ns") != "pronom":
            continue
        puid = match.get("id")
        if not puid or puid == SIEGFRIED_UNKNOWN:
            break
        return Identified(puid, match.get("format") or "", match.get("mime") or "", match.get("basis") or "")
    return Identified(None, "", "", "")


def parse_signature_file(content: bytes) -> tuple[str, list[dict]]:
    """(version, FileFormat documents) of a DROID signature file, as Vitam's ReferentialFormatFileImpl reads it."""
    try:
        root = etree.fromstring(content, hardened_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise SignatureFileError(f"Le fichier n'est pas un XML valide : {exc}") from exc
    if root.tag != f"{{{DROID_NAMESPACE}}}FFSignatureFile":
        raise SignatureFileError("Le fichier n'est pas un fichier de signatures DROID (FFSignatureFile attendu).")
    version = root.get("Version") or ""
    created = root.get("DateCreated") or ""
    by_id = {}
    formats = root.findall(f"{{{DROID_NAMESPACE}}}FileFormatCollection/{{{DROID_NAMESPACE}}}FileFormat")
    for element in formats:
        if not element.get("PUID") or not element.get("Name"):
            raise SignatureFileError(f"Format sans PUID ou sans nom (ID {element.get('ID')}).")
        by_id[element.get("ID")] = element.get("PUID")
    documents = []
    for element in formats:
        priority = [by_id[ref.text] for ref in element.findall(f"{{{DROID_NAMESPACE}}}HasPriorityOverFileFormatID")
                    if ref.text in by_id]
        documents.append({
            "PUID": element.get("PUID"),
            "Name": element.get("Name"),
            "Version": element.get("Version") or "",
            # PronomParser: several MIME types are kept in one string, separated by ";".
            "MimeType": (element.get("MIMEType") or "").replace(",", ";"),
            "Extension": [ext.text for ext in element.findall(f"{{{DROID_NAMESPACE}}}Extension") if ext.text],
            "HasPriorityOverFileFormatID": priority,
            "VersionPronom": version,
            "CreatedDate": created,
            "Group": "",
            "Alert": False,
            "Comment": "",
        })
    if not documents:
        raise SignatureFileError("Le fichier de signatures ne déclare aucun format.")
    return version, documents


def replace_all(db, documents: list[dict]) -> None:
    """The whole referential becomes `documents` (Vitam's import replaces the collection)."""
    now = logbook.now_iso()
    db.execute("DELETE FROM formats")
    db.executemany(
        "INSERT INTO formats (puid, doc) VALUES (?, ?)",
        [(doc["PUID"], json.dumps({"#id": doc["PUID"], "#version": 0, **doc, "UpdateDate": now}))
         for doc in documents],
    )


def ensure_default(db) -> None:
    """Fill an empty referential from the shipped DROID signature file."""
    if db.execute("SELECT 1 FROM formats LIMIT 1").fetchone() is None:
        _, documents = parse_signature_file(gzip.decompress(DEFAULT_SIGNATURE_FILE.read_bytes()))
        replace_all(db, documents)


def get(db, puid: str) -> dict | None:
    ensure_default(db)
    row = db.execute("SELECT doc FROM formats WHERE puid = ?", (puid,)).fetchone()
    return json.loads(row[0]) if row else None


def list_all(db) -> list[dict]:
    ensure_default(db)
    return [json.loads(row[0]) for row in db.execute("SELECT doc FROM formats ORDER BY puid")]


# -- admin-external endpoints (formats are platform-wide; import on the admin tenant only) ---------

def _read_signature_file(request: Request) -> bytes:
    content = request.stream.read(MAX_SIGNATURE_FILE_BYTES + 1)
    if len(content) > MAX_SIGNATURE_FILE_BYTES:
        raise VitamHttpError(413, "000413", "Le fichier de signatures dépasse la taille maximale autorisée.")
    return content


@endpoint("POST", f"{ADMIN}/formatsfilecheck", admin_only=True)
def formats_file_check(ctx: Ctx, request: Request) -> Response:
    try:
        parse_signature_file(_read_signature_file(request))
    except SignatureFileError as exc:
        raise VitamHttpError(400, "080008", str(exc), message="Bad Request") from exc
    return Response(status=200)


@endpoint("POST", f"{ADMIN}/formats", admin_only=True)
def formats_import(ctx: Ctx, request: Request) -> Response:
    content = _read_signature_file(request)
    filename = request.headers.get("X-Filename")
    logbook.start(ctx.db, tenant=ctx.tenant, ev_type=EV_TYPE, ev_type_proc="MASTERDATA",
                  operation_id=ctx.request_id, application_id=ctx.application_id)
    try:
        version, documents = parse_signature_file(content)
    except SignatureFileError as exc:
        logbook.finish(ctx.db, ctx.request_id, "KO", data={"FileName": filename, "Error": str(exc)})
        return VitamHttpError(400, "080008", str(exc), message="Bad Request").response()
    replace_all(ctx.db, documents)
    logbook.finish(ctx.db, ctx.request_id, "OK",
                   data={"FileName": filename, "PronomVersion": version, "FormatCount": len(documents)})
    return Response(status=201)


@endpoint("GET", f"{ADMIN}/formats", dsl="select_single")
def formats_search(ctx: Ctx, request: Request) -> Response:
    result = dsl.search_documents(list_all(ctx.db), ctx.query or {"$query": {}, "$projection": {}},
                                  kind="select_single")
    return json_ok(result.results, hits=result.hits, facets=result.facets, context=ctx.query)


@endpoint("GET", f"{ADMIN}/formats/<path:puid>")
def formats_get(ctx: Ctx, request: Request, puid: str) -> Response:
    document = get(ctx.db, puid)
    if document is None:
        raise VitamHttpError(404, "080005", f"Format {puid} introuvable.", message="Not Found")
    return json_ok([document], context=None)
