"""The app uses Textual's public API only: users install ``textual>=8.2,<9``, and a private module or
attribute may change in any release. No ``textual._x`` import, and no class of ours reads, writes or
overrides a private name (``_x``) that its Textual ancestors define."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from functools import cache
from pathlib import Path

import biosphere_tui

PACKAGE = Path(biosphere_tui.__file__).parent


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _private_module(name: str) -> bool:
    parts = name.split(".")
    return parts[0] == "textual" and any(p.startswith("_") for p in parts[1:])


def test_no_private_textual_module_is_imported() -> None:
    found = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.relative_to(PACKAGE)}:{node.lineno} {n}" for n in names if _private_module(n)]
    assert found == []


@cache
def _textual_private_names(cls: type) -> frozenset[str]:
    """The private names a Textual class defines: its (and its bases') attributes and what its
    methods assign to ``self._x``."""
    names = {n for n in dir(cls) if n.startswith("_") and not n.startswith("__")}
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):
        return frozenset(names)
    names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr.startswith("_")
              and not n.attr.startswith("__") and isinstance(n.value, ast.Name) and n.value.id == "self"}
    return frozenset(names)


def _our_classes() -> list[type]:
    modules = [importlib.import_module(m.name) for m in pkgutil.walk_packages([str(PACKAGE)], "biosphere_tui.")
               if not m.name.startswith(("biosphere_tui.demo", "biosphere_tui.__main__"))]
    return [cls for module in modules for _, cls in inspect.getmembers(module, inspect.isclass)
            if cls.__module__ == module.__name__]


def _private_uses(cls: type) -> dict[str, int]:
    """``_x`` names the class's own code defines (``def _x``) or reaches on ``self`` or ``super()``."""
    source, first = inspect.getsourcelines(cls)
    tree = ast.parse(textwrap.dedent("".join(source)))
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("_"):
            found.setdefault(node.name, first + node.lineno - 1)
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            owner = node.value
            if (isinstance(owner, ast.Name) and owner.id == "self") or \
                    (isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super"):
                found.setdefault(node.attr, first + node.lineno - 1)
    return {name: line for name, line in found.items() if not name.startswith("__")}


def test_no_class_of_ours_touches_a_private_textual_name() -> None:
    touched = []
    for cls in _our_classes():
        textual = [base for base in cls.__mro__ if base.__module__.split(".")[0] == "textual"]
        if not textual:
            continue
        private = frozenset().union(*(_textual_private_names(base) for base in textual))
        touched += [f"{cls.__module__}.{cls.__qualname__}:{line} {name}"
                    for name, line in _private_uses(cls).items() if name in private]
    assert touched == []


def test_the_check_sees_a_private_textual_name() -> None:
    """The check above would see the internals that were once used here."""
    from textual.widgets import DataTable, Footer

    from biosphere_tui.widgets.line_table import LineTable

    assert {"_row_locations", "_update_count"} <= _textual_private_names(DataTable)
    assert "_bindings_ready" in _textual_private_names(Footer)
    assert "_size_updated" in frozenset().union(*(_textual_private_names(b) for b in LineTable.__mro__[2:]
                                                  if b.__module__.startswith("textual")))
    assert _private_module("textual.widgets._footer") and _private_module("textual._context")
