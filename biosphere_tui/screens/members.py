"""Members: the current group's pending membership requests and its members, for its admins.

The members are a window of rows (``PAGE``, more as the cursor nears its end) and their numbers SQL
aggregates, read again only when a source, the filter, the group or the day changed: thousands of
members cost what a hundred do. The pending requests are few and read at every show."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from biosphere_tui.cache import people, reader
from biosphere_tui.i18n import _, t
from biosphere_tui.i18n import plural as plural_of
from biosphere_tui.models.groups import Group
from biosphere_tui.models.membership import Member, MembershipRequest
from biosphere_tui.models.states import Role
from biosphere_tui.rules import titles
from biosphere_tui.rules.freshness import age
from biosphere_tui.screens.base import BiosphereScreen, WindowedRows
from biosphere_tui.widgets.confirm import ConfirmDialog, ReasonDialog
from biosphere_tui.widgets.filter_bar import Filterable, filter_key
from biosphere_tui.widgets.line_table import ColumnsTable, LineTable
from biosphere_tui.widgets.palette import style

WIDE = 120  # from this terminal width on, secondary columns are shown
RESYNC = {"portal.members", "portal.account"}
MESSAGE_WIDTH = {True: 70, False: 32}


def plural(n: int, word: str) -> str:
    """'1 request', '3 requests', 'in 2 days'... in the interface language."""
    return plural_of(n, f"{{n}} {word}", f"{{n}} {word}s")


def who(r: MembershipRequest | Member) -> str:
    return f"{r.name} ({r.username}, {r.email})"


def ends_in(end: date, today: date) -> tuple[str, Style | str]:
    """What to say of an account ending on ``end``, and its style."""
    days = (end - today).days
    if days < 0:
        return _("ended"), style("error", "dim")
    if days <= people.EXPIRY_WARNING_DAYS:
        when = _("today") if days == 0 else t("in {days}", days=plural(days, "day"))
        return t("expires {when}", when=when), style("strong-warning")
    return "", ""


def badge(label: str, count: int) -> Text:
    return Text.assemble((label, "bold"), " ", (f" {count} ", style("strong-warning", "reverse") if count else "reverse dim"))


class MembersScreen(Filterable, WindowedRows, BiosphereScreen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")  # read when the screen is first shown
    FILTER_HINT = "filter requests and members…  (esc clears)"
    SOURCES = READS = ("portal.members", "portal.account")
    WINDOW = "members"
    HELP = ("Members: for the admins of the current group (7 to change it), the pending membership requests "
            "(space marks several; a approves, x rejects with a reason sent to the person) and the members, "
            "those whose account ends within 30 days highlighted. Accounts tied to a group are deactivated "
            "at the group's end date.")
    BINDINGS = [
        Binding("a", "approve", "Approve"),
        Binding("x", "reject", "Reject"),
        filter_key(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._group: Group | None = None
        self._requests: dict[str, MembershipRequest] = {}
        self._decided: dict[str, str] = {}  # request id -> "approved" or "rejected", by this app
        self._ending = 0  # members whose account ends within the warning period
        self._ending_counted: object = None  # for what data, group and day

    def compose_body(self) -> ComposeResult:
        with Vertical(id="admin"):
            yield Static(markup=False, id="pending-title", classes="section")
            yield ColumnsTable(
                (("name", "name"), ("username", "username", 1), ("email", "email", 3), ("message", "message", 2),
                 ("asked", "asked", 1)), id="requests", selectable=True,
                widest=max(MESSAGE_WIDTH.values()))  # the message is cut to the terminal's width here
            yield Static(markup=False, id="request-message")
            yield Static(markup=False, id="members-title", classes="section")
            yield ColumnsTable(
                (("name", "name"), ("username", "username", 1), ("email", "email", 3), ("role", "role"),
                 ("joined", "joined", 3), ("end", "account end", 1), ("notice", "", 1)), id="members")
        yield Static(markup=False, id="not-admin")
        yield self.filter_bar()

    # -- what is shown -------------------------------------------------------------------

    def reload_body(self) -> None:
        group = self._group = self.app.current_group
        admin = group is not None and group.role is Role.ADMIN
        self.query_one("#admin").display = admin
        self.query_one("#not-admin").display = not admin
        self.refresh_bindings()
        if group is None or not admin:
            self.title = _("Members")
            self.query_one("#not-admin", Static).update(self._explanation(group))
            return
        db = self.app.cache
        pending = people.pending_counts(db).get(group.id, 0)
        self.title = t("Members — {n} pending", n=pending)
        self._show_requests(group, pending)
        self._show_members(group)

    def _show_requests(self, group: Group, pending: int) -> None:
        table = self.query_one("#requests", ColumnsTable)
        found = people.requests(self.app.cache, group.id, text=self.filter_text)
        self._requests = {r.id: r for r in found}
        title = badge(t("Pending requests to join {group}", group=group.name), pending)
        if self.filter_text:
            title.append("  " + t("{n} match “{text}”", n=len(found), text=self.filter_text), style="dim")
        elif not pending:
            title.append("  " + _("nobody is waiting"), style="dim")
        self.query_one("#pending-title", Static).update(title)
        width = MESSAGE_WIDTH[self.app.size.width >= WIDE]
        now = self.app.now()
        table.show_cells((r.id, {
            "name": r.name, "username": r.username, "email": r.email,
            "message": r.message if len(r.message) <= width else r.message[: width - 1] + "…",
            "asked": t("{age} ago", age=age(r.created, now)),
        }) for r in found)
        self._show_request_message()

    def _show_request_message(self) -> None:
        request = self._requests.get(self.query_one("#requests", ColumnsTable).current_key or "")
        text = Text()
        if request is not None:
            text.append(t("{name} <{email}> wrote: ", name=request.name, email=request.email), style="bold")
            text.append(request.message or _("(no message)"), style="italic")
        self.query_one("#request-message", Static).update(text)

    def _show_members(self, group: Group) -> None:
        db, today = self.app.cache, self.app.now().date()
        if self.changed(group.id, self.filter_text, today):
            self.total = people.member_count(db, group.id, text=self.filter_text)
            counted = (reader.versions(db, self.READS), group.id, today)
            if counted != self._ending_counted:  # not at each filter key: the text does not change it
                self._ending_counted, self._ending = counted, people.expiring(db, group.id, today)
            found = people.members(db, group.id, today, text=self.filter_text, limit=self._limit)
            self.query_one("#members", ColumnsTable).show_cells((m.username, self._cells(m, today)) for m in found)
        title = Text.assemble((t("Members of {group}", group=group.name), "bold"), f"  {self.total}")
        if self._ending:
            title.append("  ·  " + t("{accounts} end within {days} days", accounts=plural(self._ending, "account"),
                                     days=people.EXPIRY_WARNING_DAYS), style=style("strong-warning"))
        if self.app.size.width >= WIDE:
            title.append("  ·  " + t("accounts are deactivated when the group ends ({date})", date=group.end_date),
                         style="dim")
        self.query_one("#members-title", Static).update(title)

    @staticmethod
    def _cells(m: Member, today: date) -> dict[str, Text | str]:
        notice, shade = ends_in(m.account_end, today)
        return {
            "name": Text(m.name, style=shade), "username": m.username, "email": m.email,
            "role": Text(_(m.role.value), style="bold" if m.role is Role.ADMIN else ""),
            "joined": m.joined.isoformat(), "end": Text(m.account_end.isoformat(), style=shade),
            "notice": Text(notice, style=shade),
        }

    def _explanation(self, group: Group | None) -> Text:
        text = Text()
        if group is None:
            if not self.app.groups:
                text.append(_("Your groups are not known yet: the first refresh is still running."))
            else:
                text.append(_("You are in no project or training group yet. On the Groups screen (7), ask to "
                              "join one (j) or request a new project group (n)."))
            return text
        text.append(t("You are a member of {group}", group=group.name), style="bold")
        text.append(f" ({group.full_name}).\n\n")
        text.append(_("Only the group's admins can see its members and approve or reject membership requests.")
                    + "\n\n")
        leads = people.admins(self.app.cache, group.id)
        if leads:
            text.append(_("The admins of this group: "))
            text.append(", ".join(who(m) for m in leads), style="bold")
            text.append(".\n\n")
        else:
            text.append(_("The portal does not tell a group's members who its admins are: ask the person who "
                          "invited you, or the project's lead.") + "\n\n")
        text.append(_("If you lead another group, make it the current group on the Groups screen (7)."), style="dim")
        return text

    # -- events --------------------------------------------------------------------------

    def on_line_table_row_highlighted(self, event: LineTable.RowHighlighted) -> None:
        if event.table.id == "requests":
            self._show_request_message()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("approve", "reject"):
            return self._group is not None and self._group.role is Role.ADMIN
        return True

    def palette_commands(self) -> Iterable[SystemCommand]:
        if self._group is not None and self._group.role is Role.ADMIN:
            yield SystemCommand(_("Approve membership requests"), t("Approve the marked or highlighted requests to "
                                "join {group} (key a)", group=self._group.name), self.action_approve)
            yield SystemCommand(_("Reject membership requests"), _("Reject the marked or highlighted requests, with a "
                                "reason (key x)"), self.action_reject)
        yield SystemCommand(_("Filter members and requests"), _("Show only the matching people (key /)"),
                            self.action_filter)

    # -- actions -------------------------------------------------------------------------

    def _picked(self) -> list[MembershipRequest]:
        """The marked requests, else the highlighted one; those an action is already handling
        are left out, saying so (a second ``a``, before the portal answered the first)."""
        table = self.query_one("#requests", ColumnsTable)
        keys = [k for k in self._requests if k in table.selected] or [table.current_key]
        picked = [self._requests[k] for k in keys if k in self._requests]
        busy = [(r.name, self.app.in_flight.verb(r.id)) for r in picked if self.app.in_flight.verb(r.id)]
        if busy:
            self.notify(" ".join(t("{name} is already being approved.", name=name) if verb == "approved" else
                                 t("{name} is already being rejected.", name=name) for name, verb in busy),
                        severity="warning")
        return [r for r in picked if not self.app.in_flight.verb(r.id)]

    def action_approve(self) -> None:
        group, picked = self._group, self._picked()
        if group is None or not picked:
            self.notify(_("No pending request to approve."), severity="warning")
            return
        what = plural(len(picked), "request")

        def confirmed(yes: bool | None) -> None:
            if yes:
                ids = [r.id for r in picked]
                self.app.act(titles.approving(len(ids)),
                             lambda a: a.approve(group.id, ids), resync=RESYNC,
                             done=lambda outcomes: self._report(outcomes, picked, "approved"),
                             busy=dict.fromkeys(ids, "approved"))

        self.app.push_screen(ConfirmDialog(
            t("Approve {what} to join {group}? Their accounts will be deactivated when the group ends ({date}).",
              what=what, group=group.name, date=group.end_date), [who(r) for r in picked], action="Approve",
            danger=False), confirmed)

    def action_reject(self) -> None:
        group, picked = self._group, self._picked()
        if group is None or not picked:
            self.notify(_("No pending request to reject."), severity="warning")
            return
        what = plural(len(picked), "request")
        names = [who(r) for r in picked]

        def confirmed(reason: str, yes: bool | None) -> None:
            if yes:
                ids = [r.id for r in picked]
                self.app.act(titles.rejecting(len(ids)),
                             lambda a: a.reject(group.id, ids, reason), resync=RESYNC,
                             done=lambda outcomes: self._report(outcomes, picked, "rejected"),
                             busy=dict.fromkeys(ids, "rejected"))

        def reasoned(reason: str | None) -> None:
            if reason:
                self.app.push_screen(ConfirmDialog(t("Reject {what} to join {group} with this reason: “{reason}”?",
                                                     what=what, group=group.name, reason=reason), names, action="Reject"),
                                     lambda yes: confirmed(reason, yes))

        question = plural_of(len(picked), "Why reject {what} to join {group}? The reason is sent to the person.",
                             "Why reject {what} to join {group}? The reason is sent to them.", what=what, group=group.name)
        self.app.push_screen(ReasonDialog(question, names, placeholder="reason"), reasoned)

    def _report(self, outcomes: Sequence[Any], picked: list[MembershipRequest], verb: str) -> None:
        """Say what was done and, plainly, what was not (e.g. another admin handled it first). A conflict
        on a request this app already decided the same way (the portal says "already approved") is done."""
        names = {r.id: r.name for r in picked}
        ours = {o.item for o in outcomes if not o.ok and o.kind == "conflict" and self._decided.get(o.item) == verb}
        self._decided.update({o.item: verb for o in outcomes if o.ok})
        done = [names[o.item] for o in outcomes if o.ok or o.item in ours]
        failed = [o for o in outcomes if not o.ok and o.item not in ours]
        if done:
            self.notify(t(f"{verb.capitalize()}: {{names}}.", names=", ".join(done)), title=_(f"Requests {verb}"))
        for o in failed:
            self.notify(t("{name}: {error} The list is being refreshed.", name=names[o.item], error=o.message),
                        title=_(f"Not {verb}"), severity="error", timeout=12)
        self.query_one("#requests", ColumnsTable).selected.clear()
        self.reload()
