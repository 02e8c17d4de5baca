"""A keyed table drawn with Textual's Line API: each visible line is built straight from
``Segment``s and cached per row, so a refresh that leaves most rows alone costs little.

A ``DataTable`` renders every visible cell through Rich's console (``Padding`` → lines) and
throws that away whenever anything in the table changes; here a cell is a string (or
``(string, style)``) padded or cropped with ``rich.cells``, and a line is cached on the row's
key and version, the layout and its cursor, zebra and mark state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from biosphere_tui import i18n
from biosphere_tui.widgets.columns import WIDE_BINDING, ColumnSpec, WideToggle, fitting, priority
from biosphere_tui.widgets.palette import style

Cell = Any  # a str, a (str, style) pair, a rich Text or any value (its str)
MARK = "_mark"  # the key of the marks column of a ``selectable`` table
NEAR_END = 10  # rows from the last one read at which a screen showing a window reads the next page


def _parse(style: str | Style | None) -> Style:
    if not style:
        return Style.null()
    if isinstance(style, Style):
        return style
    parsed = _STYLES.get(style)
    if parsed is None:
        parsed = _STYLES[style] = Style.parse(style)
    return parsed


_STYLES: dict[str, Style] = {}


def _cell(value: Cell) -> tuple[str, Style, bool]:
    """A cell's text (one line), style and whether it is right-aligned. A rich ``Text`` gives its
    plain text, its style with those of the spans that cover it all, and its ``justify``."""
    right = False
    if isinstance(value, str):
        text, style = value, Style.null()
    elif isinstance(value, tuple):
        text, style = str(value[0]), _parse(value[1])
    elif isinstance(value, Text):
        text, style, right = value.plain, _parse(value.style), value.justify == "right"
        for span in value.spans:
            if span.start <= 0 and span.end >= len(text):
                style += _parse(span.style)
    else:
        text, style = ("" if value is None else str(value)), Style.null()
    if "\n" in text:
        text = text.replace("\n", " ")
    return text, style, right


class _Row:
    __slots__ = ("cells", "lens", "version")

    def __init__(self, cells: tuple[tuple[str, Style, bool], ...], version: int) -> None:
        self.cells = cells
        self.lens = [cell_len(text) for text, _, _ in cells]
        self.version = version


class LineTable(WideToggle, ScrollView, can_focus=True):
    """Give ``COLUMNS`` (key, label[, priority]) and call ``show([(row_key, cells), ...])`` with the
    rows in the order to display. The cursor stays on its row key across ``show()``, except after
    ``restart_cursor()`` (the screen's filter changed): then it goes to the first row. The columns
    shown are those that fit the width, by priority (see ``widgets.columns``); ``w`` shows all.

    With ``selectable=True`` a marks column comes first and space marks rows; ``selected``
    holds their keys. With ``cell_cursor`` the cursor is a cell (←/→ move it, ``CellHighlighted``
    says where); the first ``LABEL_COLUMNS`` columns then name their row, drawn like the header.
    A header label may hold several lines (``\n``) and be a rich ``Text`` (its styles kept).
    """

    COLUMNS: Sequence[ColumnSpec] = ()
    MAX_COLUMN_WIDTH = 40  # a longer cell is cropped with …
    CELL_PADDING: ClassVar[int] = 1
    LABEL_COLUMNS: ClassVar[int] = 0
    cell_cursor = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("left", "cursor_left", "Left", show=False),
        Binding("right", "cursor_right", "Right", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "cursor_home", "First", show=False),
        Binding("end", "cursor_end", "Last", show=False),
        Binding("enter", "select_row", "Select", show=False),
        Binding("space", "toggle_mark", "Mark", show=False),
        WIDE_BINDING,
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "line-table--header", "line-table--cursor", "line-table--even-row", "line-table--odd-row",
    }

    DEFAULT_CSS = """
    LineTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;

        &:focus {
            background-tint: $foreground 5%;
            & > .line-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .line-table--header {
                background-tint: $foreground 5%;
            }
        }
        &:dark > .line-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .line-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .line-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .line-table--odd-row {
        }
        & > .line-table--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .line-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class _TableMessage(Message):
        def __init__(self, table: LineTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> LineTable:
            return self.table

    class MarksChanged(_TableMessage):
        """The marked rows changed (``selectable`` tables)."""

    class _RowMessage(_TableMessage):
        def __init__(self, table: LineTable, cursor_row: int, row_key: str) -> None:
            super().__init__(table)
            self.cursor_row = cursor_row
            self.row_key = row_key

    class RowHighlighted(_RowMessage):
        """The cursor moved to a row, or another row came under it."""

    class RowSelected(_RowMessage):
        """Enter (or a click on the cursor row) chose a row."""

    class CellHighlighted(_TableMessage):
        """The cell cursor moved, or another cell came under it (``cell_cursor`` tables)."""

        def __init__(self, table: LineTable, row_key: str, column_key: str) -> None:
            super().__init__(table)
            self.row_key = row_key
            self.column_key = column_key

    class HeaderSelected(_TableMessage):
        """A click on a column's header."""

        def __init__(self, table: LineTable, column_key: str, column_index: int) -> None:
            super().__init__(table)
            self.column_key = column_key
            self.column_index = column_index

    def __init__(self, *, selectable: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None, disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.selectable = selectable
        self.selected: set[str] = set()
        self._order: list[str] = []
        self._index: dict[str, int] = {}
        self._rows: dict[str, _Row] = {}
        self._version = 0
        self._cursor = 0
        self._restart = False
        self._highlighted: tuple[int, str] | None = None  # what the last RowHighlighted said
        self._cell_highlighted: tuple[str, str] | None = None  # what the last CellHighlighted said
        self._column = 0  # the cell cursor's column, an index into _keys
        self._layout = 0  # bumped when a width or a header label changes: a key of the line cache
        self._line_cache: LRUCache[tuple[Any, ...], Strip] = LRUCache(1024)
        self._styles: tuple[Style, ...] = ()
        self.set_columns(self.COLUMNS)

    def set_columns(self, columns: Sequence[tuple[Any, ...]]) -> None:
        """Replace the columns, (key, label[, priority]) as in ``COLUMNS`` (a str label is translated);
        the rows are drawn blank until ``show`` gives them again, a cell for each column."""
        self.COLUMNS = tuple(columns)
        given = [(MARK, " ", 0)] if self.selectable else []
        given += [(c[0], i18n._(c[1]) if isinstance(c[1], str) else c[1], priority(c)) for c in columns]
        self._keys = [key for key, _, _ in given]
        self._labels: dict[str, str | Text] = {key: label for key, label, _ in given}
        self._priorities = [p for _, _, p in given]
        self._widths = [_label_width(label) for _, label, _ in given]  # content widths, grow only
        self._shown = list(range(len(self._keys)))  # the indices of the columns drawn
        self._rows = {}  # measured again for these columns by the next show()
        self._column = min(max(self._column, self._first_cell()), max(len(self._keys) - 1, 0))
        if self.is_mounted:
            self._relayout()

    def _first_cell(self) -> int:
        """The first column the cell cursor may stand on."""
        return (1 if self.selectable else 0) + self.LABEL_COLUMNS

    @property
    def shown_columns(self) -> list[str]:
        """The keys of the columns drawn, left to right."""
        return [self._keys[i] for i in self._shown]

    @property
    def hides_columns(self) -> bool:
        return len(self._shown) < len(self._keys)

    def choose_columns(self) -> None:
        """Keep the columns that fit the width (all of them when ``wide``); relayout if that changed."""
        room = self.scrollable_content_region.width
        if self.wide or room <= 0:
            shown = list(range(len(self._keys)))
        else:
            keep = fitting(self._priorities, self._render_widths(range(len(self._keys))), room)
            shown = [i for i, k in enumerate(keep) if k]
        if shown != self._shown:
            self._shown = shown
            self._relayout()
            self.refresh_bindings()

    # -- data -------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def row_keys(self) -> list[str]:
        """The row keys in display order."""
        return list(self._order)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def current_key(self) -> str | None:
        return self._order[self._cursor] if self._order else None

    @property
    def cursor_column(self) -> int:
        """Where the cell cursor stands among ``shown_columns``."""
        return self._shown.index(self._column) if self._column in self._shown else 0

    @property
    def current_column(self) -> str | None:
        """The key of the cell cursor's column."""
        return self._keys[self._column] if self.cell_cursor and self._column < len(self._keys) else None

    def near_end(self, total: int) -> bool:
        """The cursor is within ``NEAR_END`` rows of the last row read while more match (``total``): a
        screen showing a window of a long list reads its next page."""
        return self.cursor_row >= self.row_count - NEAR_END and self.row_count < total

    def get_row_index(self, key: str) -> int:
        return self._index[key]

    def get_row(self, key: str) -> list[str]:
        """The text of each cell of a row (the marks column first in a ``selectable`` table)."""
        row = self._rows[key]
        mark = [self._mark_text(key)] if self.selectable else []
        return mark + [text for text, _, _ in row.cells]

    def get_row_styles(self, key: str) -> list[Style]:
        """The style each cell of a row is drawn in (before the row's zebra or cursor), as ``get_row``."""
        mark = [style("strong-warning") if key in self.selected else Style.null()] if self.selectable else []
        return mark + [own for _, own, _ in self._rows[key].cells]

    def get_cell(self, key: str, column: str) -> str:
        return self.get_row(key)[self._keys.index(column)]

    def get_cell_style(self, key: str, column: str) -> Style:
        return self.get_row_styles(key)[self._keys.index(column)]

    def header_label(self, column: str) -> str | Text:
        return self._labels[column]

    def set_header_label(self, column: str, label: str) -> None:
        if self._labels[column] != label:
            self._labels[column] = label
            i = self._keys.index(column)
            self._widths[i] = max(self._widths[i], _label_width(label))
            self._relayout()
            self.choose_columns()

    def column_x(self, column: str) -> int:
        """Where a column starts, in cells from the table's left edge (unscrolled)."""
        i = self._shown.index(self._keys.index(column))
        return sum(self._render_widths(self._shown[:i]))

    def show(self, rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
        current = self.current_key
        old_rows = self._rows
        new_rows: dict[str, _Row] = {}
        widths = self._widths
        offset = 1 if self.selectable else 0
        grew = changed = False
        for key, values in rows:
            cells = tuple(_cell(v) for v in values)
            row = old_rows.get(key)
            if row is None or row.cells != cells:
                changed = True
                self._version += 1
                row = _Row(cells, self._version)
                for i, n in enumerate(row.lens, offset):
                    if n > widths[i]:
                        widths[i] = n
                        grew = True
            new_rows[key] = row
        order = list(new_rows)
        cursor = self._cursor
        self._rows = new_rows
        if order != self._order:
            changed = True
            self._order = order
            self._index = {key: i for i, key in enumerate(order)}
        self.selected &= new_rows.keys()
        if grew:
            self._layout += 1
            self.choose_columns()
        if self._restart:
            self._restart = False
            self._cursor = 0
        elif current is not None and current in self._index:
            self._cursor = self._index[current]
        self._cursor = max(0, min(self._cursor, len(self._order) - 1))
        self._update_virtual_size()
        self._scroll_to_cursor()
        self._announce()
        if changed or self._cursor != cursor:  # the same rows again (a refresh that found nothing new): no repaint
            self.refresh()

    def clear(self) -> None:
        self.show([])

    def restart_cursor(self) -> None:
        """The next ``show`` is a new selection (a filter changed): the cursor goes to its first row."""
        self._restart = True

    # -- cursor and marks -------------------------------------------------------------------

    def move_cursor(self, *, row: int | None = None, column: str | None = None, animate: bool = False,
                    scroll: bool = True) -> None:
        """Put the cursor on ``row`` (an index) and, in a ``cell_cursor`` table, on ``column`` (a key)."""
        if column is not None and column in self._keys and self._keys.index(column) != self._column:
            self._column = self._keys.index(column)
            self.refresh()
        if row is not None and self._order:
            row = max(0, min(row, len(self._order) - 1))
            if row != self._cursor:
                self._cursor = row
                self.refresh()
            if scroll:
                self._scroll_to_cursor()
        self._announce()

    def _announce(self) -> None:
        """Post ``RowHighlighted`` (``CellHighlighted``) if the cursor's row (cell) changed since the last one."""
        key = self.current_key
        now = None if key is None else (self._cursor, key)
        if now != self._highlighted:
            self._highlighted = now
            if now is not None:
                self.post_message(self.RowHighlighted(self, *now))
        column = self.current_column
        cell = None if key is None or column is None else (key, column)
        if cell != self._cell_highlighted:
            self._cell_highlighted = cell
            if cell is not None:
                self.post_message(self.CellHighlighted(self, *cell))

    def _scroll_to_cursor(self) -> None:
        body = max(1, self.scrollable_content_region.height - self.header_height)  # lines under the header
        top = round(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + body:
            self.scroll_to(y=self._cursor - body + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor + 1)

    def action_cursor_left(self) -> None:
        self._step_column(-1)

    def action_cursor_right(self) -> None:
        self._step_column(1)

    def _step_column(self, step: int) -> None:
        """←/→: the cell cursor to the next shown cell column that way; a row-cursor table scrolls."""
        if not self.cell_cursor:
            (self.scroll_left if step < 0 else self.scroll_right)(animate=False)
            return
        ahead = [i for i in self._shown[::step] if i >= self._first_cell() and (i - self._column) * step > 0]
        if ahead:
            self.move_cursor(column=self._keys[ahead[0]])

    def action_page_up(self) -> None:
        self.move_cursor(row=self._cursor - max(1, self.scrollable_content_region.height - 1))

    def action_page_down(self) -> None:
        self.move_cursor(row=self._cursor + max(1, self.scrollable_content_region.height - 1))

    def action_cursor_home(self) -> None:
        self.move_cursor(row=0)

    def action_cursor_end(self) -> None:
        self.move_cursor(row=len(self._order) - 1)

    def action_select_row(self) -> None:
        key = self.current_key
        if key is not None:
            self.post_message(self.RowSelected(self, self._cursor, key))

    def action_toggle_mark(self) -> None:
        key = self.current_key
        if not self.selectable or key is None:
            return
        self.selected ^= {key}
        self.refresh()
        self.post_message(self.MarksChanged(self))

    async def on_click(self, event: events.Click) -> None:
        x, y = event.x + round(self.scroll_x), event.y
        if y < self.header_height:
            i = self._index_at(x)
            if i is not None:
                event.stop()
                self.post_message(self.HeaderSelected(self, self._keys[i], i))
            return
        row = y - self.header_height + round(self.scroll_y)
        if 0 <= row < len(self._order):
            event.stop()
            column = self._column_at(x) if self.cell_cursor else None
            if row == self._cursor and column in (None, self.current_column):
                self.action_select_row()
            self.move_cursor(row=row, column=column)

    def _index_at(self, x: int) -> int | None:
        """The index (into the columns) of the column drawn at ``x`` (unscrolled), if any."""
        edge = 0
        for i, width in zip(self._shown, self._render_widths(self._shown), strict=True):
            if edge <= x < edge + width:
                return i
            edge += width
        return None

    def _column_at(self, x: int) -> str | None:
        """The key of the cursor-able column at ``x`` (unscrolled), if any."""
        i = self._index_at(x)
        return self._keys[i] if i is not None and i >= self._first_cell() else None

    # -- rendering -----------------------------------------------------------------------------

    @property
    def header_height(self) -> int:
        """The header's lines: those of its tallest label."""
        return max((_label_lines(label) for label in self._labels.values()), default=1)

    def _render_widths(self, columns: Iterable[int]) -> list[int]:
        """The drawn width of each of ``columns`` (indices), padding included."""
        pad = 2 * self.CELL_PADDING
        return [min(self._widths[i], self.MAX_COLUMN_WIDTH) + pad for i in columns]

    def _relayout(self) -> None:
        self._layout += 1
        self._update_virtual_size()
        self.refresh()

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(sum(self._render_widths(self._shown)), len(self._order) + self.header_height)

    def _mark_text(self, key: str) -> str:
        return "●" if key in self.selected else " "

    def render_lines(self, crop: Any) -> list[Strip]:
        styles = (
            self.rich_style,
            self.get_component_styles("line-table--header").rich_style,
            self.get_component_styles("line-table--even-row").rich_style,
            self.get_component_styles("line-table--odd-row").rich_style,
            self.get_component_rich_style("line-table--cursor"),
        )
        if styles != self._styles:
            self._styles = styles
            self._line_cache.clear()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x = round(self.scroll_x)
        if not self._styles:  # rendered without render_lines (not expected)
            self.render_lines(self.size.region)
        base = self._styles[0]
        header = self.header_height
        if y < header:
            key: tuple[Any, ...] = ("header", y, self._layout, width)
            line = self._line_cache.get(key)
            if line is None:
                line = self._line_cache[key] = self._header_line(y, width)
        else:
            index = y - header + round(self.scroll_y)
            if index >= len(self._order):
                return Strip.blank(width, base)
            row_key = self._order[index]
            row = self._rows.get(row_key)
            if row is None:  # the columns changed: the next show() gives the row again
                return Strip.blank(width, base)
            cursor = None if index != self._cursor else self._column if self.cell_cursor else -1
            marked = row_key in self.selected
            key = (row_key, row.version, self._layout, width, cursor, index % 2, marked)
            line = self._line_cache.get(key)
            if line is None:
                line = self._line_cache[key] = self._row_line(row, index, cursor, marked, width)
        if scroll_x or line.cell_length > width:
            line = line.crop(scroll_x, scroll_x + width)
        return line.adjust_cell_length(width, base)

    def _header_line(self, y: int, width: int) -> Strip:
        """Line ``y`` of the header: of each label, its line ``y`` (a ``Text`` keeps its styles)."""
        style = self._styles[1]
        segments = []
        pad = Segment(" " * self.CELL_PADDING, style)
        for i in self._shown:
            label = self._labels[self._keys[i]]
            lines: Sequence[str | Text] = label.split("\n")
            line = lines[y] if y < len(lines) else ""
            cells = min(self._widths[i], self.MAX_COLUMN_WIDTH)
            if isinstance(line, Text):
                line = line.copy()
                line.truncate(cells, overflow="ellipsis", pad=True)
                segments += [pad, *(Segment(s.text, style + s.style if s.style else style)
                                    for s in line.render(self.app.console)), pad]
            else:
                segments += [pad, Segment(_fit(line, cells), style), pad]
        return self._finish(segments, style, width)

    def _row_line(self, row: _Row, index: int, cursor: int | None, marked: bool, width: int) -> Strip:
        """One segment per run of the row's own style (padding, plain cells), one per styled cell.
        ``cursor``: None off the cursor row, -1 on it, else the index of the cursor's cell."""
        _, header, even, odd, cursor_style = self._styles
        row_style = odd if index % 2 else even
        over = Style.from_color(cursor_style.color)  # the cursor's colour wins over the cell's
        if cursor == -1:
            row_style = row_style + cursor_style
        labels = self._first_cell() if self.LABEL_COLUMNS else 0
        padding = self.CELL_PADDING
        pad = " " * padding
        segments: list[Segment] = []
        plain: list[str] = []  # text in the row's style, not yet made a segment
        cells = row.cells
        lens = row.lens
        widths = self._widths
        if self.selectable:
            cells = (("●", style("strong-warning"), False) if marked else (" ", Style.null(), False),) + cells
            lens = [1, *lens]
        cap = self.MAX_COLUMN_WIDTH
        length = 0
        for i in self._shown:
            (text, own, right), n, w = cells[i], lens[i], min(widths[i], cap)
            length += w + 2 * padding
            if n > w:
                text, n = _fit(text, w), w
            if right:  # the room before the text
                lead, fill = pad + " " * (w - n), pad
            else:
                lead, fill = pad, " " * (w - n + padding)
            if i == cursor or i < labels:  # the whole cell in the cursor's (the header's) style
                base = row_style + cursor_style if i == cursor else header
                segments.append(Segment("".join(plain), row_style))
                segments.append(Segment(lead, base))
                segments.append(Segment(text, base + own + over if i == cursor else base + own))
                segments.append(Segment(fill, base))
                plain = []
            elif own:
                cell_style = row_style + own
                if cursor == -1:
                    cell_style = cell_style + over
                plain.append(lead)
                segments.append(Segment("".join(plain), row_style))
                segments.append(Segment(text, cell_style))
                plain = [fill]
            else:
                plain += (lead, text, fill)
        if length < width:  # the row's style runs to the right edge
            plain.append(" " * (width - length))
        segments.append(Segment("".join(plain), row_style))
        return Strip([s for s in segments if s.text], max(length, width))

    @staticmethod
    def _finish(segments: list[Segment], style: Style, width: int) -> Strip:
        length = Strip(segments).cell_length
        if length < width:  # the row's style runs to the right edge
            segments.append(Segment(" " * (width - length), style))
        return Strip(segments).simplify()


class ColumnsTable(LineTable):
    """A ``LineTable`` whose columns are given per instance (with their priorities); rows are
    given as ``{column: cell}``; ``widest``: the widest a column may grow."""

    def __init__(self, columns: Sequence[ColumnSpec], *, id: str, selectable: bool = False,
                 widest: int = LineTable.MAX_COLUMN_WIDTH) -> None:
        self.COLUMNS = tuple(columns)
        self.MAX_COLUMN_WIDTH = widest
        super().__init__(id=id, selectable=selectable)

    def show_cells(self, rows: Iterable[tuple[str, dict[str, Cell]]]) -> None:
        self.show([(key, [cells[c[0]] for c in self.COLUMNS]) for key, cells in rows])


def _label_lines(label: str | Text) -> int:
    return (label.plain if isinstance(label, Text) else label).count("\n") + 1


def _label_width(label: str | Text) -> int:
    return max(cell_len(line) for line in (label.plain if isinstance(label, Text) else label).split("\n"))


def _fit(text: str, width: int) -> str:
    """``text`` padded or cropped (with an ellipsis) to ``width`` cells."""
    n = cell_len(text)
    if n == width:
        return text
    if n < width:
        return text + " " * (width - n)
    return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
