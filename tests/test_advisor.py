"""advisor.py on hand-made matrices: the ranking, its one-line reason, and placing a class."""

from __future__ import annotations

from biosphere_tui.i18n import set_language
from biosphere_tui.models.catalogue import Room
from biosphere_tui.models.groups import Quota
from biosphere_tui.models.nova import Flavor
from biosphere_tui.models.states import SiteState
from biosphere_tui.rules.advisor import ClassPlan, Placement, Signal, class_why, headroom, plan_class, ranked, recommend
from biosphere_tui.rules.fit import APPLIANCE, CAPACITY, QUOTA, Minimum, assess

PLENTY = Quota(1000, 4000, 100_000)
NONE_USED = Quota(0, 0, 0)
SMALL = Minimum(1, 2)


def flavor(name: str, vcpus: int, ram_gb: int, disk_gb: int, site: str, gpus: int = 0) -> Flavor:
    return Flavor(site, f"id-{site}-{name}", name, vcpus, ram_gb * 1024, disk_gb, gpus)


SIZES = (("ifb.m4.medium", 1, 4, 40), ("ifb.m4.large", 2, 8, 110), ("ifb.m4.xlarge", 4, 16, 230))


def room(site: str, state: SiteState = SiteState.UP, vcpu: int = 500, **kw) -> Room:  # noqa: ANN003
    return Room(site, state, vcpu=vcpu, ram_gb=kw.pop("ram_gb", 4 * vcpu), storage_gb=kw.pop("storage_gb", 100 * vcpu),
                gpu=kw.pop("gpu", 0), **kw)


def matrix(*rooms: Room, minimum: Minimum = SMALL, quota: Quota = PLENTY, extra: tuple[Flavor, ...] = ()):  # noqa: ANN201
    flavors = [flavor(n, c, r, d, site=x.site) for x in rooms for n, c, r, d in SIZES]
    return assess(quota, NONE_USED, rooms, [*flavors, *extra], minimum)


def test_least_waste_flavour_on_the_roomiest_healthy_site() -> None:
    m = matrix(room("small", vcpu=40), room("big", vcpu=2000), room("sick", SiteState.DEGRADED, vcpu=5000, message="slow disks"))
    advice = recommend(m, {}, Minimum(1, 2))
    assert (advice.site, advice.flavor) == ("big", "ifb.m4.medium")
    assert advice.why == ("least waste over the 1 vCPU / 2 GB needed; "
                          "site up and fresh, 99% of its room left after launch")


def test_a_bigger_minimum_moves_to_a_bigger_flavour() -> None:
    advice = recommend(matrix(room("a"), minimum=Minimum(4, 16)), {}, Minimum(4, 16))
    assert advice.flavor == "ifb.m4.xlarge" and advice.why.startswith("exactly the 4 vCPU / 16 GB needed")


def test_healthy_and_fresh_before_degraded_or_stale() -> None:
    m = matrix(room("stale", vcpu=3000), room("sick", SiteState.DEGRADED, vcpu=3000), room("fine", vcpu=100))
    order = [f.site for f in ranked(m, {"stale": Signal(fresh=False)}, Minimum(1, 2)) if f.flavor == "ifb.m4.medium"]
    assert order == ["fine", "sick", "stale"]
    assert "site up, data not fresh" in recommend(matrix(room("stale")), {"stale": Signal(fresh=False)},
                                                      Minimum(1, 2)).why


def test_latency_breaks_a_tie_of_headroom() -> None:
    m = matrix(room("far", vcpu=1000), room("near", vcpu=1000))
    advice = recommend(m, {"far": Signal(80.0), "near": Signal(12.0)}, Minimum(1, 2))
    assert advice.site == "near" and advice.why.endswith("API 12 ms")
    # but much more room counts before a faster API
    m = matrix(room("far", vcpu=1000), room("near", vcpu=8))
    assert recommend(m, {"far": Signal(80.0), "near": Signal(12.0)}, Minimum(1, 2)).site == "far"


def test_a_gpu_flavour_is_never_recommended_to_a_cpu_appliance() -> None:
    gpu = flavor("ifb.gpu.a100.xlarge", 1, 4, 40, site="a", gpus=1)
    m = matrix(room("a", gpu=4), extra=(gpu,))
    assert recommend(m, {}, Minimum(1, 2)).flavor == "ifb.m4.medium"


def test_nothing_fits_no_recommendation() -> None:
    assert recommend(matrix(room("a"), quota=Quota(0, 0, 0)), {}, Minimum(1, 2)) is None
    assert recommend(matrix(room("down", SiteState.DOWN)), {}, Minimum(1, 2)) is None


def test_headroom_is_the_scarcest_resource_left() -> None:
    spec = flavor("x", 10, 10, 10, "a")
    assert headroom(spec, Room("a", SiteState.UP, vcpu=100, ram_gb=20, storage_gb=1000), count=1) == 0.5
    assert headroom(spec, Room("a", SiteState.UP, vcpu=100, ram_gb=20, storage_gb=1000), count=3) == 0.0


