"""Does a deployment fit? The group's quota, each site's state and free room, the appliance's needs.

Pure logic on plain values (no UI, no SQL): the launch screen gives it what the cache says
and shows, for every (site, flavour), whether it fits and, when not, why in plain words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from biosphere_tui.i18n import _, t
from biosphere_tui.models.catalogue import Appliance, Room
from biosphere_tui.models.groups import Quota
from biosphere_tui.models.nova import Flavor
from biosphere_tui.models.states import SiteState
from biosphere_tui.rules import units

SITE, APPLIANCE, QUOTA, CAPACITY = "site", "appliance", "quota", "capacity"


@dataclass(frozen=True)
class Minimum:
    """What an appliance needs of a flavour (the portal checks vCPU and RAM)."""

    vcpu: int
    ram_gb: int

    @classmethod
    def of(cls, appliance: Appliance) -> Minimum:
        return cls(appliance.min_vcpu, appliance.min_ram_gb)


@dataclass(frozen=True)
class Reason:
    kind: str  # SITE, APPLIANCE, QUOTA or CAPACITY
    text: str


@dataclass(frozen=True)
class Fit:
    site: str
    flavor: str
    reasons: tuple[Reason, ...] = ()
    warning: str = ""  # fits, but the site is degraded

    @property
    def ok(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> str:
        """Every reason, most decisive first, in one sentence."""
        return "; ".join(r.text for r in self.reasons)

    @property
    def kind(self) -> str:
        return self.reasons[0].kind if self.reasons else ""


def _since(room: Room) -> str:
    return " " + t("since {clock}", clock=f"{room.since:%H:%M}") if room.since else ""


def _state_word(room: Room) -> str:
    """"down" or "in maintenance" when nothing can be launched there, else ""."""
    if room.state is SiteState.DOWN or not room.answers and room.state is not SiteState.MAINTENANCE:
        return _("down")
    return _("in maintenance") if room.state is SiteState.MAINTENANCE else ""


def site_problem(room: Room) -> str:
    """Why nothing can be launched on this site now ("" when something can)."""
    word = _state_word(room)
    if not word:
        return ""
    if room.state in (SiteState.DOWN, SiteState.MAINTENANCE):
        return t("site {state}", state=word + _since(room)) + (f": {room.message}" if room.message else "")
    return t("site {state} (its cloud does not answer)", state=_("down") + _since(room))


def _amount(value: float, unit: str) -> str:
    return f"{value} {unit}" if unit == "vCPU" or unit == "GPU" else t("{n} GB {what}", n=value, what=_(unit))


def fit(flavor: Flavor, room: Room, minimum: Minimum, quota: Quota, use: Quota) -> Fit:
    """Whether ``flavor`` can be launched on ``room``'s site for a group with ``quota`` holding ``use``."""
    reasons: list[Reason] = []
    if problem := site_problem(room):
        reasons.append(Reason(SITE, problem))
    ram_gb = units.gb(flavor.ram_mb)  # 0.5 for a 512 MB flavour, not 0
    short = [_amount(n, unit) for n, have, unit in ((minimum.vcpu, flavor.vcpus, "vCPU"),
                                                    (minimum.ram_gb, ram_gb, "RAM")) if have < n]
    if short:
        reasons.append(Reason(APPLIANCE, t("flavour too small for this appliance: needs {amounts}",
                                           amounts=_(" and ").join(short))))
    for need, total, used, unit in ((flavor.vcpus, quota.vcpu, use.vcpu, "vCPU"),
                                    (ram_gb, quota.ram_gb, use.ram_gb, "RAM"),
                                    (flavor.disk_gb, quota.storage_gb, use.storage_gb, "storage")):
        left = max(total - used, 0)
        if need > left:
            reasons.append(Reason(QUOTA, t("needs {need}, the group has {left} left", need=_amount(need, unit),
                                           left=_amount(left, unit))))
    if room.usable:
        for need, free, unit in ((flavor.vcpus, room.vcpu, "vCPU"), (ram_gb, room.ram_gb, "RAM"),
                                 (flavor.disk_gb, room.storage_gb, "storage"), (flavor.gpus, room.gpu, "GPU")):
            if need > free:
                reasons.append(Reason(CAPACITY, t("site has {free} free", free=_amount(free, unit))))
    warning = t("site degraded: {message}", message=room.message) if room.state is SiteState.DEGRADED and not reasons \
        else ""
    return Fit(room.site, flavor.name, tuple(reasons), warning.rstrip(": "))


