"""The cycle collector off the app's first paint: paused while it loads, its startup objects
left out of later collections once the first frame is shown (``local/collector.py``)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from biosphere_tui import cli
from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import Config
from biosphere_tui.local import collector


@pytest.fixture
def clean_collector() -> Iterator[None]:
    """The test process's collector running with nothing frozen (an app opened by ``cli.main`` in an
    earlier test of this process froze its objects at its first frame), and so again afterwards."""
    gc.unfreeze()
    assert gc.isenabled(), "a test before this one left the collector paused"
    try:
        yield
    finally:
        collector.resume()  # a pause the test left
        gc.unfreeze()
        gc.enable()


async def test_a_paused_collector_runs_again_after_the_first_frame_without_the_startup_objects(  # noqa: ANN201
        synced: Config, make_app: Callable[[Config], BiosphereApp], clean_collector: None):
    collector.pause()
    app = make_app(synced)
    assert not gc.isenabled()  # while the app loads
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert gc.isenabled() and gc.get_freeze_count() > 10_000  # modules, classes, the first screen...


async def test_an_app_whose_collector_was_not_paused_leaves_it_alone(  # noqa: ANN201
        synced: Config, make_app: Callable[[Config], BiosphereApp], clean_collector: None):
    async with make_app(synced).run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert gc.isenabled() and not gc.get_freeze_count()  # e.g. the tests' apps


def test_the_command_opening_the_app_pauses_the_collector_while_it_loads(
        synced: Config, monkeypatch: pytest.MonkeyPatch, clean_collector: None) -> None:
    collecting: list[bool] = []

    def run(app: BiosphereApp, *args: Any, **kwargs: Any) -> None:
        collecting.append(gc.isenabled())

    monkeypatch.setattr(BiosphereApp, "run", run)
    monkeypatch.setattr(cli, "_has_terminal", lambda: True)
    monkeypatch.setattr(cli, "load", lambda path=None: synced)
    assert cli.main([]) == 0
    assert collecting == [False]  # resumed by the app's first frame (above)


def test_a_command_whose_app_never_opens_leaves_the_collector_running(
        synced: Config, monkeypatch: pytest.MonkeyPatch, clean_collector: None) -> None:
    """Without a terminal the app is never shown, so no first frame resumes the collector: the command
    must (CI saw a later test's app freeze the whole test process, paused since such a command)."""
    monkeypatch.setattr(cli, "_has_terminal", lambda: False)
    monkeypatch.setattr(cli, "load", lambda path=None: synced)
    assert cli.main([]) == cli.EXIT_USAGE
    assert gc.isenabled()
