"""Walk every screen of the app as a user would and read what reaches the terminal."""

from __future__ import annotations

from pilot_support import settle
from textual.geometry import Region

from biosphere_tui.app import BiosphereApp
from hostile.payloads import RAW_CONTROL

# (keys to press, the screen they lead to); ``escape`` leaves dialogs and detail panes.
WALK: tuple[tuple[tuple[str, ...], str], ...] = (
    (("1",), "HomeScreen"),
    (("2",), "CatalogueScreen"),
    (("d",), "CatalogueScreen"),  # the appliance's detail
    (("C",), "ClassLaunchScreen"),
    (("escape", "enter"), "LaunchScreen"),
    (("escape", "3"), "MyVMScreen"),
    (("d", "v"), "MyVMScreen"),  # describe, secrets shown
    (("c",), "MyVMScreen"),  # SSH command copied
    (("ctrl+d",), "ConfirmDialog"),  # delete
    (("escape", "a"), "MyVMScreen"),  # all of the group
    (("4",), "MembersScreen"),
    (("a",), "ConfirmDialog"),  # approve
    (("escape", "5"), "SitesScreen"),
    (("d",), "SitesScreen"),  # the site's detail
    (("6",), "ConsumptionScreen"),
    (("7",), "GroupsScreen"),
    (("j",), "JoinDialog"),
    (("escape", "8"), "JournalScreen"),
    (("9",), "IdleScreen"),
    (("A", "ctrl+d"), "ConfirmDialog"),  # delete every idle VM
    (("escape", "question_mark"), "HelpScreen"),
    (("escape", "7", "ctrl+p", *"use"), "CommandPalette"),  # "Use group <name>"
    (("escape",), "GroupsScreen"),
)


def leaked(app: BiosphereApp) -> list[str]:
    """Characters of data that would reach the terminal raw: every line each shown widget renders
    (borders and padding included), header, tables, panes, toasts, dialogs and the screens under
    a dialog included."""
    lines = [strip.text for screen in app.screen_stack for w in screen.walk_children(with_self=True)
             if w.display and w.outer_size.area for strip in w.render_lines(Region(0, 0, *w.outer_size))]
    return [line for line in lines if RAW_CONTROL.search(line)]


async def walk(app: BiosphereApp, pilot) -> list[str]:  # noqa: ANN001
    """Press through ``WALK``, checking each step reached its screen; returns the steps
    where data reached the terminal raw."""
    bad = [] if not leaked(app) else ["start"]
    for keys, where in WALK:
        await pilot.press(*keys)
        await settle(app, pilot)
        assert type(app.screen).__name__ == where, f"{keys} led to {type(app.screen).__name__}, not {where}"
        if leaked(app):
            bad.append(f"{where} after {keys}")
    return bad
