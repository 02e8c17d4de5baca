"""The demo's OpenStack-only configuration (no portal), its cache filled by one real sync."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import sync_once

from biosphere_tui.config import Config, load


def os_only_config(demo, tmp_path: Path) -> Config:  # noqa: ANN001
    cfg = load(demo.write_config(tmp_path / "demo-os", portal=False))
    assert cfg.openstack_only
    cfg = replace(cfg, cache_path=tmp_path / "os-cache.sqlite", openstack=replace(cfg.openstack, timeout=4.0))
    sync_once(cfg, demo)
    return cfg
