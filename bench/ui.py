"""UI figures at several demo scales: first paint, filter keystroke, peak memory.

Usage: .venv/bin/python bench/ui.py [--scales 1 10 50] [--rounds 7]

For each scale, a demo cloud runs in its own process and one ``sync`` fills a cache
(the warm cache). Then, each in a fresh process and timed from before the process starts,
the two runs of a round one after the other (a busy machine slows both alike):
- a bare Textual app (``bench/reference.py``: Header, a 50-row DataTable, Footer) to its first
  paint: the baseline;
- biosphere-tui on that warm cache, opening on myVM, to the first paint of the VM table
  (the background refresh runs as usual, after the first paint).
The ratio is that of the medians; the spread of the rounds' own ratios is shown beside it.
And in one process, on myVM with every VM of the group listed: the time a filter keystroke
takes until the table shows the filtered rows (from setting the filter's text to the last
frame painted once the app is idle again; the time until Pilot's idle check returns, which
sleeps 20 ms slices until one passes without work, is shown too), and the peak memory (max RSS).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from common import ROOT, demo_cloud, parse, parser

BARE = [str(Path(__file__).with_name("reference.py")), "bare", "--rows", "50", "--headless"]

APP = """
import resource, sys
from dataclasses import replace
from pathlib import Path
from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import load

class FirstPaint(BiosphereApp):
    DEFAULT_MODE = "myvm"
    CSS_PATH = str(Path(sys.modules[BiosphereApp.__module__].__file__).with_name("app.tcss"))

    def on_mount(self):
        super().on_mount()
        self.call_after_refresh(self.painted)

    def painted(self):
        table = self.screen.query_one("#vms")
        print("PAINTED", table.row_count, flush=True)
        self.exit()

config = replace(load(Path(sys.argv[1])), cache_path=Path(sys.argv[2]))
FirstPaint(config).run(headless=True, size=(160, 48))
"""

KEYSTROKE = """
import asyncio, resource, sys, time
from dataclasses import replace
from pathlib import Path
from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import load

config = replace(load(Path(sys.argv[1])), cache_path=Path(sys.argv[2]))

async def main():
    app = BiosphereApp(config, background_refresh=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await app.switch_mode("myvm")
        await pilot.pause()
        screen = app.screen
        if hasattr(screen, "action_toggle_scope") and "group" not in str(getattr(screen, "scope", "group")):
            await pilot.press("a")
        await pilot.pause()
        table = screen.query_one("#vms")
        rows = table.row_count
        await pilot.press("slash")
        frames = []  # when each frame was painted
        display = app._display

        def timed_display(screen, update):
            display(screen, update)
            if update is not None:
                frames.append(time.perf_counter())

        app._display = timed_display
        painted, idle = [], []
        for text in ["m", "ma", "mar", "ma", "m", "", "r", "re", "rea", "read", "ready", "", "1", "12", "1", ""] * 2:
            filt = screen.query_one("#filter")
            frames.clear()
            started = time.perf_counter()
            filt.value = text
            await pilot.pause()
            idle.append(time.perf_counter() - started)
            assert frames, "the keystroke painted nothing"
            painted.append(frames[-1] - started)
        print("ROWS", rows, "|", screen.title)
        print("KEYS", " ".join(f"{t:.4f}" for t in painted))
        print("IDLE", " ".join(f"{t:.4f}" for t in idle))
    print("MAXRSS_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)

asyncio.run(main())
"""


def script(code: str) -> str:
    """The code as a file: Textual resolves an app's CSS_PATH from its source file."""
    handle = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False, dir=tempfile.gettempdir())
    handle.write(textwrap.dedent(code))
    handle.close()
    return handle.name


def python(code: str, *args: str) -> tuple[float, list[str]]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, script(code), *args], capture_output=True, text=True,
                          timeout=600, cwd=ROOT)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return elapsed, done.stdout.splitlines()


def until_painted(*argv: str) -> float:
    """Seconds from before the Python program ``argv`` starts to the line saying it painted."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("PAINTED"):
            elapsed = time.perf_counter() - started
            proc.wait(60)
            return elapsed
    raise SystemExit(proc.stderr.read() if proc.stderr else "no paint")


def bench(scale: float, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        cache = directory / "cache.sqlite"
        with demo_cloud(scale, directory, cache=cache) as demo:
            config = demo.config
            subprocess.run([sys.executable, "-m", "biosphere_tui", "--config", str(config), "sync"], check=True,
                           capture_output=True, cwd=ROOT)
            bare, ours = [], []
            for _ in range(rounds):
                bare.append(until_painted(*BARE))
                ours.append(until_painted(script(APP), str(config), str(cache)))
            _, lines = python(KEYSTROKE, str(config), str(cache))
    values = dict(line.split(" ", 1) for line in lines if " " in line)
    keys = [float(t) for t in values["KEYS"].split()]
    idle = [float(t) for t in values["IDLE"].split()]
    ratios = sorted(o / b for o, b in zip(ours, bare, strict=True))
    print(f"\n== scale {scale:g}: myVM table rows loaded / title: {values['ROWS']} ==")
    for what, runs in (("bare Textual app:     ", bare), ("myVM from warm cache: ", ours)):
        print(f"first paint, {what} median {statistics.median(runs):.3f} s  (runs {', '.join(f'{r:.3f}' for r in runs)})")
    print(f"ratio: {statistics.median(ours) / statistics.median(bare):.2f}  (target <= 1.3; "
          f"per round: median {statistics.median(ratios):.2f}, {ratios[0]:.2f}-{ratios[-1]:.2f})")
    print(f"filter keystroke: median {statistics.median(keys) * 1000:.1f} ms, max {max(keys) * 1000:.1f} ms "
          f"over {len(keys)} keystrokes  (target < 50 ms)")
    print(f"  until Pilot's idle check returns: median {statistics.median(idle) * 1000:.1f} ms, "
          f"max {max(idle) * 1000:.1f} ms")
    print(f"peak memory (max RSS): {int(values['MAXRSS_KB']) / 1024:.0f} MB  (target < 150 MB)")


def main() -> None:
    found = parser(__doc__, [1, 10, 50])
    found.add_argument("--rounds", type=int, default=7)
    args = parse(found)
    for scale in args.scales:
        bench(scale, args.rounds)


if __name__ == "__main__":
    main()
