"""VM names: the portal's rule, a name suggested from an appliance's or an image's, and names
already taken by a live VM (the portal accepts them, but ``delete NAME`` could then not tell
the two VMs apart)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from biosphere_tui.i18n import _, t
from biosphere_tui.models.catalogue import Appliance

if TYPE_CHECKING:
    from biosphere_tui.cache.vms import VmRow

NAME_CHARS = re.compile(r"[^a-z0-9-]")
MAX_NAME = 40
NUMBERED = 99  # base, base-2 … base-99: the names a free one is looked for among


def name_problem(name: str) -> str:
    """The portal's rule: 3–40 characters of ``[a-z0-9-]`` starting with a letter ("" when valid)."""
    if len(name) < 3:
        return _("at least 3 characters")
    if len(name) > MAX_NAME:
        return t("at most 40 characters (now {n})", n=len(name))
    if not "a" <= name[0] <= "z":
        return _("must start with a letter a–z")
    if bad := sorted(set(NAME_CHARS.findall(name))):
        return t("only a–z, 0–9 and '-' (not {chars})", chars=" ".join(repr(c) for c in bad))
    return ""


def suggested_name(appliance: Appliance) -> str:
    return slug_name(appliance.name)


def slug_name(text: str) -> str:
    """A valid VM name made from ``text`` (an appliance's or an image's name)."""
    slug = NAME_CHARS.sub("-", text.lower()).strip("-")
    slug = re.sub("-+", "-", slug)[:36].strip("-")
    return slug if slug[:1].isalpha() and len(slug) >= 3 else f"vm-{slug}".strip("-")


def numbered(base: str) -> list[str]:
    """``base``, ``base-2``, ``base-3`` … (each within the portal's 40 characters)."""
    return [base, *(f"{base[:MAX_NAME - len(f'-{n}')]}-{n}" for n in range(2, NUMBERED + 1))]


def free_name(base: str, taken: Collection[str]) -> str:
    """The first of ``numbered(base)`` not ``taken`` (``base`` itself if all are)."""
    return next((name for name in numbered(base) if name not in taken), base)


def duplicate_problem(name: str, live: Sequence[VmRow]) -> str:
    """Why ``name`` should not be given to a new VM ("" when no live VM bears it)."""
    if not live:
        return ""
    where = ", ".join(f"{v.owner}, {v.site}, {_(v.state)}" for v in live[:2]) + (" …" if len(live) > 2 else "")
    return t("already the name of a live VM ({where}): `delete {name}` could not tell them apart",
             where=where, name=name)
