"""A DataTable whose rows are keyed and updated in place: cursor and selection survive a refresh."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from biosphere_tui import i18n
from textual.widgets.data_table import CellDoesNotExist


class KeyedTable(DataTable):
    """Give ``COLUMNS`` (key, label) and call ``show([(row_key, cells), ...])`` with the rows
    in the order to display. Rows are added, updated and removed in place; when the order
    changes the table is re-sorted without losing the cursor row.

    With ``selectable=True``, space marks rows (multi-select); ``selected`` holds their keys.
    A text cell is shown as it is: never read as markup (it often comes from a server).
    """

    COLUMNS: Sequence[tuple[str, str]] = ()
    BINDINGS = [Binding("space", "toggle_mark", "Mark", show=False)]

    class MarksChanged(Message):
        def __init__(self, table: KeyedTable) -> None:
            super().__init__()
            self.table = table

    def __init__(self, *args: Any, selectable: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, cursor_type="row", zebra_stripes=True, **kwargs)
        self.selectable = selectable
        self.selected: set[str] = set()
        self._order: list[str] = []

    def on_mount(self) -> None:
        if self.selectable:
            self.add_column(" ", key="_mark", width=1)
        for key, label in self.COLUMNS:
            self.add_column(i18n._(label), key=key)

    @property
    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None

    def show(self, rows: Sequence[tuple[str, Sequence[Any]]]) -> None:
        current = self.current_key
        wanted = {key for key, _ in rows}
        gone = [k.value for k in self.rows if k.value not in wanted]
        if len(gone) > max(50, self.row_count // 2):  # each remove_row re-indexes: rebuild instead
            self.clear()
            self._order = []
        else:
            for key in gone:
                self.remove_row(key)
        self.selected &= wanted
        for key, cells in rows:
            values = ([self._mark(key)] if self.selectable else []) + [plain(c) for c in cells]
            if key in self.rows:
                for (column, _), value in zip(self._columns(), values):
                    if self.get_cell(key, column) != value:
                        self.update_cell(key, column, value, update_width=True)
            else:
                self.add_row(*values, key=key)
        order = [key for key, _ in rows]
        if order != self._order:
            self._reorder(order)
        self._order = order
        if current is not None and current in wanted:
            self.move_cursor(row=self.get_row_index(current), animate=False)

    def _reorder(self, order: list[str]) -> None:
        """Put rows in ``order`` without rebuilding them (what ``DataTable.sort`` does inside)."""
        from textual._two_way_dict import TwoWayDict  # pinned textual: DataTable.sort uses the same

        position = {key: i for i, key in enumerate(order)}
        self._row_locations = TwoWayDict({row_key: position[row_key.value] for row_key in self.rows})
        self._update_count += 1
        self.refresh()

    def _columns(self) -> list[tuple[str, str]]:
        return ([("_mark", " ")] if self.selectable else []) + list(self.COLUMNS)

    def _mark(self, key: str) -> Text:
        return Text("●", style="bold yellow") if key in self.selected else Text(" ")

    def action_toggle_mark(self) -> None:
        key = self.current_key
        if not self.selectable or key is None:
            return
        self.selected ^= {key}
        self.update_cell(key, "_mark", self._mark(key))
        self.post_message(self.MarksChanged(self))


def plain(cell: Any) -> Any:
    """A text cell as ``Text`` (a DataTable reads a ``str`` cell as markup); other cells as they are."""
    return Text(cell) if isinstance(cell, str) else cell


class ColumnsTable(KeyedTable):
    """A ``KeyedTable`` whose columns are chosen per instance (all of them on a wide terminal,
    the primary ones otherwise); rows are given as ``{column: cell}``."""

    def __init__(self, columns: Sequence[tuple[str, str]], secondary: set[str], *, wide: bool, id: str,
                 selectable: bool = False) -> None:
        super().__init__(id=id, selectable=selectable)
        self.COLUMNS = tuple(c for c in columns if wide or c[0] not in secondary)

    def show_cells(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> None:
        self.show([(key, [cells[c] for c, _ in self.COLUMNS]) for key, cells in rows])
