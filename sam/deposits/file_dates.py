"""The date of a deposited file: from its own metadata where the format records it, else its
modification time (for a zipped folder tree, the zip entry's date, restored when unpacking).

Files come from users: office documents' XML goes through sam.lib.safe_xml, images are opened by
Pillow (already installed for WeasyPrint) for their EXIF header only, PDFs are only scanned for
their /CreationDate string (a PDF whose Info dictionary sits in a compressed object stream keeps
its modification time).
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

from lxml import etree
from PIL import Image, UnidentifiedImageError

from sam.lib import safe_xml

PDF_SCAN_BYTES = 256 * 1024
PDF_CREATION = re.compile(rb"/CreationDate\s*\(\s*D:(\d{4})(\d{2})?(\d{2})?")
ODF_SUFFIXES = {".odt", ".ods", ".odp", ".odg", ".odf"}
OOXML_SUFFIXES = {".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pptm"}
JPEG_SUFFIXES = {".jpg", ".jpeg", ".tif", ".tiff"}
EXIF_IFD, EXIF_DATE_ORIGINAL, TIFF_DATE_TIME = 0x8769, 36867, 306
MAX_META_BYTES = 1024 * 1024  # a meta.xml or core.xml is a few kilobytes


def file_date(path: Path) -> date:
    """The file's own date (creation in its metadata) or its modification time."""
    suffix = path.suffix.lower()
    found = None
    try:
        if suffix == ".pdf":
            found = _pdf_date(path)
        elif suffix in ODF_SUFFIXES:
            found = _zipped_xml_date(path, "meta.xml")
        elif suffix in OOXML_SUFFIXES:
            found = _zipped_xml_date(path, "docProps/core.xml")
        elif suffix in JPEG_SUFFIXES:
            found = _exif_date(path)
    except (OSError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError, UnidentifiedImageError,
            Image.DecompressionBombError):
        found = None  # unreadable metadata: the modification time still tells something
    return found or date.fromtimestamp(path.stat().st_mtime)


def _plausible(year: int, month: int = 1, day: int = 1) -> date | None:
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return value if 1800 <= year <= date.today().year + 1 else None


def _pdf_date(path: Path) -> date | None:
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(PDF_SCAN_BYTES)
        handle.seek(max(0, size - PDF_SCAN_BYTES))
        tail = handle.read(PDF_SCAN_BYTES)
    # An incremental update appends the newest Info dictionary: prefer the end of the file.
    for chunk in (tail, head):
        match = PDF_CREATION.search(chunk)
        if match:
            return _plausible(int(match[1]), int(match[2] or 1), int(match[3] or 1))
    return None


def _zipped_xml_date(path: Path, member: str) -> date | None:
    """dc:created (ODF meta:creation-date, OOXML dcterms:created) of an office document."""
    with zipfile.ZipFile(path) as archive:
        try:
            info = archive.getinfo(member)
        except KeyError:  # a valid document may carry no metadata part
            return None
        if info.file_size > MAX_META_BYTES:
            return None
        tree = safe_xml.parse_bytes(archive.read(info))
    if safe_xml.declares_doctype(tree):
        return None
    for element in tree.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname in ("created", "creation-date"):
            return _iso_date(element.text or "")
    return None


def _iso_date(text: str) -> date | None:
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", text)
    return _plausible(int(match[1]), int(match[2]), int(match[3])) if match else None


def _exif_date(path: Path) -> date | None:
    with Image.open(path) as image:  # reads the header only, never decodes the pixels
        exif = image.getexif()
        value = exif.get_ifd(EXIF_IFD).get(EXIF_DATE_ORIGINAL) or exif.get(TIFF_DATE_TIME)
    if not isinstance(value, str):
        return None
    match = re.match(r"\s*(\d{4}):(\d{2}):(\d{2})", value)
    return _plausible(int(match[1]), int(match[2]), int(match[3])) if match else None

