"""The demo's OpenStack-only configuration (no portal), its cache filled as by one real sync (see
`synced_cache.Templates`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from synced_cache import TEMPLATES

from biosphere_tui.config import Config, load


def os_only_config(demo, tmp_path: Path) -> Config:  # noqa: ANN001
    cfg = load(demo.write_config(tmp_path / "demo-os", portal=False))
    assert cfg.openstack_only
    cfg = replace(cfg, cache_path=tmp_path / "os-cache.sqlite", openstack=replace(cfg.openstack, timeout=4.0))
    TEMPLATES.fill(cfg, demo)
    return cfg
