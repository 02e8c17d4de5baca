"""The frame every main screen shares: header, body, freshness of its sources, footer."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.events import Mount
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Static
from textual.widgets import Footer as TextualFooter
from textual.widgets import Header as TextualHeader

from biosphere_tui.cache import reader
from biosphere_tui.i18n import _, t
from biosphere_tui.widgets.freshness import FreshnessBar
from biosphere_tui.widgets.line_table import LineTable

ESSENTIAL = ("help", "quit")  # the app's keys the footer always shows
PALETTE_CELLS = 13  # "▏^p palette", docked on the right of the footer


def _cells(app: App[Any], binding: Binding) -> int:
    """The width of a key in the footer: `` k `` then ``Description ``."""
    return cell_len(app.get_key_display(binding)) + 2 + cell_len(binding.description) + 1


class TranslatedBindings:
    """Mixin for a screen with a footer: its keys are described in the interface language, and the
    footer shows those that fit the terminal's width — ``?`` and ``q`` always, then the screen's,
    the focused widget's and the app's others in that order; the rest stay in ``?`` and ``ctrl+p``."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        active: dict[str, ActiveBinding] = super().active_bindings  # type: ignore[misc]
        translated = {key: found._replace(binding=replace(found.binding, description=_(found.binding.description)))
                      for key, found in active.items()}
        return self._fit_footer(translated)

    def _fit_footer(self, active: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
        screen: Screen[Any] = self  # type: ignore[assignment]
        app = screen.app

        def rank(found: ActiveBinding) -> int:
            return 0 if found.node is screen else 2 if found.node is app else 1

        ordered = sorted(active.items(), key=lambda kv: rank(kv[1]))  # stable: each node's keys in their order
        shown = [(key, found) for key, found in ordered if found.binding.show]
        room = app.size.width - PALETTE_CELLS
        room -= sum(_cells(app, f.binding) for _, f in shown if f.node is app and f.binding.action in ESSENTIAL)
        keep: set[str] = set()
        for key, found in shown:
            if found.node is app and found.binding.action in ESSENTIAL:
                keep.add(key)
            elif (width := _cells(app, found.binding)) <= room:
                keep.add(key)
                room -= width
            else:
                room = 0  # the next ones are less important: none is shown after a cut
        return {key: found if key in keep or not found.binding.show else
                found._replace(binding=replace(found.binding, show=False)) for key, found in ordered}


class OwnRules:
    """Mixin for a screen with rules of its own (its ``CSS_PATH``, a ``.tcss`` every rule of which
    is scoped by the screen's type), read as the screen is made, at its first show: Textual would
    read them only once the screen is styled, then parse the stylesheet and restyle every screen
    again for them (15-30 ms more at a first visit); read now, the screen is styled with them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        screen = cast(Screen[Any], self)
        sheet = screen.app.stylesheet
        for path in screen.css_path:
            if not sheet.has_source(str(path), ""):
                sheet.read(path)


class Form:
    """Mixin for a screen the user fills in. There the app's one-key navigation (``1``–``9``) and
    ``q`` do nothing, whatever has the focus: an Input takes a digit as text, but a button, a list
    or a table would let it through and switch screens under the half-filled form. ``esc`` leaves."""


class Header(TextualHeader):
    """Textual's header, its title shown in the same call as the title changes: Textual's header watches
    the titles with a coroutine, run after the frame that shows what the title describes (a filter's key
    showed its rows, then ~33 ms later their count)."""

    def on_mount(self, event: Mount) -> None:
        event.prevent_default()  # not Textual's header's watchers: these
        for node in (self.app, self.screen):
            self.watch(node, "title", self.show_title, init=False)
            self.watch(node, "sub_title", self.show_title, init=False)
        self.show_title()

    def show_title(self) -> None:
        self.query_one("HeaderTitle", Static).update(self.format_title(), layout=False)  # one line, as wide as the header


class Footer(TextualFooter):
    """Textual's footer, rebuilt only when the keys it shows change (Textual rebuilds it on
    every change of focus or bindings: three times before the first paint)."""

    _shown: tuple[object, ...] | None = None  # what the keys were made from
    keys_known = False  # the screen's bindings were announced (Textual's footer shows none before)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self.keys_known = True
        super().bindings_changed(screen)

    def _what_to_show(self) -> tuple[object, ...] | None:
        if not self.keys_known:
            return None
        shown = ((b, enabled, tooltip) for _, b, enabled, tooltip in self.screen.active_bindings.values())
        return (self.compact, self.show_command_palette, *shown)

    def on_resize(self) -> None:
        self.screen.refresh_bindings()  # which keys fit changed

    async def recompose(self) -> None:
        if not self.is_attached or self._shown is None or self._what_to_show() != self._shown:
            await super().recompose()  # (which does nothing once the footer is detached)

    def compose(self) -> ComposeResult:
        """Textual's keys, each told its style (compact or not) before it mounts: otherwise a key starts
        compact, then learns from the footer it is not, and is restyled each time (the command
        palette's key is bound to nothing: it stays compact)."""
        self._shown = self._what_to_show()
        for widget in super().compose():
            compact = getattr(type(widget), "compact", None)
            if isinstance(compact, Reactive):
                style = widget.has_class("-command-palette") or self.compact
                widget.set_reactive(compact, style)
                widget.set_class(style, "-compact", update=False)
            yield widget


class BiosphereScreen(OwnRules, TranslatedBindings, Screen[Any]):
    """Subclasses give ``compose_body`` and ``reload_body``; the screen is read (``reload``) once each
    time it is shown, and the app reads it again after every refresh. A subclass's ``on_mount`` that
    needs the body read calls ``super().on_mount()`` first.

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

    _read_since_shown = False

    def on_mount(self) -> None:
        self._shown()

    def on_screen_resume(self) -> None:
        self._shown()

    def on_screen_suspend(self) -> None:
        self._read_since_shown = False  # shown again later: read again (a refresh, a theme may have come)

    def _shown(self) -> None:
        """Read the screen once per show, however many times Textual announces it: a screen mounts,
        then is resumed (twice at a mode's first show: ``App._init_mode`` and ``App.switch_mode`` each
        post ``ScreenResume``), and Textual calls the ``on_mount`` of every class of the screen, this
        one again after a subclass's that called it through ``super()``."""
        if not self._read_since_shown:
            self._read_since_shown = True
            self.reload()

    def reload(self) -> None:
        """Re-read what this screen shows from the cache (a damaged one is set aside: see
        ``BiosphereApp.cache_damaged``)."""
        try:
            rows = reader.freshness(self.app.cache)
            if self.SOURCES:
                rows = [r for r in rows if r.source.startswith(self.SOURCES)]
            self.query_one(FreshnessBar).show(rows, self.app.now(), self.app.stale_after)
            self.reload_body()
        except sqlite3.DatabaseError as exc:
            if not self.app.cache_damaged(exc):
                raise
            self._read_since_shown = False  # the next resume reads the new cache (a screen still mounting missed it)

    def reload_body(self) -> None:
        raise NotImplementedError


class WindowedRows:
    """For a screen showing the first rows of a long list in its table ``WINDOW`` (an id; ``PAGE`` rows
    more as the cursor nears the last one read) with numbers about all of them: ``changed()`` says
    whether the sources it reads (``READS``), the theme, the window or what else the rows depend on
    moved since the last read, so that a refresh that found nothing new, or a return to the screen,
    reads no row again. ``total``: every row the list holds, not the rows read."""

    PAGE = 100  # rows read at a time: two screenfuls and some
    READS: tuple[str, ...] = ()
    WINDOW = "vms"
    total = 0
    _limit = PAGE
    _read: object = None
    _about: tuple[object, ...] = ()

    def changed(self, *about: object) -> bool:
        """``about``: what else selects the rows (a filter's text, a group): when it changes, the window
        starts again at ``PAGE`` rows."""
        screen = cast(BiosphereScreen, self)
        if about != self._about:
            self._about, self._limit = about, self.PAGE
        read = (reader.versions(screen.app.cache, self.READS), screen.app.theme, self._limit, about)
        if read == self._read:
            return False
        self._read = read
        return True

    def on_line_table_row_highlighted(self, event: LineTable.RowHighlighted) -> None:
        table = event.table
        if table.id == self.WINDOW and event.cursor_row == table.cursor_row and table.near_end(self.total):
            self._limit += self.PAGE
            cast(BiosphereScreen, self).reload_body()


class LaunchForm(Form, BiosphereScreen):
    """A form that launches VMs (through the portal or Nova), then follows them: while it
    follows, it asks for a refresh of what it watches every ``app.follow_every`` seconds; a launch the cloud
    refused is said, and the form stays for another try."""

    refusal = ""  # why the cloud refused the last launch; kept until the next try
    _poll: Timer | None = None
    _followed: frozenset[str] = frozenset()  # the cache sources each poll refreshes

    def follow(self, sources: set[str]) -> None:
        """Ask for a refresh of ``sources`` every ``app.follow_every`` seconds until `stop_following`."""
        self.stop_following()
        self._followed = frozenset(sources)
        self._poll = self.set_interval(self.app.follow_every, self._ask_refresh)

    def _ask_refresh(self) -> None:
        self.app.request_refresh(set(self._followed))

    def stop_following(self) -> None:
        if self._poll is not None:
            self._poll.stop()
            self._poll = None

    def on_unmount(self) -> None:
        self.stop_following()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        """The Launch button is the ``launch`` key: the same checks, and read-only mode's refusal
        before anything is shown as being sent."""
        if event.button.id == "launch":
            await self.run_action("launch")

    def refused(self, message: str, recheck: Callable[[], None]) -> None:
        """Say why the cloud refused the launch and keep the form, ``refusal`` shown, for another try."""
        self.app.notify(t("Launch refused: {reason}", reason=message), severity="error", timeout=10)
        if self.is_attached:
            self.refusal = message
            button = self.query_one("#launch", Button)
            button.disabled, button.label = False, _("Launch (ctrl+s)")
            recheck()
