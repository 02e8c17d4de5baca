"""Where the app keeps its files on this machine: the platform's configuration, cache, data and log
folders (``platformdirs``), and where an export is proposed."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "biosphere-tui"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP))


def demo_dir() -> Path:
    """Where ``--demo`` writes the configuration of its embedded cloud."""
    return Path(platformdirs.user_data_dir(APP)) / "demo"


def log_file() -> Path:
    return log_dir() / "biosphere-tui.log"


def state_file() -> Path:
    """The user's own choices (favourites, current group, launch defaults): not cache, kept."""
    return Path(platformdirs.user_data_dir(APP)) / "state.json"


def journal_file() -> Path:
    """What the user did through the app (append-only): user data, not cache, kept."""
    return Path(platformdirs.user_data_dir(APP)) / "journal.jsonl"


def export_dir() -> Path:
    """Where an export is proposed: the user's Downloads folder when there is one, else the home folder."""
    downloads = Path(platformdirs.user_downloads_dir())
    return downloads if downloads.is_dir() else Path.home()
