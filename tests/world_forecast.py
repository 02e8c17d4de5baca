"""The quota forecast computed from the demo world's own record (not the cache): what the
consumption screen and ``ls usage`` should say."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from biosphere_tui.cache.usage import METRICS, Totals
from biosphere_tui.models.groups import Group, Quota
from biosphere_tui.models.states import GroupKind, Role
from biosphere_tui.rules.forecast import WINDOW_DAYS, Forecast, of_group


def world_forecast(demo, gid: str = "marine-meta") -> list[Forecast]:  # noqa: ANN001
    today = demo.clock.now().date()
    start = today - timedelta(days=WINDOW_DAYS)
    per_day: dict = defaultdict(lambda: [0.0] * len(METRICS))
    for row in demo.world.consumption(gid, "demo", start, today):
        for i, name in enumerate(METRICS):
            per_day[row.day][i] += getattr(row, name)
    days = [start + timedelta(days=n) for n in range(WINDOW_DAYS + 1)]
    daily = [(d, Totals(d.isoformat(), "", *per_day[d])) for d in days]
    info, used = demo.world.groups[gid], demo.world.committed(gid)
    group = Group(info.id, info.name, info.full_name, GroupKind(info.kind.value), Role.ADMIN,
                  Quota(info.quota.vcpu, info.quota.ram_gb, info.quota.storage_gb), info.start_date, info.end_date,
                  info.funding)
    return of_group(group, Quota(used.vcpu, used.ram_gb, used.storage_gb), daily, today)
