"""A one-line badge per data source: fresh, stale, or failed with its plain error."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from biosphere_tui.cache.reader import Freshness


def age(then: datetime | None, now: datetime) -> str:
    """'12 s', '3 min', '2 h', '4 d' — how long ago ``then`` was."""
    if then is None:
        return "never"
    seconds = max(int((now - then).total_seconds()), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def label(source: str) -> str:
    return source.removeprefix("site.").removeprefix("portal.")


class FreshnessBar(Static):
    """Every source in one line; failed sources spell out their error and data age."""

    def show(self, rows: list[Freshness], now: datetime, stale_after: float) -> None:
        text = Text()
        failed = [r for r in rows if not r.ok]
        fresh = [r for r in rows if r.ok]
        if not rows:
            text.append("No data yet: the first refresh is running…", style="italic")
        for r in failed:
            text.append("✗ ", style="bold red")
            text.append(f"{label(r.source)}: {r.last_error or 'no data yet'}", style="red")
            text.append(f" (data {age(r.last_success, now)} old)  ", style="dim")
        if fresh:
            oldest = min(r.last_success for r in fresh if r.last_success)
            stale = (now - oldest).total_seconds() > stale_after
            style = "yellow" if stale else "green"
            text.append("● " if not stale else "◌ ", style=style)
            text.append(f"{len(fresh)}/{len(rows)} sources fresh", style=style)
            text.append(f", oldest {age(oldest, now)} ago" + (" (stale)" if stale else ""), style="dim")
        self.update(text)
        self.set_class(bool(failed), "-failed")
