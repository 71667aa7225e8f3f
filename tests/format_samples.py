"""Real files of several formats, made by the tests (no binary fixture in the repository)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from PIL import Image

ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
ODT_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{ODT_MIMETYPE}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
 <office:body><office:text><text:p>Délibération du conseil municipal</text:p></office:text></office:body>
</office:document-content>"""


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def odt_bytes() -> bytes:
    """An OpenDocument text as LibreOffice writes it: the mimetype entry first and stored, then the manifest."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODT_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", ODT_MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", ODT_CONTENT, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def xml_bytes() -> bytes:
    return '<?xml version="1.0" encoding="UTF-8"?>\n<registre><acte numero="1">Naissance</acte></registre>\n'.encode()


def text_bytes() -> bytes:
    return "Compte rendu de la séance du conseil municipal.\n".encode()


def write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path
