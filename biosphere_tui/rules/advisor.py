"""Which (site, flavour) to launch on: the fitting cells of a fit matrix, ranked, and why in one line.

Pure logic on ``fit.Matrix`` and two facts per site the cache knows (its API latency, whether its
data is fresh). The order, most decisive first:

1. a site up (not degraded) whose data is fresh;
2. the flavour that meets the appliance's minimum with least waste (no GPU it does not ask for,
   then the fewest extra vCPU, then the fewest extra GB of RAM);
3. the most room left on the site after the launch (in steps of 10 %, so that close sites tie);
4. the fastest API, then the site's name.

A class (N identical VMs) is placed in the same order: on the best site that holds them all,
else spread over the best sites, and only if the group's quota holds all N.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from biosphere_tui.i18n import _, t
from biosphere_tui.models.catalogue import Room
from biosphere_tui.models.groups import Quota
from biosphere_tui.models.nova import Flavor
from biosphere_tui.rules.fit import APPLIANCE, CAPACITY, QUOTA, SITE, Fit, Matrix, Minimum


@dataclass(frozen=True)
class Signal:
    """What the cache says of a site beyond its room: its API's latency, and whether its data is fresh."""

    latency_ms: float | None = None
    fresh: bool = True


@dataclass(frozen=True)
class Advice:
    site: str
    flavor: str
    why: str


@dataclass(frozen=True)
class Placement:
    site: str
    count: int


@dataclass(frozen=True)
class ClassPlan:
    """Where N identical VMs go; ``problem`` says why they cannot (then ``placements`` is empty) and
    ``kind`` what stands in the way, as ``fit`` names it (``APPLIANCE``: the flavour is too small)."""

    flavor: str
    placements: tuple[Placement, ...] = ()
    problem: str = ""
    kind: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def sites(self) -> list[str]:
        """One site per VM, in launch order."""
        return [p.site for p in self.placements for _ in range(p.count)]

    def describe(self, name: Callable[[str], str]) -> str:
        """``PRABI-LBBE ×12, GenOuest ×8``: each site by ``name`` (``Matrix.name``)."""
        return ", ".join(f"{name(p.site)} ×{p.count}" for p in self.placements)


