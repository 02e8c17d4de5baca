"""The main screens, their keys and titles; the app builds its modes from this list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from textual.screen import Screen

from biosphere_tui.i18n import _


@dataclass(frozen=True)
class Nav:
    mode: str
    key: str
    title: str
    target: str  # "module:Class", imported when first shown (keeps startup light)

    @property
    def label(self) -> str:
        """The title in the interface language."""
        return _(self.title)

    def factory(self) -> Callable[[], Screen]:
        module, _, name = self.target.partition(":")
        return lambda: getattr(import_module(module), name)()


SCREENS = [
    Nav("home", "1", "Home", "biosphere_tui.screens.home:HomeScreen"),
    Nav("catalogue", "2", "Catalogue", "biosphere_tui.screens.catalogue:CatalogueScreen"),
    Nav("myvm", "3", "myVM", "biosphere_tui.screens.myvm:MyVMScreen"),
    Nav("members", "4", "Members", "biosphere_tui.screens.members:MembersScreen"),
    Nav("sites", "5", "Sites", "biosphere_tui.screens.sites:SitesScreen"),
    Nav("consumption", "6", "Consumption", "biosphere_tui.screens.consumption:ConsumptionScreen"),
    Nav("groups", "7", "Groups", "biosphere_tui.screens.groups:GroupsScreen"),
    Nav("journal", "8", "Journal", "biosphere_tui.screens.journal:JournalScreen"),
    Nav("idle", "9", "Idle VMs", "biosphere_tui.screens.idle:IdleScreen"),
]
