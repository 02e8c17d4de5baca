"""The VM reads: scope, filter words, finished ones, sort orders, windows and one VM in full."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from biosphere_tui.cache import vm_detail, vms
from biosphere_tui.cache.db import open_cache
from biosphere_tui.cache.vms import VmQuery
from biosphere_tui.cache.writer import CacheWriter
from biosphere_tui.models.deployments import AccessLink, Deployment, Parameter
from biosphere_tui.models.nova import Image, Server, SiteLimits, SiteSnapshot
from biosphere_tui.models.states import DeploymentState
from biosphere_tui.rules.access import deployment_ssh

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
S = DeploymentState


def dep(did: str, name: str, *, owner: str = "demo", group: str = "marine-meta", state: S = S.READY,
        site: str = "a", hours: int = 1, **extra: object) -> Deployment:
    return Deployment(did, name, "125", "Marine Microbiome", group, owner, site, "ifb.m4.large", state,
                      AT - timedelta(hours=hours), AT, 2, 8, 20, server_id=f"srv-{did}", ip=None, **extra)


def server(did: str, ip: str | None = "10.0.0.5", status: str = "ACTIVE") -> Server:
    return Server("a", f"srv-{did}", did, status, "ifb.m4.large", 2, 8192, 20, "img-1", ip, AT, AT)


@pytest.fixture
def db(tmp_path: Path):  # noqa: ANN201
    writer = CacheWriter(open_cache(tmp_path / "c.sqlite").db)
    writer.deployments([
        dep("d1", "alpha", hours=1),
        dep("d2", "Beta_1", owner="lena", hours=5, state=S.PROVISIONING),
        dep("d3", "gamma", owner="lena", group="plant", hours=2, state=S.DONE),
        dep("d4", "delta", hours=9, state=S.CANCELLED),
        dep("d5", "epsilon", owner="omar", hours=3, state=S.ABORTED, reason="Quota exceeded on the site."),
        dep("d6", "zeta100%", hours=4),
    ], 0.1, AT)
    snapshot = SiteSnapshot([server("d1"), server("d2", ip=None, status="BUILD")], [],
                            [Image("a", "img-1", "Ubuntu 22.04", "active", 10, 512, "ubuntu")],
                            SiteLimits("a", 100, 4, 409600, 16384, 50, 2))
    writer.site("a", snapshot, 0.1, AT)
    return writer.db


def ids(rows: list[vms.VmRow]) -> list[str]:
    return [r.id for r in rows]


def test_scope_and_finished(db) -> None:  # noqa: ANN001
    assert ids(vms.vms(db, VmQuery(owner="demo"))) == ["d1", "d6", "d4"]
    assert ids(vms.vms(db, VmQuery(owner="demo", finished=False))) == ["d1", "d6"]
    assert set(ids(vms.vms(db, VmQuery(group_id="marine-meta", finished=False)))) == {"d1", "d2", "d5", "d6"}
    assert vms.count(db, VmQuery(group_id="marine-meta")) == 5


def test_a_window_counts_every_match(db) -> None:  # noqa: ANN001
    query = VmQuery(group_id="marine-meta")
    rows, total = vms.window(db, query, limit=2)
    assert ids(rows) == ids(vms.vms(db, query))[:2] and total == 5
    assert vms.window(db, VmQuery(text="nothing-like-this"), limit=2) == ([], 0)


def test_every_word_must_match_some_field_and_wildcards_are_literal(db) -> None:  # noqa: ANN001
    assert ids(vms.vms(db, VmQuery(text="LENA provisioning"))) == ["d2"]
    assert ids(vms.vms(db, VmQuery(text="10.0.0.5"))) == ["d1"]  # the live server's IP
    assert ids(vms.vms(db, VmQuery(text="_"))) == ["d2"]  # not "any character"
    assert ids(vms.vms(db, VmQuery(text="100%"))) == ["d6"]
    assert vms.count(db, VmQuery(text="nothing-like-this")) == 0


@pytest.mark.parametrize(("sort", "descending", "expected"), [
    ("age", False, ["d1", "d3", "d5", "d6", "d2", "d4"]),  # youngest first
    ("age", True, ["d4", "d2", "d6", "d5", "d3", "d1"]),
    ("name", False, ["d1", "d2", "d4", "d5", "d3", "d6"]),  # any case
    ("state", False, ["d2", "d1", "d6", "d3", "d5", "d4"]),  # in lifecycle order
])
def test_sort_orders(db, sort: str, descending: bool, expected: list[str]) -> None:  # noqa: ANN001
    assert ids(vms.vms(db, VmQuery(sort=sort, descending=descending))) == expected


def test_windows_page_through_the_same_order(db) -> None:  # noqa: ANN001
    query = VmQuery(sort="name")
    assert ids(vms.vms(db, query, limit=2)) + ids(vms.vms(db, query, limit=10, offset=2)) == ids(vms.vms(db, query))


def test_rows_marks_what_is_left_to_delete(db) -> None:  # noqa: ANN001
    found = {r.id: r for r in vms.rows(db, ["d1", "d3", "d5", "gone"])}
    assert set(found) == {"d1", "d3", "d5"}
    assert [found[i].gone for i in ("d1", "d3", "d5")] == [False, True, True]


def test_detail_joins_the_live_server_and_its_image(db) -> None:  # noqa: ANN001
    d = vm_detail.detail(db, "d1")
    assert d is not None and d.server is not None
    assert (d.server.status, d.image, d.ip) == ("ACTIVE", "Ubuntu 22.04", "10.0.0.5")
    assert deployment_ssh(d.deployment, d.ip).command == "ssh ubuntu@10.0.0.5"
    assert vm_detail.detail(db, "nope") is None


def test_detail_keeps_access_parameters_and_reason(tmp_path: Path) -> None:
    writer = CacheWriter(open_cache(tmp_path / "c.sqlite").db)
    web = dep("w1", "jupyter", access=(AccessLink("ssh", "ssh://admin@10.1.1.1"),
                                       AccessLink("https", "https://jupyter.a.example/")),
              parameters=(Parameter("username", "admin"), Parameter("token", "s3cret", secret=True)))
    writer.deployments([replace(web, ip="10.1.1.1"), dep("x1", "broken", state=S.ABORTED, reason="No IP left.")],
                       0.1, AT)
    d = vm_detail.detail(writer.db, "w1")
    assert d is not None and d.server is None  # the site has not listed it (yet)
    assert deployment_ssh(d.deployment, d.ip).command == "ssh admin@10.1.1.1"
    assert [link.url for link in d.web_links] == ["https://jupyter.a.example/"]
    assert d.deployment.parameters == (Parameter("username", "admin"), Parameter("token", None, secret=True))  # no secret kept
    aborted = vm_detail.detail(writer.db, "x1")
    assert aborted is not None and aborted.deployment.reason == "No IP left."
    assert deployment_ssh(aborted.deployment, aborted.ip) == (None, "broken is Aborted: it has no server any more.")


def test_no_ssh_command_before_an_address(db) -> None:  # noqa: ANN001
    d = vm_detail.detail(db, "d2")
    assert d is not None
    assert deployment_ssh(d.deployment, d.ip) == (None, "Beta_1 has no IP address yet (Provisioning).")
