"""The one place where text from a server is made safe to show, print, copy or store.

A server controls every string it sends: a terminal control sequence in a VM name (``ESC ] 52``
writes the clipboard, ``ESC [ 2J`` clears the screen), a right-to-left override that reorders
what the user reads, a lone surrogate that cannot be encoded, or a megabyte of name.
``clean()`` keeps the text readable and makes it inert:

- C0 controls (U+0000–U+001F) and DEL become their Unicode control pictures (``ESC`` → ``␛``,
  ``BEL`` → ``␇``, ``CR`` → ``␍``, ``LF`` → ``␊``, ``TAB`` → ``␉``, ``DEL`` → ``␡``), so a
  reader sees that something was there and what;
- C1 controls (U+0080–U+009F, e.g. the one-byte CSI U+009B), bidi embeddings, overrides,
  isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), line and paragraph
  separators and lone surrogates become U+FFFD ``�``;
- text longer than ``limit`` characters is cut and ends with ``…``.

Multi-line text (a description, a request's message) keeps its line breaks (``\\r\\n`` and
``\\n`` become ``\\n``) when ``multiline=True``; every other control is replaced all the same.
Markup (``[/]``, ``[red]``) is not a control: it stays as typed and every widget shows text
as plain text.
"""

from __future__ import annotations

import re

NAME_LIMIT = 500
"""Names, ids, addresses, one-line fields."""
TEXT_LIMIT = 4000
"""Descriptions, messages, error details."""

REPLACEMENT = "\ufffd"
_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}
_OTHERS = [*range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C, 0x2028, 0x2029]
_TABLE: dict[int, str] = _PICTURES | dict.fromkeys(_OTHERS, REPLACEMENT)
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean(value: str, *, limit: int = NAME_LIMIT, multiline: bool = False) -> str:
    """``value`` with every control, bidi and unencodable character replaced, cut to ``limit``."""
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    if not _UNSAFE.search(value):
        return value
    if multiline:
        return "\n".join(_replace(line) for line in value.replace("\r\n", "\n").split("\n"))
    return _replace(value)


def _replace(value: str) -> str:
    return _SURROGATES.sub(REPLACEMENT, value.translate(_TABLE))


def markup_literal(value: str) -> str:
    """``value`` as Textual markup that shows it as it is: every ``[`` escaped (Textual's
    ``escape`` leaves a ``[`` that looks like no tag, and a tag right after it is then read)."""
    return value.replace("[", "\\[")
