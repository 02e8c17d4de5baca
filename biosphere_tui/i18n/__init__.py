"""The interface language: English (the source strings) or French (the catalogue in ``i18n.fr``).

Gettext-style: the English text is the key. ``_("Home")`` translates a fixed string;
``t("{n} sources fresh", n=3)`` translates and then fills in the values. The language is
chosen once at startup (``--lang``, ``app.lang``, else the locale) and read at display time.
``day`` and ``number`` write dates and numbers as the language does ("12 déc.", "2 860").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from string import Formatter
from typing import Any

LANGUAGES = ("en", "fr")
_current = "en"
_catalogue: Mapping[str, str] | None = None  # French: loaded when chosen (an English start does without it)
_MONTHS = {"en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
           "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")}
_NUMBER_MARKS = {"fr": str.maketrans({",": "\u202f", ".": ","})}  # narrow no-break space between thousands


def from_locale(environ: Mapping[str, str] = os.environ) -> str:
    """The language the environment asks for, as gettext reads it: ``LANGUAGE``'s list of
    preferences first (``fr_FR:en``; its first language we have wins), then ``LC_ALL``,
    ``LC_MESSAGES`` and ``LANG``."""
    for wanted in environ.get("LANGUAGE", "").split(":"):
        code = wanted.strip().lower()[:2]
        if code in LANGUAGES:
            return code
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
        from biosphere_tui.i18n.fr import FR

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
    """``one`` or ``many`` (each with a ``{n}``) by ``count``, translated, as the language counts:
    English says "0 days", French "0 jour" (0 and 1 are singular)."""
    singular = count in (0, 1) if _current == "fr" else count == 1
    return t(one if singular else many, n=count, **values)


def day(d: date, *, year: bool = False, padded: bool = True) -> str:
    """The day and month, "05 Dec" ("5 Dec" unpadded, "05 Dec 2026" with the year); French never pads
    the day and abbreviates the month as it does: "5 déc.", "5 déc. 2026"."""
    digits = f"{d.day:02}" if padded and _current == "en" else str(d.day)
    return f"{digits} {_MONTHS[_current][d.month - 1]}" + (f" {d.year}" if year else "")


def number(value: float, decimals: int = 0, *, sign: bool = False) -> str:
    """``value`` grouped by thousands, with ``decimals`` digits (and its sign when ``sign``):
    "2,860" and "+1,234.5" in English, "2 860" and "+1 234,5" in French."""
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    marks = _NUMBER_MARKS.get(_current)
    return text.translate(marks) if marks else text


@dataclass(frozen=True)
class Count:
    """A count in words, said in the interface language when shown: ``Count(3, "{n} VM", "{n} VMs")``."""

    n: int
    one: str
    many: str

    def __str__(self) -> str:
        return plural(self.n, self.one, self.many)

    def english(self) -> str:
        return (self.one if self.n == 1 else self.many).format(n=self.n)


@dataclass(frozen=True)
class Phrase:
    """A sentence kept in no language: its English text and its values (a value may be a ``Count``),
    said in the interface language by ``str()`` — what is stored (the action journal) reads in the
    language of whoever reads it, whatever the language it was written in."""

    text: str
    values: tuple[tuple[str, str | int | Count], ...] = ()

    @classmethod
    def of(cls, text: str, /, **values: str | int | Count) -> Phrase:
        return cls(text, tuple(values.items()))

    def __str__(self) -> str:
        return t(self.text, **dict(self.values))

    def english(self) -> str:
        return self.text.format(**{k: v.english() if isinstance(v, Count) else v for k, v in self.values})

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "values": {k: {"n": v.n, "one": v.one, "many": v.many} if isinstance(v, Count)
                                              else v for k, v in self.values}}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Phrase:
        """The phrase stored by ``to_json`` (ValueError, KeyError or TypeError when it is not one)."""
        values = {str(k): Count(int(v["n"]), str(v["one"]), str(v["many"])) if isinstance(v, Mapping)
                  else v if isinstance(v, int) else str(v) for k, v in raw["values"].items()}
        text = str(raw["text"])
        if any(field is not None and field not in values for _, field, _, _ in Formatter().parse(text)):
            raise ValueError("a placeholder of the phrase is not one of its values")  # nor an attribute's
        return cls.of(text, **values)
