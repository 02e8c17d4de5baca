"""Notifications whose toasts never arm a negative timer.

Textual's ``ToastRack`` skips a notification that has expired, then builds its ``Toast``, which
arms ``set_timer(notification.time_left)``: a notification expiring between the two (a screen
switch re-shows every toast; a loaded machine widens the gap) gets a negative delay, and
Textual 8.2.8 spins forever on such a timer. Here the time left is never below ``MIN_DELAY``
while whether it has expired is still told truly.
"""

from __future__ import annotations

from time import time

from textual.notifications import Notification

from biosphere_tui.rules.delays import delay


class LastingNotification(Notification):
    """A ``Notification`` whose ``time_left`` (the toast's timer) is at least ``MIN_DELAY``."""

    @property
    def time_left(self) -> float:
        return delay(self._remaining())

    @property
    def has_expired(self) -> bool:
        return self._remaining() <= 0

    def _remaining(self) -> float:
        return self.raised_at + self.timeout - time()
