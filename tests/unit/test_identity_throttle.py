from datetime import datetime, timedelta, timezone

import pytest

from services.identity.domain import throttle
from services.identity.domain.throttle import (
    CODE, CODES_PER_PHONE_PER_HOUR, LOCKOUT, MAX_FAILURES, PASSWORD, Attempts, after_failure, after_success,
    is_locked, lock_started, may_send_code)

NOW = datetime(2027, 6, 15, 12, 0, tzinfo=timezone.utc)


def fail(attempts, kind, times, now=NOW):
    for _ in range(times):
        attempts = after_failure(attempts, kind, now)
    return attempts


def test_the_policy_numbers():
    assert MAX_FAILURES == 5 and LOCKOUT == timedelta(minutes=15)
    assert CODES_PER_PHONE_PER_HOUR == 5


def test_a_fresh_account_is_not_locked():
    assert Attempts() == Attempts(0, 0, None)
    assert not is_locked(Attempts(), NOW)


@pytest.mark.parametrize("kind, field", [("password", "password_failures"), ("code", "code_failures")])
def test_failures_count_up_to_four_without_locking(kind, field):
    attempts = Attempts()
    for count in range(1, MAX_FAILURES):
        attempts = after_failure(attempts, kind, NOW)
        assert getattr(attempts, field) == count
        assert attempts.locked_until is None


@pytest.mark.parametrize("kind", ["password", "code"])
def test_the_fifth_failure_locks_for_15_minutes_and_resets_the_counters(kind):
    four = fail(Attempts(code_failures=2) if kind == "password" else Attempts(password_failures=2),
                kind, 4)
    five = after_failure(four, kind, NOW)
    assert five == Attempts(password_failures=0, code_failures=0, locked_until=NOW + LOCKOUT)
    assert is_locked(five, NOW)
    assert lock_started(four, five)


def test_four_failures_then_a_success_start_again():
    attempts = after_success(fail(Attempts(), "password", 4), "password")
    assert attempts == Attempts()
    attempts = fail(attempts, "password", 4)
    assert not is_locked(attempts, NOW)
    assert is_locked(after_failure(attempts, "password", NOW), NOW)


def test_kinds_are_counted_apart():
    attempts = fail(fail(Attempts(), "password", 4), "code", 4)
    assert attempts == Attempts(password_failures=4, code_failures=4)
    assert not is_locked(attempts, NOW)


def test_a_success_resets_its_own_kind_only():
    attempts = Attempts(password_failures=3, code_failures=4)
    assert after_success(attempts, "password") == Attempts(password_failures=0, code_failures=4)
    assert after_success(attempts, "code") == Attempts(password_failures=3, code_failures=0)


def test_a_success_does_not_touch_the_lock():
    locked = Attempts(locked_until=NOW + LOCKOUT)
    assert after_success(locked, "password") == locked


@pytest.mark.parametrize("later, locked", [
    (timedelta(0), True),
    (timedelta(minutes=14, seconds=59), True),
    (timedelta(minutes=14, seconds=59, microseconds=999999), True),
    (timedelta(minutes=15), False),            # free at the very instant the lock ends
    (timedelta(minutes=15, microseconds=1), False),
    (timedelta(hours=3), False),
])
def test_the_lock_ends_exactly_after_15_minutes(later, locked):
    attempts = fail(Attempts(), "password", 5)
    assert is_locked(attempts, NOW + later) is locked


def test_failures_during_a_lock_change_nothing():
    locked = fail(Attempts(), "code", 5)
    for later in (timedelta(0), timedelta(minutes=5), timedelta(minutes=14, seconds=59)):
        for kind in ("password", "code"):
            assert after_failure(locked, kind, NOW + later) is locked
            assert not lock_started(locked, after_failure(locked, kind, NOW + later))
    assert locked.locked_until == NOW + LOCKOUT   # not extended


def test_the_account_is_fresh_after_the_lock():
    locked = fail(Attempts(), "password", 5)
    free_at = NOW + LOCKOUT
    one = after_failure(locked, "password", free_at)
    assert one.password_failures == 1 and not is_locked(one, free_at)
    # It takes five new failures to lock again, and the new lock starts from then.
    relocked = fail(locked, "password", 5, now=free_at)
    assert relocked.locked_until == free_at + LOCKOUT
    assert lock_started(fail(locked, "password", 4, now=free_at), relocked)


