"""forms' rules for appointments: which one is next at an instant, and the time zone and
local time it is shown in (daylight saving changes included)."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from chairside.contracts.forms import APPOINTMENT_STATUSES, AppointmentUpsert
from chairside.refusals import Unprocessable
from services.forms.domain import appointments as domain
from services.forms.domain.appointments import AppointmentFacts

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Booked:
    external_id: str
    start: datetime
    status: str = "scheduled"


def next_id(now, *appointments):
    found = domain.next_appointment(list(appointments), now)
    return found.external_id if found else None


def test_no_appointments_no_next():
    assert next_id(NOW) is None


@pytest.mark.parametrize("start, expected", [
    (NOW, "A"),                    # starts this very second: not started yet
    (NOW + SECOND, "A"),
    (NOW - SECOND, None),          # started a second ago
    (NOW - timedelta(days=1), None),
], ids=["starting-now", "in-a-second", "a-second-ago", "yesterday"])
def test_an_appointment_is_next_until_it_starts(start, expected):
    assert next_id(NOW, Booked("A", start)) == expected


@pytest.mark.parametrize("status", APPOINTMENT_STATUSES)
def test_only_scheduled_or_confirmed_appointments_come_next(status):
    expected = "A" if status in ("scheduled", "confirmed") else None
    assert next_id(NOW, Booked("A", NOW + timedelta(hours=1), status)) == expected


def test_every_upcoming_status_is_a_known_status():
    assert set(domain.UPCOMING_STATUSES) <= set(APPOINTMENT_STATUSES)


def test_the_earliest_upcoming_one_wins_whatever_the_order_given():
    later = Booked("later", NOW + timedelta(days=2))
    sooner = Booked("sooner", NOW + timedelta(days=1), "confirmed")
    cancelled_sooner = Booked("cancelled", NOW + timedelta(hours=1), "cancelled")
    past = Booked("past", NOW - timedelta(hours=1))
    assert next_id(NOW, later, cancelled_sooner, past, sooner) == "sooner"
    assert next_id(NOW, sooner, later, past, cancelled_sooner) == "sooner"


def test_a_tie_is_broken_by_the_pms_id_in_any_order():
    start = NOW + timedelta(hours=3)
    assert next_id(NOW, Booked("B", start), Booked("A", start)) == "A"
    assert next_id(NOW, Booked("A", start), Booked("B", start)) == "A"


def test_the_same_instant_with_another_offset_is_the_same_start():
    local = datetime(2026, 12, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert domain.in_utc(local) == datetime(2026, 12, 1, 14, 30, tzinfo=timezone.utc)
    assert domain.in_utc(local).utcoffset() == timedelta(0)
    facts = dict(patient_id="a1", clinic_id=None, duration_minutes=30, status="scheduled", provider=None, reason=None)
    assert AppointmentFacts(start=domain.in_utc(local), **facts) == \
        AppointmentFacts(start=datetime(2026, 12, 1, 14, 30, tzinfo=timezone.utc), **facts)


@pytest.mark.parametrize("start", [
    "0001-01-01T00:00:00+01:00",      # a well-formed text, but before the first instant Python knows
    "9999-12-31T23:59:59-14:00",      # after the last
    "1899-12-31T23:59:59+00:00",
    "1900-01-01T00:59:59+01:00",      # 1899 in UTC
    "2200-01-01T00:00:00+00:00",
])
def test_a_start_outside_the_years_kept_breaks_a_rule(start):
    loaded = AppointmentUpsert().load({"patient": "P-1", "start": start, "duration_minutes": 30,
                                       "status": "scheduled"})["start"]
    with pytest.raises(Unprocessable) as refused:
        domain.in_utc(loaded)
    assert refused.value.code == "RULE_BROKEN" and refused.value.fields == {"start": ["Must be from 1900 to 2199."]}


@pytest.mark.parametrize("start", ["1900-01-01T00:00:00+00:00", "2199-12-31T23:59:59+00:00",
                                   "1900-01-01T00:00:00-01:00"])
def test_a_start_at_the_edges_of_the_years_kept_is_kept(start):
    loaded = AppointmentUpsert().load({"patient": "P-1", "start": start, "duration_minutes": 30,
                                       "status": "scheduled"})["start"]
    assert domain.in_utc(loaded) == loaded


def test_the_clinic_s_zone_wins_over_the_practice_s():
    assert domain.zone_of("America/Los_Angeles", "America/New_York") == "America/Los_Angeles"
    assert domain.zone_of(None, "America/New_York") == "America/New_York"


@pytest.mark.parametrize("utc, zone, shown", [
    # New York: EDT (-04:00) until 2026-11-01 06:00 UTC, EST (-05:00) after; EDT again from 2026-03-08 07:00 UTC.
    (datetime(2026, 11, 1, 5, 59, 59), "America/New_York", "2026-11-01T01:59:59-04:00"),
    (datetime(2026, 11, 1, 6, 0, 0), "America/New_York", "2026-11-01T01:00:00-05:00"),  # 1 am again
    (datetime(2026, 3, 8, 6, 59, 59), "America/New_York", "2026-03-08T01:59:59-05:00"),
    (datetime(2026, 3, 8, 7, 0, 0), "America/New_York", "2026-03-08T03:00:00-04:00"),   # 2 am never comes
    (datetime(2026, 12, 1, 14, 30), "America/New_York", "2026-12-01T09:30:00-05:00"),
    (datetime(2026, 12, 1, 14, 30), "America/Los_Angeles", "2026-12-01T06:30:00-08:00"),
    (datetime(2026, 12, 1, 14, 30), "Asia/Kolkata", "2026-12-01T20:00:00+05:30"),
    (datetime(2026, 12, 31, 23, 30), "Pacific/Auckland", "2027-01-01T12:30:00+13:00"),  # another day
], ids=["ny-before-fall-back", "ny-fall-back", "ny-before-spring-forward", "ny-spring-forward", "ny-winter",
        "la", "half-hour-offset", "next-day-elsewhere"])
def test_a_start_is_shown_on_its_zone_s_clocks_with_that_day_s_offset(utc, zone, shown):
    local = domain.local(utc.replace(tzinfo=timezone.utc), zone)
    assert local.isoformat() == shown
    # the same instant (compared in UTC: Python calls an ambiguous local time unequal to every other zone's)
    assert local.astimezone(timezone.utc) == utc.replace(tzinfo=timezone.utc)


def test_order_is_by_start_then_pms_id():
    a = Booked("A", NOW + SECOND)
    b = Booked("B", NOW)
    c = Booked("C", NOW)
    assert sorted([a, c, b], key=domain.order) == [b, c, a]
