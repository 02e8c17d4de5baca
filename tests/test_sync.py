"""A refresh pulls every source at once; a failing one keeps its last good rows and spares the rest."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from demo_time import DEMO_START
from sqlite_utils import Database

from biosphere_tui.api import limits
from biosphere_tui.cache import reader
from biosphere_tui.cache.db import connect, open_cache
from biosphere_tui.cache.schema import migrations
from biosphere_tui.config import Config
from biosphere_tui.errors import SourceError
from biosphere_tui.sync import PORTAL_SOURCES, Sync

SITE = "ifb-bird-stack"


@pytest.fixture
def sync(demo_config: Config, demo) -> Iterator[Sync]:  # noqa: ANN001
    open_cache(demo_config.cache_path).db.close()
    runner = Sync(demo_config, demo_config.cache_path, now=demo.clock.now)
    yield runner
    runner.close()


def _count(config: Config, sql: str, *params: object) -> int:
    db = connect(config.cache_path)
    try:
        return db.execute(sql, params).fetchone()[0]
    finally:
        db.close()


def test_full_refresh_fills_every_table(sync: Sync, demo_config: Config, demo) -> None:  # noqa: ANN001
    results = sync.refresh_blocking()
    assert {r.source for r in results} == set(PORTAL_SOURCES) | {f"site.{s}" for s in demo.sites}
    assert [r.source for r in results if not r.ok] == []
    world_servers = sum(len([s for s in site.state.servers.values() if not s.deleted]) for site in demo.sites.values())
    assert _count(demo_config, "SELECT COUNT(*) FROM servers") == world_servers
    assert _count(demo_config, "SELECT COUNT(*) FROM sites") == 8
    assert _count(demo_config, "SELECT COUNT(*) FROM appliances") >= 25
    assert _count(demo_config, "SELECT COUNT(*) FROM requests WHERE state = 'pending'") > 0
    assert _count(demo_config, "SELECT COUNT(*) FROM usage") > 0
    # every live deployment shows the live status of its server
    assert _count(demo_config, "SELECT COUNT(*) FROM vms WHERE state = 'Ready' AND server_status IS NULL") == 0
    assert _count(demo_config, "SELECT COUNT(*) FROM vms WHERE server_status = 'ACTIVE'") > 0


def test_a_dead_site_keeps_its_last_rows_and_spares_the_others(sync: Sync, demo_config: Config, demo) -> None:  # noqa: ANN001
    sync.refresh_blocking()
    before = _count(demo_config, "SELECT COUNT(*) FROM servers WHERE site = ?", SITE)
    demo.set_fault(SITE, "down")
    demo.clock.advance(60)
    results = {r.source: r for r in sync.refresh_blocking()}
    assert not results[f"site.{SITE}"].ok and "cannot connect" in results[f"site.{SITE}"].error
    assert all(r.ok for s, r in results.items() if s != f"site.{SITE}")
    assert _count(demo_config, "SELECT COUNT(*) FROM servers WHERE site = ?", SITE) == before > 0
    db = connect(demo_config.cache_path)
    fresh = {f.source: f for f in reader.freshness(db)}
    db.close()
    dead = fresh[f"site.{SITE}"]
    assert dead.last_error and dead.error_kind == "unreachable" and dead.last_success == DEMO_START
    assert fresh["site.ifb-core-cloud"].last_success == demo.clock.now() and fresh["site.ifb-core-cloud"].ok
    demo.set_fault(SITE, "none")
    demo.clock.advance(5)  # past its backoff after one failure
    assert all(r.ok for r in sync.refresh_blocking())


def test_a_hanging_site_times_out_while_the_others_refresh(sync: Sync, demo) -> None:  # noqa: ANN001
    demo.set_fault(SITE, "hang")
    results = {r.source: r for r in sync.refresh_blocking()}
    demo.set_fault(SITE, "none")
    assert results[f"site.{SITE}"].kind == "timeout"
    assert all(r.ok for s, r in results.items() if s != f"site.{SITE}")


@pytest.mark.parametrize("fault", ["wrong_shape", "garbage", "html"])
def test_a_malformed_portal_fails_its_sources_and_keeps_the_cache(sync: Sync, demo_config: Config, demo, fault: str) -> None:  # noqa: ANN001
    sync.refresh_blocking()
    deployments = _count(demo_config, "SELECT COUNT(*) FROM deployments")
    demo.set_fault("portal", fault)
    results = {r.source: r for r in sync.refresh_blocking()}
    for source in PORTAL_SOURCES:
        assert not results[source].ok and results[source].error
    assert all(r.ok for s, r in results.items() if s.startswith("site."))
    assert _count(demo_config, "SELECT COUNT(*) FROM deployments") == deployments > 0


def test_a_refused_token_is_reported_for_the_portal_sources(sync: Sync, demo) -> None:  # noqa: ANN001
    demo.set_fault("portal", "revoked_token")
    results = {r.source: r for r in sync.refresh_blocking()}
    for source in ("portal.account", "portal.catalogue", "portal.status"):
        assert results[source].kind == "auth" and "refused the token" in results[source].error
    for source in ("portal.deployments", "portal.members", "portal.usage"):  # they need the user's groups
        assert not results[source].ok and "refused the token" in results[source].error
    assert demo.token not in " ".join(r.error for r in results.values())


def test_only_refreshes_the_named_sources(sync: Sync) -> None:
    results = sync.refresh_blocking({"site", "portal.deployments"})
    assert {r.source for r in results} == {"portal.deployments"} | {s for s in sync.sources if s.startswith("site.")}
    assert all(r.ok for r in results)


def test_a_launch_is_seen_through_both_portal_and_site(sync: Sync, demo_config: Config, demo) -> None:  # noqa: ANN001
    import asyncio
    import uuid

    from biosphere_tui.api.portal import DeploymentRequest, PortalClient

    async def launch() -> str:
        async with PortalClient(demo.portal_url, demo.token) as portal:
            app = (await portal.catalogue())[0]
            dep = await portal.create_deployment(
                DeploymentRequest("sync-probe", app.id, "marine-meta", SITE, "ifb.m4.large"), str(uuid.uuid4()))
            return dep.id

    dep_id = asyncio.run(launch())
    demo.clock.advance(900)
    sync.refresh_blocking()
    db = connect(demo_config.cache_path)
    row = db.execute("SELECT state, server_status, ip FROM vms WHERE id = ?", [dep_id]).fetchone()
    db.close()
    assert row[0] == "Ready" and row[1] == "ACTIVE" and row[2]


def test_a_second_refresh_the_same_day_fetches_only_recent_consumption(sync: Sync, demo_config: Config, demo) -> None:  # noqa: ANN001
    sync.refresh_blocking()
    total = _count(demo_config, "SELECT COUNT(*) FROM usage")
    demo.portal.service.log.clear()
    demo.clock.advance(3600)
    assert all(r.ok for r in sync.refresh_blocking({"portal.usage"}))
    asked = [path for method, path in demo.portal.service.log if "/consumption" in path]
    today = demo.clock.now().date()
    assert asked and all(f"from={(today - timedelta(days=1)).isoformat()}" in path for path in asked)
    assert _count(demo_config, "SELECT COUNT(*) FROM usage") == total  # older days kept, recent ones replaced


def _fresh(config: Config) -> dict[str, object]:
    db = connect(config.cache_path)
    try:
        return {f.source: f.last_success for f in reader.freshness(db)}
    finally:
        db.close()


def test_an_unchanged_portal_answers_304_and_the_cache_keeps_its_rows(demo_config: Config, demo) -> None:  # noqa: ANN001
    open_cache(demo_config.cache_path).db.close()
    later = [DEMO_START]
    runner = Sync(demo_config, demo_config.cache_path, now=lambda: later[0])
    try:
        assert all(r.ok for r in runner.refresh_blocking(set(PORTAL_SOURCES)))
        runner.refresh_blocking(set(PORTAL_SOURCES))  # the consumption is then asked from yesterday on
        tables = ("deployments", "members", "requests", "usage", "groups", "appliances", "sites", "group_directory")
        before = {t: _count(demo_config, f"SELECT COUNT(*) FROM {t}") for t in tables}
        assert all(before.values())
        service = demo.portal.service
        service.statuses.clear()
        service.log.clear()
        later[0] = DEMO_START + timedelta(minutes=5)  # the app's clock moves; the world does not
        results = runner.refresh_blocking(set(PORTAL_SOURCES))
    finally:
        runner.close()
    assert all(r.ok for r in results)
    assert {t: _count(demo_config, f"SELECT COUNT(*) FROM {t}") for t in tables} == before
    assert all(at == later[0] for source, at in _fresh(demo_config).items() if source in PORTAL_SOURCES)
    assert set(service.statuses) == {304}
    assert service.statuses[304] == len(service.log)  # one 304 per read, no page
    assert {r.source: r.rows for r in results}["portal.deployments"] == before["deployments"]


def test_a_change_after_a_304_is_fetched(sync: Sync, demo_config: Config, demo) -> None:  # noqa: ANN001
    sync.refresh_blocking({"portal"})
    sync.refresh_blocking({"portal"})  # all 304
    pending = _count(demo_config, "SELECT COUNT(*) FROM requests WHERE state = 'pending'")
    asked = demo.world.new_request("marine-meta")
    demo.portal.service.statuses.clear()
    assert all(r.ok for r in sync.refresh_blocking({"portal"}))
    assert _count(demo_config, "SELECT COUNT(*) FROM requests WHERE state = 'pending'") == pending + 1
    assert _count(demo_config, "SELECT COUNT(*) FROM requests WHERE id = ?", asked.id) == 1
    assert demo.portal.service.statuses[200] > 0 and demo.portal.service.statuses[304] > 0  # only what changed


def _servers_asked(demo, site: str) -> list[str]:  # noqa: ANN001
    return [path for method, path in demo.sites[site].service.log if "/servers/detail" in path]


def test_a_site_refresh_reads_only_the_servers_changed_since_the_last(sync: Sync, demo_config: Config, demo) -> None:  # noqa: ANN001
    busiest = max(demo.sites, key=lambda site: len(demo.sites[site].state.servers))
    sync.refresh_blocking({f"site.{busiest}"})
    before = _count(demo_config, "SELECT COUNT(*) FROM servers WHERE site = ?", busiest)
    state = demo.sites[busiest].state
    live = [s for s in state.servers.values() if not s.deleted and s.status == "ACTIVE"]
    changed, gone = live[0], live[1]
    newest = max(s.updated for s in state.servers.values()).replace(microsecond=0)  # the cursor (Nova's dates are to the second)
    at_cursor = {s.id for s in state.servers.values() if s.updated >= newest}  # asked again: changes-since is inclusive
    demo.clock.advance(60)
    state.set_status(changed.id, "SHUTOFF")
    state.delete_server(gone.id)
    since = sync.sites[busiest].snapshot(newest)  # what the refresh asks (its cursor: the newest date it saw)
    assert since.partial and {s.id for s in since.servers} == {changed.id, gone.id} | at_cursor
    assert len(since.servers) < before // 2 and {s.status for s in since.servers if s.id == gone.id} == {"DELETED"}
    demo.sites[busiest].service.log.clear()
    (result,) = sync.refresh_blocking({f"site.{busiest}"})
    assert result.ok and result.rows == before - 1
    assert _servers_asked(demo, busiest) and all("changes-since=" in path for path in _servers_asked(demo, busiest))
    assert _count(demo_config, "SELECT COUNT(*) FROM servers WHERE site = ?", busiest) == before - 1
    assert _count(demo_config, "SELECT COUNT(*) FROM servers WHERE id = ?", gone.id) == 0
    assert _count(demo_config, "SELECT COUNT(*) FROM servers WHERE id = ? AND status = 'SHUTOFF'", changed.id) == 1
    assert _count(demo_config, "SELECT rows FROM freshness WHERE source = ?", f"site.{busiest}") == before - 1


def _refresh_in_new_process(config: Config, demo, only: set[str]) -> list[str]:  # noqa: ANN001
    """Refresh ``only`` with a ``Sync`` of its own (as the ``sync`` command, an app start): the
    servers/detail requests the site got."""
    demo.sites[SITE].service.log.clear()
    runner = Sync(config, config.cache_path, now=demo.clock.now)
    try:
        assert all(r.ok for r in runner.refresh_blocking(only))
    finally:
        runner.close()
    return _servers_asked(demo, SITE)


@pytest.mark.parametrize("processes", ["one", "one per refresh"])
def test_every_tenth_site_refresh_reads_every_server(sync: Sync, demo_config: Config, demo, processes: str) -> None:  # noqa: ANN001
    from biosphere_tui.sync import FULL_PASS_EVERY

    full = []
    for _ in range(2 * FULL_PASS_EVERY + 1):
        if processes == "one":
            demo.sites[SITE].service.log.clear()
            assert all(r.ok for r in sync.refresh_blocking({f"site.{SITE}"}))
            asked = _servers_asked(demo, SITE)
        else:  # the count of partial reads is kept in the cache
            asked = _refresh_in_new_process(demo_config, demo, {f"site.{SITE}"})
        assert asked
        full.append(not any("changes-since=" in path for path in asked))
    assert [i for i, f in enumerate(full) if f] == [0, FULL_PASS_EVERY, 2 * FULL_PASS_EVERY]
    # a server the partial passes missed (changed behind Nova's dates) comes back with the full pass
    state = demo.sites[SITE].state
    for _ in range(FULL_PASS_EVERY - 1):
        sync.refresh_blocking({f"site.{SITE}"})
    lost = next(s for s in state.servers.values() if not s.deleted)
    _delete_row(demo_config, lost.id)
    sync.refresh_blocking({f"site.{SITE}"})
    assert _count(demo_config, "SELECT COUNT(*) FROM servers WHERE id = ?", lost.id) == 1


def _delete_row(config: Config, server_id: str) -> None:
    db = connect(config.cache_path)
    try:
        db.execute("DELETE FROM servers WHERE id = ?", [server_id])
        db.conn.commit()
    finally:
        db.close()


def _versions(config: Config) -> dict[str, int]:
    db = connect(config.cache_path)
    try:
        return dict(reader.versions(db, ()))
    finally:
        db.close()


def test_a_refresh_that_changed_nothing_leaves_the_versions_screens_read(sync: Sync, demo_config: Config, demo) -> None:  # noqa: ANN001
    """Home and myVM read again only when ``freshness.version`` moved: a 304 or an empty
    changes-since must leave it; a changed or deleted server must move its site's."""
    sources = {*PORTAL_SOURCES, f"site.{SITE}"}
    sync.refresh_blocking(sources)
    sync.refresh_blocking(sources)  # the consumption is then asked from yesterday on
    before = _versions(demo_config)
    demo.portal.service.statuses.clear()
    demo.sites[SITE].service.log.clear()
    assert all(r.ok for r in sync.refresh_blocking(sources))
    assert set(demo.portal.service.statuses) == {304}
    assert _servers_asked(demo, SITE) and all("changes-since=" in path for path in _servers_asked(demo, SITE))
    assert _versions(demo_config) == before
    state = demo.sites[SITE].state
    gone = next(s for s in state.servers.values() if not s.deleted)
    demo.clock.advance(60)
    state.delete_server(gone.id)
    assert all(r.ok for r in sync.refresh_blocking({f"site.{SITE}"}))
    after = _versions(demo_config)
    assert after[f"site.{SITE}"] == before[f"site.{SITE}"] + 1
    assert {s: v for s, v in after.items() if s != f"site.{SITE}"} == {s: v for s, v in before.items() if s != f"site.{SITE}"}


