"""myVM: every deployment across the sites, mine or my group's, with their live servers.

The table holds a window of the matching VMs (``PAGE`` rows, more as the cursor nears its
end): filtering, sorting and counting happen in SQL, so a keystroke costs the same on 100
or 7,500 VMs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container
from textual.events import Resize
from textual.widgets import Input

from biosphere_tui.cache import reader, vms
from biosphere_tui.cache.vms import VmQuery, VmRow
from biosphere_tui.models import Role
from biosphere_tui.screens.base import BiosphereScreen
from biosphere_tui.screens.vm_delete import delete_marked, plural, refusal, send_to_portal
from biosphere_tui.widgets.filter_bar import FilterBar
from biosphere_tui.widgets.vm_detail import VmDetailPane
from biosphere_tui.widgets.vm_table import VmTable

PAGE = 60  # rows read at a time: a screenful and some
WIDE = 140  # from this width the describe pane sits beside the table


class MyVMScreen(BiosphereScreen):
    CSS_PATH = "myvm.tcss"
    AUTO_FOCUS = "#vms"  # not the hidden filter bar
    SOURCES = ("portal.deployments", "site.")
    NOVA = False  # True: the rows are Nova servers (OpenStack-only mode, see screens/nova_vms.py)
    HELP = ("myVM: your deployments on every site with their live servers; group admins switch to all the "
            "group's VMs with a. Space marks VMs, ctrl+d deletes the marked ones (or the one under the cursor) "
            "after a confirmation. Done and Cancelled deployments are hidden until h.")
    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("a", "toggle_scope", "Mine/All"),
        Binding("h", "toggle_finished", "Finished"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("S", "reverse_sort", "Reverse", key_display="S"),
        Binding("d", "toggle_describe", "Describe"),
        Binding("c", "copy_ssh", "Copy SSH"),
        Binding("v", "reveal", "Secrets"),
        Binding("ctrl+d", "delete", "Delete"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.scope = "mine"  # or "group": every VM of the current group (its admins only)
        self.vm_query = VmQuery(finished=False)
        self.total = 0
        self._limit = PAGE
        self._rows: dict[str, VmRow] = {}
        self._describe: bool = False
        self._revealed: str | None = None  # the VM whose secrets are shown

    def compose_body(self) -> ComposeResult:
        yield FilterBar()
        with Container(id="body", classes="-wide" if self._wide else ""):  # styled once, as it mounts
            table = VmTable(id="vms", selectable=True)
            table.markable = self._mark_refusal
            yield table
            pane = VmDetailPane(id="describe")
            pane.display = self._describe
            yield pane

    def on_mount(self) -> None:
        self.query_one(VmTable).show_sort(self.vm_query.sort, self.vm_query.descending)
        super().on_mount()

    # -- reading ----------------------------------------------------------------------------

    def reload_body(self) -> None:
        self._load()

    def _load(self, *, rebuild: bool = False) -> None:
        """Read the window of VMs the table shows, then the title and the describe pane;
        ``rebuild`` when the rows change wholesale (filter, sort, scope)."""
        db = self.app.cache
        group = self.app.current_group
        if self.scope == "group" and (group is None or group.role is not Role.ADMIN):
            self.scope = "mine"  # the current group changed to one the user does not lead
        me = reader.me(db)
        if self.scope == "group" and group is not None:
            self.vm_query = replace(self.vm_query, owner=None, group_id=group.id)
        else:
            self.vm_query = replace(self.vm_query, owner=None if self.NOVA else me.username if me else "",
                                    group_id=None)
        rows, self.total = vms.window(db, self.vm_query, limit=self._limit, nova=self.NOVA)
        self._rows = {vm.id: vm for vm in rows}
        self.query_one(VmTable).show_vms(rows, self.app.now(), rebuild=rebuild)
        self._title()
        self._show_detail()

    def _title(self) -> None:
        group = self.app.current_group
        scope = f"all of {group.name}" if self.scope == "group" and group else "mine"
        shown = len(self._rows)
        count = f"{shown} of {self.total} VMs" if shown < self.total else plural(self.total)
        if self.vm_query.text:
            count += f" matching “{self.vm_query.text}”"
        finished = "with finished" if self.vm_query.finished else "finished hidden"
        arrow = "▼" if self.vm_query.descending else "▲"
        self.title = f"myVM · {scope} · {count} · {finished} · by {self.sort_labels[self.vm_query.sort]} {arrow}"

    @property
    def sort_labels(self) -> dict[str, str]:
        return dict(self.query_one(VmTable).COLUMNS)

    def _show_detail(self) -> None:
        pane = self.query_one(VmDetailPane)
        if not pane.display:
            return
        key = self.query_one(VmTable).current_key
        detail = vms.detail(self.app.cache, key) if key else None
        pane.show(detail, self.app.now(), reveal=key is not None and key == self._revealed)

    def on_line_table_row_highlighted(self, event: VmTable.RowHighlighted) -> None:
        table = self.query_one(VmTable)
        if event.cursor_row != table.cursor_row or event.row_key != table.current_key:
            return  # a stale event: the cursor moved on (e.g. while rows were replaced)
        if event.row_key != self._revealed:
            self._revealed = None  # secrets are shown for one VM only
        if event.cursor_row >= table.row_count - 10 and table.row_count < self.total:
            self._limit += PAGE  # the cursor nears the end of the window: read the next page
            self._load()
        else:
            self._show_detail()

    # -- filter, sort, scope ------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self._requery(text=event.value.strip())

    def _requery(self, **change: object) -> None:
        self.vm_query = replace(self.vm_query, **change)  # type: ignore[arg-type]
        self._limit = PAGE
        self._load(rebuild=True)

    def action_cycle_sort(self) -> None:
        keys = list(self.sort_labels)
        self._sort(keys[(keys.index(self.vm_query.sort) + 1) % len(keys)], descending=False)

    def action_reverse_sort(self) -> None:
        self._sort(self.vm_query.sort, descending=not self.vm_query.descending)

    def on_line_table_header_selected(self, event: VmTable.HeaderSelected) -> None:
        column = event.column_key
        if column in self.sort_labels:
            self._sort(column, descending=column == self.vm_query.sort and not self.vm_query.descending)

    def _sort(self, column: str, *, descending: bool) -> None:
        self.query_one(VmTable).show_sort(column, descending)
        self._requery(sort=column, descending=descending)

    def action_toggle_finished(self) -> None:
        self._requery(finished=not self.vm_query.finished)
        self.notify("Done and Cancelled deployments are " + ("shown." if self.vm_query.finished else "hidden."),
                    timeout=3)

    def action_toggle_scope(self) -> None:
        group = self.app.current_group
        if group is None or group.role is not Role.ADMIN:
            which = f"you are a member of {group.name}, not one of its admins" if group else "you are in no group"
            self.notify(f"Only a group's admins see all of its VMs: {which}. Showing your own VMs.",
                        severity="warning")
            return
        self.scope = "mine" if self.scope == "group" else "group"
        self._limit = PAGE
        self._load(rebuild=True)

    # -- describe pane --------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        self._layout()

    @property
    def _wide(self) -> bool:
        return self.app.size.width >= WIDE

    def _layout(self) -> None:
        self.query_one("#body").set_class(self._wide, "-wide")
        self.query_one(VmDetailPane).display = self._describe

    def action_toggle_describe(self) -> None:
        self._describe = not self._describe
        self._layout()
        self._show_detail()

    def action_reveal(self) -> None:
        key = self.query_one(VmTable).current_key
        detail = vms.detail(self.app.cache, key) if key else None
        if detail is None or not any(p.secret for p in detail.deployment.parameters):
            self.notify("This VM has no secret parameters (passwords, tokens) to show.", timeout=4)
            return
        self._revealed = None if self._revealed == key else key
        if not self._describe:
            self.action_toggle_describe()
        else:
            self._show_detail()

    # -- copy, delete ------------------------------------------------------------------------------

    def action_copy_ssh(self) -> None:
        key = self.query_one(VmTable).current_key
        detail = vms.detail(self.app.cache, key) if key else None
        if detail is None:
            self.notify("No VM under the cursor: nothing to copy.", severity="warning")
        elif detail.ssh_command is None:
            self.notify(f"Nothing to copy: {detail.no_ssh_reason}", severity="warning")
        else:
            self.app.copy_to_clipboard(detail.ssh_command)
            self.notify(f"Copied to the clipboard: {detail.ssh_command}", timeout=4)

    def _mark_refusal(self, key: str) -> str | None:
        vm = self._rows.get(key)
        if vm is None or key in self.query_one(VmTable).selected:
            return None  # unmarking is always allowed
        return refusal(self, vm)

    def action_delete(self) -> None:
        delete_marked(self, self.query_one(VmTable), self._load, nova=self.NOVA, refuse=self._refusal,
                      send=self._send_delete)

    def _refusal(self, vm: VmRow) -> str | None:
        return refusal(self, vm)

    def _send_delete(self, ids: list[str], names: dict[str, str]) -> None:
        send_to_portal(self, ids, names)

    # -- command palette ----------------------------------------------------------------------------

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("myVM: mine / all of the group", "Switch between your VMs and all of the group's (admins)",
                            self.action_toggle_scope)
        yield SystemCommand("myVM: show or hide finished VMs", "Done and Cancelled deployments (key h)",
                            self.action_toggle_finished)
        yield SystemCommand("myVM: describe pane", "Details of the VM under the cursor (key d)",
                            self.action_toggle_describe)
        yield SystemCommand("myVM: copy the SSH command", "Of the VM under the cursor (key c)", self.action_copy_ssh)
        yield SystemCommand("myVM: delete VMs", "The marked VMs, or the one under the cursor (ctrl+d)",
                            self.action_delete)
        for key, label in self.sort_labels.items():
            yield SystemCommand(f"myVM: sort by {label}", f"Sort the VMs by {label} (key s cycles, S reverses)",
                                lambda key=key: self._sort(key, descending=False))
