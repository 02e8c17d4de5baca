"""The real-OpenStack cloud (realos/real_openstack.py), started once per test run.

Started by the first test that needs it and stopped at the end of the run, unless it was
already running before. When it cannot be started here (not root and no RabbitMQ, too little
memory, an install that fails, ``BIOSPHERE_REAL_OPENSTACK=off``) every test needing it is
skipped, and the run's summary says why in one line (``tests/conftest.py``: the process that
prints it, under xdist, is not the one that skipped them).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "realos" / "real_openstack.py"
STATE = Path(os.environ.get("REALOS_STATE", ROOT / ".real-openstack"))


class RealCloud:
    """The running cloud: its clouds.yaml (clouds ``realos``, ``realos-reader``, ``realos-admin``)."""

    def __init__(self, clouds_yaml: Path) -> None:
        self.clouds_yaml = clouds_yaml

    def connect(self, cloud: str = "realos-admin"):  # noqa: ANN201 - openstack.connection.Connection
        """An openstacksdk connection as one of the cloud's users."""
        import openstack.config
        import openstack.connection

        loader = openstack.config.OpenStackConfig(config_files=[str(self.clouds_yaml)], vendor_files=[],
                                                  secure_files=[])
        return openstack.connection.Connection(config=loader.get_one(cloud=cloud))


def _script(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


@pytest.fixture(scope="session")
def real_cloud() -> Iterator[RealCloud]:
    """Start the cloud if it is not running (once per run); skip with the reason if it cannot."""
    if os.environ.get("BIOSPHERE_REAL_OPENSTACK", "").lower() in ("0", "off", "no"):
        pytest.skip("turned off by BIOSPHERE_REAL_OPENSTACK")
    was_running = _script("status", timeout=30).returncode == 0
    if not was_running:
        started = _script("up", timeout=1800)
        if started.returncode:
            lines = started.stderr.strip().splitlines()
            pytest.skip(lines[-1] if lines else f"realos/real_openstack.py up exited {started.returncode}")
    try:
        yield RealCloud(STATE / "clouds.yaml")
    finally:
        if not was_running:
            _script("down", timeout=120)
