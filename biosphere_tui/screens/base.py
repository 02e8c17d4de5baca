"""The frame every main screen shares: header, body, freshness of its sources, footer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter
from textual.widgets import Header
from textual.widgets._footer import FooterKey

from biosphere_tui.cache import reader
from biosphere_tui.widgets.freshness import FreshnessBar


class Footer(TextualFooter):
    """Textual's footer, its keys made in their final style: each would otherwise restyle
    itself twice as it mounts (compact on, then off), most of the styling of a first paint."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, self.compact)  # as bound to ours: nothing left to apply
            yield widget


class BiosphereScreen(Screen):
    """Subclasses give ``compose_body`` and ``reload_body``; the app calls ``reload`` after
    every refresh and when the screen is shown again.

    ``SOURCES``: prefixes of the cache sources this screen shows (for its freshness bar);
    empty means every source.
    """

    SOURCES: tuple[str, ...] = ()
    HELP = ""  # one paragraph shown at the top of the help screen

    # The header shows them: a new title repaints the header, not the whole screen (Textual's default)
    title: Reactive[str | None] = Reactive(None, compute=False, repaint=False)
    sub_title: Reactive[str | None] = Reactive(None, compute=False, repaint=False)

    def compose(self) -> ComposeResult:
        yield Header()
        yield from self.compose_body()
        yield FreshnessBar(id="freshness")
        yield Footer()

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    _just_mounted = False  # the first resume follows the mount at once: no second read

    def on_mount(self) -> None:
        self.reload()
        self._just_mounted = True

    def on_screen_resume(self) -> None:
        if self._just_mounted:
            self._just_mounted = False
        else:
            self.reload()

    def reload(self) -> None:
        """Re-read what this screen shows from the cache."""
        rows = reader.freshness(self.app.cache)
        if self.SOURCES:
            rows = [r for r in rows if r.source.startswith(self.SOURCES)]
        self.query_one(FreshnessBar).show(rows, self.app.now(), self.app.stale_after)
        self.reload_body()

    def reload_body(self) -> None:
        raise NotImplementedError
