"""The app's refresh worker keeps what outlives a refresh out of the memory its replies took: the
sites' connections are built before its first refresh parses a reply (``SiteClient.prepare``), and
what a refresh left in reference cycles or in the URL cache is freed as it ends (``memory.after_refresh``)."""

from __future__ import annotations

import gc
import urllib.parse
import weakref

import pytest
from pilot_support import settle

from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import Config
from biosphere_tui.local import collector
from biosphere_tui.local.collector import Idle
from biosphere_tui.sync import Sync


async def test_the_first_refresh_comes_after_the_connections_are_built(synced: Config, demo,  # noqa: ANN001
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    prepare, refresh = Sync.prepare, Sync.refresh_blocking

    def prepared(self: Sync) -> None:
        calls.append("prepare")
        prepare(self)

    def refreshed(self: Sync, *args: object, **kwargs: object) -> object:
        calls.append("refresh")
        return refresh(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Sync, "prepare", prepared)
    monkeypatch.setattr(Sync, "refresh_blocking", refreshed)
    app = BiosphereApp(synced, now=demo.clock.now)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot, lambda: app.refreshes >= 1)
        app.request_refresh(force=True)
        await settle(app, pilot, lambda: app.refreshes >= 2)
    assert calls == ["prepare", "refresh", "refresh"]  # once, before the first


class _Cyclic:
    """An object in a reference cycle: only a full collection frees it."""

    def __init__(self) -> None:
        self.itself = self


async def test_what_a_refresh_leaves_in_cycles_or_in_the_url_cache_is_freed_before_the_screens_read(
        synced: Config, demo, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    made: list[weakref.ref[_Cyclic]] = []
    split: list[int] = []  # URLs in the cache as the refresh ends, then as the screens read its rows
    alive: list[bool] = []  # whether the cycle it made lives as the screens read its rows
    refresh, reload = Sync.refresh_blocking, BiosphereApp.reload_screen

    def refreshed(self: Sync, *args: object, **kwargs: object) -> object:
        results = refresh(self, *args, **kwargs)  # type: ignore[arg-type]
        made.append(weakref.ref(_Cyclic()))
        split.append(urllib.parse.urlsplit.cache_info().currsize)
        return results

    def reloaded(self: BiosphereApp) -> None:
        if made and not alive:
            alive.append(made[0]() is not None)
            split.append(urllib.parse.urlsplit.cache_info().currsize)
        reload(self)

    monkeypatch.setattr(Sync, "refresh_blocking", refreshed)
    monkeypatch.setattr(BiosphereApp, "reload_screen", reloaded)
    monkeypatch.setattr(collector, "IDLE", Idle())  # no key typed (keys defer the pass: tests/ui/test_collector.py)
    gc.collect()
    gc.freeze()  # what exists is left out of collections, as the app's command does at its first frame
    gc.disable()  # no collection but the app's own: a cycle lives until one runs
    try:
        app = BiosphereApp(synced, now=demo.clock.now)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot, lambda: app.refreshes >= 1)
    finally:
        gc.enable()
        gc.unfreeze()
    assert split[0] > 0, "the refresh split no URL: this test no longer sees the cache"
    assert split[1] == 0, f"{split[1]} split URLs kept after the refresh"
    assert alive == [False], "a cycle the refresh made outlived it"
