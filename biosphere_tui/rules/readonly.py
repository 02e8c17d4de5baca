"""Read-only mode: the actions that would change something, and how a refusal is worded.

``actions.check_writable`` is the gate every change passes (the action runner before an action
starts, ``Actions`` before each changing request). ``CHANGES`` lets the app and the command line
refuse up front, before any form or confirmation: each change is declared once, with its key
actions on the screens and its scripted command.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """A change to the cloud: ``action_<name>`` on the screens that starts it, its command (if any)."""

    actions: tuple[str, ...]
    command: str = ""


CHANGES = (
    Change(("launch", "quick_launch"), "launch"),  # a VM from the catalogue, a server from an image
    Change(("class_launch",), "class"),
    Change(("delete",), "delete"),  # VMs, or Nova servers in OpenStack-only mode
    Change(("approve",), "approve"),
    Change(("reject",), "reject"),
    Change(("join",)),
    Change(("new_group", "send")),
)
CHANGING = frozenset(name for change in CHANGES for name in change.actions)  # key actions refused up front
COMMANDS = frozenset(change.command for change in CHANGES if change.command)  # commands refused up front
REFUSAL = "Read-only mode: nothing can be changed from this app (--read-only or app.read_only)."
