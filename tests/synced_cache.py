"""The tests' demo cloud, and its cache as one real sync fills it: the ``synced`` fixture.

About 200 tests start from a cache filled by one full sync of a pristine demo (~0.35 s of CPU each,
client and demo servers). A pristine demo is the same world in every test (seeded; clock frozen at
`DEMO_START`; ETags salted alike, see `Portal`), so that sync fills the same rows every time: it is
done once per test process, per kind of configuration (with or without the portal) and per state
of a fresh demo (a test that patches how the world is made gets one of its own), and each test
gets a copy of that cache (SQLite's backup API into a cache opened as the app opens it). Whenever
the test's demo is in no state a fresh one is in (the world changed, the clock moved, a fault is
set...), the cache is filled by a real sync instead. ``test_synced_cache.py``
checks that a copy holds the rows a real sync writes, so the shortcut cannot silently go stale.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
import threading
from collections.abc import Hashable, Iterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from demo_time import DEMO_START

from biosphere_tui.cache.db import open_cache
from biosphere_tui.config import Config, load
from biosphere_tui.demo.clock import DemoClock
from biosphere_tui.demo.cloud import DemoCloud
from biosphere_tui.demo.site_state import SiteState
from biosphere_tui.demo.world import World
from biosphere_tui.sync import Sync

ETAG_SALT = "tests-pristine-demo"  # shared by every test's demo: a cache filled from one is valid for another


def pristine_demo() -> DemoCloud:
    """A fresh demo cloud (seed 42, scale 1) whose clock only moves when a test advances it."""
    return DemoCloud(seed=42, scale=1, clock=DemoClock(DEMO_START, speed=0), etag_salt=ETAG_SALT)


def sync_once(config: Config, demo: DemoCloud, only: set[str] | None = None) -> None:
    """One full refresh of the cache from the demo cloud, at the demo's clock."""
    open_cache(config.cache_path).db.close()
    runner = Sync(config, config.cache_path, now=demo.clock.now)
    try:
        results = runner.refresh_blocking(only)
    finally:
        runner.close()
    assert [r for r in results if not r.ok] == [], "the demo cloud should answer every source"


def demo_state(demo: DemoCloud) -> Hashable:
    """Everything of ``demo`` a sync's rows depend on, listening ports aside: its seed, scale, token and
    ETag salt, its clock's time, the world's version and records (a test may patch how the world makes
    them, e.g. the access links of a Ready VM, before its demo is seeded: `World.version` does not see
    that), each listener's fault and latency, and each site's compute API cap and records."""
    services = (demo.portal.service, *(site.service for site in demo.sites.values()))
    return (demo.world.seed, demo.world.scale, demo.token, demo.portal.etag_salt, demo.clock.now(),
            demo.world.version, _world_records(demo.world), tuple((s.name, s.fault, s.latency) for s in services),
            tuple((site_id, str(site.nova.max_version), _records(site.state)) for site_id, site in demo.sites.items()))


def _world_records(world: World) -> str:
    """What the portal serves of the world: its people, appliances, groups, members, requests and
    deployments (~1 ms at scale 1)."""
    with world.lock:
        return repr((world.people, world.appliances, world.groups, world.members, world.requests,
                     world.group_requests, world.deployments, world.idle_since))


def _records(state: SiteState) -> str:
    """What a site serves: every attribute of its state, its lock and clock aside (~1 ms for the 8 sites)."""
    with state.lock:
        return repr({k: v for k, v in vars(state).items() if k not in ("lock", "clock")})


def config_shape(config: Config, demo: DemoCloud) -> Hashable:
    """``config`` as it would be for any demo: its files' contents in place of their paths, and each of
    ``demo``'s listeners' addresses (the only thing two pristine demos' configurations differ by) in
    words; the cache's path left out."""

    def named(text: str) -> str:
        return re.sub(r"http://127\.0\.0\.1:(\d+)", lambda m: f"<{ports.get(int(m[1]), m[0])}>", text)

    ports = {demo.portal.service.port: "portal", **{site.service.port: site_id for site_id, site in demo.sites.items()}}
    clouds = config.openstack.clouds_yaml
    token = config.portal and config.portal.token
    portal = config.portal and token and replace(
        config.portal, url=named(config.portal.url),
        token=replace(token, name=Path(token.name).read_text()) if token.kind == "file" else token)
    return replace(config, portal=portal, openstack=replace(config.openstack, clouds_yaml=None),
                   cache_path=Path(), source=None), clouds and named(clouds.read_text())


