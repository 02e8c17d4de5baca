"""What a refresh costs when nothing changed, against a full one: bytes on the wire and demo CPU.

Usage: .venv/bin/python bench/delta.py [--scales 200] [--live 30] [--sources portal.deployments site.ifb-core-cloud ...]

The demo cloud runs in its own process on a frozen clock (``demo-server --speed 0``: nothing
changes between two refreshes). For each source, then for all at once, it measures:
- full: a refresh into an empty cache (no ETag to send, every server of every site read);
- unchanged: the same refresh again, once the cache holds the ETags and the servers' cursor
  (the second one: the first after a full pass asks the consumption from yesterday on);
- live: the next refresh after ``--live`` seconds of demo time (the clock moved through the demo's
  control service, as the app's running clock would: VMs in use seen busy, deployments moving on).
Bytes are the HTTP the portal and the sites exchanged (request and status lines, headers,
bodies: the demo counts them); CPU is the demo process's user + system time (``/proc/<pid>/stat``). Goal: unchanged
under 5 % of full on both.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import httpx
from sync import start_demo  # bench/sync.py

from biosphere_tui.cache.db import open_cache
from biosphere_tui.config import Config, load
from biosphere_tui.sync import Sync

TICKS = os.sysconf("SC_CLK_TCK")
LIVE = [30.0]  # seconds of demo time before the live refresh
CONTROL = [""]  # the demo's control URL


def usage(pid: int, control: str) -> tuple[int, float]:
    """(HTTP bytes the portal and the sites exchanged, CPU seconds of process ``pid``) so far."""
    traffic = httpx.get(f"{control}/traffic", trust_env=False).json()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(traffic.values()), (int(fields[11]) + int(fields[12])) / TICKS


def measured(pid: int, sync: Sync, only: set[str] | None) -> tuple[int, float]:
    before = usage(pid, CONTROL[0])
    failed = [r.source for r in sync.refresh_blocking(only) if not r.ok]
    if failed:
        raise SystemExit(f"sources failed: {failed}")
    after = usage(pid, CONTROL[0])
    return after[0] - before[0], after[1] - before[1]


def one(pid: int, config: Config, directory: Path, only: set[str] | None, name: str) -> None:
    cache = directory / f"cache-{name}.sqlite"
    open_cache(cache).db.close()
    sync = Sync(replace(config, cache_path=cache), cache)
    try:
        if only and not only & {"portal.account", "portal"}:
            sync.refresh_blocking({"portal.account"})  # the groups the other portal sources ask about
        full = measured(pid, sync, only)
        measured(pid, sync, only)
        same = measured(pid, sync, only)
        httpx.post(f"{CONTROL[0]}/clock", json={"advance_seconds": LIVE[0]}, trust_env=False).raise_for_status()
        live = measured(pid, sync, only)
    finally:
        sync.close()
    print(f"{name:<28}{full[0] / 1e6:>10.3f}{same[0] / 1e6:>10.3f}{_share(same[0], full[0]):>8}"
          f"{live[0] / 1e6:>10.3f}{_share(live[0], full[0]):>8}"
          f"{full[1]:>9.2f}{same[1]:>9.2f}{_share(same[1], full[1]):>8}{live[1]:>9.2f}{_share(live[1], full[1]):>8}")


def _share(part: float, whole: float) -> str:
    """``part`` in per cent of ``whole`` ("-" when whole is nothing: CPU is counted in 10 ms ticks)."""
    return f"{100 * part / whole:.1f}%" if whole else "-"


def bench(scale: float, sources: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        proc = start_demo(scale, 0, directory, speed=0)
        try:
            config = load(directory / "config.toml")
            CONTROL[0] = _control_url(proc)
            assert config.portal is not None
            config = replace(config, portal=replace(config.portal, timeout=300.0),
                             openstack=replace(config.openstack, timeout=300.0))
            print(f"\n== scale {scale:g}: demo pid {proc.pid}, frozen clock ==")
            live = f"+{LIVE[0]:g}s"
            print(f"{'source':<28}{'full MB':>10}{'same MB':>10}{'':>8}{live + ' MB':>10}{'':>8}"
                  f"{'full CPU':>9}{'same CPU':>9}{'':>8}{live + ' CPU':>9}{'':>8}")
            for source in sources:
                one(proc.pid, config, directory, {source}, source)
            one(proc.pid, config, directory, None, "every source at once")
        finally:
            proc.terminate()
            proc.wait(10)


def _control_url(proc: subprocess.Popen[bytes]) -> str:
    """The control URL the demo printed first ("Demo cloud running: portal …, control URL, …")."""
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    return line.split("control ", 1)[1].split(",", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[200])
    parser.add_argument("--live", type=float, default=30.0, help="demo seconds before the live refresh")
    parser.add_argument("--sources", nargs="*", default=["portal.account", "portal.catalogue", "portal.status",
                                                         "portal.deployments", "portal.members", "portal.usage",
                                                         "site.ifb-core-cloud"])
    args = parser.parse_args()
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    LIVE[0] = args.live
    print(f"cores: {os.cpu_count()}, python {sys.version.split()[0]}")
    for scale in args.scales:
        bench(scale, args.sources)


if __name__ == "__main__":
    main()
