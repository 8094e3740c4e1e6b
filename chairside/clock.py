"""Clocks passed into domain rules, so that tests can set the time instead of sleeping."""
import logging
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

log = logging.getLogger(__name__)


def minutes(duration):
    """A duration in whole minutes, rounded up, for messages ("try again in 15 minutes")."""
    return -(-int(duration.total_seconds()) // 60)


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


class OffsetFileClock:
    """System time plus an offset in seconds read from a file: end-to-end tests move the
    services' time forward (idle timeouts, lockouts, code expiry) without sleeping."""

    def __init__(self, path):
        self.path = Path(path)

    def offset(self):
        try:
            return float(self.path.read_text().strip() or 0)
        except FileNotFoundError:
            return 0.0

    def now(self):
        return datetime.now(timezone.utc) + timedelta(seconds=self.offset())


def clock_from_env():
    """The system clock, unless CHAIRSIDE_CLOCK_FILE names an offset file (tests only)."""
    path = os.environ.get("CHAIRSIDE_CLOCK_FILE")
    if not path:
        return SystemClock()
    log.warning("using the settable test clock of %s: never do this in production", path)
    return OffsetFileClock(path)
