"""Files only their owner may read: every file the app writes goes through here.

A file is created with mode 0600 from the start (never created readable and tightened
afterwards), and an existing one is tightened before anything is written into it. A folder
the app owns (its cache, log and data folders) is made 0700 whatever it was; a folder the
user chose (an export, ``demo-server --write-config DIR``) is created 0700 when missing and
otherwise left as it is. The process umask is never changed. Standard library only: the
demo uses it too.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(folder: Path, *, own: bool) -> None:
    """Create ``folder`` (and its parents) if missing; ``own``: the app's own folder, made 0700 if it was wider."""
    folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)  # the umask can only narrow 0700
    if own and stat.S_IMODE(folder.stat().st_mode) != DIR_MODE:
        folder.chmod(DIR_MODE)


def opener(path: str, flags: int) -> int:
    """For ``open(..., opener=opener)``: created 0600, an existing file tightened to 0600, and
    refused (PermissionError) when another user owns it — nothing is written into their file."""
    fd = os.open(path, flags, FILE_MODE)
    try:
        _tighten(fd, path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _tighten(fd: int, path: str) -> None:
    info = os.fstat(fd)
    if info.st_uid != os.geteuid():
        raise PermissionError(errno.EPERM, "the file belongs to another user", path)
    if stat.S_IMODE(info.st_mode) != FILE_MODE:
        os.fchmod(fd, FILE_MODE)


def open_private(path: Path, mode: str = "a", **kwargs: object) -> IO[str]:
    """``open()`` for a file written in place (a log, the journal), readable by its owner only."""
    return open(path, mode, opener=opener, **kwargs)  # type: ignore[call-overload,no-any-return]


@contextmanager
def write_private(path: Path, *, newline: str | None = None) -> Iterator[IO[str]]:
    """Write ``path`` whole: a new 0600 file in the same folder, put in place once complete.

    A reader holding the old file open never sees the new content, a failure leaves the old
    file as it was, and a file another user planted there (e.g. in /tmp) is never written into."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")  # always 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def create_private(path: Path) -> None:
    """Make sure ``path`` exists as a 0600 file of ours, without touching its content
    (e.g. a SQLite file, before SQLite opens it: it gives its -wal and -shm the same mode)."""
    os.close(opener(str(path), os.O_RDWR | os.O_CREAT))


def tighten_existing(path: Path) -> None:
    """Set an existing file of ours to 0600 (a missing file, or one we cannot change, is left)."""
    with suppress(OSError):
        if path.stat().st_uid == os.geteuid():
            path.chmod(FILE_MODE)
