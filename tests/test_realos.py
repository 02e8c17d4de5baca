"""The real OpenStack of tests/real: its settings (realos/real_openstack.py), and what a run says when it
cannot start."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "realos" / "real_openstack.py"


def test_no_password_is_read_as_an_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CI run skipped every real OpenStack test: the admin password, made by ``token_urlsafe``, began
    with "-", and ``keystone-manage bootstrap --bootstrap-password -x...`` stopped with "expected one
    argument" (1 password in 64). Each set of settings is made afresh here: 300 sets, 2,100 passwords."""
    monkeypatch.setenv("REALOS_STATE", str(tmp_path))
    spec = importlib.util.spec_from_file_location("real_openstack_settings", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, script)  # its dataclasses look themselves up there
    spec.loader.exec_module(script)
    passwords = []
    for _ in range(300):
        (tmp_path / "settings.json").unlink(missing_ok=True)
        passwords += script.settings()["passwords"].values()
    assert len(passwords) == 2100 and not [p for p in passwords if p.startswith("-")]


def test_a_run_over_several_workers_says_why_the_real_openstack_tests_were_skipped() -> None:
    """The summary's line was printed by the process that skipped the tests: under xdist a worker, whose
    output nobody sees (CI's run skipped all 11 and said nothing)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")} | {"BIOSPHERE_REAL_OPENSTACK": "off"}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "tests/real"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=110)
    assert re.search(r"\b\d+ skipped", run.stdout) and \
        "real OpenStack tests skipped: turned off by BIOSPHERE_REAL_OPENSTACK" in run.stdout, run.stdout[-2000:]
