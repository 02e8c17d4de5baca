"""A hand-driven clock for the refresh scheduler: alarms fire only when a test moves time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class ManualAlarm:
    at: float
    callback: Callable[[], None]
    stopped: bool = False

    def stop(self) -> None:
        self.stopped = True


class ManualTimers:
    def __init__(self) -> None:
        self.time = 0.0
        self.alarms: list[ManualAlarm] = []

    def now(self) -> float:
        return self.time

    def call_in(self, seconds: float, callback: Callable[[], None]) -> ManualAlarm:
        assert seconds > 0, f"an alarm with a delay of {seconds} s would hang Textual"
        alarm = ManualAlarm(self.time + seconds, callback)
        self.alarms.append(alarm)
        return alarm

    @property
    def armed(self) -> list[ManualAlarm]:
        return [a for a in self.alarms if not a.stopped]

    def advance(self, seconds: float) -> None:
        """Move time on and ring, in order, every alarm now due."""
        self.time += seconds
        while due := sorted((a for a in self.armed if a.at <= self.time), key=lambda a: a.at):
            due[0].stopped = True
            due[0].callback()
