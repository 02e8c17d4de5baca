"""One list of the changes (``readonly.CHANGES``): every key action of a screen and every command that
can reach the action runner is on it, so that read-only mode refuses it up front, before a form or
a confirmation is shown. Found by reading the code: a function reaches the runner if it calls it, or
names a function, method or class that does."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

import biosphere_tui
from biosphere_tui.rules.readonly import CHANGING, COMMANDS

PACKAGE = Path(biosphere_tui.__file__).parent
Definitions = dict[str, list[ast.AST]]


def definitions(folders: Iterable[str]) -> Definitions:
    """Every function, method and class of these folders of the package, by name."""
    found: Definitions = {}
    for folder in folders:
        for path in sorted((PACKAGE / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    found.setdefault(node.name, []).append(node)
    return found


def named(node: ast.AST) -> set[str]:
    """The names a definition uses: ``f``, ``self.f``, ``module.f`` (not ``self.app.f``), but not its
    parameters and local variables."""
    local = {a.arg for a in ast.walk(node) if isinstance(a, ast.arg)}
    local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - local
    return used | {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)}


def reaching(defs: Definitions, calls_runner: Callable[[ast.Call], bool]) -> set[ast.AST]:
    """The definitions that call the runner, directly or through others. A class reaches it when one
    of its key actions does (opening that screen offers the change)."""
    every = [node for nodes in defs.values() for node in nodes]
    reached = {node for node in every if not isinstance(node, ast.ClassDef)
               and any(calls_runner(c) for c in ast.walk(node) if isinstance(c, ast.Call))}
    while True:
        names = {node.name for node in reached}  # type: ignore[attr-defined]
        more = {node for node in every if node not in reached and (
            any(child in reached and child.name.startswith("action_") for child in node.body)
            if isinstance(node, ast.ClassDef) else bool(named(node) & names))}
        if not more:
            return reached
        reached |= more


def test_every_screen_action_that_reaches_the_runner_is_refused_up_front() -> None:
    def app_act(call: ast.Call) -> bool:  # ``self.app.act(...)``: the app's adapter of the runner
        return isinstance(call.func, ast.Attribute) and call.func.attr == "act"

    defs = definitions(["screens", "widgets"])
    actions = {name.removeprefix("action_") for name in defs if name.startswith("action_")}
    changing = {node.name.removeprefix("action_") for node in reaching(defs, app_act)  # type: ignore[attr-defined]
                if node.name.startswith("action_")}
    assert {"delete", "approve", "launch", "class_launch", "join"} <= changing  # the reading finds them
    assert changing <= CHANGING, changing - CHANGING
    assert CHANGING <= actions, CHANGING - actions  # no stale name


def test_every_command_that_reaches_the_runner_is_refused_up_front() -> None:
    def perform(call: ast.Call) -> bool:  # ``act.perform(...)``: the command line's adapter of the runner
        return (call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")) == "perform"

    run = ast.parse((PACKAGE / "scripting" / "run.py").read_text(encoding="utf-8"))
    table = next(n for n in ast.walk(run) if isinstance(n, ast.Dict) and len(n.keys) > 3)
    commands = {k.value: v.attr for k, v in zip(table.keys, table.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(v, ast.Attribute)}
    reached = {node.name for node in reaching(definitions(["scripting"]), perform)}  # type: ignore[attr-defined]
    changing = {command for command, function in commands.items() if function in reached}
    assert {"launch", "delete", "approve", "reject", "class"} <= changing
    assert changing <= COMMANDS, changing - COMMANDS
    assert COMMANDS <= set(commands), COMMANDS - set(commands)
