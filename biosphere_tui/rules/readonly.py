"""Read-only mode: the actions that would change something, and how a refusal is worded.

``actions.Actions`` refuses every changing request (the single choke point); the app
refuses these key actions up front with the same words, before any confirmation.
"""

from __future__ import annotations

# action names (``action_<name>`` on the screens) that change the cloud or ask it to
CHANGING = frozenset({"delete", "launch", "quick_launch", "approve", "reject", "join", "new_group", "send"})
REFUSAL = "Read-only mode: nothing can be changed from this app (--read-only or app.read_only)."
