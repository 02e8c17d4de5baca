"""The first frames a real terminal gets of Home: the app in a pseudo-terminal, started as a user does."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from test_bench_frames import pty_frames

from biosphere_tui.cli import main


def table_shown(frame: pty_frames.Frame) -> bool:
    return any(line.split()[:1] == ["name"] for line in frame.lines)  # the VM table's header


def test_the_first_frame_showing_homes_table_shows_its_summary_and_freshness(demo, tmp_path: Path) -> None:  # noqa: ANN001
    config = demo.write_config(tmp_path / "cfg")
    with config.open("a") as extra:
        extra.write(f'\n[cache]\npath = "{tmp_path / "cache.sqlite"}"\n')
    assert main(["--config", str(config), "sync"]) == 0  # a warm cache, as from the second start on
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "OS_"))}
    env.update(TERM="xterm-256color", COLORTERM="truecolor", NO_PROXY="127.0.0.1", no_proxy="127.0.0.1",
               **{f"XDG_{d}_HOME": str(tmp_path / d.lower()) for d in ("CONFIG", "DATA", "CACHE", "STATE")})
    term = pty_frames.Terminal([sys.executable, "-m", "biosphere_tui", "--config", str(config), "--lang", "en"],
                               100, 30, env=env)
    try:
        first = term.wait_for(table_shown, 60)
    finally:
        term.close()
    shown = "\n".join(first.lines)
    assert "Quota use" in shown, shown  # the summary above the table (it stayed blank until a later frame)
    assert any(mark in shown for mark in ("● ", "◌ ", "⟳ ", "✗ ")), shown  # the sources' freshness below it
