"""What the bench scripts share: their command line, the machine they ran on, a demo cloud in its own
process, and the environment of a user's shell."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1,localhost"
TICKS = os.sysconf("SC_CLK_TCK")


def parser(doc: str, scales: Sequence[float]) -> argparse.ArgumentParser:
    """The script's command line (described by its docstring's first line), with ``--scales``."""
    found = argparse.ArgumentParser(description=doc.splitlines()[0])
    found.add_argument("--scales", type=float, nargs="+", default=list(scales),
                       help=f"demo scales (default: {' '.join(f'{s:g}' for s in scales)})")
    return found


def parse(found: argparse.ArgumentParser) -> argparse.Namespace:
    """The arguments; from here on loopback is reached without a proxy. Prints what the figures are measured on."""
    args = found.parse_args()
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = LOOPBACK
    print(machine(), flush=True)
    return args


def machine() -> str:
    """The cores, Python, and how busy the machine is (its load average over 1, 5 and 15 minutes)."""
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"cores: {os.cpu_count()}, python {sys.version.split()[0]}, load average {load}"


def environment(home: Path) -> dict[str, str]:
    """A user's terminal: the app's own files (config, cache, state, journal, log) in ``home``, no ``OS_*``
    variable, loopback without a proxy, and bytecode written and reused, as from an installed package
    (see ``compile_package``)."""
    env = {k: v for k, v in os.environ.items()
           if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith(("TEXTUAL", "OS_"))}
    env.update(TERM="xterm-256color", COLORTERM="truecolor", NO_PROXY=LOOPBACK, no_proxy=LOOPBACK,
               XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_CACHE_HOME=str(home / "cache"), XDG_STATE_HOME=str(home / "state"))
    return env


def compile_package(home: Path) -> None:
    """The package's bytecode compiled once, as an installed one has it (an editable install under
    ``PYTHONDONTWRITEBYTECODE`` would compile it again at every start)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "biosphere_tui")], check=True,
                   env=environment(home))


@dataclass(frozen=True)
class Demo:
    """A demo cloud running in its own process, and the configuration it wrote (config.toml, clouds.yaml)."""

    process: subprocess.Popen[bytes]
    config: Path

    @property
    def clouds_yaml(self) -> Path:
        return self.config.with_name("clouds.yaml")

    def cpu(self) -> float:
        """The demo process's CPU time so far (user + system), in seconds."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS


@contextmanager
def demo_cloud(scale: float, directory: Path, *, latency_ms: float = 0, speed: float = 1.0,
               cache: Path | None = None, env: dict[str, str] | None = None) -> Iterator[Demo]:
    """``biosphere-tui demo-server`` of ``scale`` (as a real cloud is elsewhere: its own interpreter),
    its configuration written into ``directory`` (with ``cache`` as the app's cache, if given)."""
    config = directory / "config.toml"
    process = subprocess.Popen(
        [sys.executable, "-m", "biosphere_tui", "demo-server", "--write-config", str(directory),
         "--demo-scale", f"{scale:g}", "--latency", f"{latency_ms:g}", "--speed", f"{speed:g}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)  # its few lines say where it listens
    try:
        deadline = time.monotonic() + 900  # a world at scale 200 takes tens of seconds to build
        while not config.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"demo server did not start: {process.stderr.read().decode() if process.stderr else ''}")
            time.sleep(0.05)
        time.sleep(0.2)  # the file is complete
        if cache is not None:
            with config.open("a") as extra:
                extra.write(f'\n[cache]\npath = "{cache}"\n')
        yield Demo(process, config)
    finally:
        process.terminate()
        process.wait(30)