def _as_demo(config: Config, demo: DemoCloud, folder: Path) -> Config:
    """``config`` pointed at ``demo`` (its configuration files written in ``folder``), cache in ``folder``."""
    own = load(demo.write_config(folder / "demo", portal=config.portal is not None))
    portal = config.portal and own.portal and replace(config.portal, url=own.portal.url, token=own.portal.token)
    return replace(config, portal=portal, openstack=replace(config.openstack, clouds_yaml=own.openstack.clouds_yaml),
                   cache_path=folder / "cache.sqlite", source=own.source)


class Templates:
    """Per kind of configuration and state of the demo, the cache one real sync of a fresh demo in that
    state fills, made on first use (in the test that first needs it, under its isolated home) and kept
    in memory. A demo a fresh one does not match (its world changed, its clock moved, a fault...) has none."""

    def __init__(self) -> None:
        self._made: dict[Hashable, sqlite3.Connection | None] = {}  # None: no fresh demo is in that state
        self._lock = threading.Lock()

    def fill(self, config: Config, demo: DemoCloud) -> bool:
        """Fill ``config``'s cache as one real sync from ``demo`` does: by a copy of the template when
        a fresh demo is in ``demo``'s state (True), else by that sync (False)."""
        with self._lock:
            template = self.template(config, demo)
            if template is not None:
                open_cache(config.cache_path).conn.close()  # the folder and file as the app makes them
                with closing(sqlite3.connect(config.cache_path)) as target:
                    template.backup(target)
                return True
        sync_once(config, demo)
        return False

    def template(self, config: Config, demo: DemoCloud) -> sqlite3.Connection | None:
        """The template for ``config`` and ``demo``'s state, or None (made on first use). Keyed by the
        state too: a test that patches how the world is made (before its demo is seeded) gets a
        template of its own, and leaves the other tests' alone."""
        key = (config_shape(config, demo), demo_state(demo))
        if key not in self._made:
            self._made[key] = self._make(config, key)
        return self._made[key]

    def _make(self, config: Config, key: tuple[Hashable, Hashable]) -> sqlite3.Connection | None:
        fresh = pristine_demo()
        if demo_state(fresh) != key[1]:  # seen before its listeners start (~0.1 s of CPU)
            return None
        with tempfile.TemporaryDirectory() as folder, fresh:
            own = _as_demo(config, fresh, Path(folder))
            if config_shape(own, fresh) != key[0]:
                return None
            sync_once(own, fresh)
            assert demo_state(fresh) == key[1], "a sync changed the demo it read"
            template = sqlite3.connect(":memory:", check_same_thread=False)
            with closing(sqlite3.connect(own.cache_path)) as made:
                made.backup(template)
            return template


TEMPLATES = Templates()


@pytest.fixture
def demo() -> Iterator[DemoCloud]:
    """A fresh demo cloud (seed 42, scale 1) whose clock only moves when a test advances it."""
    with pristine_demo() as cloud:
        yield cloud


@pytest.fixture
def synced(demo_config: Config, demo: DemoCloud) -> Config:
    """The demo configuration with its cache filled as one real sync fills it (a warm start).

    When the demo is pristine (`demo_state`: seed, scale, token, ETag salt, clock at `DEMO_START`,
    world version, no fault, the sites' records) and the configuration is the one it writes
    (`config_shape`), the cache is a copy of the one a real sync of another pristine demo wrote in
    this process: that sync read the same replies, so it wrote the same rows (only the migrations'
    times and the measured read durations differ, as between any two syncs; tests/test_synced_cache.py
    checks it). Otherwise the cache is filled by a real sync."""
    TEMPLATES.fill(demo_config, demo)
    return demo_config
