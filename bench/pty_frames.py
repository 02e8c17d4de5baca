"""A program in a pseudo-terminal, seen the way a terminal sees it: the frames it writes and the screen
they leave. Stdlib only; used by ``bench/terminal.py``.

Textual asks the terminal whether it supports synchronised output (``ESC[?2026$p``); ``Terminal``
answers yes, as most terminals today do, so each frame arrives between ``ESC[?2026h`` and
``ESC[?2026l`` and its time is when its last byte was read. ``Screen`` applies a frame's writes
(cursor positions, text, carriage returns, line feeds; colours and modes are ignored) to a grid of
characters, enough to tell what the screen shows.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

SYNC_START, SYNC_END = b"\x1b[?2026h", b"\x1b[?2026l"
SYNC_QUERY, SYNC_REPLY = b"\x1b[?2026$p", b"\x1b[?2026;2$y"  # DECRQM for mode 2026, and "supported, reset"
# a CSI sequence, an OSC string (ended by BEL or ST), another escape, a control character, or text
TOKEN = re.compile(r"\x1b\[([0-?]*)[ -/]*([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?"
                   r"|([\r\n])|[\x00-\x1f\x7f]|([^\x00-\x1f\x7f\x1b]+)")


def _width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


class Screen:
    """The characters a terminal of ``cols`` × ``rows`` shows after the writes given to ``write``."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.grid = [[" "] * cols for _ in range(rows)]
        self.row = self.col = 0

    def write(self, data: str) -> set[int]:
        """Apply ``data``; returns the rows (0-based) it wrote characters to."""
        touched: set[int] = set()
        for match in TOKEN.finditer(data):
            params, final, control, text = match.group(1), match.group(2), match.group(3), match.group(4)
            if final == "H":  # ESC[row;colH, 1-based, missing numbers mean 1
                numbers = [int(p) if p.isdigit() else 1 for p in (params or "").split(";")] + [1, 1]
                self.row, self.col = min(numbers[0], self.rows) - 1, min(numbers[1], self.cols) - 1
            elif final == "J" and params == "2":
                self.grid = [[" "] * self.cols for _ in range(self.rows)]
            elif control == "\r":
                self.col = 0
            elif control == "\n":
                self.row = min(self.row + 1, self.rows - 1)
            elif text:
                touched.add(self.row)
                self._put(text)
        return touched

    def _put(self, text: str) -> None:
        line = self.grid[self.row]
        for char in text:
            width = _width(char)
            if width and self.col < self.cols:
                line[self.col] = char
                if width == 2 and self.col + 1 < self.cols:
                    line[self.col + 1] = ""  # the right half of a wide character
            self.col += width

    def lines(self) -> list[str]:
        return ["".join(line).rstrip() for line in self.grid]

    def shows(self, text: str) -> bool:
        """Whether some line of the screen contains ``text``."""
        return any(text in line for line in self.lines())


@dataclass(frozen=True)
class Frame:
    at: float  # seconds from the process's start to the moment its last byte was read
    rows: frozenset[int]  # the rows it wrote to
    lines: tuple[str, ...]  # the whole screen after it


