"""Every call to a site goes out at one microversion, negotiated from its version document: sync,
ls, launch and delete work on Yoga (2.90), Antelope/Bobcat (2.95), a 2.40 cloud (flavour as a
reference) and the default; pages of flavours are followed; Retry-After and 413 are honoured."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from demo_time import DEMO_START
from hostile.servers_support import Hostile, json_reply, openstack_site, write_config

from biosphere_tui import errors
from biosphere_tui.api import openstack as openstack_api
from biosphere_tui.api.openstack import SiteClient
from biosphere_tui.cache.db import open_cache
from biosphere_tui.cli import main
from biosphere_tui.config import Config, load
from biosphere_tui.demo.clock import DemoClock
from biosphere_tui.demo.cloud import DemoCloud
from biosphere_tui.demo.nova import DEFAULT_MAX_VERSION
from biosphere_tui.sync import Sync

CAPS = {"ifb-bird-stack": "2.40", "ifb-core-cloud": "2.90", "ifb-genouest-genostack": "2.95"}


@pytest.fixture
def capped() -> Iterator[DemoCloud]:
    with DemoCloud(seed=42, scale=1, clock=DemoClock(DEMO_START, speed=0), max_microversions=CAPS) as cloud:
        yield cloud


def asked_versions(cloud: DemoCloud) -> dict[str, set[str]]:
    """Record the compute microversion header of every request each site receives."""
    seen: dict[str, set[str]] = {name: set() for name in cloud.sites}
    for name, site in cloud.sites.items():
        def dispatch(req, path, _name=name, _inner=site._dispatch):  # noqa: ANN001, ANN202
            if path.startswith("/compute/v2.1/"):
                seen[_name].add(req.headers.get("OpenStack-API-Version") or "none")
            return _inner(req, path)
        site._dispatch = dispatch  # type: ignore[method-assign]
    return seen


def os_config(cloud: DemoCloud, tmp_path: Path) -> Config:
    cfg = load(cloud.write_config(tmp_path / "cfg", portal=False))
    return replace(cfg, cache_path=tmp_path / "cache.sqlite", openstack=replace(cfg.openstack, timeout=3.0))


def sync(cfg: Config, now=None) -> list:  # noqa: ANN001
    open_cache(cfg.cache_path).db.close()
    runner = Sync(cfg, cfg.cache_path, now=now or (lambda: DEMO_START))
    try:
        return runner.refresh_blocking(None)
    finally:
        runner.close()


def expected(site: str) -> str:
    return CAPS.get(site, str(DEFAULT_MAX_VERSION))


def test_sync_asks_each_site_at_its_own_version_and_records_it(capped: DemoCloud, tmp_path: Path) -> None:
    seen = asked_versions(capped)
    cfg = os_config(capped, tmp_path)
    assert [r.error for r in sync(cfg) if not r.ok] == []
    db = sqlite3.connect(cfg.cache_path)
    recorded = dict(db.execute("SELECT source, microversion FROM freshness WHERE source LIKE 'site.%'"))
    for name, site in capped.sites.items():
        assert seen[name] == {f"compute {expected(name)}"}, name
        assert recorded[f"site.{name}"] == expected(name)
        live = {s.id: s for s in site.state.servers.values() if not s.deleted}
        rows = db.execute("SELECT id, flavor, vcpus, ram_mb FROM servers WHERE site = ?", [name]).fetchall()
        assert {r[0] for r in rows} == set(live)
        for server_id, flavor, vcpus, ram_mb in rows:  # at 2.40 looked up in the flavour list by id
            spec = site.state.flavors[live[server_id].flavor_id]
            assert (flavor, vcpus, ram_mb) == (spec.name, spec.vcpus, spec.ram_mb)


def test_ls_and_doctor_work_on_every_release(capped: DemoCloud, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = capped.write_config(tmp_path / "cfg", portal=False)
    with config.open("a") as extra:
        extra.write(f'\n[cache]\npath = "{tmp_path / "cache.sqlite"}"\n')
    assert main(["--config", str(config), "ls", "vms", "-f", "json", "--refresh"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["site"] for r in rows} == set(capped.sites)
    assert all(r["vcpu"] > 0 and r["ram_mb"] > 0 for r in rows)
    assert main(["--config", str(config), "doctor"]) == 0
    out = capsys.readouterr().out
    for name in capped.sites:
        assert f"compute API {expected(name)}" in next(line for line in out.splitlines() if f"site {name}" in line)


@pytest.mark.parametrize("site", ["ifb-bird-stack", "ifb-core-cloud", "ifb-genouest-genostack", "meso-psmn-cirrus"])
def test_launch_and_delete_go_out_at_the_negotiated_version(capped: DemoCloud, tmp_path: Path, site: str) -> None:
    seen = asked_versions(capped)
    state = capped.sites[site].state
    flavor = min(state.flavors.values(), key=lambda f: f.vcpus)
    image = next(iter(state.images))
    client = SiteClient(site, capped.write_config(tmp_path / "cfg", portal=False).parent / "clouds.yaml", timeout=3.0)
    try:
        server_id = client.create_server("mv-test", flavor.id, image, {"k": "v"})
        assert state.servers[server_id].name == "mv-test" and state.servers[server_id].metadata == {"k": "v"}
        client.delete_server(server_id)
        assert state.servers[server_id].deleted
        with pytest.raises(errors.NotFound):
            client.delete_server(server_id)
    finally:
        client.close()
    assert seen[site] == {f"compute {expected(site)}"}


def test_every_page_of_flavours_is_followed(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(openstack_api, "PAGE", 1)  # Nova's max_limit = 1: one flavour per page
    cfg = os_config(demo, tmp_path)
    assert [r.error for r in sync(cfg) if not r.ok] == []
    db = sqlite3.connect(cfg.cache_path)
    for name, site in demo.sites.items():
        cached = {r[0] for r in db.execute("SELECT id FROM flavors WHERE site = ?", [name])}
        assert cached == set(site.state.flavors) and len(cached) > 1


def test_a_down_cell_server_and_unlimited_quotas_never_fail_the_site(demo, tmp_path: Path) -> None:  # noqa: ANN001
    state = demo.sites["ifb-core-cloud"].state
    down = next(s for s in state.servers.values() if not s.deleted)
    down.down_cell = True
    state.quota_cores = state.quota_ram_mb = -1
    cfg = os_config(demo, tmp_path)
    assert [r.error for r in sync(cfg) if not r.ok] == []
    db = sqlite3.connect(cfg.cache_path)
    assert db.execute("SELECT name, status, flavor FROM servers WHERE id = ?", [down.id]).fetchone() == (
        "(unknown)", "UNKNOWN", "unknown")
    assert db.execute("SELECT max_vcpu, max_ram_mb FROM limits WHERE site = 'ifb-core-cloud'").fetchone() == (-1, -1)


def _limited(status: int, retry_after: str, body: dict) -> Iterator[Hostile]:
    with Hostile() as server:
        openstack_site(server)
        server.routes["/compute/v2.1/limits"] = json_reply(body, status, {"Retry-After": retry_after})
        yield server


@pytest.mark.parametrize(("status", "body"), [
    (429, {"overLimit": {"code": 429, "message": "This request was rate-limited.", "retryAfter": "30"}}),
    (413, {"overLimit": {"code": 413, "message": "This request was rate-limited.", "retryAfter": "30"}}),
])
def test_retry_after_30_backs_the_site_off_30_seconds(tmp_path: Path, status: int, body: dict) -> None:
    for server in _limited(status, "30", body):
        cfg = load(write_config(tmp_path, portal=None, sites={"hostile": server.url}, timeout=2.0))
        failed = [r for r in sync(cfg) if not r.ok]
        assert [(r.kind, r.error) for r in failed] == [("busy", failed[0].error)]
        assert "rate" in failed[0].error and "invalid" not in failed[0].error
        retry_at = sqlite3.connect(cfg.cache_path).execute(
            "SELECT retry_at FROM freshness WHERE source = 'site.hostile'").fetchone()[0]
        assert datetime.fromisoformat(retry_at) - DEMO_START == timedelta(seconds=30)
        limited = [s for s in server.seen if s.path.endswith("/limits")]
        assert len(limited) == 1  # not retried in the call (nothing waits 30 s)
