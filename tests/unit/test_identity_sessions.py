from datetime import datetime, timedelta, timezone

import pytest

from services.identity.domain.lifetimes import (
    ABSOLUTE_TIMEOUT, CHALLENGE_LIFETIME, IDLE_CLOCK_STEP, IDLE_TIMEOUT, TEXT_CODE_LIFETIME, challenge_is_open,
    idle_clock_restarts, session_expires_at, session_is_live, text_code_is_valid)

T0 = datetime(2027, 6, 15, 8, 0, tzinfo=timezone.utc)
MS = timedelta(milliseconds=1)
MIN = timedelta(minutes=1)


def test_the_policy_numbers():
    assert IDLE_TIMEOUT == timedelta(minutes=15)
    assert ABSOLUTE_TIMEOUT == timedelta(hours=12)
    assert TEXT_CODE_LIFETIME == CHALLENGE_LIFETIME == timedelta(minutes=10)
    assert IDLE_CLOCK_STEP == timedelta(minutes=1)


@pytest.mark.parametrize("now, restarts", [
    (T0, False),                   # the request that just restarted it
    (T0 + MIN - MS, False),        # 59.999 s later: the session is only read
    (T0 + MIN, True),              # a minute later
    (T0 + 14 * MIN, True),
    (T0 - MS, False),              # a worker whose clock is a little behind never moves it back
])
def test_a_request_restarts_the_idle_clock_at_most_once_a_minute(now, restarts):
    assert idle_clock_restarts(T0, now) is restarts


def test_requests_every_59_seconds_keep_a_session_alive():
    """A session whose clock is restarted only every other request still never idles out
    while the patient is active, and ends at most a minute early once they stop."""
    last_seen, now = T0, T0
    while now < T0 + timedelta(hours=2):
        assert session_is_live(T0, last_seen, None, now)
        if idle_clock_restarts(last_seen, now):
            last_seen = now
        now += timedelta(seconds=59)
    assert session_expires_at(T0, last_seen) >= now - timedelta(seconds=59) + IDLE_TIMEOUT - IDLE_CLOCK_STEP


@pytest.mark.parametrize("last_seen, expires", [
    (T0, T0 + 15 * MIN),                                     # idle timeout first
    (T0 + timedelta(hours=6), T0 + timedelta(hours=6, minutes=15)),
    (T0 + timedelta(hours=11, minutes=45), T0 + timedelta(hours=12)),  # both at once
    (T0 + timedelta(hours=11, minutes=50), T0 + timedelta(hours=12)),  # the cap wins
])
def test_expiry_is_the_earlier_of_idle_and_absolute(last_seen, expires):
    assert session_expires_at(T0, last_seen) == expires


@pytest.mark.parametrize("now, live", [
    (T0, True),
    (T0 + 15 * MIN - MS, True),    # 14:59.999 idle
    (T0 + 15 * MIN, False),        # 15:00 idle
    (T0 + 16 * MIN, False),
])
def test_idle_timeout_edges(now, live):
    assert session_is_live(T0, T0, None, now) is live


def test_activity_keeps_a_session_alive_until_the_12_hour_cap():
    last_seen = T0
    now = T0
    while now < T0 + ABSOLUTE_TIMEOUT - MIN:
        assert session_is_live(T0, last_seen, None, now)
        last_seen = now                          # a request every minute
        now += MIN
    # A request one millisecond before the cap is still served, and none at the cap,
    # even though the patient was active a moment ago.
    assert session_is_live(T0, T0 + ABSOLUTE_TIMEOUT - MS, None, T0 + ABSOLUTE_TIMEOUT - MS)
    assert not session_is_live(T0, T0 + ABSOLUTE_TIMEOUT - MS, None, T0 + ABSOLUTE_TIMEOUT)
    assert not session_is_live(T0, T0 + ABSOLUTE_TIMEOUT, None, T0 + ABSOLUTE_TIMEOUT)


def test_a_revoked_session_is_dead_at_once():
    assert not session_is_live(T0, T0, T0, T0)
    assert not session_is_live(T0, T0 + MIN, T0 + MIN, T0 + MIN)
    # Revocation counts whatever time it carries.
    assert not session_is_live(T0, T0, T0 + timedelta(hours=1), T0 + MIN)


def test_session_times_may_be_in_any_zone():
    new_york = timezone(timedelta(hours=-4))
    created = T0.astimezone(new_york)
    assert session_is_live(created, created, None, T0 + 15 * MIN - MS)
    assert not session_is_live(created, created, None, T0 + 15 * MIN)


@pytest.mark.parametrize("issued, used, now, valid", [
    (T0, None, T0, True),
    (T0, None, T0 + 10 * MIN - MS, True),      # 9:59.999
    (T0, None, T0 + 10 * MIN, False),          # 10:00
    (T0, None, T0 + timedelta(days=1), False),
    (T0, T0 + MIN, T0 + MIN, False),           # used once: never again
    (T0, T0 + MIN, T0 + 2 * MIN, False),
    (None, None, T0, False),                   # no code issued
    (T0 + timedelta(seconds=1), None, T0, True),   # a worker's clock a second ahead
])
def test_text_codes_live_10_minutes_and_once(issued, used, now, valid):
    assert text_code_is_valid(issued, used, now) is valid


@pytest.mark.parametrize("completed, now, open_", [
    (None, T0, True),
    (None, T0 + 10 * MIN - MS, True),
    (None, T0 + 10 * MIN, False),
    (T0 + MIN, T0 + 2 * MIN, False),           # completed: not a second time
])
def test_sign_in_challenges_are_open_10_minutes_and_once(completed, now, open_):
    assert challenge_is_open(T0, completed, now) is open_