class FrameReader:
    """Bytes in, frames out: ``feed`` returns the frames completed by a chunk (a chunk may end in the
    middle of a frame or of an escape sequence); ``asked_sync`` tells that the program asked whether
    the terminal supports synchronised output (the caller answers)."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self._pending = b""
        self._scanned = 0  # bytes of ``_pending`` already looked at for the query
        self.asked_sync = False

    def feed(self, data: bytes, at: float) -> list[Frame]:
        self._pending += data
        if not self.asked_sync and SYNC_QUERY in self._pending[max(0, self._scanned - len(SYNC_QUERY)):]:
            self.asked_sync = True
        frames = []
        while True:
            start = self._pending.find(SYNC_START)
            end = self._pending.find(SYNC_END, start + len(SYNC_START)) if start >= 0 else -1
            if end < 0:
                break
            rows = self.screen.write(self._pending[start + len(SYNC_START):end].decode("utf-8", "replace"))
            frames.append(Frame(at, frozenset(rows), tuple(self.screen.lines())))
            self._pending = self._pending[end + len(SYNC_END):]
        if SYNC_START not in self._pending:  # output outside a frame (modes, queries): kept only for a split sequence
            self._pending = self._pending[-len(SYNC_START):]
        self._scanned = len(self._pending)
        return frames


class Terminal:
    """``argv`` running in a pseudo-terminal of ``cols`` × ``rows``; times are seconds from just before
    the process was started. ``frames`` holds every frame read so far."""

    def __init__(self, argv: Sequence[str], cols: int, rows: int, env: dict[str, str], cwd: str | None = None) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.reader = FrameReader(Screen(cols, rows))
        self.frames: list[Frame] = []
        self.started = time.perf_counter()
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                                        start_new_session=True, preexec_fn=_controlling_terminal)
        os.close(slave)
        self.master = master
        self._answered = False
        self._next = 0  # the first frame ``wait_for`` has not looked at yet

    @property
    def pid(self) -> int:
        return self.process.pid

    def now(self) -> float:
        return time.perf_counter() - self.started

    def read(self, until: float) -> list[Frame]:
        """Frames read until the time ``until`` (or earlier: returns as soon as one frame is complete)."""
        while (left := until - self.now()) > 0:
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                break
            try:
                data = os.read(self.master, 1 << 16)
            except OSError:  # EIO: the program has exited
                data = b""
            if not data:
                raise ProcessExited(self.screen_text())
            frames = self.reader.feed(data, self.now())
            if self.reader.asked_sync and not self._answered:
                self._answered = True
                os.write(self.master, SYNC_REPLY)
            if frames:
                self.frames += frames
                return frames
        return []

    def wait_for(self, shown: Callable[[Frame], bool], timeout: float) -> Frame:
        """The first frame not looked at yet (since the last key, the last ``settle`` or ``wait_for``)
        after which ``shown`` holds."""
        deadline = self.now() + timeout
        while True:
            for index in range(self._next, len(self.frames)):
                if shown(self.frames[index]):
                    self._next = index + 1
                    return self.frames[index]
            self._next = len(self.frames)
            if self.now() >= deadline:
                break
            self.read(deadline)
        raise TimeoutError(f"not shown within {timeout:g} s; the screen:\n{self.screen_text()}")

    def settle(self, quiet: float, timeout: float) -> list[Frame]:
        """The frames written from now until ``quiet`` seconds pass without one, or ``timeout``."""
        start = self.now()
        deadline, frames = start + timeout, []
        self._next = len(self.frames)
        while True:
            until = min(deadline, (frames[-1].at if frames else start) + quiet)
            got = self.read(until)
            if not got and self.now() >= until:
                return frames
            frames += got
            self._next = len(self.frames)

    def watch(self, seconds: float) -> None:
        """Read (and answer) whatever the program writes for ``seconds``."""
        deadline = self.now() + seconds
        while self.now() < deadline:
            self.read(deadline)

    def type(self, keys: bytes) -> float:
        """Send ``keys`` as the terminal does when they are pressed; returns when they were sent (read just
        before: this process, preempted after the write, would otherwise time the answer from later). What
        the program wrote before is read first: a frame written before the keys is never taken for their answer."""
        while select.select([self.master], [], [], 0)[0] and self.read(self.now() + 0.001):
            pass
        self._next = len(self.frames)
        sent = self.now()
        os.write(self.master, keys)
        return sent

    def screen_text(self) -> str:
        return "\n".join(self.reader.screen.lines())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        os.close(self.master)


class ProcessExited(RuntimeError):
    """The program ended while it was being watched (the message is its last screen)."""


def _controlling_terminal() -> None:
    """In the child, after ``setsid``: the pseudo-terminal becomes its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def rss_mb(pid: int) -> float:
    """The resident memory of a process now (VmRSS), in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for process {pid}")
