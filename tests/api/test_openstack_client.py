"""The OpenStack site client, through real openstacksdk and a clouds.yaml, on the demo sites."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from biosphere_tui import errors
from biosphere_tui.api.openstack import SiteClient

SITE = "ifb-bird-stack"


@pytest.fixture
def clouds_yaml(demo, tmp_path: Path) -> Path:  # noqa: ANN001
    demo.write_config(tmp_path)
    return tmp_path / "clouds.yaml"


@pytest.fixture
def site(clouds_yaml: Path):  # noqa: ANN201
    client = SiteClient(SITE, clouds_yaml, timeout=3.0)
    yield client
    client.close()


def test_snapshot_matches_the_fake_site(demo, site: SiteClient) -> None:  # noqa: ANN001
    snap = site.snapshot()
    state = demo.sites[SITE].state
    live = {sid for sid, s in state.servers.items() if not s.deleted}
    assert {s.id for s in snap.servers} == live and live
    assert {f.name for f in snap.flavors} == {f.name for f in state.flavors.values()}
    assert {i.id for i in snap.images} == set(state.images)
    assert snap.limits.used_vcpu == state.usage()[0]
    linked = [s for s in snap.servers if "biosphere_deployment" in s.metadata]
    assert linked and all(s.site == SITE for s in snap.servers)


def test_snapshot_pages_through_many_servers(demo, clouds_yaml: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from biosphere_tui.api import openstack

    monkeypatch.setattr(openstack, "PAGE", 4)
    big = SiteClient("ifb-core-cloud", clouds_yaml, timeout=3.0)
    servers = big.snapshot().servers
    big.close()
    live = {sid for sid, s in demo.sites["ifb-core-cloud"].state.servers.items() if not s.deleted}
    assert len(live) > 4 * 3
    assert len(servers) == len({s.id for s in servers}) and {s.id for s in servers} == live
    assert demo.sites["ifb-core-cloud"].service.hits["GET /compute/v2.1/servers/detail"] == len(live) // 4 + 1


def test_create_and_delete_a_server(demo, site: SiteClient) -> None:  # noqa: ANN001
    state = demo.sites[SITE].state
    flavor = next(iter(state.flavors.values()))
    image = next(iter(state.images.values()))
    server_id = site.create_server("probe-vm", flavor.id, image.id, {"owner": "demo"})
    assert state.servers[server_id].status == "BUILD"
    demo.clock.advance(600)
    assert next(s for s in site.snapshot().servers if s.id == server_id).status == "ACTIVE"
    site.delete_server(server_id)
    assert server_id not in {s.id for s in site.snapshot().servers}
    with pytest.raises(errors.NotFound):
        site.delete_server(server_id)


def test_unknown_cloud_name_is_a_plain_error(clouds_yaml: Path) -> None:
    with pytest.raises(errors.SourceError, match="clouds.yaml"):
        SiteClient("no-such-cloud", clouds_yaml, timeout=3.0).snapshot()


FAULTS = {
    "down": errors.Unreachable,
    "hang": errors.Timeout,
    "http500": errors.ServerFailed,
    "http503": errors.Busy,
    "http429": errors.Busy,
    "html": errors.ServerFailed,
    "garbage": errors.BadReply,
    "wrong_shape": errors.BadReply,
    "revoked_token": errors.AuthFailed,
    "forbidden": errors.Forbidden,
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_becomes_its_domain_error(demo, site: SiteClient, clouds_yaml: Path, fault: str) -> None:  # noqa: ANN001
    site.snapshot()  # signed in before the fault: faults hit a live session too
    demo.set_fault(SITE, fault)
    with pytest.raises(FAULTS[fault]) as err:
        site.snapshot()
    password = _password(clouds_yaml)
    assert password not in str(err.value) and "Traceback" not in str(err.value)
    demo.set_fault(SITE, "none")
    assert site.snapshot().servers


def test_expired_token_is_renewed_transparently(demo, site: SiteClient) -> None:  # noqa: ANN001
    site.snapshot()
    logins = demo.sites[SITE].service.hits["POST /v3/auth/tokens"]
    demo.set_fault(SITE, "expired_token")
    assert site.snapshot().servers
    assert demo.sites[SITE].service.hits["POST /v3/auth/tokens"] == logins + 1


def _password(clouds_yaml: Path) -> str:
    import yaml

    clouds = yaml.safe_load(clouds_yaml.read_text())["clouds"]
    return clouds[SITE]["auth"]["password"]


def test_a_password_corrected_in_the_clouds_yaml_is_used_by_the_next_client(clouds_yaml: Path) -> None:
    """The clouds.yaml is parsed once per content: a fix of the same length, written in the same
    instant (same size, same modification time), is still read."""
    good = _password(clouds_yaml)
    right = clouds_yaml.read_text()
    wrong = right.replace(good, "x" * len(good))
    clouds_yaml.write_text(wrong)
    refused = SiteClient(SITE, clouds_yaml, timeout=3.0)
    with pytest.raises(errors.AuthFailed):
        refused.snapshot()
    refused.close()
    stamp = clouds_yaml.stat().st_mtime_ns
    clouds_yaml.write_text(right)
    os.utime(clouds_yaml, ns=(stamp, stamp))
    fixed = SiteClient(SITE, clouds_yaml, timeout=3.0)
    assert fixed.snapshot().servers
    fixed.close()
