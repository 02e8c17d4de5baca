"""Hostile strings a server (or anyone who can name a VM, a group or a request) may send.

``PAYLOADS`` are named, fixed attacks; ``hostile_text()`` is a hypothesis strategy mixing them
with ordinary text, so a property test meets both each attack alone and their combinations.
``RAW_CONTROL`` matches what must never reach a terminal or a clipboard from data.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

OSC52 = "\x1b]52;c;aWQK\x07"  # writes "id\n" into the clipboard
OSC0_TITLE = "\x1b]0;owned\x07"  # retitles the terminal window
CSI_CLEAR = "\x1b[2J"  # blanks the screen
C1_CSI = "\x9b2J"  # the same with the one-byte CSI
CURSOR_UP_ERASE = "\r\x1b[1A\x1b[2K"  # overwrites the line printed before

PAYLOADS: dict[str, str] = {
    "osc52_clipboard": f"qc{OSC52}{OSC0_TITLE}",
    "osc52_rm": "g\x1b]52;c;cm0gLXJmIH4K\x07",  # "rm -rf ~" into the clipboard
    "osc0_title": f"vm{OSC0_TITLE}",
    "csi_clear": f"x{CSI_CLEAR}y",
    "c1_csi": f"c1{C1_CSI}z",
    "c1_osc": "c1\x9d0;t\x9c",
    "bidi_override": "evil\u202egnp.exe",
    "bidi_isolate": "a\u2066b\u2069c\u200f\u061c",
    "markup_close": "Mallory [/]",
    "markup_red": "Pw[i]9x[red]Q",
    "markup_click": "[@click=app.quit]quit[/]",
    "markup_link": "[link=https://evil.example]x[/link]",
    "markup_bold_unclosed": "[b]bold",
    "error_message": '403 "maintenance [/] see …"',
    "long": "L" * 5000,
    "long_markup": "[/]" * 400,
    "formula_cmd": "=cmd|' /C calc'!A0",
    "formula_plus": "+1+1",
    "formula_minus": "-2+3",
    "formula_at": "@SUM(A1)",
    "formula_tab": "\t=1+1",
    "formula_cr": "\r=1+1",
    "nul": "a\x00b",
    "newlines": "line1\nline2\r\nline3",
    "fake_ok_line": f"boom{CURSOR_UP_ERASE}ok   portal.status",
    "del_bs": "ab\x7f\x08c",
    "emoji_wide": "🧬 séquençage 測試 👩‍🔬",
    "combining": "Z̵̡̛a̸̧͝l̴̛g̶o̵",
    "lone_surrogate": "bad\ud800half",
    "line_separator": "a\u2028b\u2029c",
}

RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""A control, bidi or surrogate character (newline and tab aside: judged per field)."""

ATTACKS = ("\x1b]52;c;", "\x1b]0;", "\x1b[2J", "\x9b", "\x07", "\x1b[1A", "\x1b[2K", "\u202e")
"""Sequences that, found in output written for a terminal, mean data reached it raw."""


def hostile_text() -> st.SearchStrategy[str]:
    """One of ``PAYLOADS``, ordinary text, or several of both run together."""
    part = st.one_of(st.sampled_from(list(PAYLOADS.values())),
                     st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
                     st.text(st.characters(max_codepoint=0x20AC), max_size=8))
    return st.lists(part, min_size=1, max_size=4).map("".join).filter(lambda s: s.strip() != "")
