"""What the app's actions are changing now, so that a second key press does not send it again.

An item (a membership request's id, a VM's id) is busy from the moment its action starts until the
refresh that follows the action has ended: the screens read the cache, which lists it unchanged
until then. Pure bookkeeping, no UI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class InFlight:
    def __init__(self) -> None:
        self._verbs: dict[str, str] = {}  # item -> what is being done to it ("approved", "deleted")
        self._until: list[tuple[int, frozenset[str]]] = []  # (refresh count that frees them, items)

    def verb(self, item: str) -> str | None:
        """What is being done to ``item`` (None when nothing is)."""
        return self._verbs.get(item)

    def start(self, items: Mapping[str, str]) -> bool:
        """Mark ``items`` busy (item -> verb); False, and nothing marked, if one of them already is."""
        if any(item in self._verbs for item in items):
            return False
        self._verbs.update(items)
        return True

    def free_after(self, refresh: int, items: Iterable[str]) -> None:
        """Keep ``items`` busy until the ``refresh``-th refresh (counted from the app's start) has ended."""
        self._until.append((refresh, frozenset(items)))

    def refreshed(self, count: int) -> None:
        """The ``count``-th refresh has ended: free what waited for it."""
        for refresh, items in self._until:
            if refresh <= count:
                self.free(items)
        self._until = [(refresh, items) for refresh, items in self._until if refresh > count]

    def free(self, items: Iterable[str]) -> None:
        for item in items:
            self._verbs.pop(item, None)
