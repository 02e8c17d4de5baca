"""A DataTable whose rows are keyed and updated in place: cursor and selection survive a refresh.
Public DataTable API only; a cell is re-measured only when it grows wider than its column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey

from biosphere_tui import i18n
from biosphere_tui.widgets.columns import WIDE_BINDING, ColumnSpec, WideToggle, fitting, priority
from biosphere_tui.widgets.palette import style


def _same(old: Any, new: Any) -> bool:
    """Whether a cell is unchanged: a Rich ``Text``'s equality ignores its style (a new theme's colour)."""
    return bool(old == new) and getattr(old, "style", None) == getattr(new, "style", None)


class KeyedTable(WideToggle, DataTable):
    """Give ``COLUMNS`` (key, label[, priority]) and call ``show([(row_key, cells), ...])`` with
    the rows in the order to display. Rows are added, updated and removed in place; when the order
    changes the table is re-sorted without losing the cursor row. The columns shown are those that
    fit the width, by priority (see ``widgets.columns``); ``w`` shows all.

    With ``selectable=True``, space marks rows (multi-select); ``selected`` holds their keys.
    After ``restart_cursor()`` (the screen's filter changed) the next ``show`` puts the cursor on
    the first row instead.
    A text cell is shown as it is: never read as markup (it often comes from a server).
    """

    COLUMNS: Sequence[ColumnSpec] = ()
    BINDINGS = [Binding("space", "toggle_mark", "Mark", show=False), WIDE_BINDING]

    class MarksChanged(Message):
        def __init__(self, table: KeyedTable) -> None:
            super().__init__()
            self.table = table

    def __init__(self, *args: Any, selectable: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, cursor_type="row", zebra_stripes=True, **kwargs)
        self.selectable = selectable
        self.selected: set[str] = set()
        self._shown: list[int] | None = None  # indices into COLUMNS of the columns drawn (None: all)
        self._given: list[tuple[str, Sequence[Any]]] = []  # the rows as last shown, every column's cells
        self._order: list[str] = []  # their keys (after a clear, the rows come back in this order)
        self._restart = False

    def restart_cursor(self) -> None:
        """The next ``show`` is a new selection (a filter changed): the cursor goes to its first row."""
        self._restart = True

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        if self.selectable:
            self.add_column(" ", key="_mark", width=1)
        for column in self._visible():
            self.add_column(i18n._(column[1]), key=column[0])

    @property
    def shown_columns(self) -> list[str]:
        """The keys of the columns drawn, left to right (the marks column left out)."""
        return [c[0] for c in self._visible()]

    def _visible(self) -> list[ColumnSpec]:
        return list(self.COLUMNS) if self._shown is None else [self.COLUMNS[i] for i in self._shown]

    @property
    def hides_columns(self) -> bool:
        return self._shown is not None

    def choose_columns(self) -> None:
        """Keep the columns that fit the width (all when ``wide``); rebuild the table if that changed."""
        room = self.scrollable_content_region.width - (3 if self.selectable else 0)
        if self.wide or room <= 0 or all(priority(c) == 0 for c in self.COLUMNS):
            shown = None
        else:
            pad = 2 * self.cell_padding
            widths = [cell_len(i18n._(c[1])) for c in self.COLUMNS]
            for _, cells in self._given:
                widths = [max(w, _width(v)) for w, v in zip(widths, cells, strict=False)]
            keep = fitting([priority(c) for c in self.COLUMNS], [w + pad for w in widths], room)
            shown = None if all(keep) else [i for i, k in enumerate(keep) if k]
        if shown != self._shown:
            self._shown = shown
            current = self.current_key
            self.clear(columns=True)
            self._add_columns()
            self.show(self._given)
            if current is not None and current in self.rows:
                self.move_cursor(row=self.get_row_index(current), animate=False)
            self.refresh_bindings()

    @property
    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None

    def show(self, rows: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """``rows``: each row's key and its cells for every column of ``COLUMNS``."""
        self._given = list(rows)
        if self._shown is not None:
            rows = [(key, [cells[i] for i in self._shown]) for key, cells in rows]
        current = self.current_key
        wanted = {key for key, _ in rows}
        gone = [k.value for k in self.rows if k.value not in wanted]
        if len(gone) > max(50, self.row_count // 2):  # each remove_row re-indexes: rebuild instead
            self.clear()
        else:
            for key in gone:
                self.remove_row(key)
        self.selected &= wanted
        columns = [column for column, _ in self._columns()]
        given = [(key, ([self._mark(key)] if self.selectable else []) + [plain(c) for c in cells]) for key, cells in rows]
        for key, values in given:
            if key in self.rows:
                for column, value in zip(columns, values, strict=False):
                    if not _same(self.get_cell(key, column), value):
                        self.update_cell(key, column, value, update_width=self._widens(column, value))
            else:
                self.add_row(*values, key=key)
        order = [key for key, _ in given]
        if order != self._order and [row.key.value for row in self.ordered_rows] != order:
            self._reorder(order, given)
        self._order = order
        if self._restart:
            self._restart = False
            self.move_cursor(row=0, animate=False)
        elif current is not None and current in wanted:
            self.move_cursor(row=self.get_row_index(current), animate=False)

    def _reorder(self, order: list[str], given: list[tuple[str, list[Any]]]) -> None:
        """Put the rows in ``order``: ``DataTable.sort`` hands its key a row's cells, which tell the
        rows apart by the cell objects this table holds (rebuilt instead in the unlikely case two
        rows hold the very same objects)."""
        position = {tuple(map(id, self.get_row(key))): i for i, key in enumerate(order)}
        if len(position) == len(order):
            self.sort(key=lambda cells: position[tuple(map(id, cells))])
            return
        self.clear()
        for key, values in given:
            self.add_row(*values, key=key)

    def _widens(self, column: str, value: Any) -> bool:
        """Whether ``value`` is wider than its column: only then is the column measured again (measuring
        every updated cell made re-showing 10,000 rows take 40 s)."""
        found = self.columns.get(ColumnKey(column))
        return found is None or _width(value) > found.content_width

    def _columns(self) -> list[tuple[str, str]]:
        return ([("_mark", " ")] if self.selectable else []) + [(c[0], c[1]) for c in self._visible()]

    def _mark(self, key: str) -> Text:
        return Text("●", style=style("strong-warning")) if key in self.selected else Text(" ")

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
    """A ``KeyedTable`` whose columns are given per instance (with their priorities); rows are
    given as ``{column: cell}``."""

    def __init__(self, columns: Sequence[ColumnSpec], *, id: str, selectable: bool = False) -> None:
        super().__init__(id=id, selectable=selectable)
        self.COLUMNS = tuple(columns)

    def show_cells(self, rows: Iterable[tuple[str, dict[str, Any]]]) -> None:
        self.show([(key, [cells[c[0]] for c in self.COLUMNS]) for key, cells in rows])


def _width(value: Any) -> int:
    return cell_len(value.plain if isinstance(value, Text) else "" if value is None else str(value))