def test_a_cache_of_the_version_before_validators_upgrades_and_then_revalidates(demo_config: Config, demo) -> None:  # noqa: ANN001
    db = Database(demo_config.cache_path)
    migrations.apply(db, stop_before="m013_validators")  # a cache written before the ETags were kept
    db.close()
    open_cache(demo_config.cache_path).db.close()  # as the app and the commands open it: migrated
    runner = Sync(demo_config, demo_config.cache_path, now=demo.clock.now)
    try:
        assert all(r.ok for r in runner.refresh_blocking(set(PORTAL_SOURCES)))
        assert set(demo.portal.service.statuses) == {200}  # no ETag known yet: everything read
        assert _count(demo_config, "SELECT COUNT(DISTINCT source) FROM validators") == len(PORTAL_SOURCES)
        runner.refresh_blocking(set(PORTAL_SOURCES))
        demo.portal.service.statuses.clear()
        assert all(r.ok for r in runner.refresh_blocking(set(PORTAL_SOURCES)))
    finally:
        runner.close()
    assert set(demo.portal.service.statuses) == {304}


def test_a_new_process_reads_only_the_servers_changed_since_the_cached_cursor(demo_config: Config, demo) -> None:  # noqa: ANN001
    """Before: the cursor lived in the ``Sync`` object, and every ``sync`` command and app start
    read every server of every site again."""
    open_cache(demo_config.cache_path).db.close()
    assert not any("changes-since=" in path for path in _refresh_in_new_process(demo_config, demo, {"site"}))
    state = demo.sites[SITE].state
    gone = next(s for s in state.servers.values() if not s.deleted)
    demo.clock.advance(60)
    state.delete_server(gone.id)
    asked = _refresh_in_new_process(demo_config, demo, {"site"})
    assert asked and all("changes-since=" in path for path in asked)
    assert _count(demo_config, "SELECT COUNT(*) FROM servers WHERE id = ?", gone.id) == 0
    assert _count(demo_config, "SELECT COUNT(*) FROM servers_cursor") == len(demo.sites)


