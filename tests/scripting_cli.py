"""The ``cli`` and ``os_cli`` fixtures: the command line run in this process on the demo cloud's
configuration (with the portal, or without it: OpenStack-only mode)."""

from __future__ import annotations

from pathlib import Path

import pytest

from biosphere_tui.cli import main


def _runner(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, portal: bool):  # noqa: ANN001, ANN202
    config = demo.write_config(tmp_path / "cfg", portal=portal)
    with config.open("a") as extra:
        extra.write(f'\n[cache]\npath = "{tmp_path / "cache.sqlite"}"\n')
    monkeypatch.setattr("biosphere_tui.sync.utcnow", demo.clock.now)
    monkeypatch.setenv("COLUMNS", "80")

    def run(*args: str) -> int:
        return main(["--config", str(config), *args])

    run.config = config  # type: ignore[attr-defined]
    run.cache = tmp_path / "cache.sqlite"  # type: ignore[attr-defined]
    return run


@pytest.fixture
def cli(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    """Run the CLI in this process on the demo's configuration, with a private cache, at the demo's time."""
    return _runner(demo, tmp_path, monkeypatch, portal=True)


@pytest.fixture
def os_cli(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    """The same without a ``[portal]`` section: OpenStack-only mode."""
    return _runner(demo, tmp_path, monkeypatch, portal=False)
