"""What the app does before and around its first frame, counted (the time it takes is bench/terminal.py's):
work that does not change what is drawn is not done."""

from __future__ import annotations

from typing import Any

from pilot_support import settle
from textual.dom import DOMNode
from textual.widgets import Footer

from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import Config


def count_restyles(app: BiosphereApp, kind: str) -> list[str]:
    """Record, on ``app``, each node of type ``kind`` whose styles are computed again after it mounted."""
    restyled: list[str] = []
    update_styles = app.update_styles

    def counting(node: DOMNode, animate: bool = True) -> None:
        restyled.extend(f"{type(node).__name__} > {type(n).__name__} {sorted(n.classes)}"
                        for n in node.walk_children(with_self=True) if type(n).__name__ == kind)
        update_styles(node, animate=animate)

    app.update_styles = counting  # type: ignore[method-assign]
    return restyled


async def test_footer_keys_are_styled_once_as_they_mount(synced: Config, make_app: Any) -> None:
    app = make_app(synced)
    restyled = count_restyles(app, "FooterKey")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        keys = app.screen.query_one(Footer).query("FooterKey")
        assert len(keys) >= 5
        assert [key.has_class("-compact") for key in keys if key.has_class("-command-palette")] == [True]  # as Textual's
        assert {key.has_class("-compact") for key in keys if not key.has_class("-command-palette")} == {False}
        assert restyled == []  # not each key twice (compact when made, then not when bound to the footer)
        await pilot.press("3")  # another screen's footer
        await settle(app, pilot)
        assert app.screen.query_one(Footer).query("FooterKey")
        assert restyled == []
