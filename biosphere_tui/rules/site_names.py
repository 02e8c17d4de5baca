"""One name per site, on every screen and in every command's output: the short name of its platform
from the portal's status (``PRABI-LBBE``), else its cloud id (``ifb-prabi-girofle``, as in
OpenStack-only mode). Details show the id beside it. ``cache.reader.site_names`` reads the names."""

from __future__ import annotations

from collections.abc import Mapping


def site_name(names: Mapping[str, str], site: str) -> str:
    return names.get(site) or site


def site_detail(names: Mapping[str, str], site: str) -> str:
    """The name and, when they differ, the id: ``PRABI-LBBE (ifb-prabi-girofle)``."""
    name = site_name(names, site)
    return name if name == site else f"{name} ({site})"
