"""The action journal: what the user did through the app, one JSON line per action.

Append-only, in the platform's data folder (``local.folders.journal_file()``): user data, not cache.
Each entry says who, when, what, the result (per item for a batch) and the portal requests
that were sent (method, path and body; never a header, so never the token), readable by
its owner only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from biosphere_tui.errors import SourceError
from biosphere_tui.i18n import Phrase
from biosphere_tui.local.private_files import open_private, private_dir

OK, FAILED, PARTLY = "ok", "failed", "partly failed"


@runtime_checkable
class ItemOutcome(Protocol):
    """What a batch action returns per item (``actions.Outcome``)."""

    item: str
    ok: bool
    message: str


@dataclass(frozen=True)
class ItemResult:
    item: str
    ok: bool
    message: str


@dataclass(frozen=True)
class Entry:
    at: datetime
    user: str
    action: str
    result: str  # OK, FAILED or PARTLY
    message: str  # the failure in plain words, or what the portal answered
    requests: tuple[str, ...]  # e.g. 'DELETE /monitor/deployments/d-1'
    items: tuple[ItemResult, ...] = ()
    title: Phrase | None = None  # ``action`` in no language (entries of older versions have none)

    @property
    def ok(self) -> bool:
        return self.result == OK

    @property
    def shown(self) -> str:
        """The action in the interface language; an older entry as it was written."""
        try:
            return str(self.title) if self.title is not None else self.action
        except (KeyError, IndexError, ValueError):  # a translation that does not fit its values
            return self.action

    def to_json(self) -> str:
        return json.dumps({
            "at": self.at.isoformat(), "user": self.user, "action": self.action, "result": self.result,
            "message": self.message, "requests": list(self.requests),
            "items": [{"item": i.item, "ok": i.ok, "message": i.message} for i in self.items],
            **({"title": self.title.to_json()} if self.title is not None else {}),
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Entry:
        raw = json.loads(line)
        return cls(
            at=datetime.fromisoformat(raw["at"]), user=str(raw["user"]), action=str(raw["action"]),
            result=str(raw["result"]), message=str(raw["message"]), requests=tuple(str(r) for r in raw["requests"]),
            items=tuple(ItemResult(str(i["item"]), bool(i["ok"]), str(i["message"])) for i in raw["items"]),
            title=_title(raw.get("title")),
        )


def _title(raw: object) -> Phrase | None:
    """A stored phrase, or None when there is none or it is not one (the entry shows its ``action``)."""
    try:
        return Phrase.from_json(raw) if isinstance(raw, dict) else None
    except (ValueError, KeyError, TypeError):
        return None


def entry(at: datetime, user: str, title: Phrase | str, requests: Sequence[str], *, result: object = None,
          error: str | None = None) -> Entry:
    """The entry of an action that returned ``result`` or failed with ``error``. A ``Phrase`` title is
    kept in no language (``action`` is its English, ``shown`` says it in the reader's language)."""
    if isinstance(title, str):
        return _entry(at, user, title, requests, result, error)
    return replace(_entry(at, user, title.english(), requests, result, error), title=title)


def _entry(at: datetime, user: str, action: str, requests: Sequence[str], result: object, error: str | None) -> Entry:
    if error is not None:
        return Entry(at, user, action, FAILED, error, tuple(requests))
    if isinstance(result, SourceError):  # a refusal returned as a value (the launch form shows it)
        return Entry(at, user, action, FAILED, result.message, tuple(requests))
    if isinstance(result, list) and result and all(isinstance(o, ItemOutcome) for o in result):
        items = tuple(ItemResult(o.item, o.ok, o.message) for o in result)
        failed = sum(not i.ok for i in items)
        verdict = OK if not failed else FAILED if failed == len(items) else PARTLY
        message = f"{len(items) - failed} of {len(items)} done" if failed else ""
        return Entry(at, user, action, verdict, message, tuple(requests), items)
    answer = result if isinstance(result, str) else getattr(result, "id", None)
    return Entry(at, user, action, OK, f"the portal answered with id {answer}" if answer else "", tuple(requests))


class Journal:
    """The journal file; ``append`` is safe from several threads at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, item: Entry) -> None:
        """Add one entry at the end (OSError if the file cannot be written)."""
        with self._lock:
            private_dir(self.path.parent, own=True)
            with open_private(self.path, "a", encoding="utf-8") as out:
                out.write(item.to_json() + "\n")

    def entries(self) -> tuple[list[tuple[str, Entry]], int]:
        """Every readable entry, newest first, keyed by its line number; and how many lines were unreadable."""
        try:
            lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return [], 0
        found: list[tuple[str, Entry]] = []
        for number, line in enumerate(lines, 1):
            try:
                found.append((str(number), Entry.from_json(line)))
            except (ValueError, KeyError, TypeError):
                continue
        return found[::-1], len(lines) - len(found)
