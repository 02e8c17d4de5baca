"""Two apps and a headless sync on one cache file at once: nobody ever sees "database is locked"."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from biosphere_tui.cache.db import open_cache
from biosphere_tui.config import Config
from biosphere_tui.sync import SourceResult, Sync

ROUNDS = 4


def test_two_syncs_and_a_headless_sync_share_the_cache(demo, demo_config: Config, tmp_path: Path) -> None:  # noqa: ANN001
    config_file = tmp_path / "demo" / "config.toml"
    with config_file.open("a") as extra:
        extra.write(f'\n[cache]\npath = "{demo_config.cache_path}"\n')
    open_cache(demo_config.cache_path).db.close()
    results: list[SourceResult] = []
    crashes: list[BaseException] = []
    headless_done = threading.Event()

    def app_like() -> None:  # an app's refresh loop: one Sync for its life, refreshing until the end
        runner = Sync(demo_config, demo_config.cache_path, now=demo.clock.now)
        try:
            rounds = 0
            while rounds < ROUNDS or not headless_done.is_set():
                results.extend(runner.refresh_blocking(force=True))
                rounds += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            crashes.append(exc)
        finally:
            runner.close()

    threads = [threading.Thread(target=app_like) for _ in range(2)]
    for thread in threads:
        thread.start()
    headless = []
    for _ in range(ROUNDS):
        headless.append(subprocess.run([sys.executable, "-m", "biosphere_tui", "--config", str(config_file), "sync"],
                                       capture_output=True, text=True, timeout=120))
    headless_done.set()
    for thread in threads:
        thread.join()
    assert crashes == []
    assert len(results) >= 2 * ROUNDS * 14
    assert [(r.source, r.error) for r in results if not r.ok] == []
    for done in headless:
        assert done.returncode == 0 and "14/14 sources refreshed" in done.stdout, done.stdout + done.stderr
        assert "locked" not in done.stdout + done.stderr
