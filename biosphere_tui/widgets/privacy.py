"""Privacy mode on screen: a Textual line filter that masks, in every line the app draws, what
``rules.privacy`` masks (IP and e-mail addresses, hosts and ports), keeping each line's width."""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from biosphere_tui.rules.privacy import MASK, address


class PrivacyFilter(LineFilter):
    """Masks addresses in each drawn line, even one split across several styled segments."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        line = "".join(s.text for s in segments)
        spans = [m.span() for m in address().finditer(line)]
        if not spans:
            return segments
        masked = list(line)
        for start, end in spans:
            masked[start:end] = MASK * (end - start)
        out, at = [], 0
        for segment in segments:
            size = len(segment.text)
            text = "".join(masked[at:at + size])
            out.append(segment if text == segment.text else Segment(text, segment.style, segment.control))
            at += size
        return out
