"""myVM: every deployment across the sites, mine or my group's, with their live servers.

The table holds a window of the matching VMs (``PAGE`` rows, more as the cursor nears its
end), read through the sort's index; the count is kept while the query and the data stay the
same: a sort or a cursor move reads about one window. A filter's words are searched in memory,
in the scope's VMs read once in the sort's order (``vms.Ordering``, by a worker once the rows
are shown), so that a keystroke reads the window alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container
from textual.events import Resize

from biosphere_tui.cache import reader, servers, vm_detail, vms
from biosphere_tui.cache.db import connect_reader
from biosphere_tui.cache.reader import site_names
from biosphere_tui.cache.vms import VmQuery, VmRow
from biosphere_tui.i18n import _, t
from biosphere_tui.local.foreground import FOREGROUND
from biosphere_tui.models.deployments import Parameter
from biosphere_tui.models.states import Role
from biosphere_tui.rules.access import deployment_ssh, server_ssh
from biosphere_tui.screens.base import BiosphereScreen
from biosphere_tui.widgets.filter_bar import Filterable, filter_key, restart_cursors
from biosphere_tui.widgets.server_views import ServerDetailPane, ServerTable
from biosphere_tui.widgets.vm_delete import (
    delete_marked,
    nova_refusal,
    refusal,
    send_to_nova,
    send_to_portal,
    server_count,
    vm_count,
)
from biosphere_tui.widgets.vm_detail import VmDetailPane
from biosphere_tui.widgets.vm_table import VmTable

if TYPE_CHECKING:
    from biosphere_tui.actions import Outcome

PAGE = 60  # rows read at a time: a screenful and some
WIDE = 140  # from this width the describe pane sits beside the table


class MyVMScreen(Filterable, BiosphereScreen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")  # read when the screen is first shown
    AUTO_FOCUS = "#vms"  # not the hidden filter bar
    SOURCES = ("portal.deployments", "site.")
    NOVA = False  # True: the rows are Nova servers (OpenStack-only mode, see screens/nova_vms.py)
    HELP = ("myVM: your deployments on every site with their live servers; group admins switch to all the "
            "group's VMs with a. Space marks VMs, ctrl+d deletes the marked ones (or the one under the cursor) "
            "after a confirmation. Done and Cancelled deployments are hidden until h.")
    BINDINGS = [
        filter_key(),
        Binding("d", "toggle_describe", "Describe"),  # the main keys first: the footer shows those that fit
        Binding("ctrl+d", "delete", "Delete"),
        Binding("c", "copy_ssh", "Copy SSH"),
        Binding("a", "toggle_scope", "Mine/All"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("S", "reverse_sort", "Reverse", key_display="S"),
        Binding("h", "toggle_finished", "Finished"),
        Binding("v", "reveal", "Secrets"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.scope = "mine"  # or "group": every VM of the current group (its admins only)
        self.vm_query = VmQuery(finished=False)
        self.total = 0
        self._limit = PAGE
        self._counted: tuple[object, int] | None = None  # the matching VMs counted, and for what query and data
        self._ordering: tuple[object, vms.Ordering] | None = None  # the scope's VMs searched by the filter, and for what
        self._ahead: tuple[object, Future[vms.Ordering]] | None = None  # the next one, being read in a worker
        self._texts: tuple[object, Future[dict[str, str]]] | None = None  # every VM's searched text, for what data
        self._stale: tuple[VmQuery, object] | None = None  # the filter searches older VMs until these are read
        self._rows: dict[str, VmRow] = {}
        self._describe: bool = False
        self._revealed: tuple[str, tuple[Parameter, ...]] | None = None  # a VM and its secrets fetched from the portal

    def compose_body(self) -> ComposeResult:
        yield self.filter_bar()
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
        versions = reader.versions(db, self.SOURCES)  # read before the VMs
        read = (replace(self.vm_query, text=""), versions)
        if self.vm_query.text.split():  # a keystroke of the filter: searched in the scope's VMs held in memory
            rows, self.total = vms.searched(db, self._searched_in(read), self.vm_query.text, limit=self._limit,
                                            nova=self.NOVA)
        else:
            self.call_after_refresh(self._read_ahead, read)  # after these rows are on screen
            counted = (self.vm_query.where(), versions)
            known = self._counted[1] if self._counted is not None and self._counted[0] == counted else None
            rows, self.total = vms.window(db, self.vm_query, limit=self._limit, nova=self.NOVA, total=known)
            self._counted = (counted, self.total)
        self._rows = {vm.id: vm for vm in rows}
        self.query_one(VmTable).show_vms(rows, self.app.now(), rebuild=rebuild, names=site_names(db))
        self._title()
        self._show_detail()

    def _title(self) -> None:
        group = self.app.current_group
        scope = t("all of {group}", group=group.name) if self.scope == "group" and group else _("mine")
        count = vm_count(self.total)  # every matching VM, not only the rows read so far
        finished = _("with finished") if self.vm_query.finished else _("finished hidden")
        self.title = t("myVM · {scope} · {count} · {finished} · by {sort}", scope=scope,
                       count=count + self._matching(), finished=finished, sort=self._sort_label())

    def _matching(self) -> str:
        return t(" matching “{text}”", text=self.vm_query.text) if self.vm_query.text else ""

    def _sort_label(self) -> str:
        """The sort column and its direction, as the title says it."""
        return f"{_(self.sort_labels[self.vm_query.sort])} {'▼' if self.vm_query.descending else '▲'}"

    @property
    def sort_labels(self) -> dict[str, str]:
        return {c[0]: c[1] for c in self.query_one(VmTable).COLUMNS}

    def _show_detail(self) -> None:
        pane = self.query_one(VmDetailPane)
        if not pane.display:
            return
        key = self.query_one(VmTable).current_key
        detail = vm_detail.detail(self.app.cache, key) if key else None
        shown = detail is not None and self._revealed is not None and self._revealed[0] == key
        if shown:
            assert detail is not None and self._revealed is not None
            detail = replace(detail, deployment=replace(detail.deployment, parameters=self._revealed[1]))
        pane.show(detail, self.app.now(), reveal=shown)

    def on_line_table_row_highlighted(self, event: VmTable.RowHighlighted) -> None:
        table = self.query_one(VmTable)
        if event.cursor_row != table.cursor_row or event.row_key != table.current_key:
            return  # a stale event: the cursor moved on (e.g. while rows were replaced)
        if self._revealed is not None and event.row_key != self._revealed[0]:
            self._revealed = None  # secrets are shown for one VM only, and forgotten when the cursor leaves it
        if table.near_end(self.total):
            self._limit += PAGE  # the cursor nears the end of the window: read the next page
            self._load()
        else:
            self._show_detail()

    # -- filter, sort, scope ------------------------------------------------------------------

    def _read_ahead(self, read: tuple[VmQuery, object]) -> None:
        """Read the VMs the filter searches (``read``: the query without words, and the data's versions)
        in a worker, once the rows are shown, which the filter's first key would otherwise wait for. The
        first for the data reads every VM's searched text too (~50 ms at 16,000), the next (another scope
        or sort) only the ids in order (~11 ms): ``a`` then ``/`` and a key, typed at once, find them read."""
        if any(known is not None and known[0] == read for known in (self._ordering, self._ahead)):
            return
        ahead: Future[vms.Ordering] = Future()
        self._ahead = (read, ahead)
        first = self._texts is None or self._texts[0] != read[1] or (
            self._texts[1].done() and self._texts[1].exception() is not None)  # e.g. the cache was busy: again
        if first:
            self._texts = (read[1], Future())
        assert self._texts is not None
        self._order(self.app.config.cache_path, read, self._texts[1], first, ahead)

    @work(thread=True, group="filter-ahead", exit_on_error=False)
    def _order(self, path: Path, read: tuple[VmQuery, object], texts: Future[dict[str, str]], first: bool,
               ahead: Future[vms.Ordering]) -> None:
        """``first``: read ``texts`` too (other workers wait for them)."""
        try:
            db = connect_reader(path)  # its own connection: the app's is the UI thread's
            try:
                if first:
                    texts.set_result(vms.search_texts(db, nova=self.NOVA, pace=FOREGROUND.pace))
                ordered = vms.ordering(db, read[0], nova=self.NOVA, texts=texts.result())
            finally:
                db.close()
        except Exception as exc:  # noqa: BLE001 - for the UI thread, which then reads them itself
            if first and not texts.done():
                texts.set_exception(exc)  # the other workers waiting for them give up too
            ahead.set_exception(exc)
        else:
            ahead.set_result(ordered)
        self.app.call_from_thread(self._read_in, read)  # failed too: the UI thread then reads them itself

    def _searched_in(self, read: tuple[VmQuery, object]) -> vms.Ordering:
        """The VMs a filter's words are searched in, for ``read``. When only the data changed (a refresh
        under a filter), those read before stand in while a worker reads the new ones, their rows read
        fresh, and the rows are shown again when they are in: the UI thread does not read every VM
        (~60 ms at 16,000) while keys are typed."""
        known = self._ordering
        if known is not None and known[0] == read:
            return known[1]
        ahead = self._ahead
        ready = ahead is not None and ahead[0] == read and ahead[1].done()
        if known is not None and known[0][0] == read[0] and not ready:
            self._stale = read
            self._read_ahead(read)
            return known[1]
        self._ordering = (read, self._searchable(read))
        return self._ordering[1]

    def _read_in(self, read: tuple[VmQuery, object]) -> None:
        """The worker read the VMs for ``read``: the rows searched in older ones are searched again."""
        if self._stale == read and self.is_mounted:
            self._stale = None
            self._load()

    def _searchable(self, read: tuple[VmQuery, object]) -> vms.Ordering:
        """The VMs the filter searches: those read ahead for ``read`` (waiting for the worker if it is
        still reading), else read now."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[0] == read:
            try:
                return ahead[1].result()
            except Exception:  # noqa: BLE001 - e.g. the cache was busy in the worker: read here, as without it
                pass
        return vms.ordering(self.app.cache, read[0], nova=self.NOVA)

    def filter_changed(self) -> None:
        self._requery(text=self.filter_text)

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
        restart_cursors(self)  # another selection: the cursor on its first row
        self._requery(finished=not self.vm_query.finished)
        self.notify(_("Done and Cancelled deployments are shown.") if self.vm_query.finished else
                    _("Done and Cancelled deployments are hidden."), timeout=3)

    def action_toggle_scope(self) -> None:
        group = self.app.current_group
        if group is None or group.role is not Role.ADMIN:
            which = t("you are a member of {group}, not one of its admins", group=group.name) if group else \
                _("you are in no group")
            self.notify(t("Only a group's admins see all of its VMs: {which}. Showing your own VMs.", which=which),
                        severity="warning")
            return
        self.scope = "mine" if self.scope == "group" else "group"
        restart_cursors(self)
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
        detail = vm_detail.detail(self.app.cache, key) if key else None
        if key is None or detail is None or not any(p.secret for p in detail.deployment.parameters):
            self.notify(_("This VM has no secret parameters (passwords, tokens) to show."), timeout=4)
            return
        if self._revealed is not None and self._revealed[0] == key:
            self._revealed = None
            self._show_detail()
            return
        self.app.fetch(t("Fetching the secrets of {name} from the portal", name=detail.deployment.name),
                       lambda actions: actions.with_secrets([key]), done=self._fetched)

    def _fetched(self, outcomes: list[Outcome]) -> None:
        """Show the secrets the portal sent, if the cursor is still on their VM (kept in memory only)."""
        from biosphere_tui.actions import why_no_secret

        outcome = outcomes[0]
        if not outcome.ok:
            self.notify(why_no_secret(outcome.value), severity="error", timeout=10)
            return
        if not self.is_attached or self.query_one(VmTable).current_key != outcome.item:
            return
        self._revealed = (outcome.item, outcome.value.parameters)
        if not self._describe:
            self.action_toggle_describe()
        else:
            self._show_detail()

    # -- copy, delete ------------------------------------------------------------------------------

    def action_copy_ssh(self) -> None:
        key = self.query_one(VmTable).current_key
        detail = vm_detail.detail(self.app.cache, key) if key else None
        self._copy_ssh(detail and deployment_ssh(detail.deployment, detail.ip),
                       _("No VM under the cursor: nothing to copy."))

    def _copy_ssh(self, ssh: tuple[str | None, str | None] | None, none_here: str) -> None:
        """Copy the SSH command (the first of ``ssh``) or say why not (its second, or ``none_here``)."""
        if ssh is None:
            self.notify(none_here, severity="warning")
        elif ssh[0] is None:
            self.notify(t("Nothing to copy: {reason}", reason=ssh[1]), severity="warning")
        else:
            self.app.copy_to_clipboard(ssh[0])
            self.notify(t("Copied to the clipboard: {text}", text=ssh[0]), timeout=4)

    def _mark_refusal(self, key: str) -> str | None:
        vm = self._rows.get(key)
        if vm is None or key in self.query_one(VmTable).selected:
            return None  # unmarking is always allowed
        return self._refusal(vm)

    def action_delete(self) -> None:
        delete_marked(self, self.query_one(VmTable), self._load, nova=self.NOVA, refuse=self._refusal,
                      send=self._send_delete)

    def _refusal(self, vm: VmRow) -> str | None:
        return refusal(self, vm)

    def _send_delete(self, ids: list[str], names: dict[str, str]) -> None:
        send_to_portal(self, ids, names)

    # -- command palette ----------------------------------------------------------------------------

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(_("myVM: mine / all of the group"),
                            _("Switch between your VMs and all of the group's (admins)"), self.action_toggle_scope)
        yield SystemCommand(_("myVM: show or hide finished VMs"), _("Done and Cancelled deployments (key h)"),
                            self.action_toggle_finished)
        yield SystemCommand(_("myVM: describe pane"), _("Details of the VM under the cursor (key d)"),
                            self.action_toggle_describe)
        yield SystemCommand(_("myVM: copy the SSH command"), _("Of the VM under the cursor (key c)"),
                            self.action_copy_ssh)
        yield SystemCommand(_("myVM: delete VMs"), _("The marked VMs, or the one under the cursor (ctrl+d)"),
                            self.action_delete)
        for key, label in self.sort_labels.items():
            yield SystemCommand(t("myVM: sort by {column}", column=_(label)),
                                t("Sort the VMs by {column} (key s cycles, S reverses)", column=_(label)),
                                lambda key=key: self._sort(key, descending=False))


