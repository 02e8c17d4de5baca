"""Reads about people and groups: members, membership requests, the group directory."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from biosphere_tui.cache.db import Reader, Row
from biosphere_tui.models.membership import GroupSummary, Member, MembershipRequest
from biosphere_tui.models.states import GroupKind, RequestState, Role

EXPIRY_WARNING_DAYS = 30


def _like(columns: str, text: str) -> tuple[str, list[str]]:
    """A case-insensitive "contains" over the concatenated ``columns`` (everything when empty)."""
    return (f"AND ({columns}) LIKE ?", [f"%{text}%"]) if text else ("", [])


def _member(r: Row) -> Member:
    return Member(r[0], r[1], r[2], r[3], Role(r[4]), date.fromisoformat(r[5]), date.fromisoformat(r[6]))


_MEMBER_COLUMNS = "group_id, username, name, email, role, joined, account_end"


_MEMBER_TEXT = "username || ' ' || name || ' ' || email || ' ' || role"


def members(db: Reader, group_id: str, today: date, *, text: str = "", limit: int = -1) -> list[Member]:
    """The first ``limit`` members of the group matching ``text`` (every one when negative): admins
    first, then the accounts ending within the warning period after ``today``, then by name."""
    where, params = _like(_MEMBER_TEXT, text)
    soon = (today + timedelta(days=EXPIRY_WARNING_DAYS)).isoformat()
    cur = db.execute(
        f"SELECT {_MEMBER_COLUMNS} FROM members WHERE group_id = ? {where} "
        "ORDER BY role = 'admin' DESC, account_end <= ? DESC, name, username LIMIT ?",
        [group_id, *params, soon, limit],
    )
    return [_member(r) for r in cur.fetchall()]


def member_count(db: Reader, group_id: str, *, text: str = "") -> int:
    """How many members of the group match ``text``."""
    where, params = _like(_MEMBER_TEXT, text)
    return int(db.execute(f"SELECT COUNT(*) FROM members WHERE group_id = ? {where}", [group_id, *params]).fetchone()[0])


def admins(db: Reader, group_id: str) -> list[Member]:
    cur = db.execute(
        f"SELECT {_MEMBER_COLUMNS} FROM members WHERE group_id = ? AND role = 'admin' ORDER BY name", [group_id]
    )
    return [_member(r) for r in cur.fetchall()]


def expiring(db: Reader, group_id: str, today: date, within_days: int = EXPIRY_WARNING_DAYS) -> int:
    """How many members' accounts tied to the group end within ``within_days`` of ``today``."""
    limit = (today + timedelta(days=within_days)).isoformat()
    cur = db.execute("SELECT COUNT(*) FROM members WHERE group_id = ? AND account_end BETWEEN ? AND ?",
                     [group_id, today.isoformat(), limit])
    return int(cur.fetchone()[0])


def requests(db: Reader, group_id: str, state: RequestState = RequestState.PENDING, *,
             text: str = "") -> list[MembershipRequest]:
    """The group's membership requests in ``state``, oldest first, matching ``text``."""
    where, params = _like("username || ' ' || name || ' ' || email || ' ' || message", text)
    cur = db.execute(
        "SELECT id, group_id, username, name, email, message, created, state, reason FROM requests "
        f"WHERE group_id = ? AND state = ? {where} ORDER BY created, id",
        [group_id, state.value, *params],
    )
    return [
        MembershipRequest(r[0], r[1], r[2], r[3], r[4], r[5] or "", datetime.fromisoformat(r[6]),
                          RequestState(r[7]), r[8] or "")
        for r in cur.fetchall()
    ]


def pending_counts(db: Reader) -> dict[str, int]:
    """Pending membership requests per group (only groups the user leads are cached)."""
    cur = db.execute("SELECT group_id, COUNT(*) FROM requests WHERE state = 'pending' GROUP BY group_id")
    return dict(cur.fetchall())


def directory(db: Reader, *, joinable_only: bool = False, text: str = "") -> list[GroupSummary]:
    """The group directory; with ``joinable_only``, the groups the user is not in."""
    where, params = _like("id || ' ' || name || ' ' || full_name || ' ' || kind", text)
    if joinable_only:
        where += " AND is_member = 0"
    cur = db.execute(
        f"SELECT id, name, full_name, kind, is_member FROM group_directory WHERE 1 {where} ORDER BY kind, name",
        params,
    )
    return [GroupSummary(r[0], r[1], r[2], GroupKind(r[3]), bool(r[4])) for r in cur.fetchall()]
