"""Read-only, privacy and language modes, driven through the keys as a person would."""

from __future__ import annotations

import ast
import asyncio
import re
from dataclasses import replace
from pathlib import Path

import pytest
from pilot_support import settle
from screen_text import text_of
from test_class_launch import fill_class, open_class
from test_launch import open_launch
from textual.binding import BindingsMap
from world_forecast import world_forecast

import biosphere_tui
from biosphere_tui import i18n
from biosphere_tui.actions import Actions, ReadOnlyRefusal
from biosphere_tui.demo import contract as wire
from biosphere_tui.i18n.fr import FR
from biosphere_tui.local.folders import journal_file
from biosphere_tui.rules.privacy import mask
from biosphere_tui.screens.registry import SCREENS
from biosphere_tui.widgets.confirm import ConfirmDialog

GROUP = "marine-meta"



def screen_text(app) -> str:  # noqa: ANN001
    """Everything drawn on the current screen, toasts included."""
    return "\n".join(text_of(w) for w in app.screen.walk_children() if w.display and w.size.area)


def footer_text(app) -> str:  # noqa: ANN001
    return " ".join(text_of(key) for key in app.screen.query_one("Footer").walk_children())


@pytest.fixture(autouse=True)
def english_after() -> None:
    """The language is process-wide: each test leaves it as the others expect."""
    yield
    i18n.set_language("en")


# -- read-only -------------------------------------------------------------------------------------------


async def test_read_only_refuses_delete_approve_launch_and_says_why(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    live = {k: d.state for k, d in demo.world.deployments.items()}
    pending = {r.id for r in demo.world.requests.values()
               if r.group_id == GROUP and r.state is wire.RequestState.PENDING}
    app = make_app(replace(synced, read_only=True))
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await settle(app, pilot)
        assert "read-only" in app.sub_title
        for screen_key, action_keys in (("3", ["ctrl+d"]), ("4", ["a", "x"]), ("2", ["l", "L", "C"]), ("7", ["j", "n"])):
            await pilot.press(screen_key)
            await settle(app, pilot)
            for key in action_keys:
                toasts.clear()
                await pilot.press(key)
                await settle(app, pilot)
                assert not isinstance(app.screen, ConfirmDialog) and len(app.screen_stack) == 1, key  # no dialog, no form
                assert "Read-only mode: nothing can be changed" in toasts.text(), key
            if screen_key == "4":  # nor through the command palette
                titles = [c.title for c in app.get_system_commands(app.screen)]
                assert "Filter members and requests" in titles and "Approve membership requests" not in titles
    assert {k: d.state for k, d in demo.world.deployments.items()} == live
    assert pending == {r.id for r in demo.world.requests.values()
                       if r.group_id == GROUP and r.state is wire.RequestState.PENDING}


async def test_read_only_launch_from_the_forms_button_attempts_nothing(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    """Enter on the catalogue opens the launch form even in read-only mode (to look at what fits); its
    Launch button, clicked, is refused with the read-only words before any attempt: nothing is sent to
    the portal and nothing is written to the action journal."""
    before = set(demo.world.deployments)
    app = make_app(replace(synced, read_only=True))
    async with app.run_test(size=(120, 40), notifications=True, message_hook=toasts) as pilot:
        screen = await open_launch(app, pilot, "biopipes")
        await pilot.click("#launch")
        await settle(app, pilot)
        assert app.screen is screen
        refusals = [n for n in toasts.raised if n.title == "read-only"]
        assert [n.message for n in refusals] == ["Read-only mode: nothing can be changed from this app "
                                                 "(--read-only or app.read_only)."]
        assert "failed" not in toasts.text()
        button = screen.query_one("#launch")
        assert not button.disabled and str(button.label) != "Launching…"  # nothing shown as being sent
    assert set(demo.world.deployments) == before
    assert not journal_file().exists() or journal_file().read_text() == ""


def test_read_only_actions_send_nothing(synced, demo) -> None:  # noqa: ANN001
    """The choke point: even a caller that skips the UI cannot change the cloud."""
    ready = next(d for d in demo.world.deployments.values()
                 if d.state is wire.DeploymentState.READY and d.owner == demo.world.user.username)
    actions = Actions(replace(synced, read_only=True))
    with pytest.raises(ReadOnlyRefusal, match="Read-only mode"):
        asyncio.run(actions.delete([ready.id]))
    assert demo.world.deployments[ready.id].state is wire.DeploymentState.READY
    assert actions.sent == []
    assert asyncio.run(actions.deployment(ready.id)).id == ready.id  # reading still works


# -- privacy ------------------------------------------------------------------------------------------------


def demo_addresses(demo) -> set[str]:  # noqa: ANN001
    found = {d.ip for d in demo.world.deployments.values() if d.ip}
    found |= {r.email for r in demo.world.requests.values()}
    found |= {m.email for group in demo.world.members.values() for m in group.values()}
    return found | {demo.world.user.email}


async def test_privacy_mode_masks_every_address_on_every_screen(synced, make_app, demo) -> None:  # noqa: ANN001
    addresses = demo_addresses(demo)
    assert len(addresses) > 20
    app = make_app(replace(synced, privacy=True))
    async with app.run_test(size=(200, 60), notifications=True) as pilot:
        await settle(app, pilot)
        for nav in SCREENS:
            await pilot.press(nav.key)
            await settle(app, pilot)
            for toggle in ("", "d"):  # with the detail pane where the screen has one (myVM: describe)
                if toggle:
                    await pilot.press(toggle)
                    await settle(app, pilot)
                shown = screen_text(app)
                leaked = sorted(a for a in addresses if a in shown)
                assert leaked == [], f"{nav.title}: {leaked[:3]}"
        await pilot.press("3")
        await settle(app, pilot)
        assert "•" in screen_text(app)  # the IP column is there, masked
        await pilot.press("P")  # off again: the addresses come back
        await settle(app, pilot)
        assert any(a in screen_text(app) for a in addresses)


def test_mask_keeps_width_and_the_rest() -> None:
    for text in ("ssh ubuntu@10.42.3.7", "camille.martin@example.org wrote", "IPv6 2001:db8::8a2e:370:7334"):
        assert len(mask(text)) == len(text) and not re.search(r"\d+\.\d+\.\d+\.\d+|@|::", mask(text))
    assert mask("ifb.m4.xlarge 16 GB at 12:30:45, tool 1.2.3") == "ifb.m4.xlarge 16 GB at 12:30:45, tool 1.2.3"


# -- language -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANG": "fr_FR.UTF-8"}, "fr"), ({"LANG": "en_GB.UTF-8"}, "en"), ({}, "en"),
    ({"LC_ALL": "fr_CA.UTF-8", "LANG": "en_US.UTF-8"}, "fr"), ({"LC_MESSAGES": "en_US", "LANG": "fr_FR"}, "en"),
    ({"LC_ALL": "", "LC_MESSAGES": "fr_BE", "LANG": "C"}, "fr"),
])
def test_language_from_the_locale(environ: dict[str, str], expected: str) -> None:
    assert i18n.from_locale(environ) == expected


