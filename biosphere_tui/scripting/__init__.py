"""Scriptable commands on the app's cache and configuration: ``ls``, ``launch``, ``delete``,
``approve``, ``reject``, ``advise``, ``class``. Data on stdout, messages on stderr, and exit codes
a script can test."""

from __future__ import annotations

from enum import IntEnum

COMMANDS = ("ls", "launch", "delete", "approve", "reject", "advise", "class")


class Exit(IntEnum):
    OK = 0
    FAILED = 1  # the action failed or the cloud refused it
    USAGE = 2  # bad arguments or configuration
    NOT_FOUND = 3  # nothing matched, or a name matched several things
    NOT_CONFIRMED = 4  # declined at the prompt, or no terminal to ask on and no --yes
    UNAVAILABLE = 5  # the data is not there: its source failed and the cache has none


EXIT_CODES = """exit codes:
  0  done
  1  the action failed or the cloud refused it (quota, capacity, site down, rights)
  2  bad arguments or configuration
  3  nothing matched (unknown or ambiguous VM, request, appliance, site, flavour, group)
  4  not confirmed: answered no, or no terminal to ask on and no --yes
  5  data unavailable: its source failed and the cache has none"""


class ScriptError(Exception):
    """Stop the command with this exit code and one line on stderr."""

    def __init__(self, code: Exit, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
