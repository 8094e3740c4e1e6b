"""Clocks passed into domain rules, so that tests can set the time instead of sleeping."""
from datetime import datetime, timezone


class SystemClock:
    def now(self):
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that stands still until told to move."""

    def __init__(self, now):
        if now.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = now

    def now(self):
        return self._now

    def set(self, now):
        self._now = now

    def advance(self, delta):
        self._now = self._now + delta