# -- OpenStack-only mode: the Nova servers of every site, deleted through Nova ----------------------


NOT_HERE = ("toggle_scope", "toggle_finished", "reveal")


class NovaVMScreen(MyVMScreen):
    NOVA = True
    SOURCES = ("site.",)
    HELP = ("myVM (OpenStack-only mode): the Nova servers of your projects on every site of your clouds.yaml. "
            "Space marks servers, ctrl+d deletes the marked ones (or the one under the cursor) after a "
            "confirmation; d describes, c copies the SSH command.")

    def compose_body(self) -> ComposeResult:
        yield self.filter_bar()
        with Container(id="body"):
            table = ServerTable(id="vms", selectable=True)
            table.markable = self._mark_refusal
            yield table
            yield ServerDetailPane(id="describe")

    def _title(self) -> None:
        count = server_count(self.total)  # every matching server, not only the rows read so far
        self.title = t("myVM · Nova servers of every site · {count} · by {sort}", count=count + self._matching(),
                       sort=self._sort_label())

    def _show_detail(self) -> None:
        pane = self.query_one(ServerDetailPane)
        if pane.display:
            key = self.query_one(VmTable).current_key
            pane.show_server(servers.detail(self.app.cache, key) if key else None, self.app.now())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Without a portal there are no groups, no finished deployments and no secret parameters."""
        return action not in NOT_HERE

    def _refusal(self, vm: VmRow) -> str | None:
        return nova_refusal(vm)

    def _send_delete(self, ids: list[str], names: dict[str, str]) -> None:
        send_to_nova(self, ids, names)

    def palette_commands(self) -> Iterable[SystemCommand]:
        hidden = {getattr(self, f"action_{action}") for action in NOT_HERE}
        return (command for command in super().palette_commands() if command.callback not in hidden)

    def action_copy_ssh(self) -> None:
        key = self.query_one(VmTable).current_key
        detail = servers.detail(self.app.cache, key) if key else None
        self._copy_ssh(detail and server_ssh(detail.server, detail.os_distro),
                       _("No server under the cursor: nothing to copy."))

