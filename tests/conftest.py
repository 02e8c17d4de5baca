"""Shared fixtures: an isolated home, and the demo cloud on loopback with a frozen clock."""

from __future__ import annotations

import gc
import os
from dataclasses import replace
from pathlib import Path

import pytest
from _pytest.unraisableexception import gc_collect_iterations_key
from toasts import Toasts

from biosphere_tui import config as config_module
from biosphere_tui.config import Config

pytest_plugins = ["scripting_cli", "synced_cache"]  # the cli and os_cli fixtures; demo and synced


def pytest_configure(config: pytest.Config) -> None:
    """Full cycle collections a tenth as often as Python's default (after 100 younger ones, not 10).
    A test process holds ~300,000 objects once Textual, hypothesis and the demo are loaded, none of
    them frozen (the app freezes its startup objects only when opened by its command), so each full
    pass costs 0.2-0.5 s and, every ~70,000 allocations, took about a fifth of a UI test's CPU;
    the garbage of a finished test's app waits longer for its pass (~40 MB more per process)."""
    gen0, gen1, _ = gc.get_threshold()
    gc.set_threshold(gen0, gen1, 100)
    # pytest's last look for unraisable exceptions collects five times over (for finalizers that
    # make more garbage), in every process at the very end of the run; one pass frees every cycle
    config.stash[gc_collect_iterations_key] = 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly that real-OpenStack tests did not run, and why (``tests/real/conftest.py``). Read from
    the skip reports: under xdist the workers skip, this process prints, and only the reports come back."""
    reasons = [report.longrepr[2].removeprefix("Skipped: ") for report in terminalreporter.stats.get("skipped", [])
               if report.nodeid.startswith("tests/real/") and isinstance(report.longrepr, tuple)]
    for reason in dict.fromkeys(reasons):
        terminalreporter.write_line(f"real OpenStack tests skipped: {reason}", yellow=True)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: two processes per core, as many tests wait (on a timeout, the demo's answer, a
    subprocess) rather than compute: on 2 cores 4 processes end the suite in ~2/3 of the time of 2."""
    return 2 * len(os.sched_getaffinity(0))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long serial chains (tests sharing one ``xdist_group``: the real cloud, the hostile
    property) first, so that under xdist one process starts them while the others share the rest."""
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's files, and loopback never goes through a proxy."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"), ("XDG_DATA_HOME", "data"),
                     ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("LANG", "C.UTF-8")  # the interface in English whatever the machine's locale
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy",
                "BIOSPHERE_TOKEN", *(k for k in os.environ if k.startswith("OS_"))):  # no openrc leaks in
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def demo_config(demo, tmp_path: Path) -> Config:  # noqa: ANN001
    """The configuration the demo writes, with a private cache and short timeouts (4 s per read:
    hang faults end at it, and a healthy source answers within it on a loaded machine; 2 s was
    missed there by 4 processes sharing 2 cores with other work)."""
    cfg = config_module.load(demo.write_config(tmp_path / "demo"))
    assert cfg.portal is not None
    return replace(
        cfg,
        cache_path=tmp_path / "cache.sqlite",
        portal=replace(cfg.portal, timeout=4.0),
        openstack=replace(cfg.openstack, timeout=4.0),
    )


@pytest.fixture
def portal_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds the portal client asks to wait before trying a read again (after a 429 or a 503),
    recorded in order instead of waited."""
    asked: list[float] = []

    async def record(seconds: float) -> None:
        asked.append(seconds)

    monkeypatch.setattr("biosphere_tui.api.portal.pause", record)
    return asked


@pytest.fixture
def toasts() -> Toasts:
    """Pass to ``app.run_test(message_hook=toasts)``: then ``toasts`` holds every notification raised."""
    return Toasts()
