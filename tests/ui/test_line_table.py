"""LineTable on its own: cursor, marks, show() keeping the cursor's row, header clicks,
horizontal scrolling, and what it draws."""

from __future__ import annotations

from screen_text import text_of
from textual.app import App, ComposeResult
from textual.message import Message

from biosphere_tui.widgets.line_table import LineTable


class Fruits(LineTable):
    COLUMNS = (("name", "name"), ("colour", "colour"), ("kg", "kg"))


ROWS = [(f"k{i}", (f"fruit-{i}", ("red" if i % 2 else "green", "bold red"), str(i))) for i in range(50)]


class TableApp(App):
    def __init__(self, table: LineTable) -> None:
        super().__init__()
        self.table = table
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.table

    def on_line_table_row_highlighted(self, event: LineTable.RowHighlighted) -> None:
        self.messages.append(event)

    def on_line_table_header_selected(self, event: LineTable.HeaderSelected) -> None:
        self.messages.append(event)

    def on_line_table_marks_changed(self, event: LineTable.MarksChanged) -> None:
        self.messages.append(event)


def of(app: TableApp, kind: type[Message]) -> list:
    return [m for m in app.messages if isinstance(m, kind)]


async def test_keys_move_the_cursor_and_the_view_follows() -> None:
    app = TableApp(Fruits(id="t"))
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.table
        table.show(ROWS)
        await pilot.pause()
        assert table.row_count == 50 and table.cursor_row == 0 and table.current_key == "k0"
        await pilot.press("down", "down")
        assert table.cursor_row == 2 and table.current_key == "k2"
        await pilot.press("up")
        assert table.current_key == "k1"
        await pilot.press("end")
        await pilot.pause()
        assert table.current_key == "k49"
        lines = text_of(table).splitlines()
        assert lines[0].split() == ["name", "colour", "kg"]  # the header stays on top
        assert "fruit-49" in lines[-1] and "fruit-0 " not in text_of(table)
        await pilot.press("home")
        await pilot.pause()
        assert table.current_key == "k0" and "fruit-0 " in text_of(table)
        await pilot.press("pagedown")
        assert table.cursor_row == table.scrollable_content_region.height - 1
        await pilot.press("pageup")
        assert table.cursor_row == 0
        await pilot.press("up")  # stays on the first row
        assert table.cursor_row == 0
        await pilot.pause()
        highlighted = [(m.cursor_row, m.row_key) for m in of(app, LineTable.RowHighlighted)]
        assert highlighted[:4] == [(0, "k0"), (1, "k1"), (2, "k2"), (1, "k1")]
        assert highlighted[-1] == (0, "k0")


async def test_space_marks_rows_and_marks_survive_show() -> None:
    app = TableApp(Fruits(id="t", selectable=True))
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.table
        table.show(ROWS)
        await pilot.pause()
        await pilot.press("space", "down", "down", "space")
        assert table.selected == {"k0", "k2"}
        await pilot.pause()
        assert len(of(app, LineTable.MarksChanged)) == 2
        lines = text_of(table).splitlines()
        assert lines[1].split()[:2] == ["●", "fruit-0"] and lines[3].split()[:2] == ["●", "fruit-2"]
        assert lines[2].split()[0] == "fruit-1"
        assert table.get_row("k0")[0] == "●" and table.get_cell("k1", "name") == "fruit-1"
        await pilot.press("space")  # unmark
        assert table.selected == {"k0"}
        table.show([r for r in ROWS if r[0] != "k0"])  # a marked row gone: its mark goes too
        assert table.selected == set()


async def test_cursor_stays_on_its_row_when_rows_are_reordered() -> None:
    app = TableApp(Fruits(id="t"))
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.table
        table.show(ROWS)
        await pilot.pause()
        table.move_cursor(row=3)
        await pilot.pause()
        assert table.current_key == "k3"
        table.show(list(reversed(ROWS)))
        await pilot.pause()
        assert table.current_key == "k3" and table.cursor_row == 46
        assert table.row_keys[0] == "k49"
        lines = text_of(table).splitlines()  # the view followed the cursor down
        assert any("fruit-3 " in line for line in lines[1:])
        assert of(app, LineTable.RowHighlighted)[-1].row_key == "k3"
        table.show([r for r in ROWS if r[0] != "k3"][:10])  # the cursor's row is gone: the cursor stays in range
        await pilot.pause()
        assert table.row_count == 10 and 0 <= table.cursor_row < 10
        assert of(app, LineTable.RowHighlighted)[-1].row_key == table.current_key
        changed = [(k, (f"{c[0]}!", *c[1:])) for k, c in ROWS[:10]]  # a changed row is drawn anew
        table.show(changed)
        await pilot.pause()
        assert "fruit-1!" in text_of(table)