def test_a_class_goes_to_one_site_when_one_holds_it() -> None:
    m = matrix(room("small", vcpu=10), room("big", vcpu=300))
    plan = plan_class(m, {}, Minimum(1, 2), PLENTY, 20)
    assert plan == ClassPlan("ifb.m4.medium", (Placement("big", 20),))
    assert plan.sites == ["big"] * 20
    assert class_why(m, {}, plan).startswith("20 × ifb.m4.medium on big: site up and fresh")


def test_a_class_is_spread_when_no_site_holds_it() -> None:
    m = matrix(room("a", vcpu=12), room("b", vcpu=10))
    plan = plan_class(m, {}, Minimum(1, 2), PLENTY, 20, flavor="ifb.m4.medium")
    assert plan.ok and plan.placements == (Placement("a", 12), Placement("b", 8))
    assert class_why(m, {}, plan) == "20 × ifb.m4.medium spread: a ×12, b ×8 (no site holds them all)"


def test_a_pinned_site_too_small_is_refused_with_the_spread_offered() -> None:
    m = matrix(room("a", vcpu=12), room("b", vcpu=10))
    plan = plan_class(m, {}, Minimum(1, 2), PLENTY, 20, flavor="ifb.m4.medium", site="b")
    assert not plan.ok and not plan.placements
    assert plan.problem == ("b has room for 10 of 20 × ifb.m4.medium; "
                            "spread over several sites instead: a ×12, b ×8")


def test_a_class_too_large_for_the_quota_is_refused_with_the_reason() -> None:
    m = matrix(room("a"))
    plan = plan_class(m, {}, Minimum(2, 8), Quota(30, 200, 5000), 20, flavor="ifb.m4.large")
    assert not plan.ok
    assert plan.problem == ("20 × ifb.m4.large need 40 vCPU, 160 GB RAM and 2200 GB storage; the group has "
                            "30 vCPU, 200 GB RAM and 5000 GB storage left (room for 15)")


def test_a_class_without_flavour_takes_the_least_wasteful_that_holds_it_all() -> None:
    plan = plan_class(matrix(room("a")), {}, Minimum(1, 2), Quota(100, 1000, 5000), 20)
    assert plan.flavor == "ifb.m4.medium" and plan.ok
    too_small = plan_class(matrix(room("a")), {}, Minimum(8, 64), PLENTY, 2)
    assert not too_small.ok and too_small.problem == "no flavour is big enough for this appliance"


def test_not_enough_room_anywhere() -> None:
    plan = plan_class(matrix(room("a", vcpu=5), room("b", vcpu=3)), {}, Minimum(1, 2), PLENTY, 20,
                      flavor="ifb.m4.medium")
    assert plan.problem == "the sites have room for 8 of 20 × ifb.m4.medium now"


def test_unknown_site_or_flavour_is_said() -> None:
    m = matrix(room("a"), room("b"))
    assert plan_class(m, {}, Minimum(1, 2), PLENTY, 2, site="c").problem == "no site 'c' (known: a, b)"
    assert plan_class(m, {}, Minimum(1, 2), PLENTY, 2, flavor="ifb.x").problem == "no site offers ifb.x"


def test_a_refusal_says_what_stands_in_the_way() -> None:
    m = matrix(room("a", vcpu=5), room("b", vcpu=3))
    assert plan_class(m, {}, Minimum(8, 64), PLENTY, 2).kind == APPLIANCE
    assert plan_class(m, {}, Minimum(2, 8), PLENTY, 2, flavor="ifb.m4.medium").kind == APPLIANCE
    assert plan_class(m, {}, Minimum(1, 2), Quota(3, 100, 1000), 20, flavor="ifb.m4.medium").kind == QUOTA
    assert plan_class(m, {}, Minimum(1, 2), PLENTY, 20, flavor="ifb.m4.medium").kind == CAPACITY


def test_in_french_the_class_skips_too_small_flavours_and_says_why_in_french() -> None:
    set_language("fr")
    try:
        plan = plan_class(matrix(room("a")), {}, Minimum(2, 8), Quota(100, 1000, 5000), 20)
        assert plan.flavor == "ifb.m4.large" and plan.ok  # medium is too small: skipped, whatever the language
        too_small = plan_class(matrix(room("a")), {}, Minimum(8, 64), PLENTY, 2)
        assert too_small.problem == "aucun gabarit n'est assez grand pour cette appliance"
        crowded = plan_class(matrix(room("a", vcpu=5)), {}, Minimum(1, 2), PLENTY, 20, flavor="ifb.m4.medium")
        assert crowded.problem == "les sites ont de la place pour 5 des 20 × ifb.m4.medium en ce moment"
    finally:
        set_language("en")
