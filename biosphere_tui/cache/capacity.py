"""Reads for the sites screen: each site's portal status, whether its own OpenStack API
answered on the last refresh (freshness row ``site.<id>``), the project's limits there,
and one history point per refresh."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from biosphere_tui.cache.db import Reader
from biosphere_tui.cache.reader import optional_time
from biosphere_tui.models.nova import SiteLimits
from biosphere_tui.models.sites import Capacity, SiteStatus
from biosphere_tui.models.sources import Freshness
from biosphere_tui.models.states import SiteState

HISTORY_POINTS = 60


@dataclass(frozen=True)
class SiteRow:
    status: SiteStatus
    api: Freshness | None  # None: the site's OpenStack API is not configured (or never tried)
    limits: SiteLimits | None
    microversion: str = ""  # the compute microversion of the site's last good refresh

    @property
    def failing(self) -> bool:
        return self.api is not None and not self.api.ok


@dataclass(frozen=True)
class HistoryPoint:
    at: datetime
    state: str  # "up", or the error kind of a failed refresh
    latency_ms: float | None
    vcpu_used: int | None  # the project's vCPU in use on the site; None when the refresh failed


def site_rows(db: Reader, text: str = "") -> list[SiteRow]:
    """Every site the portal lists whose id, platform, city or features contain ``text``."""
    where, params = "1", []
    if text:
        where = "(s.id || ' ' || s.platform || ' ' || s.city || ' ' || s.features) LIKE ?"
        params.append(f"%{text}%")
    cur = db.execute(
        "SELECT s.id, s.platform, s.city, s.state, s.vcpu_total, s.vcpu_used, s.ram_gb_total, s.ram_gb_used, "
        "s.storage_gb_total, s.storage_gb_used, s.gpu_total, s.gpu_used, s.features, s.message, s.updated, "
        "f.source, f.last_attempt, f.last_success, f.last_error, f.error_kind, f.failures, f.duration, "
        "l.site, l.max_vcpu, l.used_vcpu, l.max_ram_mb, l.used_ram_mb, l.max_instances, l.used_instances, "
        "f.microversion "
        "FROM sites s LEFT JOIN freshness f ON f.source = 'site.' || s.id LEFT JOIN limits l ON l.site = s.id "
        f"WHERE {where} ORDER BY s.id",
        params,
    )
    return [
        SiteRow(
            SiteStatus(r[0], r[1], r[2], SiteState(r[3]), Capacity(r[4], r[5]), Capacity(r[6], r[7]),
                       Capacity(r[8], r[9]), Capacity(r[10], r[11]), tuple(json.loads(r[12])), r[13] or "",
                       datetime.fromisoformat(r[14])),
            Freshness(r[15], optional_time(r[16]), optional_time(r[17]), r[18], r[19], r[20], r[21]) if r[15] else None,
            SiteLimits(*r[22:29]) if r[22] else None,
            r[29] or "",
        )
        for r in cur.fetchall()
    ]


def history(db: Reader, site: str, points: int = HISTORY_POINTS) -> list[HistoryPoint]:
    """The last ``points`` refreshes of ``site``, oldest first."""
    cur = db.execute(
        "SELECT at, state, latency_ms, vcpu_used FROM "
        "(SELECT at, state, latency_ms, vcpu_used FROM site_history WHERE site = ? ORDER BY at DESC LIMIT ?) "
        "ORDER BY at",
        [site, points],
    )
    return [HistoryPoint(datetime.fromisoformat(r[0]), r[1], r[2], r[3]) for r in cur.fetchall()]
