"""Snapshots of the home screen on the demo world (frozen clock, fixed seed)."""

from __future__ import annotations

from snapshot_support import SIZES


@SIZES
def test_home(snap_compare, synced, make_app, size: tuple[int, int]) -> None:  # noqa: ANN001
    assert snap_compare(make_app(synced), terminal_size=size)
