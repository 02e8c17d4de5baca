"""The layers depend one way: api -> cache/sync -> screens/widgets; demo stands apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "biosphere_tui"

FORBIDDEN = {
    "api": ("textual", "rich", "sqlite3", "sqlite_utils", "biosphere_tui.cache", "biosphere_tui.screens",
            "biosphere_tui.widgets", "biosphere_tui.app", "biosphere_tui.sync", "biosphere_tui.demo"),
    "cache": ("textual", "rich", "httpx", "openstack", "keystoneauth1", "biosphere_tui.api.portal",
              "biosphere_tui.api.openstack", "biosphere_tui.screens", "biosphere_tui.widgets", "biosphere_tui.demo"),
    "screens": ("httpx", "openstack", "keystoneauth1", "biosphere_tui.api.portal", "biosphere_tui.api.openstack",
                "biosphere_tui.sync", "biosphere_tui.demo"),
    "widgets": ("httpx", "openstack", "keystoneauth1", "biosphere_tui.api.portal", "biosphere_tui.api.openstack",
                "biosphere_tui.sync", "biosphere_tui.demo", "biosphere_tui.screens"),
    "demo": ("textual", "rich", "sqlite_utils", "biosphere_tui.api", "biosphere_tui.cache", "biosphere_tui.app",
             "biosphere_tui.sync", "biosphere_tui.screens", "biosphere_tui.widgets", "biosphere_tui.models"),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files, f"no modules in {layer}/"
    bad = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in files
        for name in sorted(_imports(path))
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[layer])
    ]
    assert bad == []


def test_screens_never_import_screens() -> None:
    """A screen opens another through ``screens.registry``; only the registry names screens, and
    ``screens.base`` holds the base classes."""
    shared = ("biosphere_tui.screens.base", "biosphere_tui.screens.registry")
    bad = []
    for path in sorted((PACKAGE / "screens").rglob("*.py")):
        if path.name == "registry.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level:
                bad.append(f"{path.name}: relative import")
            elif isinstance(node, ast.ImportFrom) and node.module == "biosphere_tui.screens":
                bad += [f"{path.name} imports screens.{a.name}" for a in node.names
                        if f"biosphere_tui.screens.{a.name}" not in shared]
            elif isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                bad += [f"{path.name} imports {n}" for n in names
                        if n.startswith("biosphere_tui.screens.") and n not in shared]
    assert bad == []


def test_only_the_command_line_imports_the_demo() -> None:
    users = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "demo" not in path.relative_to(PACKAGE).parts
        and any(n.startswith("biosphere_tui.demo") for n in _imports(path))
    )
    assert users == ["cli.py"]


def test_opening_the_app_loads_no_writer_or_network_library() -> None:
    """The app's first paint reads the cache with plain sqlite3: sqlite-utils, httpx and
    openstacksdk load later, with the first refresh or action (see bench/ui.py)."""
    import subprocess
    import sys

    probe = ("import sys, biosphere_tui.cli, biosphere_tui.app, biosphere_tui.screens.myvm, biosphere_tui.screens.idle;"
             "print(sorted(m for m in ('sqlite_utils', 'httpx', 'openstack') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
