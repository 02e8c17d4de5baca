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


def test_opening_on_home_makes_only_the_classes_and_patterns_it_uses() -> None:
    """A frozen dataclass costs ~0.5 ms to make at import, a regular expression up to 1 ms to compile
    (32 dataclasses made up half of the app's own import time): the path to Home's first frame makes
    neither the journal's entries (made with the first action), nor the refresh's cursors, nor the
    launch forms' ``Room``, nor compiles the privacy mask or the log's redaction (with their first use)."""
    probe = ("import dataclasses, re, sys, biosphere_tui.cli, biosphere_tui.app, biosphere_tui.screens.home\n"
             "ours = [m for name, m in sorted(sys.modules.items()) if name.startswith('biosphere_tui')]\n"
             "values = [(m.__name__, k, v) for m in ours for k, v in vars(m).items()]\n"
             "print(*sorted(f'{m}.{k}' for m, k, v in values if isinstance(v, type) and dataclasses.is_dataclass(v)"
             " and v.__module__ == m))\n"
             "print(*sorted(f'{m}.{k}' for m, k, v in values"
             " if any(isinstance(p, re.Pattern) for p in (v if isinstance(v, list | tuple) else [v]))))")
    made, compiled = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                    check=True).stdout.splitlines()
    assert made.split() == [
        "biosphere_tui.app.Refreshed", "biosphere_tui.cache.db.OpenedCache", "biosphere_tui.cache.vms.Ordering",
        "biosphere_tui.cache.vms.VmQuery", "biosphere_tui.cache.vms.VmRow", "biosphere_tui.config.Config",
        "biosphere_tui.config.NotificationSettings", "biosphere_tui.config.OpenStackSettings",
        "biosphere_tui.config.PortalSettings", "biosphere_tui.config.TokenSource", "biosphere_tui.i18n.Count",
        "biosphere_tui.i18n.Phrase", "biosphere_tui.local.state.LaunchDefaults", "biosphere_tui.local.state.UserState",
        "biosphere_tui.models.groups.Group", "biosphere_tui.models.groups.Quota", "biosphere_tui.models.groups.User",
        "biosphere_tui.models.sites.Capacity", "biosphere_tui.models.sites.SiteStatus",
        "biosphere_tui.models.sources.Freshness", "biosphere_tui.rules.freshness.Failing",
        "biosphere_tui.rules.freshness.Summary", "biosphere_tui.rules.idle.IdleSettings", "biosphere_tui.rules.idle.IdleVm",
        "biosphere_tui.rules.readonly.Change", "biosphere_tui.rules.refresh_scheduler.Batch",
        "biosphere_tui.screens.registry.Nav", "biosphere_tui.widgets.toast.LastingNotification"]
    assert compiled.split() == ["biosphere_tui.safe_text._SURROGATES", "biosphere_tui.safe_text._UNSAFE"]
