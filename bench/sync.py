"""Wall time of a sync as a user runs it, beside what a user would run instead, and of the refresh in process.

Usage: .venv/bin/python bench/sync.py [--scales 1 10 50 100 200] [--runs 3] [--rounds 3] [--latency 0 30]
       [--parts command sites openstack-cli openstacksdk in-process]

The demo cloud runs in its own process (``biosphere-tui demo-server``) so that the servers do not share
an interpreter lock with what is measured. For each latency and scale, the parts chosen:

Processes, as a user starts them (bytecode compiled once, as an installed package has it; no ``OS_*``
variable but those given), each run of each one after the other in this order, ``--runs`` times, so
that a busy machine slows each alike. For each: median and spread of the wall time, median CPU time of
the process (children included) and of the demo server, exit statuses, and the ratio of its median to
that of ``sync``, sites only, cold (the same reads as the references):
- ``command``: ``biosphere-tui sync`` (the portal and the 8 sites), cold (an empty cache: the first
  cold run is the first sync the server sees, it builds its sorted ledger then) and warm (again on
  that cache: portal ETags, Nova changes-since). ``PYTHONPATH=<another checkout> bench/sync.py``
  measures another version of the command against the same bench.
- ``sites``: the same command with a configuration of the 8 sites alone (OpenStack-only mode, no
  portal), cold and warm: per site, servers, flavours, images and absolute limits.
- ``openstack-cli``: the real ``openstack`` CLI (python-openstackclient), ``OS_CLIENT_CONFIG_FILE``
  on the demo's clouds.yaml and ``OS_CLOUD`` on each site in turn: ``openstack server list``, a process
  a site (what a user loops over the sites); and the 4 reads ``sync`` makes of a site (``server list``,
  ``flavor list``, ``image list``, ``limits show --absolute``), one CLI process a site reading them on
  its stdin (cliff's interactive mode: one start a site, not one a command; it exits 1 at the end of
  its input, so its status here is 1 only when it wrote to stderr).
- ``openstacksdk``: ``bench/reference.py sdk``: one process reading the 8 sites in turn through
  openstacksdk's Resource layer (``openstack.connect(cloud=...)``, ``conn.compute.servers()``, ...),
  the same 4 reads.
Then a table of the medians over every scale.

In process (``in-process``, the former figures), on a cache of its own:
- each source alone (warm: sessions and tokens already open), best of ``--rounds``;
- a full concurrent sync, cold (first one: imports, logins) and warm (best of the rounds), with each
  source's time inside it;
- the ratio of the warm total to the slowest source alone (1.0 = perfect concurrency).

On loopback (0 ms) every source is pure CPU in one interpreter, so the in-process ratio measures the
interpreter lock more than concurrency; ``--latency`` adds a network round trip to every reply, as a
real portal and sites across France have, where overlap is what matters.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from common import Demo, compile_package, demo_cloud, environment, parse, parser

from biosphere_tui.cache.db import open_cache
from biosphere_tui.config import load
from biosphere_tui.scripting.commands import OK
from biosphere_tui.sync import Sync

APP = [sys.executable, "-m", "biosphere_tui"]
OPENSTACK = str(Path(sys.executable).with_name("openstack"))
SDK = [sys.executable, str(Path(__file__).with_name("reference.py")), "sdk"]
READS = ("server list", "flavor list", "image list", "limits show --absolute")  # what sync reads of a site
PROCESS_PARTS = ("command", "sites", "openstack-cli", "openstacksdk")
BASE = "sync command, sites only, cold"  # the ratios' denominator: our command, the references' reads
FIGURES = {  # name printed: (part, short name in the table)
    "sync command, cold (empty cache)": ("command", "cold"),
    "sync command, warm (cache filled)": ("command", "warm"),
    BASE: ("sites", "sites cold"),
    "sync command, sites only, warm": ("sites", "sites warm"),
    "openstack server list, a process a site": ("openstack-cli", "os list"),
    "openstack, 4 reads, a process a site": ("openstack-cli", "os 4 reads"),
    "openstacksdk Resource layer, 4 reads": ("openstacksdk", "sdk"),
}


@dataclass(frozen=True)
class Step:
    """One process: its command line, its environment, what it reads on stdin."""

    argv: list[str]
    env: dict[str, str]
    stdin: str | None = None  # given: the CLI's interactive mode, whose exit status says nothing

    def status(self, done: subprocess.CompletedProcess[str]) -> int:
        return int(bool(done.stderr.strip())) if self.stdin is not None else done.returncode


@dataclass(frozen=True)
class Run:
    status: int  # the first non-zero status of its steps, else 0
    wall: float
    cpu: float  # user + system time of its processes
    demo_cpu: float  # of the demo server meanwhile


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run(demo: Demo, name: str, steps: list[Step]) -> Run:
    """The steps one after the other, timed as one; what a failing one said is printed."""
    cpu, demo_cpu, started = children_cpu(), demo.cpu(), time.perf_counter()
    status = 0
    for step in steps:
        done = subprocess.run(step.argv, env=step.env, input=step.stdin, capture_output=True, text=True, check=False)
        if code := step.status(done):
            status = status or code
            said = [line for line in done.stdout.splitlines() if not line.startswith(OK)][-6:] \
                if step.argv[:len(APP)] == APP else []
            print(f"  {name}: {' '.join(step.argv[-3:])} exited {done.returncode}:", *said,
                  done.stderr.strip()[-300:], sep="\n    ")
    return Run(status, time.perf_counter() - started, children_cpu() - cpu, demo.cpu() - demo_cpu)


def processes(demo: Demo, directory: Path, runs: int, parts: list[str]) -> dict[str, list[Run]]:
    """Each figure of ``parts``, ``runs`` times, the figures of a run one after the other."""
    sites = load(demo.config).openstack.sites
    sites_only = directory / "sites-only.toml"  # without a [portal]: every cloud of the clouds.yaml
    sites_only.write_text(f'[openstack]\nclouds_yaml = "{demo.clouds_yaml}"\n')
    reference = environment(directory / "home-reference") | {"OS_CLIENT_CONFIG_FILE": str(demo.clouds_yaml)}
    found: dict[str, list[Run]] = {name: [] for name, (part, _) in FIGURES.items() if part in parts}
    for n in range(runs):
        steps: dict[str, list[Step]] = {}
        for config, cold, warm in ((demo.config, "sync command, cold (empty cache)", "sync command, warm (cache filled)"),
                                   (sites_only, BASE, "sync command, sites only, warm")):
            env = environment(directory / f"home-{config.stem}-{n}")  # the command's cache, logs, state
            steps[cold] = steps[warm] = [Step([*APP, "--config", str(config), "sync"], env)]
        steps["openstack server list, a process a site"] = [
            Step([OPENSTACK, "server", "list"], reference | {"OS_CLOUD": site}) for site in sites]
        steps["openstack, 4 reads, a process a site"] = [
            Step([OPENSTACK], reference | {"OS_CLOUD": site}, "\n".join(READS) + "\n") for site in sites]
        steps["openstacksdk Resource layer, 4 reads"] = [Step([*SDK, *sites], reference)]
        for name in found:
            found[name].append(run(demo, name, steps[name]))
    return found


def report(scale: float, latency_ms: float, found: dict[str, list[Run]]) -> None:
    print(f"\n== scale {scale:g}, {latency_ms:g} ms added per reply: processes "
          f"(ratios: to {BASE.removeprefix('sync command, ')}) ==")
    for name, runs in found.items():
        walls, cpu = [r.wall for r in runs], statistics.median(r.cpu for r in runs)
        print(f"{name:<42} median {statistics.median(walls):7.2f} s  (min {min(walls):.2f}, max {max(walls):.2f}; "
              f"runs {' '.join(f'{w:.2f}' for w in walls)})  exit statuses {[r.status for r in runs]}")
        ratios = f"; ratio {_ratio(found, name, 'wall')} wall, {_ratio(found, name, 'cpu')} CPU" if BASE in found else ""
        print(f"{'':<42} CPU {cpu:6.2f} s, demo server CPU {statistics.median(r.demo_cpu for r in runs):6.2f} s "
              f"(medians){ratios}")


def _ratio(found: dict[str, list[Run]], name: str, what: str) -> str:
    """The median ``what`` of figure ``name`` over that of the base figure."""
    median = {key: statistics.median(getattr(r, what) for r in found[key]) for key in (name, BASE)}
    return f"{median[name] / median[BASE]:.2f}x" if median[BASE] else "-"


def table(results: dict[tuple[float, float], dict[str, list[Run]]]) -> None:
    names = [name for name in FIGURES if any(name in found for found in results.values())]
    for what, title in (("wall", "wall time"), ("cpu", "CPU time (user + system)")):
        print(f"\nmedian {title} of each process, s (ratio to `sync`, sites only, cold)")
        print(f"{'ms':>4} {'scale':>5}" + "".join(f"{FIGURES[name][1]:>16}" for name in names))
        for (latency, scale), found in results.items():
            cells = [f"{statistics.median(getattr(r, what) for r in found[name]):.2f}"
                     + (f" ({_ratio(found, name, what)})" if BASE in found else "") if name in found else "-"
                     for name in names]
            print(f"{latency:>4g} {scale:>5g}" + "".join(f"{cell:>16}" for cell in cells))


def in_process(scale: float, latency_ms: float, rounds: int, config_path: Path) -> None:
    """The refresh inside this process: per source alone, then all of them, cold then warm."""
    config = replace(load(config_path), cache_path=config_path.with_name("cache.sqlite"))
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


def bench(scale: float, latency_ms: float, rounds: int, runs: int, parts: list[str]) -> dict[str, list[Run]]:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        with demo_cloud(scale, directory, latency_ms=latency_ms) as demo:
            found = {}
            if set(parts) & set(PROCESS_PARTS):
                found = processes(demo, directory, runs, parts)
                report(scale, latency_ms, found)
            if "in-process" in parts:
                in_process(scale, latency_ms, rounds, demo.config)
            return found


def main() -> None:
    found = parser(__doc__, [1, 10, 50, 100, 200])
    found.add_argument("--rounds", type=int, default=3, help="in-process refreshes per figure (best of)")
    found.add_argument("--runs", type=int, default=3, help="runs of each process (median)")
    found.add_argument("--parts", nargs="+", choices=[*PROCESS_PARTS, "in-process"], default=[*PROCESS_PARTS, "in-process"])
    found.add_argument("--latency", type=float, nargs="+", default=[0, 30], metavar="MS",
                       help="delay the demo adds to each reply (0 = loopback; 30 = a wide-area round trip)")
    args = parse(found)
    with tempfile.TemporaryDirectory() as tmp:
        compile_package(Path(tmp))
    results = {}
    for latency in args.latency:
        for scale in args.scales:
            results[latency, scale] = bench(scale, latency, args.rounds, args.runs, args.parts)
    if any(results.values()):
        table(results)


if __name__ == "__main__":
    main()
