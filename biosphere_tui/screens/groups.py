"""Groups: the user's groups and quotas; choose the current group, ask to join one, request a new one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from biosphere_tui.cache import people
from biosphere_tui.i18n import Phrase, _, plural, t
from biosphere_tui.models.groups import Group
from biosphere_tui.models.membership import GroupRequest, GroupSummary, MembershipRequest
from biosphere_tui.models.states import GroupKind, Role
from biosphere_tui.rules.group_draft import FUNDINGS, GroupDraft, default_draft
from biosphere_tui.screens import registry
from biosphere_tui.screens.base import BiosphereScreen, OwnRules
from biosphere_tui.widgets.filter_bar import Filterable, filter_key
from biosphere_tui.widgets.line_table import ColumnsTable, LineTable
from biosphere_tui.widgets.palette import style

GROUP_COLUMNS = (
    ("name", "group"), ("full_name", "full name", 4), ("kind", "kind", 3), ("role", "role"), ("vcpu", "vCPU", 1),
    ("ram", "RAM", 1), ("storage", "storage", 1), ("start", "start", 4), ("end", "end", 2), ("left", "left", 1),
    ("funding", "funding", 4), ("pending", "pending", 3),
)
DIRECTORY_COLUMNS = (("name", "group"), ("full_name", "full name", 1), ("kind", "kind", 1), ("asked", ""))
FUNDING_TEXT = dict(FUNDINGS)
FUNDING_SHORT = {"platform": "platform envelope", "collaboration": "collaboration", "invoice": "invoicing"}
RESYNC = {"portal.account"}


def _size(gb: int) -> str:
    return f"{gb} {_('GB')}" if gb else "—"


def _days_left(group: Group, today: date) -> Text:
    days = (group.end_date - today).days
    if days < 0:
        return Text(_("ended"), style=style("error", "dim"))
    return Text(t("{n} d", n=days), style=style("strong-warning") if days <= people.EXPIRY_WARNING_DAYS else "")


def _matches(text: str, *fields: str) -> bool:
    return not text or text.lower() in " ".join(fields).lower()


class JoinDialog(OwnRules, ModalScreen[tuple[str, str] | None]):
    """Pick a group of the directory and write a word to its admins; dismisses with
    ``(group id, message)`` or None."""

    CSS_PATH = Path(__file__).with_suffix(".tcss")  # read when the screen is first shown
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, entries: list[GroupSummary], chosen: str | None, asked: set[str]) -> None:
        super().__init__()
        self.entries = entries
        self.chosen = chosen
        self.asked = asked

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(_("Ask to join a group: its admins approve or reject your request."), markup=False, id="question")
            yield OptionList(*(Option(self._label(e), id=e.id) for e in self.entries), id="join-groups")
            yield Input(placeholder=_("a word to the group's admins: who you are, why you need it"), id="join-message")
            yield Label("", markup=False, id="hint")
            with Horizontal(id="buttons"):
                yield Button(_("Send") + " (enter)", id="yes", variant="primary")
                yield Button(_("Cancel") + " (esc)", id="no")

    def _label(self, entry: GroupSummary) -> Text:
        text = Text.assemble((entry.name, "bold"), f"  {entry.full_name}  ", (_(entry.kind.value), "dim"))
        if entry.id in self.asked:
            text.append("  " + _("(asked already)"), style=style("warning"))
        return text

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [e.id for e in self.entries]
        options.highlighted = ids.index(self.chosen) if self.chosen in ids else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#join-message", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._send()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._send() if event.button.id == "yes" else self.dismiss(None)

    def _send(self) -> None:
        options = self.query_one(OptionList)
        message = self.query_one("#join-message", Input).value.strip()
        hint = self.query_one("#hint", Label)
        if options.highlighted is None:
            hint.update(_("Choose a group first."))
        elif not message:
            hint.update(_("Please write a word to the admins: they decide on it."))
            self.query_one("#join-message", Input).focus()
        else:
            self.dismiss((self.entries[options.highlighted].id, message))

    def action_cancel(self) -> None:
        self.dismiss(None)


class GroupsScreen(Filterable, BiosphereScreen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")  # read when the screen is first shown
    FILTER_HINT = "filter groups…  (esc clears)"
    SOURCES = ("portal.account",)
    HELP = ("Groups: the groups you belong to, their quotas and dates (accounts tied to a group end with it). "
            "Enter or g makes the highlighted group the current one (the other screens show it); j asks to "
            "join another group; n requests a new project group from the IFB committee (a refused request "
            "is kept: n opens it again).")
    BINDINGS = [
        Binding("g", "choose", "Use group"),
        Binding("j", "join", "Ask to join"),
        Binding("n", "new_group", "New project group"),
        filter_key(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._groups: dict[str, Group] = {}
        self._asked: dict[str, str] = {}  # group id -> id of the join request sent from this screen
        self._draft: GroupDraft | None = None  # a group request not accepted (yet)

    def compose_body(self) -> ComposeResult:
        yield Static(markup=False, id="groups-title", classes="section")
        yield ColumnsTable(GROUP_COLUMNS, id="groups")
        yield Static(markup=False, id="group-info")
        yield Static(markup=False, id="directory-title", classes="section")
        yield ColumnsTable(DIRECTORY_COLUMNS, id="directory")
        yield self.filter_bar()

    # -- what is shown -------------------------------------------------------------------

    def reload_body(self) -> None:
        db, today = self.app.cache, self.app.now().date()
        current = self.app.current_group
        pending = people.pending_counts(db)
        groups = self.app.groups
        self._groups = {g.id: g for g in groups}
        shown = [g for g in groups if _matches(self.filter_text, g.id, g.name, g.full_name, g.kind.value)]
        title = Text.assemble((_("Your groups"), "bold"), f"  {len(groups)}")
        if current is not None:
            title.append("  ·  " + t("current: {group}", group=current.name), style="bold")
        if self.filter_text:
            title.append("  ·  " + t("{n} match “{text}”", n=len(shown), text=self.filter_text), style="dim")
        self.query_one("#groups-title", Static).update(title)
        self.query_one("#groups", ColumnsTable).show_cells((g.id, {
            "name": Text(("▶ " if current and g.id == current.id else "  ") + g.name,
                         style="bold" if current and g.id == current.id else ""),
            "full_name": g.full_name, "kind": _(g.kind.value),
            "role": Text(_(g.role.value), style="bold" if g.role is Role.ADMIN else ""),
            "vcpu": str(g.quota.vcpu) if g.quota.vcpu else "—", "ram": _size(g.quota.ram_gb),
            "storage": _size(g.quota.storage_gb), "start": g.start_date.isoformat(), "end": g.end_date.isoformat(),
            "left": _days_left(g, today),
            "funding": "—" if g.kind is GroupKind.AFFILIATION else _(FUNDING_SHORT.get(g.funding, g.funding)),
            "pending": str(pending.get(g.id, "")) if g.role is Role.ADMIN else "",
        }) for g in shown)
        self._show_info()
        entries = people.directory(db, joinable_only=True, text=self.filter_text)
        title = Text.assemble((_("Other groups you can ask to join (j)"), "bold"), f"  {len(entries)}")
        if self._asked:
            title.append("  ·  " + t("asked: {groups}", groups=", ".join(sorted(self._asked))), style=style("warning"))
        self.query_one("#directory-title", Static).update(title)
        self.query_one("#directory", ColumnsTable).show_cells((e.id, {
            "name": e.name, "full_name": e.full_name, "kind": _(e.kind.value),
            "asked": Text(t("request {id} pending", id=self._asked[e.id]), style=style("warning")) if e.id in self._asked else "",
        }) for e in entries)

    def _show_info(self) -> None:
        """A few plain sentences on the highlighted group."""
        group = self._groups.get(self.query_one("#groups", ColumnsTable).current_key or "")
        text = Text()
        if group is not None:
            current = self.app.current_group
            text.append(f"{group.name}: {group.full_name}. ", style="bold")
            if group.kind is GroupKind.AFFILIATION:
                text.append(_("An affiliation group has no resources: VMs are charged to a project or training group."))
            else:
                days = (group.end_date - self.app.now().date()).days
                left = " (" + t("in {days}", days=plural(days, "{n} day", "{n} days")) + ")" if days >= 0 else ""
                text.append(t("{kind} funded by {funding}, {start} → {end}; accounts tied to it end then{left}. ",
                              kind=_(group.kind.value).capitalize(),
                              funding=_(FUNDING_TEXT.get(group.funding, group.funding)), start=group.start_date,
                              end=group.end_date, left=left))
                text.append(_("You are an admin: you approve newcomers (4 Members) and see all its VMs. ")
                            if group.role is Role.ADMIN else _("You are a member: its admins approve newcomers. "))
                text.append(_("It is the current group.") if current and current.id == group.id
                            else _("Enter or g: make it the current group."), style="dim")
        self.query_one("#group-info", Static).update(text)

    # -- events --------------------------------------------------------------------------

    def on_line_table_row_highlighted(self, event: LineTable.RowHighlighted) -> None:
        if event.table.id == "groups":
            self._show_info()

    def on_line_table_row_selected(self, event: LineTable.RowSelected) -> None:
        if event.table.id == "groups":
            self.action_choose()
        elif event.table.id == "directory":
            self.action_join()

    def palette_commands(self) -> Iterable[SystemCommand]:
        for group in self._groups.values():
            if group.kind is not GroupKind.AFFILIATION:
                yield SystemCommand(t("Use group {group}", group=group.name),
                                    t("Make {group} the current group", group=group.full_name),
                                    lambda gid=group.id: self._choose(gid))
        yield SystemCommand(_("Ask to join a group"), _("Send a membership request to a group's admins (key j)"),
                            self.action_join)
        yield SystemCommand(_("Request a new project group"), _("Fill in the IFB support request (key n)"),
                            self.action_new_group)

    # -- actions -------------------------------------------------------------------------

    def action_choose(self) -> None:
        key = self.query_one("#groups", ColumnsTable).current_key
        if key is None:
            self.notify(_("Your groups are not known yet: the first refresh is still running."), severity="warning")
            return
        self._choose(key)

    def _choose(self, group_id: str) -> None:
        group = self._groups[group_id]
        if group.kind is GroupKind.AFFILIATION:
            self.notify(t("{group} is an affiliation group: it has no resources. Choose a project or "
                          "training group.", group=group.name), severity="warning")
            return
        self.app.choose_group(group.id)
        self.notify(t("{group} is now the current group.", group=group.name), timeout=4)

    def action_join(self) -> None:
        entries = people.directory(self.app.cache, joinable_only=True)
        if not entries:
            known = bool(people.directory(self.app.cache))
            self.notify(_("You already belong to every group of the directory.") if known else
                        _("The group directory is not known yet: refresh (r) and try again."), severity="warning")
            return
        chosen = self.query_one("#directory", ColumnsTable).current_key
        self.app.push_screen(JoinDialog(entries, chosen, set(self._asked)), self._send_join)

    def _send_join(self, choice: tuple[str, str] | None) -> None:
        if choice is None:
            return
        group_id, message = choice
        self.app.act(Phrase.of("Asking to join {group}", group=group_id), lambda a: a.join(group_id, message), resync=RESYNC,
                     done=self._join_sent)

    def _join_sent(self, request: MembershipRequest) -> None:
        self._asked[request.group_id] = request.id
        self.notify(t("Request {id} to join {group} sent: its admins approve or reject it.", id=request.id,
                      group=request.group_id), title=_("Join request sent"), timeout=10)
        self.reload()

    def action_new_group(self) -> None:
        draft = self._draft or default_draft(self.app.now().date())
        self.app.push_screen(registry.group_request(draft), self._send_group_request)

    def _send_group_request(self, draft: GroupDraft | None) -> None:
        if draft is None:
            return
        self._draft = draft  # kept until the portal accepts it, so `n` reopens a refused request
        spec = GroupRequest(draft.short_name, draft.full_name, draft.start_date, draft.end_date, draft.summary,
                            int(draft.vcpu), int(draft.ram_gb), int(draft.storage_gb), draft.funding)
        self.app.act(Phrase.of("Requesting the project group {group}", group=spec.short_name), lambda a: a.request_group(spec),
                     resync=RESYNC, done=lambda request_id: self._group_requested(request_id, spec.short_name))

    def _group_requested(self, request_id: str, name: str) -> None:
        self._draft = None
        self.notify(t("Request {id} for the project group {group} was sent. The IFB committee reviews it "
                      "and tells you the resources granted.", id=request_id, group=name),
                    title=_("Group requested"), timeout=20)
