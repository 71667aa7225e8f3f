"""Legal documents as PDF: a Django template rendered to HTML, laid out on A4 by WeasyPrint.

The templates are those of the print pages (or share their body with them), so the paper the browser
prints and the PDF SAM files away read the same. Their stylesheets come from SAM's own static files
(`static/sam/css/print.css` for every document); nothing is ever fetched from the network. The fonts
ship with SAM (sam/lib/fonts, declared by its fonts.css), so a PDF reads the same on any machine.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Where a document's relative and /static/ URLs resolve: a reserved name (RFC 2606) no resolver answers,
# and which the fetcher below maps to files on disk.
BASE_URL = "https://sam.invalid/"
# The shipped fonts are served under this URL from this folder.
FONTS_URL = urljoin(BASE_URL, "sam-fonts/")
FONTS_DIR = Path(__file__).resolve().parent / "fonts"


class StaticFilesOnly(URLFetcher):
    """Serves SAM's static files and shipped fonts to WeasyPrint and refuses every other URL (no network,
    no file:)."""

    def fetch(self, url, headers=None):
        if url.startswith(FONTS_URL):
            return self._font(url)
        static_prefix = urljoin(BASE_URL, settings.STATIC_URL)
        if not url.startswith(static_prefix):
            raise ValueError(f"Only SAM's static files may be used in a document, not {url}")
        name = unquote(urlsplit(url).path[len(urlsplit(static_prefix).path):])
        path = _static_file(name)
        if path is None:
            raise ValueError(f"No static file {name}")
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        with open(path, "rb") as stream:
            return URLFetcherResponse(url, stream.read(), headers={"Content-Type": content_type})

    def _font(self, url):
        name = unquote(urlsplit(url).path[len(urlsplit(FONTS_URL).path):])
        path = FONTS_DIR / name
        if "/" in name or "\\" in name or not name.endswith(".ttf") or not path.is_file():
            raise ValueError(f"No shipped font {name}")
        return URLFetcherResponse(url, path.read_bytes(), headers={"Content-Type": "font/ttf"})


def _static_file(name: str) -> str | None:
    """The file of a static name: its source (finders) in development, the collected file (hashed names
    of the manifest storage) in production. Both refuse names that leave their folder."""
    try:
        found = finders.find(name)
        if found:
            return found
        if staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
    except SuspiciousFileOperation:
        return None
    return None


def render_pdf(template_name: str, context: dict, *, title: str, author: str) -> bytes:
    """The PDF of a document template; `title` and `author` (the organisation) fill its metadata."""
    html = render_to_string(template_name, context)
    fetcher = StaticFilesOnly()
    font_config = FontConfiguration()  # one per document: WeasyPrint's is not meant to be shared by threads
    fonts = CSS(string=(FONTS_DIR / "fonts.css").read_text(encoding="utf-8"), base_url=FONTS_URL,
                url_fetcher=fetcher, font_config=font_config)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        stylesheets=[fonts], font_config=font_config)
    document.metadata.title = title
    document.metadata.authors = [author]
    return document.write_pdf()
