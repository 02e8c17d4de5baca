"""The frame every main screen shares: header, body, freshness of its sources, footer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.screen import Screen
from textual.widgets import Footer, Header

from biosphere_tui.cache import reader
from biosphere_tui.i18n import _
from biosphere_tui.widgets.freshness import FreshnessBar


class TranslatedBindings:
    """Mixin for a screen with a footer: its keys are described in the interface language."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        active: dict[str, ActiveBinding] = super().active_bindings  # type: ignore[misc]
        return {key: found._replace(binding=replace(found.binding, description=_(found.binding.description)))
                for key, found in active.items()}


class BiosphereScreen(TranslatedBindings, Screen[Any]):
    """Subclasses give ``compose_body`` and ``reload_body``; the app calls ``reload`` after
    every refresh and when the screen is shown again.

    ``SOURCES``: prefixes of the cache sources this screen shows (for its freshness bar);
    empty means every source.
    """

    SOURCES: tuple[str, ...] = ()
    HELP = ""  # one paragraph shown at the top of the help screen

    def compose(self) -> ComposeResult:
        yield Header()
        yield from self.compose_body()
        yield FreshnessBar(id="freshness")
        yield Footer()

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
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