def test_a_cursor_older_than_ten_refresh_intervals_gives_a_full_pass(demo_config: Config, demo) -> None:  # noqa: ANN001
    """A cache left for a while (the app closed, a ``sync`` run by hand): Nova may have purged the
    servers deleted meanwhile, which changes-since would then never report."""
    from biosphere_tui.sync import FULL_PASS_EVERY

    open_cache(demo_config.cache_path).db.close()
    _refresh_in_new_process(demo_config, demo, {f"site.{SITE}"})
    demo.clock.advance(FULL_PASS_EVERY * demo_config.refresh_interval - 1)
    assert all("changes-since=" in path for path in _refresh_in_new_process(demo_config, demo, {f"site.{SITE}"}))
    lost = next(s for s in demo.sites[SITE].state.servers.values() if not s.deleted)
    _delete_row(demo_config, lost.id)  # a change the partial reads missed
    demo.clock.advance(2)
    asked = _refresh_in_new_process(demo_config, demo, {f"site.{SITE}"})
    assert asked and not any("changes-since=" in path for path in asked)
    assert _count(demo_config, "SELECT COUNT(*) FROM servers WHERE id = ?", lost.id) == 1
    assert all("changes-since=" in path for path in _refresh_in_new_process(demo_config, demo, {f"site.{SITE}"}))


