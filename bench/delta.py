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

import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import httpx
from common import Demo, demo_cloud, parse, parser

from biosphere_tui.cache.db import open_cache
from biosphere_tui.config import Config, load
from biosphere_tui.sync import Sync

LIVE = [30.0]  # seconds of demo time before the live refresh
CONTROL = [""]  # the demo's control URL


def usage(demo: Demo, control: str) -> tuple[int, float]:
    """(HTTP bytes the portal and the sites exchanged, CPU seconds of the demo process) so far."""
    traffic = httpx.get(f"{control}/traffic", trust_env=False).json()
    return sum(traffic.values()), demo.cpu()


def measured(demo: Demo, sync: Sync, only: set[str] | None) -> tuple[int, float]:
    before = usage(demo, CONTROL[0])
    failed = [r.source for r in sync.refresh_blocking(only) if not r.ok]
    if failed:
        raise SystemExit(f"sources failed: {failed}")
    after = usage(demo, CONTROL[0])
    return after[0] - before[0], after[1] - before[1]


def one(demo: Demo, config: Config, directory: Path, only: set[str] | None, name: str) -> None:
    cache = directory / f"cache-{name}.sqlite"
    open_cache(cache).db.close()
    sync = Sync(replace(config, cache_path=cache), cache)
    try:
        if only and not only & {"portal.account", "portal"}:
            sync.refresh_blocking({"portal.account"})  # the groups the other portal sources ask about
        full = measured(demo, sync, only)
        measured(demo, sync, only)
        same = measured(demo, sync, only)
        httpx.post(f"{CONTROL[0]}/clock", json={"advance_seconds": LIVE[0]}, trust_env=False).raise_for_status()
        live = measured(demo, sync, only)
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
        with demo_cloud(scale, directory, speed=0) as demo:
            config = load(demo.config)
            CONTROL[0] = _control_url(demo.process)
            assert config.portal is not None
            config = replace(config, portal=replace(config.portal, timeout=300.0),
                             openstack=replace(config.openstack, timeout=300.0))
            print(f"\n== scale {scale:g}: demo pid {demo.process.pid}, frozen clock ==")
            live = f"+{LIVE[0]:g}s"
            print(f"{'source':<28}{'full MB':>10}{'same MB':>10}{'':>8}{live + ' MB':>10}{'':>8}"
                  f"{'full CPU':>9}{'same CPU':>9}{'':>8}{live + ' CPU':>9}{'':>8}")
            for source in sources:
                one(demo, config, directory, {source}, source)
            one(demo, config, directory, None, "every source at once")


def _control_url(proc: subprocess.Popen[bytes]) -> str:
    """The control URL the demo printed first ("Demo cloud running: portal …, control URL, …")."""
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    return line.split("control ", 1)[1].split(",", 1)[0]


def main() -> None:
    found = parser(__doc__, [200])
    found.add_argument("--sources", nargs="*", default=["portal.account", "portal.catalogue", "portal.status",
                                                        "portal.deployments", "portal.members", "portal.usage",
                                                        "site.ifb-core-cloud"])
    found.add_argument("--live", type=float, default=30.0, help="demo seconds before the live refresh")
    args = parse(found)
    LIVE[0] = args.live
    for scale in args.scales:
        bench(scale, args.sources)


if __name__ == "__main__":
    main()
