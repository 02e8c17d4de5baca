"""Peak memory and time of ``biosphere-tui sync`` against hostile servers on 127.0.0.1.

Usage: .venv/bin/python bench/hostile_sync.py [--attacks bomb,flood,trickle] [--where site,portal] [--kill-after 120]

For each attack and each place (a site's ``/servers/detail``, the portal's ``/catalogue``), runs
``biosphere-tui --config CFG sync`` in a child process (timeouts 5 s, so each source's deadline
is 11 s) beside a well-behaved site, and prints its exit code, wall time and peak RSS (from
``wait4``). Attacks: ``bomb`` a 2 MB gzip expanding to 2 GB, ``flood`` a 500 MB plain reply,
``trickle`` one byte per second. A child still running after ``--kill-after`` s is killed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hostile.servers_support import (  # noqa: E402
    Hostile,
    gzip_bomb,
    openstack_site,
    plain_flood,
    raw_reply,
    trickle,
    write_config,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attacks", default="bomb,flood,trickle")
    parser.add_argument("--where", default="site,portal")
    parser.add_argument("--kill-after", type=float, default=120.0)
    args = parser.parse_args()
    bomb = gzip_bomb(2 * 2**30)
    print(f"gzip bomb: {len(bomb) / 2**20:.1f} MB expanding to 2048 MB")
    for where in args.where.split(","):
        for attack in args.attacks.split(","):
            with Hostile() as hostile, Hostile() as good:
                openstack_site(good)
                handler = {"bomb": raw_reply(bomb, encoding="gzip"), "flood": plain_flood(500 * 2**20),
                           "trickle": trickle(hostile.stop, 1.0)}[attack]
                if where == "site":
                    openstack_site(hostile)
                    hostile.routes["/compute/v2.1/servers/detail"] = handler
                    portal = None
                else:
                    hostile.routes["/api/catalogue"] = handler
                    portal = f"{hostile.url}/api"
                folder = Path(tempfile.mkdtemp(prefix="hostile-bench-"))
                sites = {"good": good.url} | ({"hostile": hostile.url} if where == "site" else {})
                config = write_config(folder, portal=portal, sites=sites, timeout=5)
                print(f"{where:6} {attack:8}", _run(config, args.kill_after), flush=True)


def _run(config: Path, kill_after: float) -> str:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "XDG_STATE_HOME": str(config.parent)}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "biosphere_tui", "--config", str(config), "sync"], cwd=ROOT,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    killed = False
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - started > kill_after:
            child.kill()
            killed = True
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    out = child.stdout.read() if child.stdout else ""
    failed = [line.strip() for line in out.splitlines() if line.startswith("FAIL") and "hostile" in line
              or line.startswith("FAIL portal.catalogue")]
    code = "killed" if killed else f"exit {os.waitstatus_to_exitcode(status)}"
    return f"{code}, {seconds:6.1f} s, peak RSS {usage.ru_maxrss / 1024:7.0f} MB  {' | '.join(failed)[:160]}"


if __name__ == "__main__":
    main()
