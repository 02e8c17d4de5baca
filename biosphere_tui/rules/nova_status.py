"""Every status a Nova server can have, its tone, and the palette role each tone is shown in.

The statuses are Nova's own words (nova/api/openstack/common.py ``_STATE_MAP``); a status this
table does not know (a newer Nova) is shown in the ``unknown`` tone, never refused.
"""

from __future__ import annotations

from enum import StrEnum


class Tone(StrEnum):
    SUCCESS = "success"  # running
    BUSY = "busy"  # changing by itself: wait
    WARNING = "warning"  # needs the user: confirm a resize, leave rescue, resume
    OFF = "off"  # holds its quota, runs nothing, or is gone
    ERROR = "error"
    UNKNOWN = "unknown"  # Nova cannot tell (its cell is down) or a status newer than this table


STATUSES: dict[str, Tone] = {
    "ACTIVE": Tone.SUCCESS,
    "BUILD": Tone.BUSY, "REBUILD": Tone.BUSY, "REBOOT": Tone.BUSY, "HARD_REBOOT": Tone.BUSY,
    "RESIZE": Tone.BUSY, "MIGRATING": Tone.BUSY, "PASSWORD": Tone.BUSY,
    "VERIFY_RESIZE": Tone.WARNING, "REVERT_RESIZE": Tone.BUSY, "RESCUE": Tone.WARNING,
    "PAUSED": Tone.WARNING, "SUSPENDED": Tone.WARNING,
    "SHUTOFF": Tone.OFF, "SHELVED": Tone.OFF, "SHELVED_OFFLOADED": Tone.OFF,
    "DELETED": Tone.OFF, "SOFT_DELETED": Tone.OFF,
    "ERROR": Tone.ERROR,
    "UNKNOWN": Tone.UNKNOWN,
}

ROLES: dict[Tone, str] = {
    Tone.SUCCESS: "ok", Tone.BUSY: "info", Tone.WARNING: "warning", Tone.OFF: "muted",
    Tone.ERROR: "strong-error", Tone.UNKNOWN: "warning",
}


def tone(status: str) -> Tone:
    return STATUSES.get(status, Tone.UNKNOWN)


def role(status: str) -> str:
    """The palette role (``widgets.palette``) a Nova status is shown in: the theme's colours."""
    return ROLES[tone(status)]
