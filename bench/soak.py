"""Soak run: the app, headless, refreshing every second or two while faults come and go.

Usage: .venv/bin/python bench/soak.py [--minutes 2] [--interval 1.5] [--seed 7] [--scale 1]

The demo cloud runs in this process on 127.0.0.1 (real-time clock). Every few seconds a
random source (the portal or a site, seeded) gets a random fault, or is healed. At the end
every fault is cleared and the run waits for hung calls to time out before the last count.
Prints RSS and threads at the start, after the first minute (the steady state) and at the
end, the refreshes done and the error toasts shown, and whether memory and threads stayed
flat: end RSS within +20 MB of the steady state, and as many threads as in the steady state.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FAULTS = ("down", "hang", "http500", "http503", "http429", "html", "garbage", "wrong_shape",
          "expired_token", "revoked_token", "forbidden")
STEADY_AFTER = 60.0
RSS_SLACK_MB = 20.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def threads() -> int:
    return threading.active_count()


async def soak(minutes: float, interval: float, seed: int, scale: float, home: Path) -> int:
    from biosphere_tui.app import BiosphereApp
    from biosphere_tui.config import load
    from biosphere_tui.demo.cloud import DemoCloud

    class CountingApp(BiosphereApp):
        CSS_PATH = ROOT / "biosphere_tui" / "app.tcss"  # a subclass would look for it next to this file
        errors_shown = 0

        def notify(self, message: str, *args: object, **kwargs: object) -> None:  # type: ignore[override]
            CountingApp.errors_shown += kwargs.get("severity") == "error"
            super().notify(message, *args, **kwargs)  # type: ignore[arg-type]

    rng = random.Random(seed)
    with DemoCloud(seed=42, scale=scale) as demo:
        config = load(demo.write_config(home / "demo"))
        assert config.portal is not None
        timeout = 2.0
        config = replace(config, cache_path=home / "cache.sqlite", refresh_interval=interval,
                         portal=replace(config.portal, timeout=timeout),
                         openstack=replace(config.openstack, timeout=timeout))
        sources = ["portal", *demo.sites]
        app = CountingApp(config, label="soak")
        async with app.run_test(size=(160, 48), notifications=True) as pilot:
            while app.refreshes < 1:
                await pilot.pause(0.1)
            start = (rss_mb(), threads())
            print(f"start (after the first refresh): RSS {start[0]:.1f} MB, {start[1]} threads", flush=True)
            began = time.monotonic()
            deadline = began + minutes * 60
            steady: tuple[float, int] | None = None
            faults_set = 0
            next_fault = began
            while time.monotonic() < deadline:
                now = time.monotonic()
                if now >= next_fault:
                    source = rng.choice(sources)
                    fault = rng.choice(FAULTS) if rng.random() < 0.6 else "none"
                    demo.set_fault(source, fault)
                    faults_set += fault != "none"
                    next_fault = now + rng.uniform(1.0, 6.0)
                if steady is None and now - began >= STEADY_AFTER:
                    steady = (rss_mb(), threads())
                    print(f"steady (after {STEADY_AFTER:.0f} s): RSS {steady[0]:.1f} MB, {steady[1]} threads", flush=True)
                await pilot.pause(0.25)
            for source in sources:
                demo.set_fault(source, "none")
            settle_until = time.monotonic() + 4 * timeout + 3 * interval  # hung calls end, one clean refresh
            while time.monotonic() < settle_until:
                await pilot.pause(0.25)
            end = (rss_mb(), threads())
            refreshes = app.refreshes
            alive = sorted(t.name for t in threading.enumerate())
    steady = steady or start
    print(f"end (faults cleared): RSS {end[0]:.1f} MB, {end[1]} threads")
    print(f"refreshes: {refreshes}; faults set: {faults_set}; error toasts shown: {CountingApp.errors_shown}")
    rss_flat = end[0] <= steady[0] + RSS_SLACK_MB
    threads_flat = end[1] == steady[1]
    print(f"memory flat: {'yes' if rss_flat else 'NO'} (end {end[0] - steady[0]:+.1f} MB against the steady state, "
          f"{end[0] - start[0]:+.1f} MB against the start)")
    print(f"threads flat: {'yes' if threads_flat else 'NO'} (start {start[1]}, steady {steady[1]}, end {end[1]})")
    if not threads_flat:
        print("threads alive at the end: " + ", ".join(alive))
    return 0 if rss_flat and threads_flat else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--interval", type=float, default=1.5, help="refresh interval in seconds")
    parser.add_argument("--seed", type=int, default=7, help="seed of the faults' schedule")
    parser.add_argument("--scale", type=float, default=1.0, help="demo world size factor")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="biosphere-soak-") as tmp:
        home = Path(tmp)
        for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
            os.environ[var] = str(home / var.lower())
        os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
        logging.basicConfig(filename=home / "soak.log", level=logging.INFO)  # the sync's lines, off the screen
        return asyncio.run(soak(args.minutes, args.interval, args.seed, args.scale, home))


if __name__ == "__main__":
    sys.exit(main())
