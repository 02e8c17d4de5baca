"""A new-project-group request as the user fills it in: its fields as typed, checked as the portal
checks them (``GroupCreate`` in docs/portal-api.yaml, bounds included) before sending. No UI:
the form (``screens/group_request.py``) shows the problems, the groups screen sends the draft."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from biosphere_tui.i18n import _, number, plural, t
from biosphere_tui.models.membership import GROUP_REQUEST_MAXIMUM

SHORT_NAME = re.compile(r"[a-z][a-z0-9-]{2,29}")
FUNDINGS = (
    ("platform", "a platform's resource envelope"),
    ("collaboration", "a scientific collaboration"),
    ("invoice", "invoicing"),
)
TEXT_FIELDS = ("short_name", "full_name", "start_date", "end_date", "vcpu", "ram_gb", "storage_gb")
RESOURCES = (("vcpu", "vCPU"), ("ram_gb", "RAM (GB)"), ("storage_gb", "storage (GB)"))
FIELD_NAMES = {  # in the order of the form, as the toast names them
    "short_name": "short name", "full_name": "full name", "start_date": "start date", "end_date": "end date",
    "funding": "funding", "summary": "summary", "vcpu": "vCPU", "ram_gb": "RAM", "storage_gb": "storage",
}


@dataclass(frozen=True)
class GroupDraft:
    """What the user typed, as typed (so a refused request can be edited and sent again)."""

    short_name: str = ""
    full_name: str = ""
    start_date: str = ""
    end_date: str = ""
    summary: str = ""
    vcpu: str = ""
    ram_gb: str = ""
    storage_gb: str = ""
    funding: str = "platform"


def check(draft: GroupDraft) -> dict[str, str]:
    """The problems of a draft, by field name in the form's order; empty when it can be sent."""
    problems: dict[str, str] = {}
    if not SHORT_NAME.fullmatch(draft.short_name):
        problems["short_name"] = _("3 to 30 characters: a-z, 0-9 and '-', starting with a letter")
    if not draft.full_name.strip():
        problems["full_name"] = _("the project's full name is needed")
    days = {}
    for name in ("start_date", "end_date"):
        try:
            days[name] = date.fromisoformat(getattr(draft, name))
        except ValueError:
            problems[name] = _("a date as YYYY-MM-DD")
    if len(days) == 2 and days["end_date"] <= days["start_date"]:
        problems["end_date"] = _("the end must come after the start")
    if not draft.summary.strip():
        problems["summary"] = _("say what the project is about and why it needs these resources")
    for name, _label in RESOURCES:
        value, most = getattr(draft, name), GROUP_REQUEST_MAXIMUM[name]
        if not value.isdigit() or not 1 <= int(value) <= most:
            problems[name] = t("a whole number, at least 1 and at most {most}", most=number(most))
    if draft.funding not in dict(FUNDINGS):
        problems["funding"] = _("choose how the resources are funded")
    return {name: problems[name] for name in FIELD_NAMES if name in problems}


def attention(problems: dict[str, str]) -> str:
    """"2 fields need attention: vCPU, end date"."""
    fields = ", ".join(_(FIELD_NAMES[name]) for name in problems)
    return plural(len(problems), "{n} field needs attention: {fields}", "{n} fields need attention: {fields}",
                  fields=fields)


def default_draft(today: date) -> GroupDraft:
    """A blank request starting next month for one year."""
    start = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return GroupDraft(start_date=start.isoformat(), end_date=start.replace(year=start.year + 1).isoformat())
