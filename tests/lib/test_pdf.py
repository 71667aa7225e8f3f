"""sam.lib.pdf: a template laid out as PDF with SAM's print stylesheet, French characters, metadata, and
nothing fetched but SAM's own static files."""

import copy
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from pypdf import PdfReader

from sam.lib.pdf import BASE_URL, FONTS_URL, StaticFilesOnly, render_pdf

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


# --- the fonts SAM ships -------------------------------------------------------------------------------

FONTS_DIR = Path(__file__).resolve().parents[2] / "sam" / "lib" / "fonts"
FRENCH = "Œuvres du cœur, 12 €"


def embedded_fonts(pdf: bytes) -> set[str]:
    """The names of the fonts embedded in a PDF (without the subset prefix ABCDEF+)."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for described in [font, *[d.get_object() for d in font.get("/DescendantFonts", [])]]:
                descriptor = described.get("/FontDescriptor")
                if descriptor is not None:
                    assert "/FontFile2" in descriptor.get_object(), f"{described['/BaseFont']} is not embedded"
            names.add(str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


def assert_french_in_shipped_fonts(pdf: bytes):
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for character in ("œ", "Œ", "€"):
        assert character in text, character
    # WeasyPrint names an embedded font after its @font-face family: only sam/lib/fonts/fonts.css declares
    # these, so every glyph comes from the shipped files, none from a font of the machine.
    fonts = embedded_fonts(pdf)
    assert fonts and all(name.startswith(("SAM-Document-Sans", "SAM-Document-Mono")) for name in fonts), fonts


def test_the_fonts_ship_with_their_licence_and_are_package_data():
    assert {path.name for path in FONTS_DIR.glob("*.ttf")} >= {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf",
                                                               "DejaVuSansMono.ttf"}
    assert "Bitstream" in (FONTS_DIR / "LICENSE").read_text(encoding="utf-8")
    pyproject = (FONTS_DIR.parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"sam.lib" = ["fonts/*"]' in pyproject


def test_the_fetcher_serves_the_shipped_fonts_only():
    fetcher = StaticFilesOnly()
    assert fetcher.fetch(FONTS_URL + "DejaVuSans.ttf").read() == (FONTS_DIR / "DejaVuSans.ttf").read_bytes()
    for url in (FONTS_URL + "LICENSE", FONTS_URL + "../pdf.py", FONTS_URL + "%2e%2e/pdf.py", FONTS_URL + "nope.ttf"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_documents_do_not_depend_on_the_machines_fonts(tmp_path):
    """Rendered with a fontconfig that knows no font of the machine: the text still comes out, in the
    shipped DejaVu (without them WeasyPrint could not lay out a single glyph)."""
    config = tmp_path / "no-fonts.conf"
    config.write_text(f"<?xml version='1.0'?><fontconfig><cachedir>{tmp_path}</cachedir></fontconfig>")
    out = tmp_path / "document.pdf"
    script = (
        "import django, pathlib, sys; django.setup()\n"
        "from django.template import engines\n"
        "from sam.lib import pdf\n"
        "from unittest import mock\n"
        f"html = '<html><body class=\"document\"><h1>{FRENCH}</h1><p>{FRENCH}</p>"
        "<p class=\"digest\">€ œ</p></body></html>'\n"
        "with mock.patch.object(pdf, 'render_to_string', lambda name, context: html):\n"
        "    data = pdf.render_pdf('inline', {}, title='t', author='a')\n"
        "pathlib.Path(sys.argv[1]).write_bytes(data)\n")
    environment = {**os.environ, "FONTCONFIG_FILE": str(config), "DJANGO_SETTINGS_MODULE": "sam.settings"}
    subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=environment, timeout=300,
                   cwd=FONTS_DIR.parents[2])
    assert_french_in_shipped_fonts(out.read_bytes())


@pytest.mark.django_db
def test_the_deposit_slip_prints_french_characters_in_the_shipped_font(vitam_world, client, tmp_path):
    from tests.deposits.conftest import build_sip
    from tests.deposits.test_deposits import latest, upload

    tenant = vitam_world.tenant_a
    client.force_login(vitam_world.archivist_a)
    upload(client, tenant, build_sip(tenant, tmp_path / "sip", title=FRENCH))
    deposit = latest(tenant)
    pdf = client.get(reverse("deposits:deposit_slip_pdf", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk}))
    assert pdf["Content-Type"] == "application/pdf"
    assert_french_in_shipped_fonts(pdf.content)


@pytest.mark.django_db
def test_the_elimination_certificate_prints_french_characters_in_the_shipped_font(
        vitam_world, client, django_capture_on_commit_callbacks):
    from sam.elimination.models import Proposal
    from sam.lib.seda.sip import SipRule, SipUnit
    from tests.elimination.conftest import ingest

    world = vitam_world
    ended = SipRule("AppraisalRule", "APP-PC", date(2008, 12, 31), final_action="Destroy")
    ingest(world.tenant_a, [SipUnit(title=FRENCH, description_level="File", start_date=date(2008, 1, 1),
                                    end_date=date(2008, 12, 31), rules=[ended])], identifier="PDF-FONTS")
    client.force_login(world.archivist_a)
    tenant_pk = world.tenant_a.pk
    response = client.post(reverse("elimination:analysis_create", kwargs={"tenant_pk": tenant_pk}),
                           {"proposal_title": FRENCH, "mode": "dua", "date": date.today().isoformat()})
    assert response.status_code == 302, response.content.decode()[:2000]
    proposal = Proposal.objects.latest("pk")

    def url(name):
        return reverse(f"elimination:{name}", kwargs={"tenant_pk": tenant_pk, "pk": proposal.pk})

    assert client.post(url("proposal_submit")).status_code == 302
    client.force_login(world.controller)
    assert client.post(url("proposal_decide"), {"decision": "approve", "comment": "Vu"}).status_code == 302
    client.force_login(world.archivist_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("proposal_execute"))
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.EXECUTED, proposal.error
    # The certificate is a summary (the units are in its annex): the proposal's title carries the characters.
    response = client.get(url("proposal_certificate"))
    assert_french_in_shipped_fonts(b"".join(response.streaming_content))
