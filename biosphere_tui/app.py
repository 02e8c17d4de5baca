"""The Textual application: opens on the cache at once, refreshes it in the background."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.timer import Timer

from biosphere_tui.cache.db import connect, open_cache
from biosphere_tui.config import Config
from biosphere_tui.screens.home import HomeScreen

if TYPE_CHECKING:
    from biosphere_tui.sync import SourceResult, Sync


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class BiosphereApp(App[None]):
    """``label`` is shown under the title (e.g. "demo cloud"); ``now`` is injectable for tests."""

    TITLE = "Biosphère"
    CSS_PATH = "app.tcss"
    BINDINGS = [("r", "refresh_now", "Refresh"), ("q", "quit", "Quit")]

    def __init__(
        self, config: Config, *, label: str = "", now: Callable[[], datetime] = _utcnow, background_refresh: bool = True
    ) -> None:
        super().__init__()
        self.config = config
        self.now = now
        self.background_refresh = background_refresh
        opened = open_cache(config.cache_path)  # raises CacheUnavailable: the CLI reports it
        opened.db.close()
        self.cache_notice = opened.notice
        self.cache = connect(config.cache_path)
        self.stale_after = config.refresh_interval * 3
        self.sub_title = label
        self._sync: Sync | None = None
        self._timer: Timer | None = None
        self._refreshing = False
        self._failing: set[str] = set()
        self.refreshes = 0

    def on_mount(self) -> None:
        self.push_screen(HomeScreen())
        if self.cache_notice:
            self.notify(self.cache_notice, title="Cache rebuilt", severity="warning", timeout=15)
        if self.background_refresh:
            self.action_refresh_now()

    def on_unmount(self) -> None:
        if self._sync is not None:
            self._sync.close()
        self.cache.close()

    def action_refresh_now(self) -> None:
        """Start a refresh unless one is running; the next one is armed when it ends."""
        if self._refreshing:
            return
        if self._timer is not None:
            self._timer.stop()
        self._refreshing = True
        self._refresh()

    @work(thread=True, group="refresh", exit_on_error=False)
    def _refresh(self) -> None:
        try:
            if self._sync is None:
                from biosphere_tui.sync import Sync  # the network clients load off the first paint

                self._sync = Sync(self.config, self.config.cache_path, now=self.now)
            results = self._sync.refresh_blocking()
        except Exception as exc:  # noqa: BLE001 - shown to the user, the loop goes on
            self.call_from_thread(self._refreshed, [], f"The refresh failed ({type(exc).__name__}).")
            return
        self.call_from_thread(self._refreshed, results, None)

    def _refreshed(self, results: list[SourceResult], failure: str | None) -> None:
        self._refreshing = False
        self.refreshes += 1
        if failure:
            self.notify(failure, severity="error")
        for r in results:
            if not r.ok and r.source not in self._failing:
                self.notify(f"{r.source}: {r.error}. Showing its last known data.", title="Source failed",
                            severity="error", timeout=8)
            elif r.ok and r.source in self._failing:
                self.notify(f"{r.source} answers again.", title="Source recovered", timeout=5)
        self._failing = {r.source for r in results if not r.ok} | (self._failing - {r.source for r in results})
        reload = getattr(self.screen, "reload", None)
        if callable(reload):
            reload()
        if self.background_refresh:
            self._timer = self.set_timer(self.config.refresh_interval, self.action_refresh_now)
