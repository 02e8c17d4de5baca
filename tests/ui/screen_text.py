"""What a widget shows, as plain text, for assertions on the screen."""

from __future__ import annotations

from textual.geometry import Region
from textual.widget import Widget


def text_of(widget: Widget) -> str:
    width, height = widget.size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))
