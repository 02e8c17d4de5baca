"""The notifications an app raised, captured through Textual's public ``run_test(message_hook=...)``.

``App.notify`` posts a ``Notify`` message; the hook records each one when the app handles it, so a
test reads what the app said, in order, without Textual's private notification store and without a
toast's timer deciding what is still there.
"""

from __future__ import annotations

from textual.message import Message
from textual.notifications import Notification, Notify


class Toasts:
    """A ``message_hook`` for ``App.run_test``: every notification the app raised, oldest first."""

    def __init__(self) -> None:
        self.raised: list[Notification] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.raised.append(message.notification)

    @property
    def messages(self) -> list[str]:
        return [n.message for n in self.raised]

    def text(self) -> str:
        """Every message, one a line."""
        return "\n".join(self.messages)

    def clear(self) -> None:
        """Forget what was said so far (a test that checks the next action's words alone)."""
        self.raised.clear()
