"""Every kind of source (the portal, two sites) under every fault the demo can play.

For each case: the refresh returns; the faulty source fails in plain words (no traceback,
token or password), or succeeds when the fault is one it may recover from by itself (a
site's expired token: keystoneauth signs in again); every other source refreshes; the
faulty source keeps its last good rows; it is left alone during its backoff; once the
fault is lifted and the backoff over, it recovers by itself. Time is the demo's clock.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from demo_time import DEMO_START

from biosphere_tui import config as config_module
from biosphere_tui import errors
from biosphere_tui.api.portal import PortalClient
from biosphere_tui.cache import reader
from biosphere_tui.cache.db import connect, open_cache
from biosphere_tui.config import Config
from biosphere_tui.demo.clock import DemoClock
from biosphere_tui.demo.cloud import DemoCloud
from biosphere_tui.demo.httpserver import FAULTS
from biosphere_tui.models.sources import Freshness
from biosphere_tui.rules import backoff
from biosphere_tui.sync import PORTAL_SOURCES, SourceResult, Sync

SOURCES = ("portal", "ifb-core-cloud", "ifb-bird-stack")
FAULTY = tuple(f for f in FAULTS if f != "none")
TIMEOUT = 3.0  # per read: hang faults end at it; 1 s was missed by healthy sources in CI (4 processes, 2 cores)
PORTAL_TABLES = ("me", "groups", "group_directory", "appliances", "sites", "deployments", "members", "requests", "usage")
SITE_TABLES = ("servers", "flavors", "images", "limits")


def test_the_matrix_covers_every_fault_of_the_demo() -> None:
    assert set(FAULTY) == {"down", "hang", "http500", "http503", "http429", "html", "garbage", "wrong_shape",
                           "expired_token", "revoked_token", "forbidden"}


# -- fixtures: one demo cloud for the module, a copy of one filled cache per case ---------------


@pytest.fixture(scope="module")
def cloud() -> Iterator[DemoCloud]:
    with DemoCloud(seed=42, scale=1, clock=DemoClock(DEMO_START, speed=0)) as demo:
        yield demo


@dataclass
class Filled:
    """The demo's configuration and a cache one full refresh filled, made by the first case
    (inside its isolated environment) and copied by every case."""

    folder: Path
    config: Config | None = None


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Filled:
    return Filled(tmp_path_factory.mktemp("filled"))


@dataclass
class Case:
    cloud: DemoCloud
    config: Config
    sync: Sync
    secrets: list[str]  # the portal token and every password of clouds.yaml

    def refresh(self, *, force: bool = False) -> dict[str, SourceResult]:
        return {r.source: r for r in self.sync.refresh_blocking(force=force)}

    def ready(self) -> bool:
        """Every source answered a refresh, so that this case's sessions (and tokens) exist. The
        matrix's per-read timeout is short (its hang faults end sooner): on a loaded machine a
        healthy source may still miss it, so a few refreshes are allowed before the fault is set."""
        for _ in range(5):
            if all(r.ok for r in self.refresh(force=True).values()):
                return True
            time.sleep(0.5)  # a call that missed its timeout may still be ending (the site is busy)
        return False

    def freshness(self) -> dict[str, Freshness]:
        db = connect(self.config.cache_path)
        try:
            return {f.source: f for f in reader.freshness(db)}
        finally:
            db.close()

    def rows(self, source: str) -> dict[str, int]:
        """The cached rows the source owns, per table."""
        db = connect(self.config.cache_path)
        try:
            if source == "portal":
                return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in PORTAL_TABLES}
            return {t: db.execute(f"SELECT COUNT(*) FROM {t} WHERE site = ?", [source]).fetchone()[0]
                    for t in SITE_TABLES}
        finally:
            db.close()

    def asked(self, source: str) -> int:
        """Requests the demo's service of the source has received so far (a site's requests
        are sequential: none is still on its way when a refresh returns)."""
        return sum(self.cloud.service(source).hits.values())


@pytest.fixture
def case(cloud: DemoCloud, filled: Filled, tmp_path: Path) -> Iterator[Case]:
    if filled.config is None:
        filled.config = _fill(cloud, filled.folder)
    template = filled.config
    config = replace(template, cache_path=tmp_path / "cache.sqlite")
    _copy(template.cache_path, config.cache_path)
    runner = Sync(config, config.cache_path, now=cloud.clock.now)
    clouds_yaml = (config.openstack.clouds_yaml or Path()).read_text()
    passwords = [line.split(":", 1)[1].strip().strip('"') for line in clouds_yaml.splitlines()
                 if line.strip().startswith("password:")]
    assert passwords
    try:
        yield Case(cloud, config, runner, [cloud.token, *passwords])
    finally:
        runner.close()
        for source in ("portal", *cloud.sites):
            cloud.set_fault(source, "none")


def _fill(cloud: DemoCloud, folder: Path) -> Config:
    loaded = config_module.load(cloud.write_config(folder))
    assert loaded.portal is not None
    # the portal and the matrix's two sites: the others would only be refreshed four times per case
    config = replace(loaded, cache_path=folder / "cache.sqlite", portal=replace(loaded.portal, timeout=TIMEOUT),
                     openstack=replace(loaded.openstack, timeout=TIMEOUT, sites=SOURCES[1:]))
    open_cache(config.cache_path).db.close()
    runner = Sync(config, config.cache_path, now=cloud.clock.now)
    try:
        assert all(r.ok for r in runner.refresh_blocking())
    finally:
        runner.close()
    return config


def _copy(source: Path, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _names(source: str) -> set[str]:
    return set(PORTAL_SOURCES) if source == "portal" else {f"site.{source}"}


def _assert_plain(text: str, secrets: list[str]) -> None:
    assert text and "\n" not in text and len(text) < 300, text
    for bad in ("Traceback", 'File "', "<html", "nginx", "garbage{{", "\x00"):
        assert bad not in text, text
    for secret in secrets:
        assert secret not in text


# -- the matrix ------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTY)
@pytest.mark.parametrize("source", SOURCES)
def test_fault(case: Case, source: str, fault: str, caplog: pytest.LogCaptureFixture,
               portal_waits: list[float]) -> None:
    assert case.ready()  # this case's sessions (and tokens) exist
    before = case.rows(source)
    assert all(before.values()), before
    case.cloud.clock.advance(60)
    failed_at = case.cloud.clock.now()
    case.cloud.set_fault(source, fault)

    results = case.refresh()

    if source == "portal" and fault in ("http503", "http429"):  # reads tried again, after the server's Retry-After: 1
        assert portal_waits and set(portal_waits) == {1.0}
    else:
        assert portal_waits == []

    mine = _names(source)
    fresh = case.freshness()
    for name, result in results.items():
        if name in mine:
            continue
        assert result.ok, result
        assert fresh[name].last_success == failed_at and fresh[name].retry_at is None
    if fault == "expired_token" and source != "portal":  # signs in again, transparently
        assert all(results[name].ok for name in mine)
        assert case.rows(source) == before
        return
    for name in mine:
        result, row = results[name], fresh[name]
        assert not result.ok and result.kind not in ("", "backoff"), result
        _assert_plain(result.error, case.secrets)
        assert row.last_error == result.error and row.failures == 1 and row.last_attempt == failed_at
        assert row.last_success is not None and row.last_success < failed_at
        if fault == "http429" and source != "portal":  # Nova's rate limiter says when: its window's end
            assert failed_at + timedelta(seconds=55) <= row.retry_at <= failed_at + timedelta(seconds=60)
        else:
            assert row.retry_at == failed_at + timedelta(seconds=backoff.delay(1))
    assert case.rows(source) == before, "the last good rows stay in the cache"
    for secret in case.secrets:
        assert secret not in caplog.text

    # lifted, but within its backoff: the source is not asked, and that is not a new failure
    case.cloud.set_fault(source, "none")
    skipped = case.refresh()
    for name in mine:
        assert skipped[name].kind == "backoff" and not skipped[name].ok
        _assert_plain(skipped[name].error, case.secrets)
        assert case.freshness()[name] == fresh[name]

    case.cloud.clock.advance(max((fresh[name].retry_at - failed_at).total_seconds() for name in mine))
    recovered = case.refresh()
    assert all(r.ok for r in recovered.values()), [r for r in recovered.values() if not r.ok]
    after = case.rows(source)
    assert all(after.values()), after
    fresh = case.freshness()
    for name in mine:
        assert fresh[name].ok and fresh[name].failures == 0 and fresh[name].retry_at is None
        assert fresh[name].last_success == case.cloud.clock.now()
    if source != "portal":
        assert recovered[f"site.{source}"].rows == after["servers"]


# -- the backoff itself --------------------------------------------------------------------------


def test_the_wait_doubles_up_to_its_cap(case: Case) -> None:
    site = "site.ifb-bird-stack"
    case.cloud.set_fault("ifb-bird-stack", "down")
    waits = []
    for _ in range(9):
        [result] = case.sync.refresh_blocking({site})
        assert not result.ok and result.kind == "unreachable"
        row = case.freshness()[site]
        assert row.retry_at is not None and row.last_attempt is not None
        waits.append((row.retry_at - row.last_attempt).total_seconds())
        case.cloud.clock.advance(waits[-1] - 1)
        [early] = case.sync.refresh_blocking({site})
        assert early.kind == "backoff"
        case.cloud.clock.advance(1)
    assert waits == [5, 10, 20, 40, 80, 160, 300, 300, 300]
    assert case.freshness()[site].failures == 9  # the refreshes within the waits did not count


def test_a_source_in_backoff_is_not_asked_unless_forced(case: Case) -> None:
    case.cloud.set_fault("ifb-core-cloud", "http500")
    assert case.refresh()["site.ifb-core-cloud"].kind == "server"
    case.cloud.set_fault("ifb-core-cloud", "none")
    asked = case.asked("ifb-core-cloud")
    assert case.refresh()["site.ifb-core-cloud"].kind == "backoff"
    assert case.asked("ifb-core-cloud") == asked
    assert all(r.ok for r in case.refresh(force=True).values())
    assert case.asked("ifb-core-cloud") > asked


def test_a_forced_refresh_that_fails_again_waits_longer(case: Case) -> None:
    case.cloud.set_fault("ifb-core-cloud", "forbidden")
    case.refresh()
    case.refresh(force=True)
    row = case.freshness()["site.ifb-core-cloud"]
    assert row.failures == 2 and row.retry_at == case.cloud.clock.now() + timedelta(seconds=backoff.delay(2))


def test_the_server_s_retry_after_is_honoured(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    async def busy(self: PortalClient, *args: object, **kwargs: object) -> None:
        raise errors.Busy("portal", "the portal is rate limited (HTTP 429)", retry_after=120)

    with monkeypatch.context() as patch:
        patch.setattr(PortalClient, "catalogue", busy)
        failed_at = case.cloud.clock.now()
        assert case.refresh()["portal.catalogue"].kind == "busy"
    assert case.freshness()["portal.catalogue"].retry_at == failed_at + timedelta(seconds=120)
    case.cloud.clock.advance(backoff.delay(1))
    assert case.refresh()["portal.catalogue"].kind == "backoff"  # our own wait is over; the server's is not
    case.cloud.clock.advance(120 - backoff.delay(1))
    assert case.refresh()["portal.catalogue"].ok


def test_a_partial_refresh_skips_the_account_in_backoff_yet_knows_the_groups(case: Case) -> None:
    """Deployments need the user's groups: those of the last good refresh stand in."""
    case.cloud.set_fault("portal", "http500")
    case.refresh()
    case.cloud.set_fault("portal", "none")
    case.sync.refresh_blocking({"portal.deployments"}, force=True)
    results = {r.source: r for r in case.sync.refresh_blocking({"portal"})}
    assert results["portal.account"].kind == "backoff" and results["portal.deployments"].ok


@pytest.mark.parametrize(("failures", "retry_after", "wait"), [
    (1, None, 5), (2, None, 10), (6, None, 160), (7, None, 300), (10_000, None, 300),
    (1, 1.0, 5), (1, 60.0, 60), (7, 600.0, 600), (1, 10 ** 9, backoff.RETRY_AFTER_CAP), (1, 0.0, 5),
])
def test_delay(failures: int, retry_after: float | None, wait: float) -> None:
    assert backoff.delay(failures, retry_after) == wait
    assert backoff.retry_at(datetime(2026, 1, 1), failures, retry_after) == datetime(2026, 1, 1) + timedelta(seconds=wait)
