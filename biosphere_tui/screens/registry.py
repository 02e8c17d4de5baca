"""The screens, looked up by name: the main ones with their keys and titles (the app builds its
modes from this list), their OpenStack-only replacements, and the screens one screen opens on
top of itself. Screens never import one another: they open each other through here, and every
screen module is imported when first shown (keeps startup light)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from biosphere_tui.i18n import _

if TYPE_CHECKING:
    from biosphere_tui.rules.group_draft import GroupDraft


def _factory(target: str, *args: Any) -> Callable[[], Screen[Any]]:
    """``target`` ("module:Class") built with ``args``, its module imported when first called."""
    module, _sep, name = target.partition(":")
    return lambda: getattr(import_module(module), name)(*args)


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

    def factory(self) -> Callable[[], Screen[Any]]:
        return _factory(self.target)


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

# OpenStack-only mode (no portal configured): the screens that replace the portal's, by mode. myVM,
# Sites, Catalogue, Home and Idle VMs work on the Nova servers, Glance images and limits of every site;
# the portal-only screens say why they are not available; the journal works as ever (it is local).
NOVA_SCREENS = {
    "home": "biosphere_tui.screens.openstack_only:NovaHomeScreen",
    "catalogue": "biosphere_tui.screens.images:ImagesScreen",
    "myvm": "biosphere_tui.screens.myvm:NovaVMScreen",
    "idle": "biosphere_tui.screens.idle:NovaIdleScreen",
    "sites": "biosphere_tui.screens.sites:NovaSitesScreen",
}
PORTAL_ONLY = {  # mode: (title, what only the portal has)
    "members": ("Members", "Membership requests and group members"),
    "consumption": ("Consumption", "Group quotas and the daily consumption record"),
    "groups": ("Groups", "Project and training groups"),
}


def openstack_only_modes() -> dict[str, Callable[[], Screen[Any]]]:
    """The modes that OpenStack-only mode replaces, and their screens."""
    modes = {mode: _factory(target) for mode, target in NOVA_SCREENS.items()}
    return modes | {mode: _factory("biosphere_tui.screens.openstack_only:PortalOnlyScreen", title, what)
                    for mode, (title, what) in PORTAL_ONLY.items()}


# -- screens opened on top of another one ----------------------------------------------------------


def launch(appliance_id: str, *, quick: bool = False) -> Screen[Any]:
    """The launch form of an appliance; ``quick``: its ★ recommendation proposed at once."""
    from biosphere_tui.screens.launch import LaunchScreen

    return LaunchScreen(appliance_id, quick=quick)


def class_launch(appliance_id: str) -> Screen[Any]:
    """The form that launches one VM per student of a class."""
    from biosphere_tui.screens.class_launch import ClassLaunchScreen

    return ClassLaunchScreen(appliance_id)


def server_launch(image_name: str) -> Screen[Any]:
    """The OpenStack-only launch form of an image (by its name, the same on every site)."""
    from biosphere_tui.screens.server_launch import ServerLaunchScreen

    return ServerLaunchScreen(image_name)


def group_request(draft: GroupDraft) -> Screen[GroupDraft | None]:
    """The form asking the IFB for a new project group; dismissed with the draft to send, or None."""
    from biosphere_tui.screens.group_request import GroupRequestScreen

    return GroupRequestScreen(draft)
