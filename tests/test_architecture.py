"""The layering of the code, read from its imports (ast: the files are parsed, not imported).

- no import cycle between files of the portal (a function-local import still is a dependency);
- the library (sam.vitam, sam.lib) imports no domain app, no site and no vitam-lite;
- vitam-lite imports nothing of the portal (it stays a back office of its own);
- domain apps do not import the site pages;
- every task a service names by its dotted path exists.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from django.utils.module_loading import import_string

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ("sam", "tenants", "referentials")
LIBRARY = ("sam.vitam", "sam.lib")
DOMAIN_APPS = ("tenants", "referentials", "sam.deposits", "sam.consultation", "sam.elimination", "sam.connectors",
               "sam.selection")
SITE = ("sam.site",)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Every Python file of the portal and of vitam-lite, by dotted name."""
    found = {}
    for top in (*PORTAL, "vitamlite"):
        for path in (ROOT / top).rglob("*.py"):
            found[module_name(path)] = path
    return found


def is_under(name: str, packages) -> bool:
    return any(name == package or name.startswith(package + ".") for package in packages)


def imported_names(path: Path) -> set[str]:
    """Absolute names of everything the file imports, at module level or inside a function.

    `from x import y` names x.y when y is a module of ours, x otherwise."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                names.add(submodule if submodule in modules() else base)
    return names


def dependencies(name: str) -> set[str]:
    """The portal's files this file imports. A package's __init__ re-exporting its own modules is not
    a dependency of the package on them (sam.vitam -> sam.vitam.client would be a false cycle)."""
    path = modules()[name]
    found = set()
    for target in imported_names(path):
        while target and target not in modules():
            target = target.rpartition(".")[0]  # sam.vitam.dsl.Select -> sam.vitam.dsl
        if not target or target == name or not is_under(target, PORTAL):
            continue
        if path.name == "__init__.py" and is_under(target, (name,)):
            continue
        found.add(target)
    return found


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of files that import each other, directly or not."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def offending_imports(packages, forbidden) -> list[str]:
    return sorted(
        f"{name} imports {target}"
        for name, path in modules().items() if is_under(name, packages)
        for target in imported_names(path) if is_under(target, forbidden)
    )


def test_no_import_cycle_in_the_portal():
    graph = {name: dependencies(name) for name in modules() if is_under(name, PORTAL)}
    cycles = [group for group in strongly_connected(graph) if len(group) > 1]
    assert cycles == [], "files importing each other: " + "; ".join(" <-> ".join(group) for group in cycles)


def test_library_imports_no_domain_app():
    assert offending_imports(LIBRARY, (*DOMAIN_APPS, *SITE, "vitamlite")) == []


def test_vitamlite_imports_nothing_of_the_portal():
    assert offending_imports(("vitamlite",), PORTAL) == []


def test_domain_apps_do_not_import_the_site():
    assert offending_imports(DOMAIN_APPS, SITE) == []


def test_every_task_named_by_its_path_exists():
    """Services name their tasks by dotted path (sam.lib.jobs): a typo would only show in the worker."""
    task_path = re.compile(r"[a-z_.]+\.tasks\.[a-z_]+")
    named = {
        node.value
        for name, path in modules().items() if is_under(name, PORTAL)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and task_path.fullmatch(node.value)
    }
    assert len(named) >= 10  # deposits 4, elimination 3, referentials 2, trees 1
    assert [path for path in sorted(named) if not hasattr(import_string(path), "enqueue")] == []


def test_the_import_reader_sees_a_cycle_and_a_local_import(tmp_path, monkeypatch):
    """The checks above would pass on anything if the reader missed imports: it must see both kinds."""
    package = tmp_path / "sam" / "demo_cycle"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from sam.demo_cycle import services\n")
    (package / "services.py").write_text("def start():\n    from sam.demo_cycle.tasks import run\n")
    (package / "tasks.py").write_text("from sam.demo_cycle import services\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    modules.cache_clear()
    try:
        graph = {name: dependencies(name) for name in modules()}
        assert graph["sam.demo_cycle"] == set()  # the package re-exporting its own module
        assert [group for group in strongly_connected(graph) if len(group) > 1] == [
            ["sam.demo_cycle.services", "sam.demo_cycle.tasks"]]
    finally:
        modules.cache_clear()
