"""What the scripted commands print goes through here: data cannot drive the terminal.

Every write to stdout and stderr has its control characters replaced as ``safe_text.py``
does (line breaks kept), whatever the string's origin: defence in depth behind the parsers.
In privacy mode addresses are masked too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from typing import TextIO

from biosphere_tui.safe_text import clean


class _Safe:
    """A text stream whose writes are made safe (and masked, with ``privacy``)."""

    def __init__(self, stream: TextIO, privacy: bool) -> None:
        self._stream = stream
        self._privacy = privacy

    def write(self, text: str) -> int:
        safe = clean(text, limit=len(text), multiline=True)
        if self._privacy:
            from biosphere_tui.rules.privacy import mask

            safe = mask(safe)
        self._stream.write(safe)
        return len(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


@contextmanager
def safe_output(*, privacy: bool = False) -> Iterator[None]:
    """stdout and stderr made safe (and masked, with ``privacy``) while the block runs."""
    with redirect_stdout(_Safe(sys.stdout, privacy)), redirect_stderr(_Safe(sys.stderr, privacy)):  # type: ignore[type-var]
        yield
