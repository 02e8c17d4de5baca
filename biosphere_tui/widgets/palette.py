"""The colours that say what a state means, taken from the running app's theme (its ``$success``,
``$warning``, ``$error`` and ``$primary``), so a state reads the same in every theme and follows a
change of theme (the app then re-renders the screen). The app says it is running with ``follow``.

Roles: ``ok``, ``warning``, ``error``, ``info`` (something under way), ``muted``; ``strong-…``
is the same in bold (``strong-ok``, ``strong-error``…). ``extra`` adds Rich attributes
(``style("ok", "reverse")``, ``style("error", "dim")``).
"""

from __future__ import annotations

import weakref
from functools import lru_cache
from typing import Any

from rich.style import Style

VARIABLES = {"ok": "success", "warning": "warning", "error": "error", "info": "primary"}
# textual-dark's, for output drawn with no app running (never on a screen)
FALLBACK = {"success": "#4EBF71", "warning": "#FFA62B", "error": "#BA3C5B", "primary": "#0178D4"}


_app: weakref.ref[Any] | None = None  # the running app, whose ``theme_variables`` give the colours


def follow(app: Any) -> None:
    """Colours from now on come from ``app``'s theme (None: the fallback, no app running)."""
    global _app
    _app = None if app is None else weakref.ref(app)


def _colour(variable: str) -> str:
    app = _app() if _app is not None else None
    variables: dict[str, str] = app.theme_variables if app is not None else {}
    return variables.get(variable) or FALLBACK[variable]


@lru_cache(maxsize=256)
def _style(colour: str | None, bold: bool, extra: str) -> Style:
    return Style(color=colour, bold=bold or None) + Style.parse(extra)


def style(role: str, extra: str = "") -> Style:
    """The Rich style of ``role`` in the current theme (see the module's docstring)."""
    name = role.removeprefix("strong-")
    if name == "muted":
        return _style(None, name != role, f"dim {extra}")
    return _style(_colour(VARIABLES[name]), name != role, extra)
