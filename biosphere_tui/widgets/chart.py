"""A bar chart of one value per day, drawn with eighth blocks, its y axis starting at zero.

The bars share the width between them; with more days than columns, consecutive days share
a bar (their mean) and the axis says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from biosphere_tui.i18n import _, day, t

BARS = " ▁▂▃▄▅▆▇█"


def compact(value: float) -> str:
    """'950', '1.2k', '34k', '2.1M'."""
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if value >= size:
            scaled = value / size
            return f"{scaled:.1f}{unit}" if scaled < 10 else f"{scaled:.0f}{unit}"
    return f"{value:.0f}" if value >= 10 or value == 0 else f"{value:.1f}"


def bars(values: Sequence[float], room: int) -> tuple[list[float], int]:
    """The value of each bar and how many days each bar holds (their mean) to fit ``room`` columns."""
    per = max(math.ceil(len(values) / max(room, 1)), 1)
    chunks = [values[i:i + per] for i in range(0, len(values), per)]
    return [sum(c) / len(c) for c in chunks], per


class DailyChart(Widget):
    """``show([(day, value), ...])``; ``points`` keeps what is plotted."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"daily-chart--bar", "daily-chart--axis"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.points: list[tuple[date, float]] = []

    def show(self, points: Sequence[tuple[date, float]]) -> None:
        self.points = list(points)
        self.refresh()

    def render(self) -> Text:
        width, height = self.size
        axis = self.get_component_rich_style("daily-chart--axis")
        peak = max((v for _, v in self.points), default=0)
        if not peak or height < 2:
            return Text(_("No consumption recorded for this period."), style=axis)
        label_width = len(compact(peak))
        room = max(width - label_width - 1, 1)
        values, per = bars([v for _, v in self.points], room)
        edges = [i * room // len(values) for i in range(len(values) + 1)]  # bar i spans edges[i]..edges[i+1]
        gap = 1 if room // len(values) >= 3 else 0
        rows = height - 1
        eighths = [math.ceil(v / peak * rows * 8) for v in values]
        text = Text(no_wrap=True, overflow="crop")
        for row in range(rows):
            floor = (rows - 1 - row) * 8
            label = compact(peak) if row == 0 else "0" if row == rows - 1 else ""
            text.append(f"{label:>{label_width}}{'┤' if label else '│'}", axis)
            cells = "".join(BARS[min(max(e - floor, 0), 8)] * (edges[i + 1] - edges[i] - gap) + " " * gap
                            for i, e in enumerate(eighths))
            text.append(cells + "\n", self.get_component_rich_style("daily-chart--bar"))
        start = day(self.points[0][0]) + (" · " + t("{n} days a bar", n=per) if per > 1 else "")
        end = day(self.points[-1][0])
        text.append(" " * (label_width + 1) + start + " " * max(room - len(start) - len(end), 1) + end, axis)
        return text
