"""sam.lib.pdf: a template laid out as PDF with SAM's print stylesheet, French characters, metadata, and
nothing fetched but SAM's own static files."""

import copy
import io

import pytest
from pypdf import PdfReader

from sam.lib.pdf import BASE_URL, StaticFilesOnly, render_pdf

DOCUMENT = """{% extends "document.html" %}{% block title %}Procès-verbal{% endblock %}{% block content %}
<h1>Procès-verbal</h1><p>Ligatures et monnaie : œ Œ €</p>
<img src="https://example.org/tracker.png" alt=""><img src="file:///etc/passwd" alt="">
{% endblock %}"""


@pytest.fixture
def document_template(settings, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "test_document.html").write_text(DOCUMENT, encoding="utf-8")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [folder, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    return "test_document.html"


def test_french_characters_metadata_and_print_stylesheet(document_template):
    pdf = render_pdf(document_template, {}, title="Procès-verbal", author="Commune de Saint-Œuf")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "œ Œ €" in text
    assert "1 / 1" in text  # the page counter of print.css: the stylesheet was served
    assert reader.metadata.title == "Procès-verbal" and reader.metadata.author == "Commune de Saint-Œuf"


def test_only_static_files_are_served():
    fetcher = StaticFilesOnly()
    assert b"@page" in fetcher.fetch(BASE_URL + "static/sam/css/print.css").read()
    for url in ("https://example.org/tracker.png", "file:///etc/passwd", BASE_URL + "media/secret.pdf",
                BASE_URL + "static/../../etc/passwd", BASE_URL + "static/%2e%2e/%2e%2e/etc/passwd",
                BASE_URL + "static/sam/css/missing.css"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
