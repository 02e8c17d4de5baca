"""The Textual application: opens on the cache at once, refreshes it in the background.

Screens read ``app.cache``; changes go through ``app.act`` (the action runner, in a worker)
and end with a refresh of the sources they touched.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter
from textual.notifications import Notify, SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from biosphere_tui.cache import reader
from biosphere_tui.cache.db import CacheUnavailable, connect_reader, find_damage, is_damage, open_cache, rebuild
from biosphere_tui.config import Config
from biosphere_tui.i18n import Phrase, _, plural, set_language, t
from biosphere_tui.local import collector, memory
from biosphere_tui.local.folders import journal_file, state_file
from biosphere_tui.local.foreground import FOREGROUND
from biosphere_tui.local.state import load_state, save_state
from biosphere_tui.models.groups import Group
from biosphere_tui.models.states import Role
from biosphere_tui.rules.delays import FOLLOW_SECONDS, delay
from biosphere_tui.rules.freshness import stale_after
from biosphere_tui.rules.in_flight import InFlight
from biosphere_tui.rules.readonly import CHANGING, REFUSAL
from biosphere_tui.rules.refresh_scheduler import Alarm, Batch, RefreshScheduler, Timers
from biosphere_tui.safe_text import clean, markup_literal
from biosphere_tui.screens.base import Form
from biosphere_tui.screens.registry import SCREENS, openstack_only_modes
from biosphere_tui.widgets import palette
from biosphere_tui.widgets.freshness import FreshnessBar
from biosphere_tui.widgets.privacy import PrivacyFilter
from biosphere_tui.widgets.stylesheet import StylesheetParsedOnChange
from biosphere_tui.widgets.toast import LastingNotification

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from biosphere_tui.action_runner import Started
    from biosphere_tui.actions import Actions
    from biosphere_tui.local.journal import Journal
    from biosphere_tui.rules.notifications import Event, Watcher
    from biosphere_tui.sync import SourceResult, Sync

T = TypeVar("T")
log = logging.getLogger(__name__)
TLS_OFF = "TLS verification is OFF for the portal"


@dataclass(frozen=True)
class Refreshed:
    """What a refresh's worker hands the UI thread: each source's result, the refresh's own failure
    (if it stopped), and the changes worth a toast since the previous refresh."""

    results: list[SourceResult]
    failure: str | None = None
    events: list[Event] = field(default_factory=list)


def _changes(command: SystemCommand) -> bool:
    """Whether a palette command runs an action that changes something (``action_delete``...)."""
    return getattr(command.callback, "__name__", "").removeprefix("action_") in CHANGING


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PumpTimers:
    """The refresh schedule's clock in the app: ``time.monotonic`` and the app's own timers."""

    def __init__(self, pump: MessagePump) -> None:
        self._pump = pump

    def now(self) -> float:
        return time.monotonic()

    def call_in(self, seconds: float, callback: Callable[[], None]) -> Alarm:
        return self._pump.set_timer(delay(seconds), callback)


class BiosphereApp(App[None]):
    """``label`` is shown under the title (e.g. "demo cloud"); ``now`` (the data's clock) and
    ``timers`` (the refresh schedule's clock) are injectable for tests."""

    TITLE = "Biosphère"
    # The rules of every widget and dialog; a screen's own (screens/<name>.tcss, each rule scoped by
    # the screen's type) are its CSS_PATH, read when it is first shown, and parsed alone then
    # (widgets/stylesheet.py): the first frame waits for Home's rules only.
    CSS_PATH = "app.tcss"
    MODES = {nav.mode: nav.factory() for nav in SCREENS}
    DEFAULT_MODE = "home"
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("colon", "jump", "Jump", key_display=":"),
        Binding("r", "refresh_now", "Refresh"),
        Binding("escape", "back", "Back", show=False),
        Binding("q", "quit", "Quit"),
        Binding("P", "toggle_privacy", "Privacy mode", show=False, key_display="P"),
        *(Binding(nav.key, f"switch_mode('{nav.mode}')", nav.title, show=False) for nav in SCREENS),
    ]

    def __init__(
        self, config: Config, *, label: str = "", now: Callable[[], datetime] = _utcnow, background_refresh: bool = True,
        timers: Timers | None = None, follow_every: float = FOLLOW_SECONDS,
    ) -> None:
        if config.openstack_only:  # no portal: screens that work on the OpenStack sites alone (read by App)
            self.MODES = {**BiosphereApp.MODES, **openstack_only_modes()}
        super().__init__()
        self.stylesheet = StylesheetParsedOnChange(variables=self.get_css_variables())
        palette.follow(self)  # the states' colours come from this app's theme
        set_language(config.lang)
        self.read_only = config.read_only
        self.privacy = PrivacyFilter(enabled=config.privacy)
        self.now = now
        self.background_refresh = background_refresh
        self.follow_every = delay(follow_every)  # seconds between two looks at a launch being followed
        opened = open_cache(config.cache_path, full_check=False)  # raises CacheUnavailable: the CLI reports it
        self._cache_whole = threading.Event()  # its integrity checked (after the first paint): refreshes may write
        self.config = config = replace(config, cache_path=opened.path)  # beside it when that file is newer
        self.state, state_notice = load_state(state_file())
        self.tls_off = config.portal is not None and not config.portal.verify_tls
        tls_notice = t("{tls_off} (portal.verify_tls = false): its identity is not checked.",
                       tls_off=_(TLS_OFF)) if self.tls_off else None
        self.notices = [n for n in (tls_notice, opened.notice, state_notice) if n]
        self._journal_file = journal_file()
        self.cache = opened.conn  # plain sqlite3: the screens only read
        self.stale_after = stale_after(config.refresh_interval)
        self.label = label
        self._sync: Sync | None = None
        self.scheduler = RefreshScheduler(config.refresh_interval, self._start_refresh, timers or PumpTimers(self))
        self._refresh_worker: Worker[Refreshed] | None = None
        self._failing: set[str] = set()
        self.refreshes = 0
        self.in_flight = InFlight()  # what the actions are changing now: not to be sent twice

    # -- life cycle ------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.state.theme in self.available_themes:
            self.theme = self.state.theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        try:
            self.sub_title = self._status_line()
        except sqlite3.DatabaseError as exc:
            if not self.cache_damaged(exc):
                raise
        for notice in self.notices:
            self.notify(notice, severity="warning", timeout=15)
        self.call_after_refresh(self._check_cache)
        if self.background_refresh:  # after the first paint: the network clients load in its worker
            self.call_after_refresh(self.request_refresh, force=True)  # opening the app is asking
            self.call_after_refresh(self.scheduler.begin, full_now=False)

    def on_ready(self) -> None:
        if collector.resume():  # the first frame is shown: see local/collector.py
            self.set_interval(collector.TICK, lambda: collector.IDLE.tick(busy=self._refreshing))

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            collector.IDLE.input()  # no full collection under a key (local/collector.py)
            FOREGROUND.input()  # nor a refresh's parsing and writing (local/foreground.py)
        await super().on_event(event)

    def on_unmount(self) -> None:
        palette.follow(None)
        self.scheduler.stop()
        if self._sync is not None:
            self._sync.close()
        self.cache.close()

    # -- the cache file's integrity ------------------------------------------------------------

    @work(thread=True, group="cache-check", exit_on_error=False)
    def _check_cache(self) -> None:
        """SQLite's integrity check of the cache (it reads every page), off the first paint; the
        refreshes wait for it. Damage found is handled as at start (``cache_damaged``)."""
        try:
            found = find_damage(self.config.cache_path)
            if found is not None:
                self.call_from_thread(self.cache_damaged, found)
        except Exception:
            log.exception("the cache's integrity check failed")
        finally:
            self._cache_whole.set()

    def cache_damaged(self, found: str | sqlite3.DatabaseError) -> bool:
        """The cache was found damaged (by its integrity check, or by a read that failed) before it
        was known whole: it is moved aside with its -wal and -shm, a new one takes its place, and
        the user is told, as when the damage is found at start. False when the error is not damage,
        or the file was already known whole (then a refresh writing to it says so)."""
        if isinstance(found, sqlite3.DatabaseError) and not is_damage(found) or self._cache_whole.is_set():
            return False
        try:
            opened = rebuild(self.config.cache_path, str(found))
        except CacheUnavailable as exc:
            self.notify(str(exc), severity="error", timeout=15)
            return True
        finally:
            self._cache_whole.set()
        self.cache.close()
        self.cache = opened.conn
        self.notify(opened.notice or "", severity="warning", timeout=15)
        self.reload_screen()
        return True

    # -- the user's group --------------------------------------------------------------------

    @property
    def groups(self) -> list[Group]:
        return reader.groups(self.cache)

    @cached_property
    def journal(self) -> Journal:
        """What the actions did, in the journal file: made with the first action or visit to the journal
        screen (its entries' classes load then, not before the first paint), on the UI thread."""
        from biosphere_tui.local.journal import Journal

        return Journal(self._journal_file)

    @property
    def current_group(self) -> Group | None:
        """The group chosen on the groups screen, else the first one the user leads."""
        return reader.current_group(self.cache, self.state.current_group)

    def _status_line(self) -> str:
        """Under the title: the demo label, the current group and its pending requests."""
        parts = [_(TLS_OFF)] if self.tls_off else []
        parts += [_("read-only")] if self.read_only else []
        parts += [_(self.label)] if self.label else []
        parts += [_("OpenStack-only mode (no portal)")] if self.config.openstack_only else []
        group = self.current_group
        if group is not None:
            parts.append(f"{group.name} ({_(group.role.value)})")
            pending = reader.pending_requests(self.cache, group.id) if group.role is Role.ADMIN else 0
            if pending:
                parts.append(plural(pending, "{n} pending request", "{n} pending requests"))
        return " · ".join(parts)

    def choose_group(self, group_id: str) -> None:
        self.state.current_group = group_id
        self.save_state()
        self.reload_screen()

    def _theme_changed(self, theme: object) -> None:
        """The states shown take the new theme's colours (``widgets/palette.py``); a theme chosen in
        the command palette is the one the app opens with next time."""
        self.reload_screen()
        if self.theme != self.state.theme:
            self.state.theme = self.theme
            self.save_state()

    def save_state(self) -> None:
        try:
            save_state(state_file(), self.state)
        except OSError as exc:
            self.notify(t("Your preferences could not be saved ({error}).", error=exc.strerror), severity="warning")

    # -- navigation ------------------------------------------------------------------------

    def action_help(self) -> None:
        from biosphere_tui.screens.help import HelpScreen  # the dialogs load when first opened, not at startup

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen, [(nav.key, nav.label) for nav in SCREENS]))

    def action_jump(self) -> None:
        from biosphere_tui.widgets.jump import JumpDialog

        def go(mode: str | None) -> None:
            if mode:
                self.switch_mode(mode)

        self.push_screen(JumpDialog([(nav.mode, nav.label) for nav in SCREENS]), go)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """On a form, a key typed never switches screens nor quits (see ``Form``)."""
        return not (action in ("switch_mode", "quit") and isinstance(self.screen, Form))

    def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()
        elif self.current_mode != "home":
            self.switch_mode("home")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for nav in SCREENS:
            yield SystemCommand(t("Go to {title}", title=nav.label), t("Show the {title} screen (key {key})",
                                title=nav.label, key=nav.key), lambda mode=nav.mode: self.switch_mode(mode))
        yield SystemCommand(_("Refresh now"), _("Pull fresh data from the portal and every site"), self.action_refresh_now)
        yield SystemCommand(_("Help"), _("Every key of this screen"), self.action_help)
        yield SystemCommand(_("Privacy mode on/off"), _("Mask IP and e-mail addresses on screen (key P)"),
                            self.action_toggle_privacy)
        commands = getattr(screen, "palette_commands", None)
        if callable(commands):  # their titles may name a group or an appliance: the palette reads markup
            yield from (c._replace(title=markup_literal(c.title), help=markup_literal(c.help))
                        for c in commands() if not (self.read_only and _changes(c)))

    # -- data shown as text ----------------------------------------------------------------------

    def copy_to_clipboard(self, text: str) -> None:
        """Copy ``text`` without any control character (it is pasted into a shell)."""
        super().copy_to_clipboard(clean(text))

    # -- modes -----------------------------------------------------------------------------------

    def get_line_filters(self) -> list[LineFilter]:
        return [*super().get_line_filters(), *([self.privacy] if self.privacy.enabled else [])]

    def action_toggle_privacy(self) -> None:
        self.privacy.enabled = not self.privacy.enabled
        for screen in self.screen_stack:
            for widget in screen.walk_children(with_self=True):
                widget.refresh()
        self.notify(_("Privacy mode on: addresses are masked.") if self.privacy.enabled else _("Privacy mode off."),
                    timeout=3)

    async def run_action(self, action: Any, default_namespace: Any = None, namespaces: Any = None) -> bool:
        """In read-only mode, an action that would change something is refused, and said why."""
        if self.read_only and isinstance(action, str) and action.partition("(")[0].rpartition(".")[2] in CHANGING:
            self.notify(_(REFUSAL), title=_("read-only"), severity="warning")
            return True
        return await super().run_action(action, default_namespace, namespaces)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Textual's ``notify``, always as plain text whatever the caller asks (toasts quote server
        data), with a notification whose toast never arms a negative timer (see
        ``widgets/toast.py``) and a timeout never below ``delays.MIN_DELAY``."""
        seconds = self.NOTIFICATION_TIMEOUT if timeout is None else timeout
        self.post_message(Notify(LastingNotification(message, title, severity, delay(seconds), markup=False)))

    def reload_screen(self) -> None:
        self.sub_title = self._status_line()
        for screen in self.screen_stack:
            reload = getattr(screen, "reload", None)
            if callable(reload) and screen.is_mounted:
                reload()

    # -- refresh -------------------------------------------------------------------------------

    def action_refresh_now(self) -> None:
        self.request_refresh(force=True)

    @property
    def _refreshing(self) -> bool:
        return self.scheduler.running is not None

    def request_refresh(self, only: set[str] | None = None, *, force: bool = False) -> None:
        """Refresh these sources (all when None) now, or right after the running refresh;
        ``force`` (the user asked): even those waiting out the backoff of their failures.
        The background schedule is the scheduler's: a request never moves or stops it."""
        self.scheduler.request(only, force=force)

    def refreshing(self, source: str) -> bool:
        """Whether this source is being refreshed now (for the freshness bars)."""
        return self.scheduler.refreshing(source)

    def _start_refresh(self, batch: Batch) -> None:
        self._refresh_worker = self._refresh(None if batch.only is None else set(batch.only), batch.force)
        for bar in self.screen.query(FreshnessBar):  # says "refreshing" at once, not at its next tick
            bar.tick()

    @work(thread=True, group="refresh", exit_on_error=False)
    def _refresh(self, only: set[str] | None, force: bool) -> Refreshed:
        try:
            if self._sync is None:
                from biosphere_tui.sync import Sync  # the network clients load off the first paint

                self._cache_whole.wait()  # a damaged file is set aside before anything is written to it
                self._sync = Sync(self.config, self.config.cache_path, now=self.now, pace=FOREGROUND.pace)
                self._sync.prepare()
            results = self._sync.refresh_blocking(only, force=force)
            events = self._observe_changes()
            memory.after_refresh()  # the replies parsed are freed: the app need not keep its peak size
            return Refreshed(results, events=events)
        except Exception as exc:
            log.exception("the refresh failed")
            return Refreshed([], t("The refresh failed ({error}).", error=type(exc).__name__))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """However the refresh worker ended, its results are shown and the scheduler goes on."""
        worker = event.worker
        if worker is not self._refresh_worker or not worker.is_finished:
            return
        self._refresh_worker = None
        if event.state is WorkerState.CANCELLED:  # the app is closing
            self.scheduler.finished()
        elif event.state is WorkerState.ERROR:
            log.error("the refresh stopped: %r", worker.error)
            self._after_keys(Refreshed([], t("The refresh failed ({error}).", error=type(worker.error).__name__)))
        else:
            self._after_keys(worker.result or Refreshed([]))

    def _after_keys(self, refreshed: Refreshed) -> None:
        """The refresh's end shown (the screens read its rows) once the key or mouse event of the last
        ``foreground.HOLD`` seconds is answered: keys come first (``local/foreground.py``)."""
        left = FOREGROUND.left()
        if left > 0:
            self.set_timer(left, lambda: self._after_keys(refreshed))
            return
        self.scheduler.finished()  # first: whatever follows, the schedule goes on
        self._refreshed(refreshed)

    def _refreshed(self, refreshed: Refreshed) -> None:
        results = refreshed.results
        self.refreshes += 1
        self.in_flight.refreshed(self.refreshes)
        if refreshed.failure:
            self.notify(refreshed.failure, severity="error")
        newly_failed: dict[str, list[str]] = {}  # one toast per distinct error, naming its sources
        for r in results:
            if not r.ok and r.source not in self._failing:
                newly_failed.setdefault(r.error, []).append(r.source)
        had_data = {row.source for row in reader.freshness(self.cache) if row.last_success is not None}
        for error, sources in newly_failed.items():
            if all(s in had_data for s in sources):
                shown = plural(len(sources), "{sources}: {error}. Showing its last known data.",
                               "{sources}: {error}. Showing their last known data.", sources=", ".join(sources),
                               error=error)
            else:  # nothing cached to fall back on: say so rather than promise old data
                shown = plural(len(sources), "{sources}: {error}. No data from it yet.",
                               "{sources}: {error}. No data from them yet.", sources=", ".join(sources), error=error)
            self.notify(shown, title=plural(len(sources), "Source failed", "{n} sources failed"), severity="error",
                        timeout=8)
        recovered = [r.source for r in results if r.ok and r.source in self._failing]
        if recovered:
            self.notify(plural(len(recovered), "{sources} answers again.", "{sources} answer again.",
                               sources=", ".join(recovered)), title=_("Source recovered"), timeout=5)
        self._failing = {r.source for r in results if not r.ok} | (self._failing - {r.source for r in results})
        self.reload_screen()
        self._announce(refreshed.events)

    @cached_property
    def watcher(self) -> Watcher:
        from biosphere_tui.rules.notifications import Watcher  # with the first refresh, not before the first paint

        return Watcher()

    def _observe_changes(self) -> list[Event]:
        """The changes worth a toast since the previous refresh, read in the refresh's worker with its
        own connection: the user's VMs alone take 15-45 ms to read at 20,000 VMs, keys wait on the UI
        thread. Unreadable now: none, and the next refresh compares with the last snapshot read."""
        if not self.config.notifications.enabled:
            return []
        from biosphere_tui.cache import watch
        from biosphere_tui.rules import notifications

        try:
            db = connect_reader(self.config.cache_path)
            try:
                group = reader.current_group(db, self.state.current_group)
                seen = watch.observed(db, group.id if group else None)
            finally:
                db.close()
        except sqlite3.Error as exc:
            log.warning("changes since the last refresh not read: %s", exc)
            return []
        return self.watcher.observe(notifications.Snapshot.of(group, *seen))

    def _announce(self, events: list[Event]) -> None:
        """A toast per change worth hearing of (the bell too, if configured)."""
        from biosphere_tui.rules.notifications import toasts

        for event in events:
            log.info("notification: %s", event.text)
        for toast in toasts(events):
            self.notify(toast.message, title=toast.title, severity=toast.severity, timeout=10)  # type: ignore[arg-type]
        if events and self.config.notifications.bell:
            self.bell()

    # -- actions ---------------------------------------------------------------------------------

    def act(
        self,
        title: Phrase | str,
        call: Callable[[Actions], Awaitable[T]],
        *,
        resync: set[str],
        done: Callable[[T], Any] | None = None,
        busy: Mapping[str, str] | None = None,
    ) -> None:
        """Run ``call`` through the action runner (``action_runner.run``: read-only gate, journal,
        refresh of ``resync``) in a worker; then ``done(result)``. A failure or a refusal is shown in
        plain words. ``busy`` (item -> verb, e.g. a request's id -> "approved") stay ``in_flight``
        until the refresh after the action has ended; an action on an item already in flight is not sent."""
        from biosphere_tui.action_runner import Started

        busy = busy or {}
        if not self.in_flight.start(busy):
            self.notify(_("Already in progress: nothing sent again."), severity="warning")
            return
        phrase = title if isinstance(title, Phrase) else Phrase(title)  # journaled in no language
        self.notify(f"{phrase}…", timeout=3)
        self._act(Started.now(self.cache, self.now(), phrase), call, resync, done, list(busy), self.journal)

    def _after_action(self, resync: set[str], items: list[str], *, force: bool = False) -> None:
        """Refresh what an action changed; its items stay in flight until that refresh has ended."""
        self.in_flight.free_after(self.refreshes + (2 if self._refreshing else 1), items)
        self.request_refresh(resync, force=force)

    @work(thread=True, group="actions", exit_on_error=False)
    def _act(self, started: Started, call: Callable[[Actions], Awaitable[T]], resync: set[str],
             done: Callable[[T], Any] | None, items: list[str], journal: Journal) -> None:
        from biosphere_tui import action_runner
        from biosphere_tui.actions import ReadOnlyRefusal
        from biosphere_tui.errors import SourceError

        def refresh(sources: set[str], answered: bool) -> None:  # the cloud just answered: even a source in backoff
            self.call_from_thread(self._after_action, sources, items, force=answered)

        def warn(message: str) -> None:
            self.call_from_thread(self.notify, message, severity="warning")

        title = started.action
        try:
            result = action_runner.run(self.config, started, call, resync=resync, refresh=refresh,
                                       journal_to=journal, warn=warn)
        except ReadOnlyRefusal as exc:
            self.call_from_thread(self.notify, _(exc.message), title=_("read-only"), severity="warning")
            self.call_from_thread(self.in_flight.free, items)
            return
        except SourceError as exc:
            self.call_from_thread(self.notify, t("{action} failed: {error}", action=str(title), error=_(exc.message)),
                                  severity="error", timeout=10)
            return
        except Exception as exc:  # noqa: BLE001 - never a traceback on screen (the runner logged it)
            self.call_from_thread(self.notify, t("{action} failed ({error}).", action=str(title), error=type(exc).__name__),
                                  severity="error")
            self.call_from_thread(self.in_flight.free, items)
            return
        if done is not None:
            self.call_from_thread(done, result)

    def fetch(self, title: str, call: Callable[[Actions], Awaitable[T]], done: Callable[[T], Any]) -> None:
        """Ask the portal, in a worker, for what the cache never keeps (passwords, tokens): ``title…``
        at once, then ``done(result)``, or the failure in plain words. It changes nothing: allowed in
        read-only mode, not journaled, no refresh after."""
        self.notify(f"{title}…", timeout=3)
        self._fetch(title, call, done)

    @work(thread=True, group="fetches", exit_on_error=False)
    def _fetch(self, title: str, call: Callable[[Actions], Awaitable[T]], done: Callable[[T], Any]) -> None:
        from biosphere_tui.actions import Actions
        from biosphere_tui.errors import SourceError

        try:
            result = asyncio.run(call(Actions(self.config)))
        except SourceError as exc:
            self.call_from_thread(self.notify, t("{action} failed: {error}", action=title, error=_(exc.message)),
                                  severity="error", timeout=10)
            return
        except Exception as exc:
            log.exception("%s failed", title)
            self.call_from_thread(self.notify, t("{action} failed ({error}).", action=title, error=type(exc).__name__),
                                  severity="error")
            return
        self.call_from_thread(done, result)
