"""VM names: the portal's rule, and a name suggested from an appliance's or an image's."""

from __future__ import annotations

import re

from biosphere_tui.i18n import _, t
from biosphere_tui.models import Appliance

NAME_CHARS = re.compile(r"[^a-z0-9-]")


def name_problem(name: str) -> str:
    """The portal's rule: 3–40 characters of ``[a-z0-9-]`` starting with a letter ("" when valid)."""
    if len(name) < 3:
        return _("at least 3 characters")
    if len(name) > 40:
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
