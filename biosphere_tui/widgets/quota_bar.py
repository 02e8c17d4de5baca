"""One quota as a bar: used of total, amber over 75 %, red over 90 % (classes ``-amber``/``-red``)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from biosphere_tui.i18n import _, number

AMBER_OVER = 75.0
RED_OVER = 90.0


def share(used: float, total: float) -> float:
    """Percent of ``total`` in use; a quota of zero with anything used counts as full."""
    if total > 0:
        return used / total * 100
    return 100.0 if used > 0 else 0.0


def level(used: float, total: float) -> str:
    pct = share(used, total)
    return "red" if pct > RED_OVER else "amber" if pct > AMBER_OVER else "ok"


class QuotaBar(Widget):
    """``show(used, total)``; the fill colour comes from the ``quota-bar--fill`` component class."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"quota-bar--label", "quota-bar--fill", "quota-bar--empty"}

    def __init__(self, label: str, unit: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = _(label)
        self.unit = _(unit)
        self.used = 0
        self.total = 0

    def show(self, used: int, total: int) -> None:
        self.used, self.total = used, total
        state = level(used, total)
        self.set_class(state == "amber", "-amber")
        self.set_class(state == "red", "-red")
        self.refresh()

    @property
    def numbers(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{number(self.used)}/{number(self.total)}{unit} {share(self.used, self.total):3.0f} %"

    def render(self) -> Text:
        head = f"{self.label:<8} "
        tail = f" {self.numbers}"
        room = max(self.size.width - len(head) - len(tail), 0)
        filled = min(round(room * share(self.used, self.total) / 100), room)
        return Text.assemble(
            (head, self.get_component_rich_style("quota-bar--label")),
            ("█" * filled, self.get_component_rich_style("quota-bar--fill")),
            ("░" * (room - filled), self.get_component_rich_style("quota-bar--empty")),
            tail,
        )
