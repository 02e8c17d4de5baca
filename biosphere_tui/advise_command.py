"""``biosphere-tui advise APPLIANCE``: which site × flavour fits now (and why not), and the one recommended.

Exit 0 when something fits, 1 when nothing does, 3 when the appliance is unknown.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any

from biosphere_tui.cache.advice import Assessment, assessment
from biosphere_tui.config import Config, state_file
from biosphere_tui.fit import APPLIANCE, CAPACITY, QUOTA, Fit
from biosphere_tui.headless import EXIT_NOTHING_FITS, Refused, find_appliance, find_group, fresh_cache
from biosphere_tui.state import load_state

SHORT = {APPLIANCE: "✗ small", QUOTA: "✗ quota", CAPACITY: "✗ full"}


def add_parser(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("advise", parents=parents,
                                   help="which site and flavour fit an appliance now, and the one recommended")
    parser.add_argument("appliance", metavar="APPLIANCE", help="appliance id or name (as in the catalogue)")
    parser.add_argument("--group", "-g", default="", metavar="G", help="group whose quota it spends (default: yours)")
    parser.add_argument("-f", "--format", choices=("table", "json"), default="table", help="output (default table)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, config: Config) -> int:
    try:
        db = fresh_cache(config)
        try:
            found = assessment(db, find_appliance(db, args.appliance),
                               find_group(db, args.group, load_state(state_file())[0].current_group),
                               now=datetime.now(timezone.utc), stale_after=config.refresh_interval * 3)
        finally:
            db.close()
    except Refused as exc:
        print(f"biosphere-tui: {exc.message}", file=sys.stderr)
        return exc.code
    print(json.dumps(as_json(found), indent=2, ensure_ascii=False) if args.format == "json" else as_table(found))
    return 0 if found.advice is not None else EXIT_NOTHING_FITS


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
    lines.append(f"Recommended: {advice.site} / {advice.flavor} — {advice.why}" if advice is not None
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
