"""Wall time of a full sync against the demo cloud, per source and in total.

Usage: .venv/bin/python bench/sync.py [--scales 1 10] [--rounds 3]

The demo cloud runs in its own process (``biosphere-tui demo-server``) so that the
servers do not share this process's interpreter lock. For each scale it prints:
- each source alone (warm: sessions and tokens already open), best of the rounds;
- a full concurrent sync, cold (first one: imports, logins) and warm (best of the rounds),
  with each source's time inside it;
- the ratio of the warm total to the slowest source alone (1.0 = perfect concurrency).

On loopback (0 ms) every source is pure CPU in one interpreter, so the ratio measures the
interpreter lock more than concurrency; ``--latency`` adds a network round trip to every
reply, as a real portal and sites across France have, where overlap is what matters.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from biosphere_tui.cache.db import open_cache
from biosphere_tui.config import load
from biosphere_tui.sync import Sync


def start_demo(scale: float, latency_ms: float, directory: Path, speed: float = 1.0) -> subprocess.Popen[bytes]:
    config = directory / "config.toml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "biosphere_tui", "demo-server", "--write-config", str(directory),
         "--demo-scale", str(scale), "--latency", str(latency_ms), "--speed", str(speed)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # its few lines say where it listens
    )
    deadline = time.monotonic() + 600
    while not config.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"demo server did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.05)
    time.sleep(0.2)
    return proc


def bench(scale: float, latency_ms: float, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        proc = start_demo(scale, latency_ms, directory)
        try:
            config = replace(load(directory / "config.toml"), cache_path=directory / "cache.sqlite")
            open_cache(config.cache_path).db.close()
            sync = Sync(config, config.cache_path)
            started = time.perf_counter()
            cold = sync.refresh_blocking()
            cold_total = time.perf_counter() - started
            failed = [r.source for r in cold if not r.ok]
            if failed:
                raise SystemExit(f"sources failed: {failed}")
            alone = {s: min(_timed(sync, {s}) for _ in range(rounds)) for s in sync.sources}
            warm: list[tuple[float, dict[str, float]]] = []
            for _ in range(rounds):
                started = time.perf_counter()
                results = sync.refresh_blocking()
                warm.append((time.perf_counter() - started, {r.source: r.seconds for r in results}))
            total, inside = min(warm, key=lambda w: w[0])
            rows = {r.source: r.rows for r in cold}
            sync.close()
        finally:
            proc.terminate()
            proc.wait(10)
    slowest = max(alone, key=alone.get)
    print(f"\n== scale {scale:g}, {latency_ms:g} ms added per reply: {rows.get('portal.deployments', 0)} deployments, "
          f"{sum(v for k, v in rows.items() if k.startswith('site.'))} servers ==")
    print(f"{'source':<30}{'rows':>8}{'alone s':>10}{'in full sync s':>16}")
    for source in sync.sources:
        print(f"{source:<30}{rows[source]:>8}{alone[source]:>10.3f}{inside[source]:>16.3f}")
    print(f"full sync, cold (first: imports + logins): {cold_total:.3f} s")
    print(f"full sync, warm (best of {rounds}):           {total:.3f} s")
    print(f"slowest source alone: {slowest} {alone[slowest]:.3f} s; sum of sources alone {sum(alone.values()):.3f} s")
    print(f"ratio warm total / slowest alone: {total / alone[slowest]:.2f}  (target <= 1.3)")


def _timed(sync: Sync, only: set[str]) -> float:
    started = time.perf_counter()
    results = sync.refresh_blocking(only)
    assert all(r.ok for r in results), results
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency", type=float, nargs="+", default=[0, 30], metavar="MS",
                        help="delay the demo adds to each reply (0 = loopback; 30 = a wide-area round trip)")
    args = parser.parse_args()
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    print(f"cores: {os.cpu_count()}, python {sys.version.split()[0]}")
    for latency in args.latency:
        for scale in args.scales:
            bench(scale, latency, args.rounds)


if __name__ == "__main__":
    main()
