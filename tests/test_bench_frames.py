"""bench/pty_frames.py: frames and the screen they leave, from the bytes a program writes to its terminal."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

PATH = Path(__file__).resolve().parents[1] / "bench" / "pty_frames.py"
spec = importlib.util.spec_from_file_location("pty_frames", PATH)
assert spec is not None and spec.loader is not None
pty_frames = importlib.util.module_from_spec(spec)
sys.modules["pty_frames"] = pty_frames
spec.loader.exec_module(pty_frames)


def reader(cols: int = 20, rows: int = 4) -> pty_frames.FrameReader:
    return pty_frames.FrameReader(pty_frames.Screen(cols, rows))


def test_a_frame_split_anywhere_is_one_frame_with_its_rows_and_text() -> None:
    data = (b"\x1b[?1049h\x1b[?25l"  # modes, outside any frame
            b"\x1b[?2026h\x1b[1;1H\x1b[1;38;2;1;2;3mTitle\x1b[0m"
            b"\x1b[3;5Hr\xc3\xa9ady \xe2\x9f\xb3\x1b]22;default\x07!\x1b[?2026l")
    for cut in range(1, len(data)):
        frames_reader = reader()
        first = frames_reader.feed(data[:cut], 1.0)
        frames = first + frames_reader.feed(data[cut:], 2.0)
        assert len(frames) == 1, cut
        frame = frames[0]
        assert frame.at == (1.0 if first else 2.0)
        assert frame.rows == {0, 2}
        assert frame.lines == ("Title", "", "    réady ⟳!", "")


def test_later_frames_overwrite_the_screen_and_wide_characters_take_two_cells() -> None:
    frames_reader = reader(cols=10, rows=2)
    frames_reader.feed(b"\x1b[?2026h\x1b[1;1Hmatching a\r\nsecond\x1b[?2026l", 0.0)
    (frame,) = frames_reader.feed("\x1b[?2026h\x1b[1;3H界x\x1b[2;1H\x1b[?2026l".encode(), 0.5)
    assert frame.lines == ("ma界xing a", "second")  # 界 over "tc", x over "h"
    assert frame.rows == {0}  # the second write moved the cursor only


def test_output_without_a_frame_is_no_frame_and_the_sync_query_is_noticed_across_chunks() -> None:
    frames_reader = reader()
    assert frames_reader.feed(b"\x1b[1;1Hplain \x1b[?20", 0.0) == []
    assert not frames_reader.asked_sync
    assert frames_reader.feed(b"26$p more", 0.1) == []
    assert frames_reader.asked_sync
    assert frames_reader.screen.lines()[0] == ""  # text outside a frame is not drawn
    (frame,) = frames_reader.feed(b"\x1b[?2026hx\x1b[?2026l", 0.2)
    assert frame.lines[0] == "x"
