"""What the user chose and expects to find next time: favourites, current group, launch defaults,
the theme.

Kept in a small JSON file (``local.folders.state_file()``), written atomically. A damaged file is
set aside and replaced by defaults, with a message: it never stops the app.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from biosphere_tui.local.private_files import private_dir, write_private


@dataclass
class LaunchDefaults:
    group: str = ""
    site: str = ""
    flavor: str = ""


@dataclass
class UserState:
    favourites: list[str] = field(default_factory=list)  # appliance ids
    current_group: str = ""
    launch: LaunchDefaults = field(default_factory=LaunchDefaults)
    theme: str = ""  # chosen in the command palette; empty: Textual's default

    def toggle_favourite(self, appliance_id: str) -> bool:
        """Star or unstar; returns whether it is now a favourite."""
        if appliance_id in self.favourites:
            self.favourites.remove(appliance_id)
            return False
        self.favourites.append(appliance_id)
        return True


def load_state(path: Path) -> tuple[UserState, str | None]:
    """The saved state and, if the file was unusable, a message saying so."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        launch = raw.get("launch", {})
        return UserState(
            favourites=[str(x) for x in raw.get("favourites", [])],
            current_group=str(raw.get("current_group", "")),
            launch=LaunchDefaults(**{k: str(v) for k, v in launch.items() if k in ("group", "site", "flavor")}),
            theme=str(raw.get("theme", "")),
        ), None
    except FileNotFoundError:
        return UserState(), None
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        aside = path.with_name(path.name + ".damaged")
        try:
            path.replace(aside)
        except OSError:
            pass
        return UserState(), f"Your saved preferences could not be read ({type(exc).__name__}); they were reset."


def save_state(path: Path, state: UserState) -> None:
    private_dir(path.parent, own=True)
    with write_private(path) as out:
        json.dump(asdict(state), out, indent=2)