def test_a_cache_of_the_version_before_the_servers_cursor_upgrades_and_then_reads_changes(demo_config: Config, demo) -> None:  # noqa: ANN001
    db = Database(demo_config.cache_path)
    migrations.apply(db, stop_before="m014_servers_cursor")  # a cache written before the cursor was kept
    db.close()
    open_cache(demo_config.cache_path).db.close()  # as the app and the commands open it: migrated
    asked = _refresh_in_new_process(demo_config, demo, {f"site.{SITE}"})
    assert asked and not any("changes-since=" in path for path in asked)  # no cursor yet: everything read
    asked = _refresh_in_new_process(demo_config, demo, {f"site.{SITE}"})
    assert asked and all("changes-since=" in path for path in asked)


def test_a_portal_list_arriving_page_after_page_is_not_cut_for_its_length(demo_config: Config, demo,  # noqa: ANN001
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A deadline of 3 s (1 s per read) counts from the last page: the catalogue in 8 pages or
    more, one at a time, each 0.5 s away, takes over 4 s and comes in. Before: the source's
    deadline counted the whole list (at scale 200 the consumption never came in)."""
    from dataclasses import replace

    from biosphere_tui.api import portal

    monkeypatch.setattr(portal, "PER_PAGE", len(demo.world.catalogue()) // 8)
    monkeypatch.setattr(portal, "PAGES_IN_FLIGHT", 1)
    assert demo_config.portal is not None
    config = replace(demo_config, portal=replace(demo_config.portal, timeout=1.0))
    open_cache(config.cache_path).db.close()
    demo.portal.service.latency = 0.5
    runner = Sync(config, config.cache_path, now=demo.clock.now)
    try:
        (result,) = runner.refresh_blocking({"portal.catalogue"})
    finally:
        runner.close()
        demo.portal.service.latency = 0.0
    assert result.ok, result.error
    assert len([path for method, path in demo.portal.service.log if "/catalogue" in path]) >= 8


def test_prepare_builds_each_site_connection_before_any_request(demo_config: Config, demo) -> None:  # noqa: ANN001
    """What a connection keeps is made before the first replies are parsed (see ``SiteClient.prepare``):
    openstacksdk is loaded, no site is asked anything yet, and the refresh then signs in as before."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from biosphere_tui.config import load\n"
        "from biosphere_tui.sync import Sync\n"
        f"config = load(Path({str(demo_config.source)!r}))\n"
        "sync = Sync(config, config.cache_path)\n"
        "assert 'openstack.connection' not in sys.modules\n"
        "sync.prepare()\n"
        "assert 'openstack.connection' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"})
    assert all(not site.service.hits for site in demo.sites.values())  # building a connection asks nothing
    open_cache(demo_config.cache_path).db.close()
    runner = Sync(demo_config, demo_config.cache_path, now=demo.clock.now)
    try:
        runner.prepare()
        assert all(not site.service.hits for site in demo.sites.values())
        results = runner.refresh_blocking({"site"})
    finally:
        runner.close()
    assert [r.source for r in results if not r.ok] == []
    assert all(site.service.hits["POST /v3/auth/tokens"] == 1 for site in demo.sites.values())


