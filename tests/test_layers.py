"""The layers hold, as `lint-imports` checks them against the contracts in pyproject.toml
([tool.importlinter]: every import, relative or absolute, direct or through other modules)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_import_contract_is_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    checked = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_opening_the_app_loads_no_writer_or_network_library() -> None:
    """The app's first paint reads the cache with plain sqlite3: sqlite-utils, httpx and
    openstacksdk load later, with the first refresh or action (see bench/ui.py)."""
    probe = ("import sys, biosphere_tui.cli, biosphere_tui.app, biosphere_tui.screens.myvm, biosphere_tui.screens.idle;"
             "print(sorted(m for m in ('sqlite_utils', 'httpx', 'openstack') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_opening_on_home_loads_only_the_models_home_shows() -> None:
    """Each frozen dataclass costs its making at import: the path to Home's first frame loads the
    models of groups, sites and sources, not those of deployments, Nova, the catalogue or membership."""
    probe = ("import sys, biosphere_tui.cli, biosphere_tui.app, biosphere_tui.screens.home;"
             "print(sorted(m for m in sys.modules if m.startswith('biosphere_tui.models.')))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.split() == ["['biosphere_tui.models.groups',", "'biosphere_tui.models.sites',",
                              "'biosphere_tui.models.sources',", "'biosphere_tui.models.states']"]
