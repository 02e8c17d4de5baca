"""Every status Nova has is mapped to a tone and shown in the theme's colour for it."""

from __future__ import annotations

import pytest

from biosphere_tui.rules import nova_status
from biosphere_tui.rules.nova_status import Tone

# nova/api/openstack/common.py _STATE_MAP's statuses, as the issue lists them
NOVA = ("BUILD", "ACTIVE", "SHUTOFF", "PAUSED", "SUSPENDED", "SHELVED", "SHELVED_OFFLOADED", "RESCUE", "RESIZE",
        "VERIFY_RESIZE", "MIGRATING", "REBOOT", "HARD_REBOOT", "ERROR", "DELETED", "SOFT_DELETED", "UNKNOWN")


def test_every_nova_status_has_its_own_entry() -> None:
    assert set(NOVA) <= set(nova_status.STATUSES)


@pytest.mark.parametrize(("status", "tone", "role"), [
    ("ACTIVE", Tone.SUCCESS, "ok"), ("BUILD", Tone.BUSY, "info"), ("MIGRATING", Tone.BUSY, "info"),
    ("VERIFY_RESIZE", Tone.WARNING, "warning"), ("RESCUE", Tone.WARNING, "warning"), ("SHUTOFF", Tone.OFF, "muted"),
    ("SHELVED_OFFLOADED", Tone.OFF, "muted"), ("SOFT_DELETED", Tone.OFF, "muted"), ("ERROR", Tone.ERROR, "strong-error"),
    ("UNKNOWN", Tone.UNKNOWN, "warning"), ("SOME_FUTURE_STATUS", Tone.UNKNOWN, "warning"),
])
def test_a_status_gets_its_tone_and_palette_role(status: str, tone: Tone, role: str) -> None:
    assert nova_status.tone(status) is tone and nova_status.role(status) == role


def test_idle_resources_say_half_a_gigabyte_for_a_512_mb_server() -> None:
    from biosphere_tui.models.groups import Quota
    from biosphere_tui.rules.idle import resources

    assert resources(Quota(1, 0.5, 1)) == "1 vCPU, 0.50 GB RAM, 1 GB disk"
    assert resources(Quota(4, 16, 40)) == "4 vCPU, 16 GB RAM, 40 GB disk"