def test_lock_started_only_for_the_failure_that_locked():
    three, four = fail(Attempts(), "password", 3), fail(Attempts(), "password", 4)
    assert not lock_started(three, four)
    assert not lock_started(Attempts(), Attempts())
    old_lock = Attempts(locked_until=NOW - timedelta(hours=1))
    assert not lock_started(old_lock, after_failure(old_lock, "password", NOW))


@pytest.mark.parametrize("call", [
    lambda: after_failure(Attempts(), "sms", NOW),
    lambda: after_failure(Attempts(locked_until=NOW + LOCKOUT), "totp", NOW),
    lambda: after_success(Attempts(), "pin"),
])
def test_unknown_kinds_are_a_programming_error(call):
    with pytest.raises(ValueError):
        call()


# --- Text-code sending limit ------------------------------------------------------------------------

HOUR = timedelta(hours=1)


@pytest.mark.parametrize("sent_minutes_ago, allowed", [
    ([], True),
    ([0, 1, 2, 3], True),                       # four in the hour
    ([0, 1, 2, 3, 4], False),                   # five
    ([59, 50, 40, 30, 20], False),
    ([60, 1, 2, 3, 4], True),                   # exactly an hour ago no longer counts
    ([61, 62, 90, 120, 600, 1], True),
    ([59.999, 1, 2, 3, 4], False),              # just inside the hour still counts
])
def test_at_most_five_codes_per_phone_per_hour(sent_minutes_ago, allowed):
    sent = [NOW - timedelta(minutes=minutes) for minutes in sent_minutes_ago]
    assert may_send_code(sent, NOW) is allowed


def test_a_send_stamped_just_after_now_still_counts():
    sent = [NOW + timedelta(seconds=1)] + [NOW - timedelta(minutes=m) for m in (1, 2, 3, 4)]
    assert may_send_code(sent, NOW) is False


def test_the_limit_lifts_as_the_window_moves():
    sent = [NOW - timedelta(minutes=m) for m in (50, 40, 30, 20, 10)]
    assert not may_send_code(sent, NOW)
    assert not may_send_code(sent, NOW - timedelta(minutes=50) + HOUR - timedelta(microseconds=1))
    assert may_send_code(sent, NOW - timedelta(minutes=50) + HOUR)


def test_any_iterable_of_times_will_do():
    assert may_send_code(iter([NOW] * 4), NOW)
    assert not may_send_code((NOW for _ in range(5)), NOW)


# --- judge: one attempt, decided -------------------------------------------------------------

def test_judge_a_right_password_resets_its_counter_and_gives_the_checks_answer():
    verdict = throttle.judge(Attempts(password_failures=3, code_failures=2), PASSWORD, NOW, lambda: "sms")
    assert verdict == throttle.Verdict(Attempts(0, 2, None), throttle.SUCCESS, value="sms")


def test_judge_a_wrong_code_counts_it():
    verdict = throttle.judge(Attempts(code_failures=1), CODE, NOW, lambda: None)
    assert (verdict.attempts, verdict.outcome, verdict.lock_started) == (Attempts(0, 2, None), throttle.FAILURE, False)


def test_judge_the_fifth_failure_locks_and_says_so():
    verdict = throttle.judge(Attempts(password_failures=4), PASSWORD, NOW, lambda: False)
    assert verdict.outcome == throttle.FAILURE and verdict.lock_started
    assert verdict.attempts == Attempts(0, 0, NOW + LOCKOUT)


def test_judge_a_locked_account_never_runs_the_check():
    """A code tried during a lock is not spent (a recovery code stays usable) and nothing is counted."""
    locked = Attempts(locked_until=NOW + timedelta(minutes=1))

    def check():
        raise AssertionError("the check ran during a lock")
    verdict = throttle.judge(locked, CODE, NOW, check)
    assert (verdict.attempts, verdict.outcome, verdict.lock_started) == (locked, throttle.LOCKED, False)
    assert throttle.judge(locked, CODE, NOW + timedelta(minutes=1), lambda: "totp").outcome == throttle.SUCCESS


@pytest.mark.parametrize("locked_until, shown", [
    (NOW + timedelta(minutes=1), NOW + timedelta(minutes=1)),   # still locked
    (NOW, None),                                                # ended at this very instant
    (NOW - timedelta(minutes=1), None),                         # history, not a lock
    (None, None),
])
def test_a_lockout_shows_only_while_it_lasts(locked_until, shown):
    assert throttle.lock_end(Attempts(locked_until=locked_until), NOW) == shown
