"""The read-only gate in ``Actions`` itself: whoever calls it, no changing request leaves, to the
portal or to a site's Nova, and the refusal says why."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from biosphere_tui.actions import Actions, ReadOnlyRefusal
from biosphere_tui.config import Config, load
from biosphere_tui.models.nova import ServerRequest

SITE = "ifb-bird-stack"


def read_only_nova(demo, tmp_path: Path) -> Config:  # noqa: ANN001
    """OpenStack-only mode on the demo sites, read-only."""
    config = load(demo.write_config(tmp_path / "demo-os", portal=False))
    assert config.openstack_only
    return replace(config, read_only=True, openstack=replace(config.openstack, timeout=4.0))


def sent_to(demo, site: str, method: str) -> list[str]:  # noqa: ANN001
    return [path for m, path in demo.sites[site].service.log if m == method]


def test_a_read_only_nova_delete_sends_nothing(demo, tmp_path: Path) -> None:  # noqa: ANN001
    server = next(s for s in demo.sites[SITE].state.servers.values() if not s.deleted)
    actions = Actions(read_only_nova(demo, tmp_path))
    with pytest.raises(ReadOnlyRefusal, match="Read-only mode: nothing can be changed"):
        asyncio.run(actions.delete_servers([(SITE, server.id)]))
    assert not demo.sites[SITE].state.servers[server.id].deleted
    assert sent_to(demo, SITE, "DELETE") == [] and actions.sent == []


def test_a_read_only_nova_launch_sends_nothing(demo, tmp_path: Path) -> None:  # noqa: ANN001
    state = demo.sites[SITE].state
    before = set(state.servers)
    image, flavor = next(iter(state.images.values())), next(iter(state.flavors.values()))
    actions = Actions(read_only_nova(demo, tmp_path))
    with pytest.raises(ReadOnlyRefusal, match="Read-only mode: nothing can be changed"):
        asyncio.run(actions.launch_server(ServerRequest("gate-check", SITE, image.id, flavor.id)))
    assert set(state.servers) == before
    assert [p for p in sent_to(demo, SITE, "POST") if "servers" in p] == [] and actions.sent == []
