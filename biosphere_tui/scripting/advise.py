"""``biosphere-tui advise APPLIANCE``: which site × flavour fits now (and why not), and the one recommended.

Exit 0 when something fits, 1 when nothing does, 3 when the appliance or group is unknown.
"""

from __future__ import annotations

import argparse
from typing import Any

from biosphere_tui.rules.fit import APPLIANCE, CAPACITY, QUOTA, Fit
from biosphere_tui.rules.freshness import stale_after
from biosphere_tui.scripting import Exit
from biosphere_tui.scripting.output import json_text
from biosphere_tui.scripting.session import ACCOUNT, Session
from biosphere_tui.views.advice import Assessment, assessment

SHORT = {APPLIANCE: "✗ small", QUOTA: "✗ quota", CAPACITY: "✗ full"}
READS = {ACCOUNT, "portal.catalogue", "portal.status", "portal.deployments"}  # and the sites: what launching reads


def launch_assessment(session: Session, appliance: str, group: str | None) -> Assessment:
    """The appliance and group named, assessed on a cache refreshed first (room and quota change fast)."""
    session.ensure(READS, {"site"}, refresh=True)
    return assessment(session.db, session.appliance(appliance), session.group(group, launch=True),
                      now=session.now(), stale_after=stale_after(session.config.refresh_interval))


def advise(session: Session, args: argparse.Namespace) -> int:
    found = launch_assessment(session, args.appliance, args.group)
    print(json_text(as_json(found)) if args.format == "json" else as_table(found))
    return Exit.OK if found.advice is not None else Exit.FAILED


def _short(fit: Fit | None) -> str:
    if fit is None:
        return "—"
    if fit.ok:
        return "✓ (degraded)" if fit.warning else "✓"
    return SHORT.get(fit.kind, "✗ down")


def as_table(found: Assessment) -> str:
    m, a = found.matrix, found.appliance
    sites = list(m.rooms)
    cells = {(s, name): _short(m.get(s, name)) for s in sites for name in m.flavors}
    width = max((len(text) for text in [*cells.values(), *(found.platforms.get(s, s) for s in sites)]), default=8) + 2
    first = max((len(n) for n in m.flavors), default=8) + 2
    lines = [f"{a.name} #{a.id} (needs {a.min_vcpu} vCPU, {a.min_ram_gb} GB RAM) for {found.group.id}: "
             f"{found.left.vcpu} vCPU, {found.left.ram_gb} GB RAM, {found.left.storage_gb} GB storage left", "",
             " " * first + "".join(f"{found.platforms.get(s, s):<{width}}" for s in sites)]
    for name in m.flavors:
        lines.append(f"{name:<{first}}" + "".join(f"{cells[s, name]:<{width}}" for s in sites))
    why: dict[tuple[str, str], list[str]] = {}  # (flavour, reason) -> sites
    for (site, name), fit in m.fits.items():
        if not fit.ok:
            why.setdefault((name, fit.reason), []).append(found.platforms.get(site, site))
    if why:
        lines += ["", "Why not:"]
        lines += [f"  {name} on {', '.join(where) if len(where) < len(sites) else 'every site'}: {reason}"
                  for (name, reason), where in sorted(why.items(), key=lambda item: m.flavors.index(item[0][0]))]
    lines.append("")
    advice = found.advice
    lines.append(f"Recommended: {found.platforms.get(advice.site, advice.site)} / {advice.flavor} — {advice.why}"
                 if advice is not None
                 else f"Nothing fits now for {found.group.id}.")
    return "\n".join(lines)


def as_json(found: Assessment) -> dict[str, Any]:
    m, a = found.matrix, found.appliance
    return {
        "appliance": {"id": a.id, "name": a.name, "min_vcpu": a.min_vcpu, "min_ram_gb": a.min_ram_gb},
        "group": {"id": found.group.id, "left": {"vcpu": found.left.vcpu, "ram_gb": found.left.ram_gb,
                                                 "storage_gb": found.left.storage_gb}},
        "sites": list(m.rooms),
        "flavors": list(m.flavors),
        "matrix": [{"site": site, "flavor": name, "fits": fit.ok, "reasons": [r.text for r in fit.reasons],
                    "warning": fit.warning} for (site, name), fit in m.fits.items()],
        "recommendation": None if found.advice is None else
        {"site": found.advice.site, "flavor": found.advice.flavor, "why": found.advice.why},
    }
