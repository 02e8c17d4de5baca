"""UI fixtures: an app on the demo cloud (its cache filled: the ``synced`` fixture, tests/synced_cache.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import Config

FOLLOW = 0.5


@pytest.fixture
def make_app(demo) -> Callable[[Config], BiosphereApp]:  # noqa: ANN001
    """An app on the demo clock without background refresh: tests decide when data moves. A screen
    following a launch looks again every 0.5 s (2 s in use; often enough for tests,
    rarely enough that a refresh ends before the next begins): the demo's clock decides what it sees."""

    def build(config: Config) -> BiosphereApp:
        return BiosphereApp(config, now=demo.clock.now, background_refresh=False, follow_every=FOLLOW)

    return build
