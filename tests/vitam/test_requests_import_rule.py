"""Only sam/vitam/ may import requests: every other HTTP path to Vitam would bypass the
session, certificates, timeouts, retries and error mapping of the one client."""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHECKED_PACKAGES = ("sam", "tenants", "referentials")
ALLOWED = REPO / "sam" / "vitam"


def _imports_requests(source: str) -> bool:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import) and any(a.name == "requests" or a.name.startswith("requests.") for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
            node.module == "requests" or node.module.startswith("requests.")
        ):
            return True
    return False


def test_only_the_vitam_client_imports_requests():
    offenders = []
    checked = 0
    for package in CHECKED_PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            if ALLOWED in path.parents:
                continue
            checked += 1
            if _imports_requests(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(REPO)))
    assert checked > 5, "the walk found almost no module: wrong repository root?"
    assert offenders == [], f"import requests outside sam/vitam/: {offenders}"


def test_the_rule_detects_both_import_forms():
    assert _imports_requests("import requests\n")
    assert _imports_requests("from requests.adapters import HTTPAdapter\n")
    assert _imports_requests("def f():\n    import requests.exceptions\n")
    assert not _imports_requests("import requests_toolbelt_not_really as x\nfrom . import requests\n")


def test_the_client_itself_uses_requests():
    assert _imports_requests((ALLOWED / "session.py").read_text(encoding="utf-8"))
