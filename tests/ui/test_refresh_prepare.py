"""The app's refresh worker builds the sites' connections before its first refresh parses a reply
(what they keep would otherwise pin the memory the replies free: ``SiteClient.prepare``)."""

from __future__ import annotations

import pytest
from pilot_support import settle

from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import Config
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
