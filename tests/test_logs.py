"""The log file: written, rotated, and never holding a secret."""

from __future__ import annotations

import logging
from pathlib import Path

from biosphere_tui.cli import main
from biosphere_tui.local import logs

TOKEN = "tok-0123456789abcdef-very-secret"


def test_known_secrets_and_credential_shapes_are_redacted(tmp_path: Path) -> None:
    logs.setup(tmp_path / "app.log")
    logs.redactor.add(TOKEN)
    log = logging.getLogger("biosphere_tui.test")
    log.warning("calling with %s", TOKEN)
    log.warning("headers {'Authorization': 'Bearer abc.def.ghi', 'X-Auth-Token': 'gAAAA123'}")
    log.warning('body {"auth": {"password": "hunter2-long", "name": "demo"}}')
    try:
        raise ValueError(f"boom {TOKEN}")
    except ValueError:
        log.exception("failure")
    text = (tmp_path / "app.log").read_text()
    for secret in (TOKEN, "abc.def.ghi", "gAAAA123", "hunter2-long"):
        assert secret not in text
    assert text.count(logs.REDACTED) >= 5 and "boom" in text


def test_a_demo_sync_logs_each_source_without_the_token(demo, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = demo.write_config(tmp_path)
    demo.set_fault("ifb-bird-stack", "http500")
    assert main(["--config", str(config), "sync"]) == 1
    capsys.readouterr()
    log_text = (Path(logs.logging.getLogger().handlers[0].baseFilename)).read_text()  # type: ignore[attr-defined]
    assert "portal.deployments refreshed" in log_text
    assert "site.ifb-bird-stack failed" in log_text
    assert demo.token not in log_text
    password = next(line.split(":", 1)[1].strip() for line in (tmp_path / "clouds.yaml").read_text().splitlines()
                    if "password:" in line)
    assert password not in log_text
