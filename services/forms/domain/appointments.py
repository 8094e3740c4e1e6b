"""forms' rules of appointments: when a synced appointment changed, which one is a patient's
next, and the time zone it is shown in. Pure: the clock's now is passed in."""
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from chairside.contracts.forms import EARLIEST_START, LATEST_START, START_RANGE
from chairside.refusals import rule_broken

# What the patient still has to come to; cancelled, broken and completed ones are behind them.
UPCOMING_STATUSES = ("scheduled", "confirmed")


@dataclass(frozen=True)
class AppointmentFacts:
    """What the PMS says about an appointment; two equal facts mean nothing changed. The start
    is kept in UTC: the same instant sent with another offset is the same appointment."""
    patient_id: str
    clinic_id: Optional[str]
    start: datetime
    duration_minutes: int
    status: str
    provider: Optional[str]
    reason: Optional[str]


def in_utc(start):
    """The instant `start` (aware) in UTC, within the years forms keeps, else RULE_BROKEN.
    Checked on the instant: 0001-01-01T00:00:00+01:00 is a well-formed text but no valid instant."""
    try:
        instant = start.astimezone(timezone.utc)
    except OverflowError:
        raise rule_broken("start", START_RANGE)
    if not EARLIEST_START <= instant < LATEST_START:
        raise rule_broken("start", START_RANGE)
    return instant


def order(appointment):
    """By start; two at the same instant by their PMS id, so that every answer orders them alike."""
    return appointment.start, appointment.external_id


def next_appointment(appointments, now):
    """The earliest scheduled or confirmed appointment that has not started at `now`, or None.
    One that starts exactly now has not started yet: a patient arriving on the minute still sees it."""
    upcoming = [a for a in appointments if a.status in UPCOMING_STATUSES and a.start >= now]
    return min(upcoming, key=order, default=None)


def zone_of(clinic_timezone, practice_timezone):
    """An appointment is shown in its clinic's time zone, else in the practice's."""
    return clinic_timezone or practice_timezone


def local(start, zone):
    """The instant `start` on the clocks of `zone` (an IANA name), with that day's offset."""
    return start.astimezone(ZoneInfo(zone))
