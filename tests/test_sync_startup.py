"""What the ``sync`` command pays once however many sites it reads (run in a process of its own,
as a user starts it: nothing loaded yet, an empty user cache)."""

from __future__ import annotations

import os
import subprocess
import sys

from biosphere_tui.config import Config

# stevedore finds keystoneauth's auth plugin by scanning every installed package's entry points (its
# result kept for the process, and in a file of the user's cache). The scan is slowed down here so
# that sites' threads making it at once would overlap for certain.
SCAN_COUNTED = """
import sys, time
from stevedore import _cache
scans = []
built = _cache._build_cacheable_data
def counted():
    scans.append(1)
    time.sleep(0.2)
    return built()
_cache._build_cacheable_data = counted
from biosphere_tui.cli import main
assert main(["--config", sys.argv[1], "sync"]) == 0
print(len(scans))
"""


def test_a_sync_over_eight_sites_scans_the_installed_packages_once(demo_config: Config) -> None:
    """The sites' connections are made one at a time: the first site's scan serves the 7 others.
    Made at once, each site's thread scanned (0.5 s of CPU over 8 sites)."""
    assert len(demo_config.openstack.sites) == 8
    found = subprocess.run([sys.executable, "-c", SCAN_COUNTED, str(demo_config.source)], capture_output=True,
                           text=True, check=True, env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"})
    assert found.stdout.split()[-1] == "1"
