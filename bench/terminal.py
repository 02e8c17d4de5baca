"""What a user sees, in a real terminal: first paint of Home, launch → 3 → myVM, filter keys, memory.

Usage: .venv/bin/python bench/terminal.py [--scales 1 10] [--rounds 3] [--sizes 80x24 160x48] [--soak MIN]

For each scale a demo cloud runs in its own process (``biosphere-tui demo-server``, as a real cloud
is elsewhere) and one ``biosphere-tui sync`` fills the cache: the app opens on a warm cache, as it does
from the second time on. Every program then runs as a user runs it: its own process, started by this
script in a pseudo-terminal of each size, which answers that it supports synchronised output so that
each frame can be told apart and timed when its last byte is written (``bench/pty_frames.py``). The
app is ``biosphere-tui --config ... --lang en`` itself, background refresh on. In each round, per size:

- a bare Textual app (``bench/reference.py``: Header, a 20-row DataTable, Footer): time to the frame
  showing its 20th row;
- biosphere-tui: time to the frame showing Home (its quota summary); ``3`` is pressed as soon as
  Home shows, and time to the frame showing myVM with its rows (both from the process's start);
  a second after the first refresh is over (no ⟳ on screen), its memory (VmRSS); then on myVM
  with every VM of the group (``a``), ``/`` and a word typed key by key then erased key by key,
  each key timed to the frame whose title shows the rows filtered by the text so far ("N VMs
  matching “vir”"), and to the first frame after it; then Escape, ``r`` (a refresh now) and the
  word typed again as the refresh runs: the keys pressed while ⟳ is on screen are reported apart.
  ``--soak MIN`` keeps the first round's app open MIN minutes more and reads its memory again, and
  every ``SOAK_SAMPLE`` seconds meanwhile (one reading may fall in a full pass, at its peak).

Figures are medians over the rounds (keys: over every key) with the spread beside them; the ratios
are to the bare app's paint in the same round. bench/ui.py (the former figures: myVM painted
headless, keys as ``Input.value``, memory without the refresh) stays for comparison.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from common import compile_package, demo_cloud, environment, parse, parser
from pty_frames import Frame, ProcessExited, Terminal, rss_mb
from reference import last_cell

APP = str(Path(sys.executable).with_name("biosphere-tui"))
BARE = [sys.executable, str(Path(__file__).with_name("reference.py")), "bare"]  # in a terminal, until closed
BARE_ROWS = 20
BACKSPACE = b"\x7f"
SOAK_SAMPLE = 30  # seconds between two readings of the memory during ``--soak``
WORDS = ("virome", "ready", "core")  # one a round, in turn: each matches VMs at every scale

def bare_painted(frame: Frame) -> bool:
    return any(last_cell(BARE_ROWS) in line for line in frame.lines)


def home_painted(frame: Frame) -> bool:
    return any("Quota use" in line for line in frame.lines)


def myvm_rows(frame: Frame) -> bool:
    """The title says myVM and the line under the table's header holds a row (or the title says
    there is none: a cache the last sync left without deployments)."""
    lines = frame.lines
    header = next((i for i, line in enumerate(lines) if line.split()[:1] == ["name"]), None)
    rows = header is not None and header + 1 < len(lines) and bool(lines[header + 1].strip())
    return "myVM" in lines[0] and (rows or " 0 VMs" in lines[0])


def refreshed(frame: Frame) -> bool:
    """No source is being refreshed and the freshness line shows how the sources are."""
    return not any("⟳" in line for line in frame.lines) and any(mark in line for line in frame.lines
                                                                 for mark in ("● ", "✗ ", "◌ "))


def filtered(text: str) -> Callable[[Frame], bool]:
    """The title shows the rows matching ``text`` (no filter: no "matching")."""
    if text:
        return lambda frame: f"matching “{text}”" in frame.lines[0]
    return lambda frame: "myVM" in frame.lines[0] and "matching" not in frame.lines[0]


@dataclass
class Figures:
    """What one scale and size gave, a value per round (keys: per key)."""

    bare: list[float] = field(default_factory=list)
    home: list[float] = field(default_factory=list)
    myvm: list[float] = field(default_factory=list)
    keys: list[float] = field(default_factory=list)
    echo: list[float] = field(default_factory=list)  # to the first frame after the key
    busy_keys: list[float] = field(default_factory=list)  # pressed while a refresh ran (⟳ on screen)
    bare_rss: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    soak_rss: float | None = None
    soak_samples: list[float] = field(default_factory=list)  # every SOAK_SAMPLE seconds of the soak
    empty_myvm: int = 0  # rounds whose myVM showed no VM (the cache had none)
    failures: list[str] = field(default_factory=list)


def time_bare(size: tuple[int, int], env: dict[str, str], figures: Figures) -> None:
    term = Terminal([*BARE, "--rows", str(BARE_ROWS)], *size, env=env)
    try:
        figures.bare.append(term.wait_for(bare_painted, 60).at)
        figures.bare_rss.append(rss_mb(term.pid))
    finally:
        term.close()


def keystrokes(word: str) -> list[tuple[bytes, str]]:
    """Each key typing ``word`` then erasing it, with the filter's text after it."""
    typed = [(word[n - 1].encode(), word[:n]) for n in range(1, len(word) + 1)]
    return typed + [(BACKSPACE, word[:n]) for n in range(len(word) - 1, -1, -1)]


