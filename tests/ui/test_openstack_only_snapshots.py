"""Snapshots of this session's new screens at 80×24 and 160×48 (fixed seed, frozen clock, pinned latency):
the class launch form, the OpenStack-only screens (Nova servers, limits, Glance images, Nova launch form)
and the idle finder."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_support import settle
from sync_helpers_os import os_only_config
from test_class_launch import fill, open_class
from test_idle_screen import go_to_idle_marked
from test_openstack_only_ui import open_mode
from test_sites import _steady_latency

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)])


@SIZES
def test_class_launch_snapshot(snap_compare, synced, make_app, size: tuple[int, int]) -> None:  # noqa: ANN001
    _steady_latency(synced)  # the plan line may quote the sites' API latency

    async def go(pilot) -> None:  # noqa: ANN001
        await open_class(pilot.app, pilot)
        await fill(pilot, "rnaseq-{n:02}", 12)
        await settle(pilot.app, pilot)

    assert snap_compare(make_app(synced), terminal_size=size, run_before=go)


@SIZES
def test_idle_snapshot_sizes(snap_compare, synced, make_app, size: tuple[int, int]) -> None:  # noqa: ANN001
    assert snap_compare(make_app(synced), terminal_size=size, run_before=go_to_idle_marked)


@pytest.fixture
def os_synced(demo, tmp_path: Path):  # noqa: ANN001, ANN201
    """OpenStack-only configuration, its cache filled once, API latency pinned."""
    config = os_only_config(demo, tmp_path)
    _steady_latency(config)
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

    assert snap_compare(make_app(os_synced), terminal_size=size, run_before=go)
