"""Widgets whose first frame reaches the terminal (Textual drops the app's very first one)."""

from __future__ import annotations

from textual.widget import Widget


class RepaintedWhenShown(Widget):
    """A widget given its content before its screen's first layout (a ``Static`` updated in the
    screen's ``on_mount``) repaints as it is shown. Textual renders the app's first screen once while
    it starts and drops that render; a widget no one repaints afterwards stays blank on the terminal
    until the next full repaint (after the terminal's size arrives, ~30 ms of work later: Home showed
    its table but no summary until then)."""

    def on_show(self) -> None:
        self.refresh()
