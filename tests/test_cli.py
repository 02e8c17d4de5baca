"""The command line as a user runs it: real processes, real demo cloud, exit codes and output."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from biosphere_tui.cli import main


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "biosphere_tui", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def test_demo_sync_prints_a_line_per_source_and_succeeds() -> None:
    done = run("--demo", "sync")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    sources = [line.split()[1] for line in lines if line.startswith("ok ")]
    assert "portal.deployments" in sources and "site.ifb-core-cloud" in sources and len(sources) == 14
    assert "14/14 sources refreshed" in lines[-1]
    assert "Traceback" not in done.stderr


def test_sync_with_a_dead_site_exits_1_and_names_it(demo_config, demo, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    demo.set_fault("ifb-bird-stack", "down")
    config = demo.write_config(tmp_path / "cfg")
    with (tmp_path / "cfg" / "config.toml").open("a") as extra:
        extra.write(f'\n[cache]\npath = "{tmp_path / "c.sqlite"}"\n')
    assert main(["--config", str(config), "sync"]) == 1
    out = capsys.readouterr().out
    assert "FAIL site.ifb-bird-stack" in out and "cannot connect" in out
    assert "ok   site.ifb-core-cloud" in out and "13/14 sources refreshed" in out
    assert demo.token not in out


def test_doctor_reports_without_secrets(demo, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = demo.write_config(tmp_path)
    demo.set_fault("ifb-aubi-cloud", "revoked_token")
    assert main(["--config", str(config), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "portal token: found in file" in out and "signed in as demo" in out
    assert "FAIL site ifb-aubi-cloud: the site refused the credentials" in out
    assert "ok   site ifb-core-cloud: signed in" in out
    passwords = [line.split(":", 1)[1].strip() for line in (tmp_path / "clouds.yaml").read_text().splitlines()
                 if line.strip().startswith("password:")]
    assert passwords and not any(p in out for p in passwords) and demo.token not in out


@pytest.mark.parametrize(
    ("config_text", "message"),
    [
        ("[portal]\nurl = 'nope'\n", "portal.url must be an http(s) URL"),
        ("[refresh]\ninterval = 0\n", "refresh.interval must be a positive number"),
        ("not toml at all [", "not valid TOML"),
    ],
)
def test_bad_config_is_one_clear_line(tmp_path: Path, config_text: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(config_text)
    done = run("--config", str(path), "sync")
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_world_readable_token_file_is_refused(demo, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = demo.write_config(tmp_path)
    (tmp_path / "token").chmod(0o644)
    assert main(["--config", str(config), "doctor"]) == 1
    out = capsys.readouterr().out
    assert "readable by others" in out and "chmod 600" in out and demo.token not in out


def test_corrupt_cache_is_rebuilt_with_a_message(demo, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    config = demo.write_config(tmp_path / "cfg")
    cache = tmp_path / "c.sqlite"
    cache.write_bytes(b"garbage, not SQLite" * 100)
    with (tmp_path / "cfg" / "config.toml").open("a") as extra:
        extra.write(f'\n[cache]\npath = "{cache}"\n')
    assert main(["--config", str(config), "sync"]) == 0
    out = capsys.readouterr().out
    assert "damaged" in out and "rebuilt" in out and "14/14 sources refreshed" in out


def test_demo_server_writes_config_that_sync_uses(tmp_path: Path) -> None:
    server = subprocess.Popen([sys.executable, "-m", "biosphere_tui", "demo-server", "--write-config", str(tmp_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "config.toml").exists():
            assert server.poll() is None and time.monotonic() < deadline, "demo server did not start"
            time.sleep(0.1)
        assert oct((tmp_path / "token").stat().st_mode & 0o777) == "0o600"
        done = run("--config", str(tmp_path / "config.toml"), "sync")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "14/14 sources refreshed" in done.stdout
    finally:
        server.terminate()
        out, err = server.communicate(timeout=10)
    assert server.returncode == 0 and "Traceback" not in err
    assert "Demo cloud running" in out and "127.0.0.1" in out


# -- shell completion ---------------------------------------------------------------------------------

COMMANDS = ("sync", "doctor", "demo-server", "serve", "token", "ls", "launch", "delete", "approve", "reject",
            "advise", "class", "completion")
APP = f"{sys.executable} -m biosphere_tui"  # what the biosphere-tui script runs


def test_bash_completion_installs_and_completes_commands_options_and_choices() -> None:
    typed = ["biosphere-tui cl", "biosphere-tui ''", "biosphere-tui ls ''", "biosphere-tui class --fl"]
    asks = "".join(f'COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); _shtab_biosphere_tui; '
                   'echo "${COMPREPLY[*]}"; ' for words in typed)
    out = subprocess.run(["bash", "-c", f"source <({APP} completion bash); complete -p biosphere-tui; {asks}"],
                         capture_output=True, text=True, check=True, timeout=60).stdout.splitlines()
    assert out[0].startswith("complete ") and out[0].endswith(" -F _shtab_biosphere_tui biosphere-tui")
    assert out[1:] == ["class", " ".join(COMMANDS), "vms idle apps sites requests usage", "--flavour --flavor"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_completion_scripts_know_every_command(shell: str, capsys) -> None:  # noqa: ANN001
    assert main(["completion", shell]) == 0
    text = capsys.readouterr().out
    assert all(command in text for command in COMMANDS) and "read-only" in text and "flavour" in text
    if shutil.which(shell):  # where the shell is installed, it reads the script without an error
        check = ["zsh", "-n"] if shell == "zsh" else ["fish", "--no-execute"]
        subprocess.run([*check, "/dev/stdin"], input=text, text=True, check=True, timeout=60)