def how_many(spec: Flavor, vcpu: int, ram_gb: float, storage_gb: int, gpu: int | None = None) -> int:
    """How many VMs of ``spec`` fit in these free amounts (GPU counted only when given)."""
    limits: list[tuple[float, int]] = [(vcpu, spec.vcpus), (ram_gb, spec.ram_mb // 1024), (storage_gb, spec.disk_gb)]
    if gpu is not None:
        limits.append((gpu, spec.gpus))
    return min((int(max(free, 0) // need) for free, need in limits if need > 0), default=1_000_000)


def site_holds(spec: Flavor, room: Room) -> int:
    return how_many(spec, room.vcpu, room.ram_gb, room.storage_gb, room.gpu)


def quota_holds(spec: Flavor, left: Quota) -> int:
    return how_many(spec, left.vcpu, left.ram_gb, left.storage_gb)


def left_of(quota: Quota, use: Quota) -> Quota:
    """What the group may still use (never below zero)."""
    return Quota(max(quota.vcpu - use.vcpu, 0), max(quota.ram_gb - use.ram_gb, 0),
                 max(quota.storage_gb - use.storage_gb, 0))


def headroom(spec: Flavor, room: Room, count: int = 1) -> float:
    """The share of the site's free room left once ``count`` VMs of ``spec`` run there (the scarcest resource)."""
    shares = [(free - count * need) / free for free, need in
              ((room.vcpu, spec.vcpus), (room.ram_gb, spec.ram_mb // 1024), (room.storage_gb, spec.disk_gb),
               (room.gpu, spec.gpus)) if need > 0 and free > 0]
    return max(min(shares, default=1.0), 0.0)


def waste(spec: Flavor, minimum: Minimum) -> tuple[int, int, int]:
    return spec.gpus, spec.vcpus - minimum.vcpu, spec.ram_mb // 1024 - minimum.ram_gb


def _key(matrix: Matrix, signals: Mapping[str, Signal], minimum: Minimum, f: Fit,
         count: int = 1) -> tuple[int, tuple[int, int, int], int, float, str]:
    signal = signals.get(f.site, Signal())
    spec = matrix.specs[f.flavor]
    tier = int(bool(f.warning) or not signal.fresh)
    room = -int(headroom(spec, matrix.rooms[f.site], count) * 10)
    latency = signal.latency_ms if signal.latency_ms is not None else float("inf")
    return tier, waste(spec, minimum), room, latency, f.site


def ranked(matrix: Matrix, signals: Mapping[str, Signal], minimum: Minimum) -> list[Fit]:
    """Every fitting (site, flavour), best first."""
    return sorted((f for f in matrix.fits.values() if f.ok), key=lambda f: _key(matrix, signals, minimum, f))


def _why_site(matrix: Matrix, signals: Mapping[str, Signal], f: Fit, count: int = 1) -> str:
    signal = signals.get(f.site, Signal())
    state = f.warning or (_("up, data not fresh") if not signal.fresh else _("up and fresh"))
    share = int(headroom(matrix.specs[f.flavor], matrix.rooms[f.site], count) * 100)  # 99.9 % is not 100 %
    latency = f", API {signal.latency_ms:.0f} ms" if signal.latency_ms is not None else ""
    return t("site {state}, {share}% of its room left after launch", state=state, share=share) + latency


def recommend(matrix: Matrix, signals: Mapping[str, Signal], minimum: Minimum) -> Advice | None:
    """The best fitting (site, flavour) and why, in one line; None when nothing fits."""
    best = next(iter(ranked(matrix, signals, minimum)), None)
    if best is None:
        return None
    exact = waste(matrix.specs[best.flavor], minimum)[1:] == (0, 0)
    needs = f"{minimum.vcpu} vCPU / {minimum.ram_gb} {_('GB')}"
    meets = t("exactly the {needs} needed", needs=needs) if exact else \
        t("least waste over the {needs} needed", needs=needs)
    return Advice(best.site, best.flavor, t("{meets}; {site}", meets=meets, site=_why_site(matrix, signals, best)))


def plan_class(matrix: Matrix, signals: Mapping[str, Signal], minimum: Minimum, left: Quota, count: int, *,
               flavor: str = "", site: str = "") -> ClassPlan:
    """Place ``count`` VMs of ``flavor`` (else the least wasteful flavour that takes them all), on ``site``
    when given (it must hold them all), else on the best site that does, else spread over the best sites."""
    if count < 1:
        return ClassPlan(flavor, problem=_("the class needs at least one VM"))
    if flavor and flavor not in matrix.specs:
        return ClassPlan(flavor, problem=t("no site offers {flavor}", flavor=flavor))
    if site and site not in matrix.rooms:
        return ClassPlan(flavor, problem=t("no site {site} (known: {known})", site=repr(site),
                                           known=", ".join(matrix.rooms)), kind=SITE)
    candidates = [flavor] if flavor else sorted(matrix.flavors, key=lambda n: waste(matrix.specs[n], minimum))
    plans = [_plan_flavor(matrix, signals, minimum, left, count, name, site) for name in candidates]
    if flavor:
        return plans[0]
    big_enough = [p for p in plans if p.kind != APPLIANCE]
    good = next((p for p in big_enough if p.ok), None)
    return good or (big_enough[0] if big_enough else
                    ClassPlan("", problem=_("no flavour is big enough for this appliance"), kind=APPLIANCE))


def _plan_flavor(matrix: Matrix, signals: Mapping[str, Signal], minimum: Minimum, left: Quota, count: int,
                 flavor: str, site: str) -> ClassPlan:
    spec = matrix.specs[flavor]
    ram_gb = spec.ram_mb // 1024
    if spec.vcpus < minimum.vcpu or ram_gb < minimum.ram_gb:
        return ClassPlan(flavor, problem=t("{flavor} is too small for this appliance (it needs {vcpu} vCPU / {ram} GB)",
                                           flavor=flavor, vcpu=minimum.vcpu, ram=minimum.ram_gb), kind=APPLIANCE)
    if (allowed := quota_holds(spec, left)) < count:
        return ClassPlan(flavor, kind=QUOTA, problem=t(
            "{n} × {flavor} need {vcpu} vCPU, {ram} GB RAM and {storage} GB storage; the group has "
            "{left_vcpu} vCPU, {left_ram} GB RAM and {left_storage} GB storage left (room for {allowed})",
            n=count, flavor=flavor, vcpu=count * spec.vcpus, ram=count * ram_gb, storage=count * spec.disk_gb,
            left_vcpu=left.vcpu, left_ram=left.ram_gb, left_storage=left.storage_gb, allowed=allowed))
    fits = [f for (_, name), f in matrix.fits.items() if name == flavor and f.ok]
    fits.sort(key=lambda f: _key(matrix, signals, minimum, f, count))
    holds = {f.site: site_holds(spec, matrix.rooms[f.site]) for f in fits}
    if site:
        chosen = matrix.get(site, flavor)
        if chosen is None:
            return ClassPlan(flavor, problem=t("{site} does not offer {flavor}", site=matrix.name(site), flavor=flavor),
                             kind=SITE)
        if not chosen.ok:
            return ClassPlan(flavor, problem=t("{flavor} on {site}: {reason}", flavor=flavor, site=matrix.name(site),
                                               reason=chosen.reason), kind=chosen.kind)
        if holds[site] < count:
            spread = _plan_flavor(matrix, signals, minimum, left, count, flavor, "")
            offer = "" if not spread.ok else (t("; {site} holds them all", site=matrix.name(spread.placements[0].site))
                                              if len(spread.placements) == 1 else
                                              t("; spread over several sites instead: {placements}",
                                                placements=spread.describe(matrix.name)))
            return ClassPlan(flavor, kind=CAPACITY, problem=t(
                "{site} has room for {room} of {n} × {flavor}", site=matrix.name(site), room=holds[site], n=count,
                flavor=flavor) + offer)
        return ClassPlan(flavor, (Placement(site, count),))
    whole = next((f.site for f in fits if holds[f.site] >= count), None)
    if whole is not None:
        return ClassPlan(flavor, (Placement(whole, count),))
    placements, wanted = [], count
    for f in sorted(fits, key=lambda f: (_key(matrix, signals, minimum, f)[0], -holds[f.site])):  # fewest sites
        take = min(holds[f.site], wanted)
        if take:
            placements.append(Placement(f.site, take))
            wanted -= take
        if not wanted:
            return ClassPlan(flavor, tuple(placements))
    return ClassPlan(flavor, kind=CAPACITY, problem=t("the sites have room for {room} of {n} × {flavor} now",
                                                      room=count - wanted, n=count, flavor=flavor))


def class_why(matrix: Matrix, signals: Mapping[str, Signal], plan: ClassPlan) -> str:
    """One line on where a class goes and why there."""
    if not plan.ok or not plan.placements:
        return plan.problem
    first = plan.placements[0]
    fit = matrix.get(first.site, plan.flavor)
    assert fit is not None
    if len(plan.placements) == 1:
        return t("{n} × {flavor} on {site}: {why}", n=first.count, flavor=plan.flavor, site=matrix.name(first.site),
                 why=_why_site(matrix, signals, fit, first.count))
    return t("{n} × {flavor} spread: {placements} (no site holds them all)", n=sum(p.count for p in plan.placements),
             flavor=plan.flavor, placements=plan.describe(matrix.name))