@dataclass(frozen=True)
class Matrix:
    """Every (site, flavour offered there) assessed; sites and flavours in display order."""

    rooms: dict[str, Room]
    specs: dict[str, Flavor]  # by name, small to large
    fits: dict[tuple[str, str], Fit]

    @property
    def flavors(self) -> tuple[str, ...]:
        return tuple(self.specs)

    def name(self, site: str) -> str:
        """The site's display name (its id when the matrix does not know it)."""
        room = self.rooms.get(site)
        return room.label if room is not None else site

    def get(self, site: str, flavor: str) -> Fit | None:
        """None when the site does not offer the flavour."""
        return self.fits.get((site, flavor))

    def best_site(self, flavor: str) -> str | None:
        """Where ``flavor`` fits: a healthy site before a degraded one, then the most free vCPU."""
        places = [f for (_, name), f in self.fits.items() if name == flavor and f.ok]
        best = min(places, key=lambda f: (bool(f.warning), -self.rooms[f.site].vcpu, f.site), default=None)
        return best.site if best else None

    def choose(self, site: str = "", flavor: str = "") -> tuple[str, str] | None:
        """The (site, flavour) to start from: the wanted one if it fits, the wanted flavour
        on the best site, else the smallest flavour that fits anywhere."""
        wanted = self.get(site, flavor)
        if wanted is not None and wanted.ok:
            return site, flavor
        if (other := self.best_site(flavor)) is not None:
            return other, flavor
        for name in self.flavors:  # flavours are sorted small to large
            if (other := self.best_site(name)) is not None:
                return other, name
        return None

    def way_out(self, site: str, flavor: str) -> tuple[str, str] | None:
        """What to pick instead when (site, flavour) does not fit: for the group's quota the
        biggest smaller flavour that fits here, for the appliance the smallest that does (neither
        with a GPU unless the chosen one has one); for the site, the best other site."""
        chosen = self.get(site, flavor)
        if chosen is not None and chosen.ok:
            return None
        if chosen is not None and chosen.kind in (QUOTA, APPLIANCE):
            spec = self.specs[flavor]
            fitting = [name for name in self.flavors if (f := self.get(site, name)) is not None and f.ok
                       and self.specs[name].gpus == spec.gpus]
            if chosen.kind == QUOTA and (smaller := [n for n in fitting if self.specs[n].vcpus <= spec.vcpus]):
                return site, smaller[-1]
            if chosen.kind == APPLIANCE and fitting:
                return site, fitting[0]
        other = self.best_site(flavor)
        return (other, flavor) if other is not None else None

    def proposal(self, site: str, flavor: str) -> str:
        """The way out in words ("" when (site, flavour) fits or nothing helps)."""
        out = self.way_out(site, flavor)
        if out is None:
            return ""
        chosen = self.get(site, flavor)
        if out[0] == site:
            why = _("the group's quota") if chosen is not None and chosen.kind == QUOTA else _("this appliance")
            return t("{flavor} does not fit {why}; {other} does on {site}", flavor=flavor, why=why, other=out[1],
                     site=self.name(site))
        room, name = self.rooms.get(site), self.name(site)
        if chosen is None:
            why = t("{site} does not offer {flavor}", site=name, flavor=flavor)
        elif room is not None and (word := _state_word(room)):
            why = t("{site} is {state}", site=name, state=word)
        else:
            why = t("{site} has no room for {flavor}", site=name, flavor=flavor)
        return t("{why}; {other} has room", why=why, other=self.name(out[0]))


def flavor_order(flavor: Flavor) -> tuple[int, int, int, str]:
    return flavor.gpus, flavor.vcpus, flavor.ram_mb, flavor.name


def assess(quota: Quota, use: Quota, rooms: Iterable[Room], flavors: Sequence[Flavor], minimum: Minimum) -> Matrix:
    """Every flavour offered on every known site, for a group with ``quota`` holding ``use``."""
    by_site = {room.site: room for room in rooms}
    fits: dict[tuple[str, str], Fit] = {}
    names: dict[str, Flavor] = {}
    for flavor in sorted(flavors, key=flavor_order):
        room = by_site.get(flavor.site)
        if room is None:
            continue
        names.setdefault(flavor.name, flavor)
        fits[(flavor.site, flavor.name)] = fit(flavor, room, minimum, quota, use)
    return Matrix(by_site, names, fits)
