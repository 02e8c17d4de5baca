"""UI fixtures: an app on a demo cloud whose cache was filled by one real sync."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from biosphere_tui.app import BiosphereApp
from biosphere_tui.cache.db import open_cache
from biosphere_tui.config import Config
from biosphere_tui.sync import Sync

FOLLOW = 0.5


def sync_once(config: Config, demo, only: set[str] | None = None) -> None:  # noqa: ANN001
    """One full refresh of the cache from the demo cloud, at the demo's clock."""
    open_cache(config.cache_path).db.close()
    runner = Sync(config, config.cache_path, now=demo.clock.now)
    try:
        results = runner.refresh_blocking(only)
    finally:
        runner.close()
    assert [r for r in results if not r.ok] == [], "the demo cloud should answer every source"


@pytest.fixture
def synced(demo_config: Config, demo) -> Config:  # noqa: ANN001
    """The demo configuration with its cache already filled (as on a warm start)."""
    sync_once(demo_config, demo)
    return demo_config


@pytest.fixture
def make_app(demo) -> Callable[[Config], BiosphereApp]:  # noqa: ANN001
    """An app on the demo clock without background refresh: tests decide when data moves. A screen
    following a launch looks again every 0.5 s (2 s in use; often enough for tests,
    rarely enough that a refresh ends before the next begins): the demo's clock decides what it sees."""

    def build(config: Config) -> BiosphereApp:
        return BiosphereApp(config, now=demo.clock.now, background_refresh=False, follow_every=FOLLOW)

    return build
