"""The instant the tests' demo clock is frozen at."""

from datetime import UTC, datetime

DEMO_START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
