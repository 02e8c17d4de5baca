"""fit.py on hand-made inputs: every reason a launch cannot fit, and the proposals."""

from __future__ import annotations

from datetime import UTC, datetime

from biosphere_tui.models.catalogue import Room
from biosphere_tui.models.groups import Quota
from biosphere_tui.models.nova import Flavor
from biosphere_tui.models.states import SiteState
from biosphere_tui.rules.fit import APPLIANCE, CAPACITY, QUOTA, SITE, Minimum, assess, fit

PLENTY = dict(vcpu=1000, ram_gb=4000, storage_gb=100_000, gpu=4)
QUOTA_ = Quota(64, 256, 5000)
NONE_USED = Quota(0, 0, 0)
SMALL_APP = Minimum(1, 2)


def flavor(name: str, vcpus: int, ram_gb: int, disk_gb: int = 100, gpus: int = 0, site: str = "a") -> Flavor:
    return Flavor(site, f"id-{site}-{name}", name, vcpus, ram_gb * 1024, disk_gb, gpus)


def room(site: str = "a", state: SiteState = SiteState.UP, **kw) -> Room:  # noqa: ANN003
    return Room(site, state, **{**PLENTY, **kw})


M4_2XL = flavor("ifb.m4.2xlarge", 8, 32, 470)
M4_4XL = flavor("ifb.m4.4xlarge", 16, 64, 920)


def test_a_flavour_that_fits() -> None:
    result = fit(M4_2XL, room(), SMALL_APP, QUOTA_, NONE_USED)
    assert result.ok and result.reason == "" and result.warning == ""


def test_quota_vcpu_ram_and_storage_left() -> None:
    result = fit(M4_4XL, room(), SMALL_APP, Quota(64, 256, 5000), Quota(56, 230, 4500))
    assert not result.ok and result.kind == QUOTA
    assert [r.text for r in result.reasons] == [
        "needs 16 vCPU, the group has 8 vCPU left",
        "needs 64 GB RAM, the group has 26 GB RAM left",
        "needs 920 GB storage, the group has 500 GB storage left",
    ]


def test_over_quota_counts_as_nothing_left() -> None:
    result = fit(M4_2XL, room(), SMALL_APP, Quota(8, 32, 470), Quota(10, 0, 0))
    assert result.reason == "needs 8 vCPU, the group has 0 vCPU left"


def test_site_capacity() -> None:
    result = fit(M4_4XL, room(vcpu=4, ram_gb=40), SMALL_APP, QUOTA_, NONE_USED)
    assert result.kind == CAPACITY
    assert result.reason == "site has 4 vCPU free; site has 40 GB RAM free"


def test_gpu_flavour_on_a_site_without_free_gpu() -> None:
    gpu = flavor("ifb.gpu.a100.xlarge", 16, 64, 500, gpus=1)
    assert fit(gpu, room(gpu=0), SMALL_APP, QUOTA_, NONE_USED).reason == "site has 0 GPU free"


def test_flavour_too_small_for_the_appliance() -> None:
    small = flavor("ifb.m4.large", 2, 8)
    result = fit(small, room(), Minimum(2, 16), QUOTA_, NONE_USED)
    assert result.kind == APPLIANCE
    assert result.reason == "flavour too small for this appliance: needs 16 GB RAM"
    both = fit(small, room(), Minimum(4, 16), QUOTA_, NONE_USED)
    assert both.reason == "flavour too small for this appliance: needs 4 vCPU and 16 GB RAM"


def test_site_down_since_with_the_status_message() -> None:
    since = datetime(2026, 11, 25, 12, 3, tzinfo=UTC)
    result = fit(M4_2XL, room(state=SiteState.DOWN, message="power cut", since=since), SMALL_APP, QUOTA_, NONE_USED)
    assert result.kind == SITE and result.reason == "site down since 12:03: power cut"


def test_site_whose_cloud_does_not_answer_is_down_whatever_the_portal_says() -> None:
    since = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    result = fit(M4_2XL, room(answers=False, since=since), SMALL_APP, QUOTA_, NONE_USED)
    assert result.reason == "site down since 09:30 (its cloud does not answer)"


def test_site_in_maintenance_and_reasons_in_order() -> None:
    result = fit(M4_4XL, room(state=SiteState.MAINTENANCE), Minimum(32, 8), Quota(8, 256, 5000), NONE_USED)
    assert [r.kind for r in result.reasons] == [SITE, APPLIANCE, QUOTA]
    assert result.reasons[0].text == "site in maintenance"


