"""The interface language: English (the source strings) or French (the catalogue in ``i18n_fr``).

Gettext-style: the English text is the key. ``_("Home")`` translates a fixed string;
``t("{n} sources fresh", n=3)`` translates and then fills in the values. The language is
chosen once at startup (``--lang``, ``app.lang``, else the locale) and read at display time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

LANGUAGES = ("en", "fr")
_current = "en"
_catalogue: Mapping[str, str] | None = None  # French: loaded when chosen (an English start does without it)


def from_locale(environ: Mapping[str, str] = os.environ) -> str:
    """French when the locale says so (LC_ALL, then LC_MESSAGES, then LANG, as POSIX reads them)."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var, "")
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


def set_language(lang: str | None) -> str:
    """Use ``lang`` (None: from the locale); returns the language now in use."""
    global _current, _catalogue
    _current = lang if lang in LANGUAGES else from_locale()
    if _current == "fr":
        from biosphere_tui.i18n_fr import FR

        _catalogue = FR
    else:
        _catalogue = None
    return _current


def language() -> str:
    return _current


def _(text: str) -> str:
    """``text`` in the interface language (itself when it has no translation)."""
    return _catalogue.get(text, text) if _catalogue is not None else text


def t(text: str, /, **values: object) -> str:
    """Translate, then fill in ``{name}`` placeholders."""
    return _(text).format(**values)


def plural(count: int, one: str, many: str, /, **values: object) -> str:
    """``one`` or ``many`` (each with a ``{n}``) by ``count``, translated."""
    return t(one if count == 1 else many, n=count, **values)