def type_filter(term: Terminal, word: str, figures: Figures) -> None:
    """``word`` typed then erased in the focused filter, each key timed to the frame showing its rows
    (with the keys pressed while a refresh ran, ⟳ on screen, apart)."""
    for key, text in keystrokes(word):
        busy = "⟳" in term.screen_text()
        sent = term.type(key)
        before = len(term.frames)  # the frames read so far were written before the key
        shown = term.wait_for(filtered(text), 60)
        (figures.busy_keys if busy else figures.keys).append(shown.at - sent)
        figures.echo.append(term.frames[before].at - sent)
        term.settle(0.03, 1)  # the frames the key still causes, before the next key


def time_app(config: Path, size: tuple[int, int], env: dict[str, str], figures: Figures, word: str,
             soak_minutes: float = 0) -> None:
    term = Terminal([APP, "--config", str(config), "--lang", "en"], *size, env=env)
    try:
        figures.home.append(term.wait_for(home_painted, 600).at)
        term.type(b"3")  # as soon as Home shows
        myvm = term.wait_for(myvm_rows, 600)
        figures.myvm.append(myvm.at)
        figures.empty_myvm += " 0 VMs" in myvm.lines[0]
        if not any("⟳" in line for frame in term.frames for line in frame.lines):
            term.wait_for(lambda frame: any("⟳" in line for line in frame.lines), 60)
        done = term.wait_for(refreshed, 900)
        figures.failures += [line.strip() for line in done.lines if "✗" in line]
        term.watch(1)  # the screens shown again with the new data
        figures.rss.append(rss_mb(term.pid))
        term.type(b"a")  # every VM of the group
        term.wait_for(lambda frame: "all of" in frame.lines[0], 60)
        term.type(b"/")
        term.wait_for(lambda frame: "Clear filter" in frame.lines[-1], 60)  # the filter has the focus: keys go to it
        type_filter(term, word, figures)
        term.type(b"\x1b")  # the filter closed, and ``r``: a refresh, the word typed again while it runs
        term.wait_for(lambda frame: "Clear filter" not in frame.lines[-1], 60)
        term.type(b"r")
        term.wait_for(lambda frame: any("⟳" in line for line in frame.lines), 60)
        term.type(b"/")
        term.wait_for(lambda frame: "Clear filter" in frame.lines[-1], 60)
        type_filter(term, word, figures)
        if soak_minutes:
            end = term.now() + soak_minutes * 60
            while (left := end - term.now()) > 0:
                term.watch(min(SOAK_SAMPLE, left))
                figures.soak_samples.append(rss_mb(term.pid))
            figures.soak_rss = figures.soak_samples[-1]
    finally:
        term.close()


def bench(scale: float, sizes: list[tuple[int, int]], rounds: int, soak: float) -> dict[tuple[int, int], Figures]:
    results = {size: Figures() for size in sizes}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        env = environment(directory / "home")
        with demo_cloud(scale, directory, cache=directory / "cache.sqlite", env=env) as demo:
            config = demo.config
            started = time.perf_counter()
            sync = subprocess.run([APP, "--config", str(config), "sync"], capture_output=True, text=True, env=env)
            print(f"\n== scale {scale:g}: the cache filled by `sync` in {time.perf_counter() - started:.1f} s "
                  f"(exit {sync.returncode}) ==", flush=True)
            for round_ in range(rounds):
                for size in sizes:
                    time_bare(size, env, results[size])
                    time_app(config, size, env, results[size], WORDS[round_ % len(WORDS)],
                             soak if round_ == 0 and size == sizes[-1] else 0)
    for size, figures in results.items():
        report(scale, size, figures, soak)
    return results