def test_prepare_leaves_a_site_missing_from_clouds_yaml_to_the_refresh(demo_config: Config) -> None:
    from biosphere_tui.api.openstack import SiteClient

    client = SiteClient("no-such-cloud", demo_config.openstack.clouds_yaml, timeout=2.0)
    try:
        client.prepare()  # nothing raised here: the first call says what is wrong
        with pytest.raises(SourceError):
            client.check()
    finally:
        client.close()


def test_the_sites_replies_are_decoded_one_at_a_time(sync: Sync, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sites are read at once, but a full pass holds the decoded JSON of one page at a time, not
    one per site: the peak a refresh leaves in the process (``api.openstack.DECODING``)."""
    inside, most, guard = 0, 0, threading.Lock()
    decode = limits.parse_json

    def counted(data: bytes, source: str) -> object:
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        try:
            time.sleep(0.02)  # the thread lets go of the GIL while decoding: another site's reply could come in
            return decode(data, source)
        finally:
            with guard:
                inside -= 1

    monkeypatch.setattr(limits, "parse_json", counted)
    results = sync.refresh_blocking({"site"})
    assert len(results) == 8 and all(r.ok for r in results)
    assert most == 1


def _alive(kind: type) -> int:
    """How many ``kind`` objects are still referenced (those of earlier tests left in cycles collected first)."""
    gc.collect()
    return sum(isinstance(o, kind) for o in gc.get_objects())


def _held_when_written(monkeypatch: pytest.MonkeyPatch, method: str, kind: type) -> list[int]:
    """How many ``kind`` objects are alive each time ``CacheWriter.<method>`` writes, beyond those alive
    now (some an earlier test of this process still holds)."""
    from biosphere_tui.cache.writer import CacheWriter

    held: list[int] = []
    write = getattr(CacheWriter, method)
    before = _alive(kind)

    def counted(self: CacheWriter, *args: object, **kwargs: object) -> int:
        held.append(_alive(kind) - before)
        return write(self, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(CacheWriter, method, counted)
    return held


def _biggest_site(demo) -> str:  # noqa: ANN001
    return max(demo.sites, key=lambda name: sum(not s.deleted for s in demo.sites[name].state.servers.values()))


def _rows(config: Config, sql: str, *params: object) -> list[tuple[object, ...]]:
    db = connect(config.cache_path)
    try:
        return [tuple(row) for row in db.execute(sql, params).fetchall()]
    finally:
        db.close()


def test_a_full_pass_holds_a_page_of_a_sites_servers_not_all_of_them(sync: Sync, demo_config: Config, demo,  # noqa: ANN001
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page is written to the cache as it comes. Before, every server of every site was held until
    its site was written (20,000 at scale 200), and the memory pools they filled stayed with the process."""
    from biosphere_tui.api import openstack
    from biosphere_tui.models.nova import Server

    site = _biggest_site(demo)
    monkeypatch.setattr(openstack, "PAGE", 2)
    live = {s.id for s in demo.sites[site].state.servers.values() if not s.deleted}
    assert len(live) > 3 * openstack.PAGE
    held = _held_when_written(monkeypatch, "site", Server)
    assert all(r.ok for r in sync.refresh_blocking({f"site.{site}"}))
    assert len(held) == 1 and held[0] <= openstack.PAGE
    assert {row[0] for row in _rows(demo_config, "SELECT id FROM servers WHERE site = ?", site)} == live


def test_a_full_pass_holds_a_page_of_deployments_not_all_of_them(sync: Sync, demo_config: Config, demo,  # noqa: ANN001
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from biosphere_tui.api import portal
    from biosphere_tui.models.deployments import Deployment

    monkeypatch.setattr(portal, "PER_PAGE", 3)
    assert all(r.ok for r in sync.refresh_blocking({"portal.account"}))
    held = _held_when_written(monkeypatch, "deployments", Deployment)
    assert all(r.ok for r in sync.refresh_blocking({"portal.deployments"}))
    assert _count(demo_config, "SELECT COUNT(*) FROM deployments") > 4 * portal.PER_PAGE
    assert len(held) == 1 and held[0] <= portal.PER_PAGE


def test_a_site_failing_midway_through_a_full_pass_keeps_its_servers_as_cached(sync: Sync, demo_config: Config, demo,  # noqa: ANN001
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages written before the failure wait apart, and go: the cache keeps the site's last good rows.
    The next full pass removes the server the site no longer lists (purged: no changes-since reports it)."""
    from biosphere_tui import sync as sync_module
    from biosphere_tui.api import openstack, openstack_parse

    query, site = "SELECT * FROM servers WHERE site = ? ORDER BY id", _biggest_site(demo)
    assert all(r.ok for r in sync.refresh_blocking({f"site.{site}"}))
    before = _rows(demo_config, query, site)
    monkeypatch.setattr(openstack, "PAGE", 2)
    monkeypatch.setattr(sync_module, "FULL_PASS_EVERY", 1)
    state = demo.sites[site].state
    purged = next(s for s in state.servers.values() if not s.deleted)
    del state.servers[purged.id]
    parsed, parse = 0, openstack_parse.server

    def failing_after_two_pages(*args: object) -> object:
        nonlocal parsed
        parsed += 1
        if parsed == 2 * openstack.PAGE:  # the next page is refused
            demo.set_fault(site, "http500")
        return parse(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(openstack_parse, "server", failing_after_two_pages)
    (result,) = sync.refresh_blocking({f"site.{site}"})
    assert not result.ok and result.kind == "server"
    assert _rows(demo_config, query, site) == before
    demo.set_fault(site, "none")
    (result,) = sync.refresh_blocking({f"site.{site}"}, force=True)
    assert result.ok
    assert {row[1] for row in _rows(demo_config, query, site)} == {s.id for s in state.servers.values() if not s.deleted}
    assert purged.id not in {row[1] for row in _rows(demo_config, query, site)}


def test_deployments_failing_midway_through_a_full_pass_stay_as_cached(sync: Sync, demo_config: Config, demo,  # noqa: ANN001
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from biosphere_tui import sync as sync_module
    from biosphere_tui.api import portal, portal_parse

    query = "SELECT * FROM deployments ORDER BY id"
    assert all(r.ok for r in sync.refresh_blocking({"portal.account", "portal.deployments"}))
    before = _rows(demo_config, query)
    monkeypatch.setattr(portal, "PER_PAGE", 3)
    monkeypatch.setattr(portal, "PAGES_IN_FLIGHT", 1)
    monkeypatch.setattr(sync_module, "FULL_PASS_EVERY", 1)
    parsed, parse = 0, portal_parse.deployment

    def failing_after_two_pages(*args: object) -> object:
        nonlocal parsed
        parsed += 1
        if parsed == 2 * portal.PER_PAGE:
            demo.set_fault("portal", "http500")
        return parse(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(portal_parse, "deployment", failing_after_two_pages)
    db = connect(demo_config.cache_path)
    try:  # the lists are read in full again, not answered 304
        db.execute("DELETE FROM validators WHERE source = 'portal.deployments'")
        db.conn.commit()
    finally:
        db.close()
    (result,) = sync.refresh_blocking({"portal.deployments"})
    assert not result.ok
    assert _rows(demo_config, query) == before
