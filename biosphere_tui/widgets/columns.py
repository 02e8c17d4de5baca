"""Which columns of a table fit its width: each column has a priority (0: always shown, then 1, 2, …
as room allows, like k9s's narrow and wide views); ``w`` shows them all (the table then scrolls
sideways)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import events
from textual.binding import Binding

# Column declarations are (key, label) — always shown — or (key, label, priority).
ColumnSpec = tuple[str, str] | tuple[str, str, int]

WIDE_BINDING = Binding("w", "toggle_wide", "All columns")


class WideToggle:
    """Mixin for a table that shows the columns that fit (its ``choose_columns()``): ``w`` shows
    them all (``wide``), only offered while a column is hidden (``hides_columns``) or to leave."""

    wide = False  # every column, scrolling sideways

    @property
    def hides_columns(self) -> bool:
        raise NotImplementedError

    def choose_columns(self) -> None:
        raise NotImplementedError

    def on_resize(self, event: events.Resize) -> None:
        self.choose_columns()

    def action_toggle_wide(self) -> None:
        self.wide = not self.wide
        self.choose_columns()
        if not self.wide:
            table: Any = self
            table.scroll_to(x=0, animate=False, immediate=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_wide":
            return self.wide or self.hides_columns
        return True


def priority(column: Sequence[object]) -> int:
    return int(column[2]) if len(column) > 2 else 0  # type: ignore[call-overload]


def fitting(priorities: Sequence[int], widths: Sequence[int], room: int) -> list[bool]:
    """Which columns to show in ``room`` cells: every priority-0 column, then the others by
    priority (then from the left) while each fits whole; once one does not, none of a lower
    priority is added (a narrow table never shows ``age`` while it hides ``IP``)."""
    shown = [p == 0 for p in priorities]
    used = sum(w for w, keep in zip(widths, shown, strict=True) if keep)
    stop: int | None = None
    for i in sorted((i for i, p in enumerate(priorities) if p > 0), key=lambda i: (priorities[i], i)):
        if stop is not None and priorities[i] > stop:
            break
        if used + widths[i] <= room:
            shown[i] = True
            used += widths[i]
        else:
            stop = priorities[i]
    return shown