async def test_clicks_select_rows_and_headers() -> None:
    app = TableApp(Fruits(id="t"))
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.table
        table.show(ROWS)
        await pilot.pause()
        await pilot.click(LineTable, offset=(2, 3))  # the third row
        assert table.current_key == "k2"
        x = table.column_x("colour")
        await pilot.click(LineTable, offset=(x + 1, 0))
        await pilot.pause()
        (header,) = of(app, LineTable.HeaderSelected)
        assert header.column_key == "colour" and header.column_index == 1


async def test_wide_content_scrolls_horizontally() -> None:
    class Wide(LineTable):
        COLUMNS = tuple((f"c{i}", f"column-{i}") for i in range(8))

    rows = [(f"r{n}", [f"v{n}-{i}-" + "x" * 10 for i in range(8)]) for n in range(5)]
    app = TableApp(Wide(id="t"))
    async with app.run_test(size=(50, 10)) as pilot:
        table = app.table
        table.show(rows)
        await pilot.pause()
        assert table.virtual_size.width > table.size.width
        assert "column-0" in text_of(table) and "column-7" not in text_of(table)
        table.scroll_to(x=table.max_scroll_x, animate=False)
        await pilot.pause()
        shown = text_of(table)
        assert "column-7" in shown.splitlines()[0] and "v0-7-" in shown and "column-0" not in shown


async def test_long_cells_are_capped_and_styles_applied() -> None:
    class Capped(Fruits):
        MAX_COLUMN_WIDTH = 8

    app = TableApp(Capped(id="t"))
    async with app.run_test(size=(60, 8)) as pilot:
        table = app.table
        table.show([("a", ("a-very-long-name", ("red", "bold red"), "1")), ("b", ("b", ("red", "bold red"), "2"))])
        await pilot.pause()
        line = text_of(table).splitlines()[1]
        assert "a-very-…" in line and "a-very-long" not in line
        strip = table.render_line(2)  # not the cursor's row: the cursor's colours win there
        red = [s for s in strip if s.text == "red"]
        assert red and red[0].style.bold and red[0].style.color.name == "red"


async def test_sort_label_and_unchanged_rows_come_from_the_cache() -> None:
    app = TableApp(Fruits(id="t"))
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.table
        table.show(ROWS)
        await pilot.pause()
        table.set_header_label("kg", "kg ▼")
        await pilot.pause()
        assert text_of(table).splitlines()[0].split() == ["name", "colour", "kg", "▼"]
        built: list[str] = []
        row_line = table._row_line
        table._row_line = lambda row, *a: built.append(row.cells[0][0]) or row_line(row, *a)  # type: ignore[method-assign]
        text_of(table)
        assert built == []  # every visible line was cached
        table.show([ROWS[0], ("new", ("kiwi", "", "3")), *ROWS[1:]])  # one new row: the rows below it shift
        text_of(table)
        assert "kiwi" in built and "fruit-0" not in built  # the rows above it are not redrawn
        built.clear()
        table.show([ROWS[0], ("new", ("kiwi", "", "3")), *ROWS[1:]])  # the same rows again: nothing redrawn
        text_of(table)
        assert built == []


async def test_cell_cursor_label_column_two_line_header_and_rich_cells() -> None:
    from rich.text import Text

    class Grid(LineTable):
        LABEL_COLUMNS = 1
        cell_cursor = True
        COLUMNS = (("label", ""), ("a", "A"), ("b", "B"))

    class GridApp(TableApp):
        def on_line_table_cell_highlighted(self, event: LineTable.CellHighlighted) -> None:
            self.messages.append(event)

    app = GridApp(Grid(id="t"))
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.table
        table.set_columns([("label", Text()), ("a", Text.assemble(("A", "bold"), "\n", ("up", "green"))), ("b", "B")])
        failing = Text("7")
        failing.stylize("red")  # a style over the whole cell is kept
        table.show([("r0", ("row-0", Text("12", justify="right"), failing)),
                    ("r1", ("row-1", Text("3", justify="right"), "x"))])
        await pilot.pause()
        assert table.header_height == 2
        lines = text_of(table).splitlines()
        assert lines[0].split() == ["A", "B"] and lines[1].split() == ["up"]
        assert lines[2].split() == ["row-0", "12", "7"] and lines[3].split() == ["row-1", "3", "x"]
        assert lines[3].index("3") == lines[2].index("12") + 1  # right-aligned under each other
        assert table.get_cell_style("r0", "b").color.name == "red"
        assert table.current_column == "a" and table.cursor_column == 1  # never on the label column
        await pilot.press("left")
        assert table.current_column == "a"
        await pilot.press("right", "down")
        assert (table.current_key, table.current_column) == ("r1", "b")
        await pilot.pause()
        cells = [(m.row_key, m.column_key) for m in of(app, LineTable.CellHighlighted)]
        assert cells == [("r0", "a"), ("r0", "b"), ("r1", "b")]
        await pilot.click(LineTable, offset=(table.column_x("a") + 1, 2))  # row r0, column a
        assert (table.current_key, table.current_column) == ("r0", "a")
