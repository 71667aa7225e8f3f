"""Theme rules: contrast of the palette (RGAA 3.2: 4.5:1) and no inline style or script (CSP)."""

import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CSS = (REPO_ROOT / "static" / "sam" / "css" / "sam.css").read_text()
VARIABLES = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))

# (text colour, background) pairs the stylesheet actually uses for text.
TEXT_PAIRS = [
    ("ink", "paper"), ("ink", "paper-alt"), ("ink-muted", "paper"), ("ink-muted", "paper-alt"),
    ("link", "paper"), ("link", "brand-light"), ("link-hover", "brand-light"), ("#ffffff", "brand"),
    ("#ffffff", "link"), ("#ffffff", "link-hover"), ("#ffffff", "danger"),
    ("success", "success-bg"), ("warning", "warning-bg"), ("danger", "danger-bg"), ("info", "info-bg"),
    ("ink", "info-bg"), ("ink", "danger-bg"), ("#ffffff", "#132a44"),
]


def _colour(name):
    value = name if name.startswith("#") else VARIABLES[name]
    return [int(value[i:i + 2], 16) / 255 for i in (1, 3, 5)]


def _luminance(rgb):
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground, background):
    lighter, darker = sorted((_luminance(_colour(foreground)), _luminance(_colour(background))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_formula_matches_the_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(("foreground", "background"), TEXT_PAIRS)
def test_text_colours_reach_4_5_to_1(foreground, background):
    assert contrast(foreground, background) >= 4.5, f"{foreground} on {background}"


def test_focus_ring_is_declared_and_never_removed():
    assert re.search(r":focus-visible\s*\{\s*outline:\s*3px solid var\(--focus\)", CSS)
    assert contrast("focus", "paper") >= 3 and contrast("focus", "paper-alt") >= 3
    # The header and the menu are dark: their focus ring has its own colour.
    assert re.search(r"\.site-header :focus-visible\s*\{\s*outline-color:\s*var\(--focus-dark\)", CSS)
    assert contrast("focus-dark", "brand") >= 3 and contrast("focus-dark", "#132a44") >= 3
    assert "outline: none" not in CSS.replace("main:focus { outline: none; }", "")


TEMPLATE_FILES = sorted((REPO_ROOT / "templates").rglob("*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+=", re.IGNORECASE)


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_templates_have_no_inline_style_or_script(template):
    text = template.read_text()
    assert not INLINE_SCRIPT.search(text), "inline <script>: CSP allows only files from static/"
    assert not INLINE_STYLE.search(text), "inline style: CSP allows only static/sam/css"
    assert not INLINE_HANDLER.search(text), "inline event handler: CSP forbids them"


@pytest.mark.parametrize("template", TEMPLATE_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_template_comments_stay_on_one_line(template):
    """Django prints a {# ... #} comment that spans lines (and runs the tags inside): use {% comment %}."""
    for match in re.finditer(r"\{#(.*?)#\}", template.read_text(), re.S):
        assert "\n" not in match.group(1), "multi-line {# #} comment: use {% comment %} ... {% endcomment %}"
