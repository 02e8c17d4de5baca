"""What every command prints goes through here: no control character from data reaches the
terminal, addresses are masked in privacy mode (as on the app's screens), and a reader that stops
early (``| head``) ends the command quietly, not with a traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from biosphere_tui.scripting import Exit
from biosphere_tui.scripting.terminal import safe_output


def printing(privacy: bool, command: Callable[[], int]) -> int:
    """Run ``command`` (which prints) and return its exit code; 0 if the reader went away."""
    try:
        with safe_output(privacy=privacy):
            code = command()
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except BrokenPipeError:  # the reader stopped early (``| head``): not a failure
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(Exit.OK)