async def test_french_interface(synced, make_app, demo, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")  # no --lang: the locale decides
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(app, pilot)
        footer = footer_text(app)
        assert "Aide" in footer and "Quitter" in footer and "Help" not in footer
        assert "sources à jour" in text_of(app.screen.query_one("#freshness"))
        headers = screen_text(app)
        assert " nom " in headers and " état " in headers and " gabarit " in headers and " Prête " in headers
        await pilot.press("3")
        await settle(app, pilot)
        assert "Supprimer" in footer_text(app)
        await pilot.press("question_mark")
        await settle(app, pilot)
        help_text = screen_text(app)
        assert "Accueil" in help_text and "Consommation" in help_text and "se déplacer" in help_text
        assert "myVM : vos déploiements" in help_text


async def test_french_screen_bodies(synced, make_app, demo, monkeypatch) -> None:  # noqa: ANN001
    """The screens written apart speak French too: catalogue, launch form, myVM, consumption, idle VMs."""
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        assert "/ chercher · c catégorie · t outil" in screen_text(app)
        await pilot.press("enter")
        await settle(app, pilot)
        form = screen_text(app)
        assert "Recommandée :" in form and "Lancer (ctrl+s)" in form and "Recommended" not in form
        await pilot.press("escape", "3")
        await settle(app, pilot)
        assert app.screen.title.startswith("myVM · les miennes · ") and "terminées cachées" in app.screen.title
        await pilot.press("6")
        await settle(app, pilot)
        assert "30 derniers jours" in screen_text(app) and "quota atteint" in screen_text(app)
        await pilot.press("9")
        await settle(app, pilot)
        assert app.screen.title.startswith("VM inactives · ") and "sans activité" in screen_text(app)


async def test_french_class_refusals_and_forecast_dates(synced, make_app, demo, monkeypatch) -> None:  # noqa: ANN001
    """A refused class and a bad name pattern are said in French; the forecast writes its dates in French."""
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        screen = await open_class(app, pilot)
        await fill_class(pilot, "tp-{n:03}", 170)  # 170 × 4 vCPU: more than the 640 vCPU of the group
        plan = " ".join(text_of(screen.query_one("#plan")).split())
        assert "Lancement impossible : 170 × ifb.tr.large demandent 680 vCPU" in plan and "(de quoi en lancer" in plan
        await fill_class(pilot, "Bad_{n}", 3)
        assert "Noms : nom 'Bad_1' : doit commencer par une lettre a–z" in text_of(screen.query_one("#names"))
        await pilot.press("escape", "escape", "6")
        await settle(app, pilot)
        shown = text_of(app.screen.query_one("#forecast"))
        expected = [f.words() for f in world_forecast(demo)]
        assert [line.strip() for line in shown.splitlines() if line.strip()] == expected
        months = "janv.|févr.|mars|avr.|mai|juin|juil.|août|sept.|oct.|nov.|déc.".replace(".", r"\.")
        assert re.search(rf"à \+\d+,\d/jour, quota atteint vers le \d{{1,2}} ({months}) 20\d\d \(\d+ jours\)", shown), shown


async def test_english_by_default_in_tests(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        assert i18n.language() == "en" and "Help" in footer_text(app)


def _wrapped_literals() -> set[str]:
    """Every literal string the code passes to ``_``, ``t``, ``plural`` (and ``i18n._``), and the phrases
    kept in no language until shown (``Phrase.of``, ``Count``: the journal's titles)."""
    found: set[str] = set()
    for path in Path(biosphere_tui.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "of" and getattr(node.func, "value", None) is not None:
                name = getattr(node.func.value, "id", "") + ".of"
            if name in ("_", "t", "Phrase.of", "plural", "Count"):
                args = node.args[1:3] if name in ("plural", "Count") else node.args[:1]
                found |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


def _own_classes() -> list[type]:
    """The app, every screen and modal of ``screens`` and ``widgets``, and every table there with ``COLUMNS``."""
    import inspect
    import pkgutil
    from importlib import import_module

    from textual.screen import Screen

    from biosphere_tui import screens, widgets
    from biosphere_tui.app import BiosphereApp

    classes: list[type] = [BiosphereApp]
    for package in (screens, widgets):
        for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            classes += [cls for _name, cls in inspect.getmembers(import_module(module.name), inspect.isclass)
                        if cls.__module__ == module.name and (issubclass(cls, Screen) or "COLUMNS" in vars(cls))]
    return classes


def test_the_translation_check_sees_every_screen() -> None:
    names = {cls.__name__ for cls in _own_classes()}
    assert {"CatalogueScreen", "NovaVMScreen", "NovaSitesScreen", "ImagesScreen", "ServerLaunchScreen",
            "NovaHomeScreen", "ClassLaunchScreen", "IdleScreen", "LaunchScreen", "ConfirmDialog", "ServerTable"} <= names


def _own_bindings_and_headers() -> set[str]:
    texts = {n.title for n in SCREENS}
    for cls in _own_classes():
        texts |= {b.description for klass in cls.__mro__
                  for bs in BindingsMap(vars(klass).get("BINDINGS", ())).key_to_bindings.values() for b in bs
                  if b.show and b.description and type(b).__module__.startswith("textual")}
        texts |= {column[1] for column in getattr(cls, "COLUMNS", ())}  # (key, label[, priority])
        texts |= {cls.HELP} if isinstance(getattr(cls, "HELP", ""), str) and getattr(cls, "HELP", "") else set()
        texts |= {cls.FILTER_HINT} if hasattr(cls, "FILTER_HINT") else set()  # the filter bar's placeholder
    return texts


def test_every_wrapped_string_has_a_french_translation() -> None:
    missing = sorted((_wrapped_literals() | _own_bindings_and_headers()) - FR.keys())
    assert missing == []


def test_the_catalogue_has_each_key_once() -> None:
    source = Path(biosphere_tui.__file__).parent / "i18n" / "fr.py"
    catalogue = next(n for n in ast.walk(ast.parse(source.read_text(encoding="utf-8"))) if isinstance(n, ast.Dict))
    keys = [k.value for k in catalogue.keys]
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []


def test_translations_keep_their_placeholders() -> None:
    for english, french in FR.items():
        assert set(re.findall(r"{\w*}", english)) == set(re.findall(r"{\w*}", french)), english


async def test_french_units_on_the_groups_screen_and_in_ages(synced, make_app, demo, monkeypatch) -> None:  # noqa: ANN001
    """French writes gigabytes "Go" and days "j" ("il y a 3 j"), never "GB" or "3 d"."""
    from biosphere_tui.rules.freshness import span

    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("7")
        await settle(app, pilot)
        shown = screen_text(app)
        assert " Go " in shown and " GB " not in shown
        assert span(3 * 86400 + 5) == "3 j"
