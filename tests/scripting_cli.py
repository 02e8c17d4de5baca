"""The ``cli`` fixture: the command line run in this process on the demo cloud's configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from biosphere_tui.cli import main


@pytest.fixture
def cli(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    """Run the CLI in this process on the demo's configuration, with a private cache, at the demo's time."""
    config = demo.write_config(tmp_path / "cfg")
    with config.open("a") as extra:
        extra.write(f'\n[cache]\npath = "{tmp_path / "cache.sqlite"}"\n')
    monkeypatch.setattr("biosphere_tui.sync.utcnow", demo.clock.now)
    monkeypatch.setenv("COLUMNS", "80")

    def run(*args: str) -> int:
        return main(["--config", str(config), *args])

    run.config = config  # type: ignore[attr-defined]
    run.cache = tmp_path / "cache.sqlite"  # type: ignore[attr-defined]
    return run
