"""ruff and mypy pass, with the settings in pyproject.toml ([tool.ruff], [tool.mypy]: strict on
api/, cache/, rules/, models, errors)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing() -> None:
    checked = _run("ruff", "check", "--no-cache", ".")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_mypy_finds_nothing() -> None:
    checked = _run("mypy")
    assert checked.returncode == 0, checked.stdout + checked.stderr


MARKERS = ("<<<<<<< ", ">>>>>>> ")  # "=======" alone may underline a Markdown title
TEXT = ("*.md", "*.py", "*.tcss", "*.toml", "*.yaml", "*.cfg", "*.txt")
TREES = ("biosphere_tui", "tests", "bench", "docs", ".ci")


def test_no_merge_conflict_is_left_in_a_text_file() -> None:
    """ruff finds markers in Python only: a README once carried a merge's markers into a commit."""
    files = [p for pattern in TEXT for p in ROOT.glob(pattern)]
    files += [p for tree in TREES for pattern in TEXT for p in (ROOT / tree).rglob(pattern)]
    assert len(files) > 100
    left = [f"{path.relative_to(ROOT)}:{number}" for path in files
            for number, line in enumerate(path.read_text(errors="replace").splitlines(keepends=True), 1)
            if line.startswith(MARKERS)]
    assert left == []
