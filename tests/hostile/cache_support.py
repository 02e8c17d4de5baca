"""Helpers of the cache and secrets hostile tests: fill a cache from the demo, look at raw bytes and modes."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

from biosphere_tui.cache.db import open_cache
from biosphere_tui.config import Config
from biosphere_tui.sync import Sync


def sync_once(config: Config, demo) -> Path:  # noqa: ANN001
    """One full refresh from the demo cloud; returns the cache file used."""
    opened = open_cache(config.cache_path)
    opened.conn.close()
    runner = Sync(config, opened.path, now=demo.clock.now)
    try:
        assert all(r.ok for r in runner.refresh_blocking())
    finally:
        runner.close()
    return opened.path


def demo_secrets(demo) -> set[str]:  # noqa: ANN001
    """Every password and token the demo portal hands out now."""
    return {p.value for d in demo.world.deployments.values() for p in d.parameters if p.secret}


def found_on_disk(folder: Path, secrets: set[str]) -> dict[str, int]:
    """How many of ``secrets`` appear in the raw bytes of each file of ``folder`` (only those where some do)."""
    counts = {f.name: sum(s.encode() in f.read_bytes() for s in secrets) for f in folder.iterdir() if f.is_file()}
    return {name: n for name, n in counts.items() if n}


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def nobody_reads(path: Path) -> bool | None:
    """Whether the local user ``nobody`` can read ``path`` (None: this test cannot switch users)."""
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:
        return None
    run = subprocess.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "cat", str(path)],
                         capture_output=True)
    return run.returncode == 0