def spread(runs: list[float], unit: float = 1, digits: int = 3) -> str:
    return f"median {statistics.median(runs) * unit:.{digits}f}  ({min(runs) * unit:.{digits}f}-{max(runs) * unit:.{digits}f})"


def ratios(ours: list[float], bare: list[float]) -> str:
    per_round = sorted(o / b for o, b in zip(ours, bare, strict=True))
    return (f"{statistics.median(ours) / statistics.median(bare):.2f}  (per round: median {statistics.median(per_round):.2f}, "
            f"{per_round[0]:.2f}-{per_round[-1]:.2f})")


def report(scale: float, size: tuple[int, int], f: Figures, soak: float) -> None:
    print(f"-- scale {scale:g}, terminal {size[0]}x{size[1]}, {len(f.home)} rounds --")
    print(f"first paint, bare Textual app:           {spread(f.bare)} s")
    print(f"first paint, Home from warm cache (pty): {spread(f.home)} s")
    print(f"ratio: {ratios(f.home, f.bare)}  (target <= 1.3)")
    print(f"launch -> 3 -> myVM rows:                {spread(f.myvm)} s;  ratio to the bare app: {ratios(f.myvm, f.bare)}")
    print(f"filter keystroke (key presses): {spread(f.keys, 1000, 1)} ms over {len(f.keys)} keys  (target < 50 ms); "
          f"first frame after the key: {spread(f.echo, 1000, 1)} ms")
    print("  during a refresh (⟳ on screen): "
          + (f"{spread(f.busy_keys, 1000, 1)} ms over {len(f.busy_keys)} keys" if f.busy_keys else "no key"))
    print(f"memory (RSS after the first refresh): {spread(f.rss, 1, 0)} MB  (target < 150 MB); "
          f"bare app: {statistics.median(f.bare_rss):.0f} MB"
          + (f"; after {soak:g} more min: {f.soak_rss:.0f} MB (every {SOAK_SAMPLE} s meanwhile: "
             f"{spread(f.soak_samples, 1, 0)}, {' '.join(f'{x:.0f}' for x in f.soak_samples)})"
             if f.soak_rss is not None else ""))
    if f.empty_myvm:
        print(f"  myVM showed no VM in {f.empty_myvm} rounds: the cache held none (see the sync's exit)")
    for failure in sorted(set(f.failures)):
        print(f"  the first refresh left a source failing: {failure}")


def table(results: dict[float, dict[tuple[int, int], Figures]]) -> None:
    print("\nscale  terminal  bare paint  Home paint  ratio  ->3->myVM  ratio  key median/max ms  in a refresh"
          "  RSS MB  (medians, s)")
    for scale, sizes in results.items():
        for (cols, rows), f in sizes.items():
            bare, keys = statistics.median(f.bare), f"{statistics.median(f.keys) * 1000:.1f} / {max(f.keys) * 1000:.1f}"
            busy = f"{statistics.median(f.busy_keys) * 1000:.0f} / {max(f.busy_keys) * 1000:.0f}" if f.busy_keys else "-"
            print(f"{scale:>5g}  {cols:>3}x{rows:<4}  {bare:>10.3f}  {statistics.median(f.home):>10.3f}  "
                  f"{statistics.median(f.home) / bare:>5.2f}  {statistics.median(f.myvm):>9.3f}  "
                  f"{statistics.median(f.myvm) / bare:>5.2f}  {keys:>17}  {busy:>12}"
                  f"  {statistics.median(f.rss):>6.0f}" + (f" -> {f.soak_rss:.0f}" if f.soak_rss is not None else ""))


def size(text: str) -> tuple[int, int]:
    cols, _, rows = text.partition("x")
    return int(cols), int(rows)


def main() -> None:
    found = parser(__doc__, [1, 10])
    found.add_argument("--rounds", type=int, default=3)
    found.add_argument("--sizes", type=size, nargs="+", default=[(80, 24), (160, 48)], metavar="COLSxROWS")
    found.add_argument("--soak", type=float, default=0, metavar="MIN",
                       help="keep one app open MIN minutes after its keys, refreshing, then read its memory again")
    args = parse(found)
    print(APP)
    compile_package(Path(tempfile.gettempdir()))
    results = {}
    for scale in args.scales:
        try:
            results[scale] = bench(scale, args.sizes, args.rounds, args.soak)
        except (TimeoutError, ProcessExited) as exc:  # the other scales still run; the screen says why
            print(f"scale {scale:g} not measured: {type(exc).__name__}: {exc}")
    table(results)


if __name__ == "__main__":
    main()
