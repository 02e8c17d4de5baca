"""Members: the current group's pending membership requests and its members, for its admins."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from biosphere_tui.cache import people
from biosphere_tui.cache.freshness import age
from biosphere_tui.models import Group, Member, MembershipRequest, Role
from biosphere_tui.screens.base import BiosphereScreen
from biosphere_tui.widgets.confirm import ConfirmDialog, ReasonDialog
from biosphere_tui.widgets.filter_bar import FilterBar
from biosphere_tui.widgets.keyed_table import ColumnsTable

WIDE = 120  # from this terminal width on, secondary columns are shown
RESYNC = {"portal.members", "portal.account"}
MESSAGE_WIDTH = {True: 70, False: 32}


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def who(r: MembershipRequest | Member) -> str:
    return f"{r.name} ({r.username}, {r.email})"


def ends_in(end: date, today: date) -> tuple[str, str]:
    """What to say of an account ending on ``end``, and its style."""
    days = (end - today).days
    if days < 0:
        return "ended", "dim red"
    if days <= people.EXPIRY_WARNING_DAYS:
        when = "today" if days == 0 else f"in {plural(days, 'day')}"
        return f"expires {when}", "bold yellow"
    return "", ""


def badge(label: str, count: int) -> Text:
    return Text.assemble((label, "bold"), " ", (f" {count} ", "bold reverse yellow" if count else "reverse dim"))


class MembersScreen(BiosphereScreen):
    CSS_PATH = "members.tcss"
    SOURCES = ("portal.members", "portal.account")
    HELP = ("Members: for the admins of the current group (7 to change it), the pending membership requests "
            "(space marks several; a approves, x rejects with a reason sent to the person) and the members, "
            "those whose account ends within 30 days highlighted. Accounts tied to a group are deactivated "
            "at the group's end date.")
    BINDINGS = [
        Binding("a", "approve", "Approve"),
        Binding("x", "reject", "Reject"),
        Binding("slash", "filter", "Filter", key_display="/"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._text = ""
        self._group: Group | None = None
        self._requests: dict[str, MembershipRequest] = {}

    def compose_body(self) -> ComposeResult:
        wide = self.app.size.width >= WIDE
        with Vertical(id="admin"):
            yield Static(id="pending-title", classes="section")
            yield ColumnsTable(
                (("name", "name"), ("username", "username"), ("email", "email"), ("message", "message"),
                 ("asked", "asked")), {"email"}, wide=wide, id="requests", selectable=True)
            yield Static(id="request-message")
            yield Static(id="members-title", classes="section")
            yield ColumnsTable(
                (("name", "name"), ("username", "username"), ("email", "email"), ("role", "role"),
                 ("joined", "joined"), ("end", "account end"), ("notice", "")),
                {"email", "joined"}, wide=wide, id="members")
        yield Static(id="not-admin")
        yield FilterBar("filter requests and members…  (esc clears)")

    # -- what is shown -------------------------------------------------------------------

    def reload_body(self) -> None:
        group = self._group = self.app.current_group
        admin = group is not None and group.role is Role.ADMIN
        self.query_one("#admin").display = admin
        self.query_one("#not-admin").display = not admin
        self.refresh_bindings()
        if group is None or not admin:
            self.title = "Members"
            self.query_one("#not-admin", Static).update(self._explanation(group))
            return
        db = self.app.cache
        pending = people.pending_counts(db).get(group.id, 0)
        self.title = f"Members — {pending} pending"
        self._show_requests(group, pending)
        self._show_members(group)

    def _show_requests(self, group: Group, pending: int) -> None:
        table = self.query_one("#requests", ColumnsTable)
        found = people.requests(self.app.cache, group.id, text=self._text)
        self._requests = {r.id: r for r in found}
        title = badge(f"Pending requests to join {group.name}", pending)
        if self._text:
            title.append(f"  {len(found)} match “{self._text}”", style="dim")
        elif not pending:
            title.append("  nobody is waiting", style="dim")
        self.query_one("#pending-title", Static).update(title)
        width = MESSAGE_WIDTH[self.app.size.width >= WIDE]
        now = self.app.now()
        table.show_cells((r.id, {
            "name": r.name, "username": r.username, "email": r.email,
            "message": r.message if len(r.message) <= width else r.message[: width - 1] + "…",
            "asked": f"{age(r.created, now)} ago",
        }) for r in found)
        self._show_request_message()

    def _show_request_message(self) -> None:
        request = self._requests.get(self.query_one("#requests", ColumnsTable).current_key or "")
        text = Text()
        if request is not None:
            text.append(f"{request.name} <{request.email}> wrote: ", style="bold")
            text.append(request.message or "(no message)", style="italic")
        self.query_one("#request-message", Static).update(text)

    def _show_members(self, group: Group) -> None:
        db, today = self.app.cache, self.app.now().date()
        found = people.members(db, group.id, today, text=self._text)
        soon = people.expiring(db, group.id, today)
        title = Text.assemble((f"Members of {group.name}", "bold"), f"  {len(found)}")
        if soon:
            title.append(f"  ·  {plural(len(soon), 'account')} end within {people.EXPIRY_WARNING_DAYS} days",
                         style="bold yellow")
        if self.app.size.width >= WIDE:
            title.append(f"  ·  accounts are deactivated when the group ends ({group.end_date})", style="dim")
        self.query_one("#members-title", Static).update(title)
        rows = []
        for m in found:
            notice, style = ends_in(m.account_end, today)
            rows.append((m.username, {
                "name": Text(m.name, style=style), "username": m.username, "email": m.email,
                "role": Text(m.role.value, style="bold" if m.role is Role.ADMIN else ""),
                "joined": m.joined.isoformat(), "end": Text(m.account_end.isoformat(), style=style),
                "notice": Text(notice, style=style),
            }))
        self.query_one("#members", ColumnsTable).show_cells(rows)

    def _explanation(self, group: Group | None) -> Text:
        text = Text()
        if group is None:
            if not self.app.groups:
                text.append("Your groups are not known yet: the first refresh is still running.")
            else:
                text.append("You are in no project or training group yet. On the Groups screen (7), ask to "
                            "join one (j) or request a new project group (n).")
            return text
        text.append(f"You are a member of {group.name}", style="bold")
        text.append(f" ({group.full_name}).\n\n")
        text.append("Only the group's admins can see its members and approve or reject membership requests.\n\n")
        leads = people.admins(self.app.cache, group.id)
        if leads:
            text.append("The admins of this group: ")
            text.append(", ".join(who(m) for m in leads), style="bold")
            text.append(".\n\n")
        else:
            text.append("The portal does not tell a group's members who its admins are: ask the person who "
                        "invited you, or the project's lead.\n\n")
        text.append("If you lead another group, make it the current group on the Groups screen (7).", style="dim")
        return text

    # -- events --------------------------------------------------------------------------

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "requests":
            self._show_request_message()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self._text = event.value.strip()
            self.reload_body()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("approve", "reject"):
            return self._group is not None and self._group.role is Role.ADMIN
        return True

    def palette_commands(self) -> Iterable[SystemCommand]:
        if self._group is not None and self._group.role is Role.ADMIN:
            yield SystemCommand("Approve membership requests", f"Approve the marked or highlighted requests to "
                                f"join {self._group.name} (key a)", self.action_approve)
            yield SystemCommand("Reject membership requests", "Reject the marked or highlighted requests, with a "
                                "reason (key x)", self.action_reject)
        yield SystemCommand("Filter members and requests", "Show only the matching people (key /)",
                            self.action_filter)

    # -- actions -------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def _picked(self) -> list[MembershipRequest]:
        """The marked requests, else the highlighted one."""
        table = self.query_one("#requests", ColumnsTable)
        keys = [k for k in self._requests if k in table.selected] or [table.current_key]
        return [self._requests[k] for k in keys if k in self._requests]

    def action_approve(self) -> None:
        group, picked = self._group, self._picked()
        if group is None or not picked:
            self.notify("No pending request to approve.", severity="warning")
            return
        what = plural(len(picked), "request")

        def confirmed(yes: bool | None) -> None:
            if yes:
                ids = [r.id for r in picked]
                self.app.act(f"Approving {what}", lambda a: a.approve(group.id, ids), resync=RESYNC,
                             done=lambda outcomes: self._report(outcomes, picked, "approved"))

        self.app.push_screen(ConfirmDialog(
            f"Approve {what} to join {group.name}? Their accounts will be deactivated when the group ends "
            f"({group.end_date}).", [who(r) for r in picked], action="Approve", danger=False), confirmed)

    def action_reject(self) -> None:
        group, picked = self._group, self._picked()
        if group is None or not picked:
            self.notify("No pending request to reject.", severity="warning")
            return
        what = plural(len(picked), "request")
        names = [who(r) for r in picked]

        def confirmed(reason: str, yes: bool | None) -> None:
            if yes:
                ids = [r.id for r in picked]
                self.app.act(f"Rejecting {what}", lambda a: a.reject(group.id, ids, reason), resync=RESYNC,
                             done=lambda outcomes: self._report(outcomes, picked, "rejected"))

        def reasoned(reason: str | None) -> None:
            if reason:
                self.app.push_screen(ConfirmDialog(f"Reject {what} to join {group.name} with this reason: "
                                                   f"“{reason}”?", names, action="Reject"),
                                     lambda yes: confirmed(reason, yes))

        self.app.push_screen(ReasonDialog(f"Why reject {what} to join {group.name}? The reason is sent to "
                                          f"{'them' if len(picked) > 1 else 'the person'}.", names,
                                          placeholder="reason"), reasoned)

    def _report(self, outcomes: Sequence[Any], picked: list[MembershipRequest], verb: str) -> None:
        """Say what was done and, plainly, what was not (e.g. another admin handled it first)."""
        names = {r.id: r.name for r in picked}
        done = [names[o.item] for o in outcomes if o.ok]
        failed = [o for o in outcomes if not o.ok]
        if done:
            self.notify(f"{verb.capitalize()}: {', '.join(done)}.", title=f"Requests {verb}")
        for o in failed:
            self.notify(f"{names[o.item]}: {o.message} The list is being refreshed.", title=f"Not {verb}",
                        severity="error", timeout=12)
        self.query_one("#requests", ColumnsTable).selected.clear()
        self.reload()
