"""Reads for the launch advisor: each site's latest API latency and whether its data is fresh."""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from biosphere_tui.advisor import Signal
from biosphere_tui.cache import reader


def signals(db: Database, now: datetime, stale_after: float) -> dict[str, Signal]:
    """Per site: the latency of its last answered refresh, and whether the portal's status page and
    the site's own cloud (when configured) were read within ``stale_after`` seconds."""
    latency = dict(db.execute(
        "SELECT h.site, h.latency_ms FROM site_history h WHERE h.latency_ms IS NOT NULL AND h.at = "
        "(SELECT MAX(u.at) FROM site_history u WHERE u.site = h.site AND u.latency_ms IS NOT NULL)").fetchall())
    fresh = {f.source: f.last_success is not None and (now - f.last_success).total_seconds() <= stale_after
             for f in reader.freshness(db)}
    status_fresh = fresh.get("portal.status", False)
    return {s.id: Signal(latency.get(s.id), status_fresh and fresh.get(f"site.{s.id}", True))
            for s in reader.sites(db)}