def test_degraded_site_fits_with_a_warning() -> None:
    result = fit(M4_2XL, room(state=SiteState.DEGRADED, message="slow storage"), SMALL_APP, QUOTA_, NONE_USED)
    assert result.ok and result.warning == "site degraded: slow storage"


def _federation(*sites: str) -> list[Flavor]:
    return [flavor(name, c, r, d, site=s) for s in sites or ("down", "busy", "big")
            for name, c, r, d in (("ifb.m4.large", 2, 8, 110), ("ifb.m4.2xlarge", 8, 32, 470),
                                  ("ifb.m4.4xlarge", 16, 64, 920))]


def test_matrix_recommends_a_site_with_room() -> None:
    rooms = [room("down", SiteState.DOWN), room("busy", vcpu=100), room("big", vcpu=900),
             room("slow", SiteState.DEGRADED, vcpu=2000)]
    matrix = assess(QUOTA_, NONE_USED, rooms, _federation() + [flavor("ifb.m4.2xlarge", 8, 32, 470, site="slow")],
                    SMALL_APP)
    assert matrix.flavors == ("ifb.m4.large", "ifb.m4.2xlarge", "ifb.m4.4xlarge")
    assert matrix.get("slow", "ifb.m4.large") is None  # not offered there
    assert matrix.best_site("ifb.m4.2xlarge") == "big"  # most free vCPU among healthy sites
    assert matrix.proposal("down", "ifb.m4.2xlarge") == "down is down; big has room"
    assert matrix.proposal("big", "ifb.m4.2xlarge") == ""
    assert matrix.proposal("slow", "ifb.m4.large") == "slow does not offer ifb.m4.large; big has room"
    assert matrix.choose("down", "ifb.m4.4xlarge") == ("big", "ifb.m4.4xlarge")
    assert matrix.choose("busy", "ifb.m4.large") == ("busy", "ifb.m4.large")


def test_matrix_proposes_a_flavour_within_quota_or_big_enough() -> None:
    matrix = assess(Quota(10, 40, 1000), NONE_USED, [room("big")], _federation(), Minimum(4, 16))
    assert not matrix.get("big", "ifb.m4.4xlarge").ok
    assert matrix.proposal("big", "ifb.m4.4xlarge") == \
        "ifb.m4.4xlarge does not fit the group's quota; ifb.m4.2xlarge does on big"
    assert matrix.proposal("big", "ifb.m4.large") == \
        "ifb.m4.large does not fit this appliance; ifb.m4.2xlarge does on big"
    assert matrix.choose() == ("big", "ifb.m4.2xlarge")  # the smallest that fits


def test_proposals_name_sites_by_their_display_name() -> None:
    rooms = [room("ifb-bird-stack", SiteState.DOWN, name="BiRD"), room("ifb-core-cloud", vcpu=900, name="IFB-core")]
    matrix = assess(QUOTA_, NONE_USED, rooms, _federation("ifb-bird-stack") + _federation("ifb-core-cloud"), SMALL_APP)
    assert matrix.proposal("ifb-bird-stack", "ifb.m4.large") == "BiRD is down; IFB-core has room"
    tight = assess(Quota(10, 40, 1000), NONE_USED, rooms[1:], _federation("ifb-core-cloud"), Minimum(4, 16))
    assert tight.proposal("ifb-core-cloud", "ifb.m4.4xlarge") == \
        "ifb.m4.4xlarge does not fit the group's quota; ifb.m4.2xlarge does on IFB-core"


def test_nothing_fits_anywhere() -> None:
    matrix = assess(Quota(1, 1, 1), NONE_USED, [room("big")], _federation(), SMALL_APP)
    assert matrix.choose() is None
    assert matrix.proposal("big", "ifb.m4.large") == ""


def test_quota_way_out_is_a_smaller_flavour_of_the_same_kind() -> None:
    flavors = _federation() + [flavor("ifb.m4.8xlarge", 32, 128, 1840, site="big"),
                               flavor("ifb.gpu.a100.xlarge", 16, 64, 500, gpus=1, site="big")]
    matrix = assess(Quota(20, 100, 5000), NONE_USED, [room("big")], flavors, SMALL_APP)
    assert matrix.get("big", "ifb.gpu.a100.xlarge").ok  # it fits, but is no answer for a CPU flavour
    assert matrix.way_out("big", "ifb.m4.8xlarge") == ("big", "ifb.m4.4xlarge")
    assert matrix.way_out("big", "ifb.m4.4xlarge") is None  # it fits
