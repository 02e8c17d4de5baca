"""Running an action that changes the cloud, for the app and the command line alike: portal or
Nova, from a screen or a command, every change goes through ``run``.

``run`` refuses in read-only mode before anything starts (``actions.check_writable``, the same
gate ``Actions`` applies to each changing request), runs the action on a fresh ``Actions``,
writes the journal entry (done, failed, or failed unexpectedly), then asks for a refresh of the
sources the action changed. The app and the command line only adapt it: a worker and toasts, or
lines on stderr and an exit code. No UI here.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import NamedTuple, TypeVar

from biosphere_tui.actions import Actions, check_writable
from biosphere_tui.cache import reader
from biosphere_tui.config import Config
from biosphere_tui.errors import SourceError
from biosphere_tui.i18n import Phrase, t
from biosphere_tui.local import journal

T = TypeVar("T")
log = logging.getLogger(__name__)
Refresh = Callable[[set[str], bool], None]  # the sources to refresh; whether the cloud answered the action


class Started(NamedTuple):
    """When an action started, who asked for it (username from the cache), and what it is."""

    at: datetime
    user: str
    action: Phrase

    @classmethod
    def now(cls, db: sqlite3.Connection, at: datetime, action: Phrase) -> Started:
        me = reader.me(db)  # none in OpenStack-only mode
        return cls(at, me.username if me else "", action)


def run(config: Config, started: Started, call: Callable[[Actions], Awaitable[T]], *, resync: set[str],
        refresh: Refresh, journal_to: journal.Journal, warn: Callable[[str], None]) -> T:
    """Run ``call`` (blocking: from a worker thread or a command); its result, or its ``SourceError``
    raised again once journaled and ``refresh``-ed. ``ReadOnlyRefusal`` in read-only mode: nothing was
    sent, journaled or refreshed. Any other failure is journaled and raised, with no refresh.
    ``warn`` says, in the interface language, that the journal could not be written."""
    check_writable(config)
    actions = Actions(config)
    try:
        result = asyncio.run(call(actions))
    except SourceError as exc:
        _record(journal_to, journal.entry(*started, actions.sent, error=exc.message), warn)
        refresh(resync, False)
        raise
    except Exception as exc:
        log.exception("%s failed", started.action.english())
        _record(journal_to, journal.entry(*started, actions.sent, error=f"unexpected failure ({type(exc).__name__})"),
                warn)
        raise
    _record(journal_to, journal.entry(*started, actions.sent, result=result), warn)  # a refusal as a value: failed
    refresh(resync, True)
    return result


def _record(journal_to: journal.Journal, item: journal.Entry, warn: Callable[[str], None]) -> None:
    """The entry in the journal and its verdict in the log; a journal that cannot be written is said."""
    if item.ok:
        log.info("%s: done", item.action)
    else:
        log.warning("%s: %s: %s", item.action, item.result, item.message)
    try:
        journal_to.append(item)
    except OSError as exc:
        log.warning("the action journal could not be written: %s", exc.strerror)
        warn(t("The action journal could not be written ({error}).", error=exc.strerror))
