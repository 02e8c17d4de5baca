"""Home's reload and myVM's window query, in one process, at several demo scales.

Usage: .venv/bin/python bench/home.py [--scales 1 50 200] [--rounds 15] [--keep DIR]

For each scale a demo cloud runs in this process and one refresh (every source but the
usage history, which the demo serves slowly at large scales) fills a cache; ``--keep DIR``
keeps the caches there and reuses them. Then, the app open on Home (no background refresh):
- ``HomeScreen.reload_body`` as after a refresh that changed what Home shows (before: every
  refresh and every return to Home), the rows it read from the cache (a row factory counts
  them), and as after a refresh that changed nothing; Members' the same way (its group's
  members: before, all of them at every show);
- myVM's window query as one keystroke runs it (``vms.window``: the first 60 VMs of the
  group and how many match): a filter text counts again; a sort or a longer window (cursor
  moves) reuses the count when ``vms.window`` takes one (``total=``, as myVM passes it);
- the filter as myVM runs it now: the scope's VMs read once (``vms.ordering``), then each
  keystroke searched in memory (``vms.searched``), beside the SQL filter above.
Medians over ``--rounds`` calls, in milliseconds.
"""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import ROOT, parse, parser

sys.path.insert(0, str(ROOT))

from textual.pilot import Pilot

from biosphere_tui import config as config_module
from biosphere_tui.app import BiosphereApp
from biosphere_tui.cache import vms
from biosphere_tui.cache.db import open_cache
from biosphere_tui.cache.vms import VmQuery
from biosphere_tui.demo.clock import DemoClock
from biosphere_tui.demo.cloud import DemoCloud
from biosphere_tui.sync import Sync

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEYS = ["m", "ma", "mar", "r", "re", "rea", "ready", "1", "12", ""]


def timed(call: Callable[[], object], rounds: int) -> float:
    """The median time of ``call``, in ms."""
    runs = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def fill(cloud: DemoCloud, directory: Path) -> Path:
    """The demo's configuration with its cache filled by one refresh; the cache reused if kept."""
    cfg = config_module.load(cloud.write_config(directory))
    assert cfg.portal is not None
    cache = directory / "cache.sqlite"
    cfg = replace(cfg, cache_path=cache, portal=replace(cfg.portal, timeout=120),
                  openstack=replace(cfg.openstack, timeout=120))
    if not cache.exists():
        open_cache(cache).conn.close()
        sync = Sync(cfg, cache, now=cloud.clock.now)
        try:
            only = {s for s in sync.sources if s != "portal.usage"}
            failed = [r for r in sync.refresh_blocking(only) if not r.ok]
        finally:
            sync.close()
        if failed:
            raise SystemExit(f"the refresh failed: {failed}")
    return directory / "config.toml"


async def measure(config_path: Path, cache: Path, now: Callable[[], datetime], rounds: int) -> None:
    cfg = replace(config_module.load(config_path), cache_path=cache)
    app = BiosphereApp(cfg, now=now, background_refresh=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        home = app.screen
        db = app.cache
        def reread() -> None:  # as after a refresh that changed what Home shows
            home._read = None
            home.reload_body()

        fetched = count_rows(db, reread) if hasattr(home, "_read") else count_rows(db, home.reload_body)
        reload_ms = timed(reread if hasattr(home, "_read") else home.reload_body, rounds)
        same_ms = timed(home.reload_body, rounds)
        group = app.current_group
        base = VmQuery(finished=False, group_id=group.id if group else None)
        total = vms.count(db, base)
        print(f"  Home reload_body: median {reload_ms:.2f} ms; rows read from the cache: {fetched}; "
              f"table rows: {home.query_one('#vms').row_count}; when nothing changed: {same_ms:.2f} ms")
        await members_reload(app, pilot, rounds)
        print(f"  myVM window (group {base.group_id}, {total} live VMs), median ms per query:")
        parts = [f"'{text}' {timed(lambda text=text: vms.window(db, replace(base, text=text), limit=60), rounds):.2f}"
                 for text in KEYS]
        print("    filter: " + ", ".join(parts))
        if hasattr(vms, "ordering"):  # myVM's keystroke since the in-memory search: the scope read once, then searched
            order_ms = timed(lambda: vms.ordering(db, base), rounds)
            order = vms.ordering(db, base)
            parts = [f"'{text}' {timed(lambda text=text: vms.searched(db, order, text, limit=60), rounds):.2f}"
                     for text in KEYS if text]
            print(f"    filter in memory (as myVM runs it): scope read once {order_ms:.2f}, then per keystroke: "
                  + ", ".join(parts))
        known = {"total": total} if "total" in inspect.signature(vms.window).parameters else {}
        def sorted_by(sort: str, descending: bool) -> object:
            return vms.window(db, replace(base, sort=sort, descending=descending), limit=60, **known)

        parts = [f"{sort}{' desc' if desc else ''} {timed(lambda s=sort, d=desc: sorted_by(s, d), rounds):.2f}"
                 for sort, desc in (("age", False), ("age", True), ("name", False), ("state", False), ("site", False))]
        print("    sort: " + ", ".join(parts))
        parts = [f"{limit} rows {timed(lambda n=limit: vms.window(db, base, limit=n, **known), rounds):.2f}"
                 for limit in (60, 120, 240)]
        print("    window (cursor moving down): " + ", ".join(parts))


async def members_reload(app: BiosphereApp, pilot: Pilot[Any], rounds: int) -> None:
    """Members' ``reload_body`` as after a refresh that changed the members (before: its every show)."""
    await pilot.press("4")
    await pilot.pause()
    screen: Any = app.screen  # MembersScreen, or one of an older commit

    def reread() -> None:
        if hasattr(screen, "_read"):
            screen._read = None
        screen.reload_body()

    fetched = count_rows(app.cache, reread)
    print(f"  Members reload_body: median {timed(reread, rounds):.2f} ms; rows read from the cache: {fetched}; "
          f"table rows: {screen.query_one('#members').row_count}")
    await pilot.press("1")
    await pilot.pause()


def count_rows(db: sqlite3.Connection, call: Callable[[], object]) -> int:
    """How many rows ``call`` read from the cache connection (a row factory counts them)."""
    counted = [0]

    def count(_cursor: sqlite3.Cursor, row: tuple[object, ...]) -> tuple[object, ...]:
        counted[0] += 1
        return row

    db.row_factory = count
    try:
        call()
    finally:
        db.row_factory = None
    return counted[0]


def main() -> None:
    found = parser(__doc__, [1, 50, 200])
    found.add_argument("--rounds", type=int, default=15)
    found.add_argument("--keep", type=Path, help="keep the caches in this folder (and reuse them)")
    args = parse(found)
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            directory = (args.keep or Path(tmp)) / f"scale-{scale:g}"
            with DemoCloud(seed=42, scale=scale, clock=DemoClock(START, speed=0)) as cloud:
                config = fill(cloud, directory)
                print(f"== scale {scale:g} ==")
                asyncio.run(measure(config, directory / "cache.sqlite", cloud.clock.now, args.rounds))


if __name__ == "__main__":
    main()
