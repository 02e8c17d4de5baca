"""What a refresh leaves in the process: its threads share a few heaps (``local/memory.py``)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from biosphere_tui.config import Config
from biosphere_tui.local import memory

# Run in a process of its own: ``sync`` over the 8 demo sites (one thread each), then the heaps
# counted. glibc maps each heap other than the first at a multiple of 64 MiB, 64 MiB long (the part
# not in use yet is mapped ``---p`` right after it).
SCRIPT = """
import sys
from biosphere_tui.cli import main
assert main(["--config", sys.argv[1], "sync"]) == 0
maps = [line.split() for line in open("/proc/self/maps")]
spans = {int(m[0].split("-")[0], 16): int(m[0].split("-")[1], 16) for m in maps if len(m) == 5}
print(sum(lo % 2**26 == 0 and spans.get(hi, hi) - lo == 2**26 for lo, hi in spans.items()))
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the heaps counted are glibc's")
def test_a_refresh_threads_share_a_few_heaps(demo_config: Config) -> None:
    """Each site is read in a thread of its own; with a heap each (glibc's default, up to 8 per
    core), what they free stays spread over a dozen heaps for as long as the app is open."""
    found = subprocess.run([sys.executable, "-c", SCRIPT, str(demo_config.source)], capture_output=True, text=True,
                           check=True, env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"})
    assert int(found.stdout.split()[-1]) <= memory.HEAPS - 1  # the first heap is the program's own, not mapped
