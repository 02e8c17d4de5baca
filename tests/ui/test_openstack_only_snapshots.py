"""Snapshots of the OpenStack-only screens (no portal: Nova servers, Nova sites and limits, Glance
images, the Nova launch form) on the demo cloud: fixed seed, frozen clock, pinned latency."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_support import settle
from snapshot_support import SIZES, steady_latency, still_cursors
from sync_helpers_os import os_only_config
from test_openstack_only_ui import open_mode


@pytest.fixture
def os_synced(demo, tmp_path: Path):  # noqa: ANN001, ANN201
    """OpenStack-only configuration, its cache filled once, API latency pinned."""
    config = os_only_config(demo, tmp_path)
    steady_latency(config)
    return config


@SIZES
@pytest.mark.parametrize("key", ["3", "5", "2"], ids=["nova-myvm", "nova-sites", "glance-catalogue"])
def test_openstack_only_snapshot(snap_compare, os_synced, make_app, key: str, size: tuple[int, int]) -> None:  # noqa: ANN001

    async def go(pilot) -> None:  # noqa: ANN001
        await open_mode(pilot.app, pilot, key)

    assert snap_compare(make_app(os_synced), terminal_size=size, run_before=go)


@SIZES
def test_server_launch_snapshot(snap_compare, os_synced, make_app, size: tuple[int, int]) -> None:  # noqa: ANN001

    async def go(pilot) -> None:  # noqa: ANN001
        await open_mode(pilot.app, pilot, "2")
        await pilot.press("l")  # the first image of the catalogue
        await settle(pilot.app, pilot)
        assert type(pilot.app.screen).__name__ == "ServerLaunchScreen"
        still_cursors(pilot.app)
        await pilot.pause()

    assert snap_compare(make_app(os_synced), terminal_size=size, run_before=go)
