"""The site × flavour matrix of the launch form: a flavour per row, a site per column, each cell
saying whether it fits (★ the recommended one), as many whole sites as fit the width."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events

from biosphere_tui.i18n import _
from biosphere_tui.models.states import SiteState
from biosphere_tui.rules.fit import APPLIANCE, CAPACITY, QUOTA, Fit
from biosphere_tui.widgets.line_table import LineTable
from biosphere_tui.widgets.palette import style


def _cells() -> dict[str, tuple[str, Style]]:
    return {APPLIANCE: (_("✗ small"), style("error", "dim")), QUOTA: (_("✗ quota"), style("error")),
            CAPACITY: (_("✗ full"), style("error"))}


def cell(fit: Fit | None, state: SiteState, best: bool = False) -> Text:
    if fit is None:
        return Text("—", style="dim")
    if fit.ok and best:
        return Text(_("★ best"), style=style("strong-ok", "reverse"))
    if fit.ok:
        return Text(_("✓ fits"), style=style("warning") if fit.warning else style("strong-ok"))
    if fit.kind in (cells := _cells()):
        return Text(*cells[fit.kind])
    return Text(_("✗ maint.") if state is SiteState.MAINTENANCE else _("✗ down"), style=style("strong-error"))


class FitMatrix(LineTable):
    """Rows: flavours (labelled), columns: sites; the cell cursor picks the site and the flavour.
    Only whole sites are shown, as many as fit the width: ◀/▶ on the edge headers say more are
    there, and the cursor brings them in (never a site cut in the middle)."""

    LABEL_COLUMNS = 1  # the flavour
    cell_cursor = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._sites: tuple[tuple[str, Text], ...] = ()  # every site, in order
        self._matrix: list[tuple[str, Sequence[Any]]] = []  # each flavour's cell for every site
        self._first = 0  # the first site shown

    @property
    def sites_shown(self) -> int:
        return len(self.COLUMNS) - self.LABEL_COLUMNS

    def set_matrix(self, sites: Sequence[tuple[str, Text]], rows: Sequence[tuple[str, Sequence[Any]]]) -> bool:
        """The sites (key, header) and each flavour's cells for every site; the columns are rebuilt
        when the sites or their states changed; returns whether they were."""
        self._matrix = list(rows)
        if tuple(sites) == self._sites:
            self._show_window()
            return False
        self._sites = tuple(sites)
        self._first = min(self._first, max(len(self._sites) - 1, 0))
        self._window()
        return True

    def _show_window(self) -> None:
        end = self._first + self.sites_shown
        self.show([(key, [key, *list(cells)[self._first:end]]) for key, cells in self._matrix])

    def _site_widths(self) -> list[int]:
        pad = 2 * self.CELL_PADDING
        return [max([*(cell_len(line) for line in label.plain.split("\n")), 7]) + pad for _, label in self._sites]

    def _window(self, keep: str | None = None) -> None:
        """Show the sites from ``_first`` that fit (``keep``, a site, among them), cursor kept."""
        widths = self._site_widths()
        labels = max((cell_len(key) for key, _ in self._matrix), default=0) + 2 * self.CELL_PADDING
        room = self.scrollable_content_region.width - labels - 4  # and the ◀ ▶ marks
        if keep is not None and keep in (keys := [k for k, _ in self._sites]):
            self._first = min(self._first, keys.index(keep))
            while self._first < keys.index(keep) and sum(widths[self._first:keys.index(keep) + 1]) > room:
                self._first += 1
        end = self._first + 1
        while end < len(widths) and sum(widths[self._first:end + 1]) <= room:
            end += 1
        while self._first > 0 and sum(widths[self._first - 1:end]) <= room:  # room to the left: use it
            self._first -= 1
        if room <= 0:  # not laid out yet: every site
            self._first, end = 0, len(self._sites)
        chosen = self.chosen
        self.set_columns([("_flavor", Text()), *(self._edges(i, end) for i in range(self._first, min(end, len(self._sites))))])
        self._show_window()
        if chosen is not None:
            self._move_to(*chosen)

    def _edges(self, i: int, end: int) -> tuple[str, Text]:
        """The site's header, with ◀ or ▶ when sites are hidden on that side."""
        key, label = self._sites[i]
        name, state = label.split("\n", allow_blank=True)
        first = Text.assemble(("◀ ", "bold") if i == self._first and i > 0 else "", name,
                              (" ▶", "bold") if i == end - 1 and end < len(self._sites) else "")
        return key, Text.assemble(first, "\n", state)

    def on_resize(self, event: events.Resize) -> None:
        if self._sites:
            self._window(self.chosen[0] if self.chosen else None)

    def action_cursor_right(self) -> None:
        shift = self.cursor_column == len(self.COLUMNS) - 1 and self._first + self.sites_shown < len(self._sites)
        if not shift:
            super().action_cursor_right()
            return
        self._first += 1
        next_site = self._sites[self._first + self.sites_shown - 1][0]
        self._window(keep=next_site)
        self.choose(next_site, self.chosen[1] if self.chosen else "")

    def action_cursor_left(self) -> None:
        if self.cursor_column > self.LABEL_COLUMNS or self._first == 0:
            super().action_cursor_left()
            return
        self._first -= 1
        site = self._sites[self._first][0]
        chosen = self.chosen
        self._window(keep=site)
        if chosen is not None:
            self.choose(site, chosen[1])

    @property
    def chosen(self) -> tuple[str, str] | None:
        """(site, flavour) under the cursor."""
        site, flavor = self.current_column, self.current_key
        if site is None or flavor is None or self.sites_shown <= 0:
            return None
        return site, flavor

    def choose(self, site: str, flavor: str) -> None:
        if site not in self.shown_columns and any(key == site for key, _ in self._sites):
            self._window(keep=site)  # bring the site into view
        self._move_to(site, flavor)

    def _move_to(self, site: str, flavor: str) -> None:
        """The cursor on (site, flavour) if both are listed (a site or flavour may no longer be)."""
        if site in self.shown_columns and flavor in self.row_keys:
            self.move_cursor(row=self.get_row_index(flavor), column=site)


def site_label(platform: str, state: SiteState, answers: bool) -> Text:
    """A site's column header: its name, and its state (or that it does not answer)."""
    role = {SiteState.UP: "ok", SiteState.DEGRADED: "warning"}.get(state, "strong-error") if answers else "strong-error"
    word = _(state.value) if answers else _("no answer")
    return Text.assemble((platform, "bold"), "\n", (f"● {word}", style(role)))
