"""What every command prints goes through here: addresses masked in privacy mode (as on the app's
screens), and a reader that stops early (``| head``) ends the command quietly, not with a traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import nullcontext, redirect_stderr, redirect_stdout
from typing import TextIO

from biosphere_tui.scripting import Exit


class Masked:
    """A text stream whose writes have their IP and e-mail addresses, hosts and ports masked."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from biosphere_tui.privacy import mask

        self._stream.write(mask(text))
        return len(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def printing(privacy: bool, command: Callable[[], int]) -> int:
    """Run ``command`` (which prints) and return its exit code; 0 if the reader went away."""
    try:
        if privacy:
            with redirect_stdout(Masked(sys.stdout)), redirect_stderr(Masked(sys.stderr)):  # type: ignore[type-var]
                code = command()
        else:
            code = command()
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except BrokenPipeError:  # the reader stopped early (``| head``): not a failure
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(Exit.OK)
