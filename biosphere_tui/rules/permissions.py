"""Who may do what with a VM, for the screens and the commands alike (the portal decides in the end;
these rules refuse before a confirmation is asked or a request is sent)."""

from __future__ import annotations

from collections.abc import Collection

from biosphere_tui.i18n import Phrase


def delete_refusal(name: str, owner: str, group: str, *, me: str | None, admin_of: Collection[str]) -> Phrase | None:
    """Why the user ``me`` (None: unknown) may not delete the VM ``name``: only its ``owner`` or an
    admin of its ``group`` may. None when they may."""
    if (me is not None and owner == me) or group in admin_of:
        return None
    return Phrase.of("{name} belongs to {owner}: only its owner or an admin of {group} can delete it.",
                     name=name, owner=owner, group=group)
