"""The colours that say what a state means, taken from the running app's theme (its ``$success``,
``$warning``, ``$error`` and ``$primary``), so a state reads the same in every theme and follows a
change of theme (the app then re-renders the screen).

Roles: ``ok``, ``warning``, ``error``, ``info`` (something under way), ``muted``; ``strong-…``
is the same in bold (``strong-ok``, ``strong-error``…). ``extra`` adds Rich attributes
(``style("ok", "reverse")``, ``style("error", "dim")``).
"""

from __future__ import annotations

from functools import lru_cache

from rich.style import Style
from textual._context import active_app

VARIABLES = {"ok": "success", "warning": "warning", "error": "error", "info": "primary"}
# textual-dark's, for output drawn with no app running (never on a screen)
FALLBACK = {"success": "#4EBF71", "warning": "#FFA62B", "error": "#BA3C5B", "primary": "#0178D4"}


def _colour(variable: str) -> str:
    try:
        variables = active_app.get().theme_variables
    except LookupError:
        variables = {}
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
