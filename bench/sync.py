"""Wall time of a full sync against the demo cloud, per source and in total.

Usage: .venv/bin/python bench/sync.py [--scales 1 10 50 100 200] [--rounds 3] [--runs 3]
       [--latency 0 30] [--parts command in-process]

The demo cloud runs in its own process (``biosphere-tui demo-server``) so that the
servers do not share this process's interpreter lock. For each scale it prints:
- each source alone (warm: sessions and tokens already open), best of the rounds;
- a full concurrent sync, cold (first one: imports, logins) and warm (best of the rounds),
  with each source's time inside it;
- the ratio of the warm total to the slowest source alone (1.0 = perfect concurrency);
- (part ``command``) the ``biosphere-tui sync`` command a user runs, as a process against the same
  demo server: cold (an empty cache) and warm (again on that cache), each ``--runs`` times: exit
  statuses, median and spread of the wall time. The first cold run is the first sync the server
  sees (it builds its sorted ledger then). ``PYTHONPATH=<another checkout> bench/sync.py --parts
  command`` measures another version of the command against the same bench.

On loopback (0 ms) every source is pure CPU in one interpreter, so the ratio measures the
interpreter lock more than concurrency; ``--latency`` adds a network round trip to every
reply, as a real portal and sites across France have, where overlap is what matters.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from biosphere_tui.cache.db import open_cache
from biosphere_tui.config import load
from biosphere_tui.scripting.commands import OK
from biosphere_tui.sync import Sync


def start_demo(scale: float, latency_ms: float, directory: Path, speed: float = 1.0) -> subprocess.Popen[bytes]:
    config = directory / "config.toml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "biosphere_tui", "demo-server", "--write-config", str(directory),
         "--demo-scale", str(scale), "--latency", str(latency_ms), "--speed", str(speed)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # its few lines say where it listens
    )
    deadline = time.monotonic() + 600  # a world at scale 200 takes tens of seconds to build
    while not config.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"demo server did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.05)
    time.sleep(0.2)
    return proc


def bench(scale: float, latency_ms: float, rounds: int, runs: int, parts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        proc = start_demo(scale, latency_ms, directory)
        try:
            if "command" in parts:
                command(scale, latency_ms, runs, directory)
            if "in-process" in parts:
                in_process(scale, latency_ms, rounds, directory)
        finally:
            proc.terminate()
            proc.wait(10)


def command(scale: float, latency_ms: float, runs: int, directory: Path) -> None:
    """``biosphere-tui sync`` as a process: cold on an empty cache, then warm on it, *runs* times each."""
    cold: list[tuple[int, float]] = []
    warm: list[tuple[int, float]] = []
    for n in range(runs):
        cache = directory / f"xdg-{n}"  # the command's cache, logs and state: its own per run
        cold.append(_sync_process(directory / "config.toml", cache))
        warm.append(_sync_process(directory / "config.toml", cache))
    print(f"\n== scale {scale:g}, {latency_ms:g} ms added per reply: `biosphere-tui sync` as a process ==")
    for name, found in (("sync command, cold (empty cache)", cold), ("sync command, warm (cache filled)", warm)):
        seconds = [s for _, s in found]
        print(f"{name:<36} median {statistics.median(seconds):7.2f} s  (min {min(seconds):.2f}, max {max(seconds):.2f}; "
              f"runs {' '.join(f'{s:.2f}' for s in seconds)})  exit statuses {[code for code, _ in found]}")


def _sync_process(config: Path, home: Path) -> tuple[int, float]:
    env = {**os.environ, **{f"XDG_{kind}_HOME": str(home / kind.lower()) for kind in ("CACHE", "DATA", "STATE")}}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "biosphere_tui", "--config", str(config), "sync"],
                          env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode:  # its lines for the sources that failed, or what it said on stderr
        failed = [line for line in done.stdout.decode().splitlines() if not line.startswith(OK)]
        print(f"  sync exited {done.returncode} after {seconds:.2f} s:", *failed, done.stderr.decode().strip()[-300:],
              sep="\n    ")
    return done.returncode, seconds


def in_process(scale: float, latency_ms: float, rounds: int, directory: Path) -> None:
    """The refresh inside this process: per source alone, then all of them, cold then warm."""
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
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10, 50, 100, 200])
    parser.add_argument("--rounds", type=int, default=3, help="in-process refreshes per figure (best of)")
    parser.add_argument("--runs", type=int, default=3, help="`sync` processes per figure (median)")
    parser.add_argument("--parts", nargs="+", choices=["command", "in-process"], default=["command", "in-process"])
    parser.add_argument("--latency", type=float, nargs="+", default=[0, 30], metavar="MS",
                        help="delay the demo adds to each reply (0 = loopback; 30 = a wide-area round trip)")
    args = parser.parse_args()
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    print(f"cores: {os.cpu_count()}, python {sys.version.split()[0]}")
    for latency in args.latency:
        for scale in args.scales:
            bench(scale, latency, args.rounds, args.runs, args.parts)


if __name__ == "__main__":
    main()
