"""Reads for the launch advisor: each site's latest API latency and whether its data is fresh; the whole
assessment of an appliance for a group (fit matrix, quota left, recommendation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from biosphere_tui.cache import catalogue, reader
from biosphere_tui.cache.db import Reader
from biosphere_tui.models.catalogue import Appliance
from biosphere_tui.models.groups import Group, Quota
from biosphere_tui.models.states import GroupKind
from biosphere_tui.rules.advisor import Advice, Signal, left_of, recommend
from biosphere_tui.rules.fit import Matrix, Minimum, assess
from biosphere_tui.rules.freshness import outdated


def signals(db: Reader, now: datetime, stale_after: float) -> dict[str, Signal]:
    """Per site: the latency of its last answered refresh, and whether the portal's status page and
    the site's own cloud (when configured) were read within ``stale_after`` seconds."""
    latency = dict(db.execute(
        "SELECT h.site, h.latency_ms FROM site_history h WHERE h.latency_ms IS NOT NULL AND h.at = "
        "(SELECT MAX(u.at) FROM site_history u WHERE u.site = h.site AND u.latency_ms IS NOT NULL)").fetchall())
    fresh = {f.source: not outdated(f.last_success, now, stale_after) for f in reader.freshness(db)}
    status_fresh = fresh.get("portal.status", False)
    return {s.id: Signal(latency.get(s.id), status_fresh and fresh.get(f"site.{s.id}", True))
            for s in reader.sites(db)}


def launch_groups(db: Reader) -> list[Group]:
    """The groups one may launch in: training groups first, then projects."""
    return sorted((g for g in reader.groups(db) if g.kind is not GroupKind.AFFILIATION),
                  key=lambda g: (g.kind is not GroupKind.TRAINING, g.name))


@dataclass(frozen=True)
class Assessment:
    appliance: Appliance
    group: Group
    left: Quota
    minimum: Minimum
    matrix: Matrix
    signals: dict[str, Signal]
    advice: Advice | None
    platforms: dict[str, str]  # site id -> platform name


def assessment(db: Reader, appliance: Appliance, group: Group, *, now: datetime, stale_after: float) -> Assessment:
    """What fits of ``appliance`` for ``group`` now, and the advisor's choice."""
    minimum = Minimum.of(appliance)
    use = reader.quota_use(db, group.id)
    matrix = assess(group.quota, use, catalogue.rooms(db), catalogue.flavors(db), minimum)
    found = signals(db, now, stale_after)
    return Assessment(appliance, group, left_of(group.quota, use), minimum, matrix, found,
                      recommend(matrix, found, minimum), {s.id: s.platform for s in reader.sites(db)})
