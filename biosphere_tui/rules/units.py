"""Sizes and project limits in words, the same on every screen and in every script.

Nova counts RAM in MB (a 512 MB flavour is real: m1.tiny) and says ``-1`` for a limit that is
not set (``models.states.UNLIMITED``).
"""

from __future__ import annotations

from biosphere_tui.i18n import _, number
from biosphere_tui.models.states import UNLIMITED


def gb(ram_mb: float) -> float | int:
    """RAM in GB for scripts: whole GB stay whole numbers (16), others keep two decimals (0.5)."""
    value = round(ram_mb / 1024, 2)
    return int(value) if value == int(value) else value


def ram(ram_mb: float) -> str:
    """"512 MB" below 1 GB, else GB: "16 GB", "1.5 GB"."""
    if ram_mb < 1024:
        return f"{number(ram_mb)} {_('MB')}"
    value = gb(ram_mb)
    return f"{number(value, 0 if value == int(value) else 1 if round(value, 1) == value else 2)} {_('GB')}"


def limit(most: int, scale: int = 1) -> str:
    """A maximum in words: the number (divided by ``scale``), or "unlimited" for -1."""
    return _("unlimited") if most == UNLIMITED else str(most // scale)


def used(in_use: int, most: int, scale: int = 1) -> str:
    """"3/8", or "3/unlimited"."""
    return f"{in_use // scale}/{limit(most, scale)}"
