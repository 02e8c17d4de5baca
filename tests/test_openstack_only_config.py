"""OpenStack-only mode: a configuration without a portal, and a sync that never asks one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from biosphere_tui.cache.db import open_cache
from biosphere_tui.cli import main
from biosphere_tui.config import load
from biosphere_tui.errors import ConfigError
from biosphere_tui.sync import Sync

CLOUDS = "clouds:\n  alpha:\n    auth: {auth_url: 'http://127.0.0.1:9/v3'}\n  beta:\n    auth: {auth_url: 'http://127.0.0.1:9/v3'}\n"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_no_portal_takes_every_cloud_of_the_clouds_yaml(tmp_path: Path) -> None:
    (tmp_path / "clouds.yaml").write_text(CLOUDS)
    cfg = load(_write(tmp_path, "[openstack]\nclouds_yaml = 'clouds.yaml'\n"))
    assert cfg.portal is None and cfg.openstack_only
    assert cfg.openstack.sites == ("alpha", "beta")


def test_listed_sites_are_kept_without_a_portal(tmp_path: Path) -> None:
    (tmp_path / "clouds.yaml").write_text(CLOUDS)
    cfg = load(_write(tmp_path, "[openstack]\nclouds_yaml = 'clouds.yaml'\nsites = ['beta']\n"))
    assert cfg.openstack_only and cfg.openstack.sites == ("beta",)


def test_a_portal_is_not_openstack_only(tmp_path: Path) -> None:
    cfg = load(_write(tmp_path, "[portal]\nurl = 'https://portal.example/api/v1'\n"))
    assert not cfg.openstack_only and cfg.openstack.sites == ()


@pytest.mark.parametrize("clouds", [None, "clouds: {}\n"])
def test_neither_portal_nor_cloud_is_a_clear_error(tmp_path: Path, clouds: str | None) -> None:
    if clouds is not None:
        (tmp_path / "clouds.yaml").write_text(clouds)
    with pytest.raises(ConfigError, match="no \\[portal\\] section and no OpenStack cloud"):
        load(_write(tmp_path, "[openstack]\nclouds_yaml = 'clouds.yaml'\n"))


def test_the_app_refuses_to_open_on_nothing(capsys) -> None:  # noqa: ANN001
    assert main([]) == 2  # no config file, no clouds.yaml: one line, no traceback
    err = capsys.readouterr().err
    assert err.startswith("biosphere-tui: configuration error: no portal and no OpenStack cloud configured")
    assert "Traceback" not in err


def test_demo_writes_a_config_without_portal(demo, tmp_path: Path) -> None:  # noqa: ANN001
    cfg = load(demo.write_config(tmp_path, portal=False))
    assert cfg.openstack_only and set(cfg.openstack.sites) == set(demo.sites)
    assert "[portal]" not in (tmp_path / "config.toml").read_text()


def test_sync_without_portal_never_asks_the_portal(demo, tmp_path: Path) -> None:  # noqa: ANN001
    cfg = load(demo.write_config(tmp_path / "demo", portal=False))
    cfg = replace(cfg, cache_path=tmp_path / "cache.sqlite", openstack=replace(cfg.openstack, timeout=4.0))
    open_cache(cfg.cache_path).db.close()
    runner = Sync(cfg, cfg.cache_path, now=demo.clock.now)
    try:
        results = runner.refresh_blocking()
    finally:
        runner.close()
    assert sorted(r.source for r in results) == sorted(f"site.{s}" for s in demo.sites)
    assert all(r.ok for r in results)
    assert demo.portal.service.log == [] and sum(demo.portal.service.hits.values()) == 0
    assert all(sum(site.service.hits.values()) > 0 for site in demo.sites.values())


def test_demo_openstack_only_sync_refreshes_the_sites_alone(capsys) -> None:  # noqa: ANN001
    assert main(["--demo", "--openstack-only", "sync"]) == 0
    lines = capsys.readouterr().out.splitlines()
    sources = [line.split()[1] for line in lines if line.startswith("ok ")]
    assert len(sources) == 8 and all(s.startswith("site.") for s in sources)
    assert "8/8 sources refreshed" in lines[-1]


def test_doctor_says_openstack_only(demo, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = demo.write_config(tmp_path, portal=False)
    assert main(["--config", str(config), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "portal: not configured (OpenStack-only)" in out and "all good" in out
