"""The French catalogue: complete, not fuzzy, up to date with the sources, French typography.

When this fails after you added strings: run
    python manage.py makemessages -l fr --ignore=.venv --ignore=vitamlite --ignore=tests --ignore=bench
then translate the new entries of locale/fr/LC_MESSAGES/django.po (and remove their "fuzzy" flag).
"""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = REPO_ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
# Same exclusions as the documented makemessages command (vitam-lite speaks Vitam's JSON, not French).
NOT_TRANSLATED = {".venv", "vitamlite", "tests", "bench", ".git", "var", "staticfiles", "test-artifacts", "locale",
                  ".pytest_cache", "docs"}
NBSP = "\u00a0\u202f"  # no-break space, narrow no-break space


def parse_po(path):
    """Entries of a .po file as dicts: msgctxt, msgid, msgid_plural, msgstr (list), flags, obsolete."""
    entries, entry, key = [], None, None

    def flush():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            flush()
            entry, key = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": [], "obsolete": False}
        if line.startswith("#~"):
            entry["obsolete"] = True
            continue
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
        if match:
            key, text = match.group(1), ast.literal_eval(match.group(2))
            if key.startswith("msgstr"):
                entry["msgstr"].append(text)
                key = ("msgstr", len(entry["msgstr"]) - 1)
            else:
                entry[key] = text
        elif line.startswith('"') and key is not None:
            text = ast.literal_eval(line)
            if isinstance(key, tuple):
                entry["msgstr"][key[1]] += text
            else:
                entry[key] += text
    return [e for e in entries if e["msgid"] != "" or e.get("msgctxt")]


def test_catalogue_is_complete_and_without_fuzzy_entries():
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(CATALOGUE)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, (
        f"{result.stderr.strip()} — translate them (see this module's docstring)"
    )
    untranslated = [e["msgid"] for e in parse_po(CATALOGUE) if not e["obsolete"] and not all(e["msgstr"])]
    assert not untranslated, untranslated


def _msgids(path):
    return {(e.get("msgctxt"), e["msgid"], e.get("msgid_plural")) for e in parse_po(path) if not e["obsolete"]}


def test_catalogue_is_up_to_date_with_the_sources(tmp_path):
    """makemessages on a copy of the working tree must find exactly the msgids of the committed catalogue."""
    copy = tmp_path / "src"
    shutil.copytree(REPO_ROOT, copy, ignore=lambda directory, names: (
        [n for n in names if n in NOT_TRANSLATED] if Path(directory) == REPO_ROOT else
        [n for n in names if n == "__pycache__"]
    ))
    (copy / "locale").mkdir()
    env = {**os.environ, "SAM_DATA_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "sam.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location"],
        cwd=copy, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    fresh = _msgids(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    committed = _msgids(CATALOGUE)
    missing = sorted(m[1] for m in fresh - committed)
    stale = sorted(m[1] for m in committed - fresh)
    assert not missing, f"strings of the sources missing from the French catalogue: {missing}"
    assert not stale, f"strings of the catalogue no longer in the sources: {stale}"


def _french_typography_problems(text):
    problems = []
    for match in re.finditer(r"(.)([:;?!])(?=\s|$)", text):
        before, mark = match.groups()
        # "%:" is a format, '"key": value' is JSON: both are code, not French prose.
        if before not in NBSP and not (mark == ":" and before in '%"'):
            problems.append(f"{before!r}{mark}: a no-break space is needed before «{mark}»")
    if re.search(r"«(?![\u00a0\u202f])", text) or re.search(r"(?<![\u00a0\u202f])»", text):
        problems.append("« » need no-break spaces inside")
    # Quoted prose takes « »; "name" without spaces is a JSON key or a field name, left as code.
    if re.search(r'"[^"%]*\s[^"%]*"', re.sub(r"<[^>]+>", "", text)):
        problems.append('English quotes: use « »')
    return problems


def test_french_typography():
    problems = {}
    for entry in parse_po(CATALOGUE):
        for text in entry["msgstr"]:
            found = _french_typography_problems(text)
            if found:
                problems[entry["msgid"]] = found
    assert not problems, problems


@pytest.mark.parametrize(
    ("text", "ok"),
    [("Erreur\u00a0: fichier", True), ("Erreur : fichier", False), ("Erreur: fichier", False),
     ("Vraiment\u00a0?", True), ("Vraiment ?", False), ("«\u00a0Cergy\u00a0»", True), ("« Cergy »", False),
     ("Le 12:30 à Cergy", True), ('le "dossier du maire"', False), ('envoyez "confirm": true', True)],
)
def test_typography_checker_itself(text, ok):
    assert (not _french_typography_problems(text)) is ok


def test_python_format_placeholders_match():
    problems = []
    for entry in parse_po(CATALOGUE):
        if "python-format" not in entry["flags"]:
            continue
        wanted = set(re.findall(r"%\((\w+)\)", entry["msgid"]))
        if "msgid_plural" in entry:
            # A plural form may leave the count out of its singular ("this parent" for "%(parents)s parents"):
            # each form may use the placeholders of either English form, and the plural form needs them all.
            plural = set(re.findall(r"%\((\w+)\)", entry["msgid_plural"]))
            forms = [set(re.findall(r"%\((\w+)\)", text)) for text in entry["msgstr"]]
            if any(not found <= wanted | plural for found in forms) or forms[-1] != wanted | plural:
                problems.append(entry["msgid"])
            continue
        for text in entry["msgstr"]:
            if set(re.findall(r"%\((\w+)\)", text)) != wanted:
                problems.append(entry["msgid"])
    assert not problems, problems


# docs/glossaire.md: one French label per archival term, used everywhere.
GLOSSARY = {
    "tenant": r"coffre",
    "filing plan": r"plans? de classement",
    "holding tree": r"arbres? de positionnement",
    "final action": r"sorts? fina(?:l|ux)",
    "ingest contract": r"contrats? d'entrée",
    "access contract": r"contrats? d'accès|contrats d'entrée et d'accès",
    "producing service": r"services? producteurs?",
    "management rule": r"règles? de gestion",
    "audit trail": r"journal d'audit",
    "archive unit": r"unité(?:s|\(s\))? archivistique(?:s|\(s\))?",
}


@pytest.mark.parametrize(("english", "french"), GLOSSARY.items())
def test_archival_terms_keep_their_glossary_label(english, french):
    drifted = [
        (entry["msgid"], text) for entry in parse_po(CATALOGUE)
        if re.search(rf"\b{english}", re.sub(r"%\(\w+\)\w|\{\w+\}", "", entry["msgid"]).lower())
        for text in entry["msgstr"] if not re.search(french, text.lower().replace("’", "'"))
    ]
    assert not drifted, f"“{english}” must be translated /{french}/ (docs/glossaire.md): {drifted}"
