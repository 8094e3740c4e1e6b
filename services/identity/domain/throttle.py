"""Throttling of sign-in: failure counting, lockout and the text-code sending limit.
Pure: the time is passed in, the counters are values the service stores.

Password failures and second-factor ("code") failures are counted apart, so that a
patient who knows their password but mistypes codes is not confused with someone
guessing passwords. After 5 consecutive failures of one kind the account is locked for
15 minutes, whatever is tried.
"""
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Optional

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)

PASSWORD = "password"
CODE = "code"
KINDS = (PASSWORD, CODE)
_COUNTER = {PASSWORD: "password_failures", CODE: "code_failures"}


@dataclass(frozen=True)
class Attempts:
    password_failures: int = 0
    code_failures: int = 0
    locked_until: Optional[datetime] = None


def _counter(kind):
    try:
        return _COUNTER[kind]
    except KeyError:
        raise ValueError(f"unknown failure kind {kind!r}; expected one of {KINDS}") from None


def is_locked(attempts, now):
    """Locked while `now` is before `locked_until`; free again at that very instant."""
    return attempts.locked_until is not None and now < attempts.locked_until


def lock_end(attempts, now):
    """When the lockout ends while it lasts; None once it is over, or when there is none
    (a stored `locked_until` in the past is history, not a lock)."""
    return attempts.locked_until if is_locked(attempts, now) else None


def after_failure(attempts, kind, now):
    """The counters after a failed password or code.

    A locked account refuses every attempt before checking it, so a failure "during" a
    lock is not counted and does not extend the lock: the attempts come back unchanged.
    (Extending it would let anyone keep a patient locked out for ever.)
    The failure that reaches MAX_FAILURES locks the account until now + LOCKOUT and
    resets both counters, so that the account is fresh once the lock ends.
    """
    counter = _counter(kind)
    if is_locked(attempts, now):
        return attempts
    failures = getattr(attempts, counter) + 1
    if failures >= MAX_FAILURES:
        return Attempts(password_failures=0, code_failures=0, locked_until=now + LOCKOUT)
    return replace(attempts, **{counter: failures})


def after_success(attempts, kind):
    """A success ends the run of failures of its own kind only: a right password does
    not forgive wrong codes, nor the reverse."""
    return replace(attempts, **{_counter(kind): 0})


def lock_started(before, after):
    """Did the failure that turned `before` into `after` lock the account? (For the audit log.)"""
    return after.locked_until is not None and after.locked_until != before.locked_until


# Outcomes of an attempt, as the audit log records them.
SUCCESS = "success"
FAILURE = "failure"
LOCKED = "locked"


@dataclass(frozen=True)
class Verdict:
    """What became of one attempt: the counters to store, the outcome, whether this
    failure started a lockout, and (on success) what the check answered."""
    attempts: Attempts
    outcome: str
    lock_started: bool = False
    value: Any = None


def judge(attempts, kind, now, check: Callable[[], Any]) -> Verdict:
    """One password or code attempt. A locked account is refused before `check` runs
    (so a code is not spent and nothing is counted); otherwise `check()` answers a true
    value for a right password or code, and the counters move on."""
    if is_locked(attempts, now):
        return Verdict(attempts, LOCKED)
    value = check()
    if value:
        return Verdict(after_success(attempts, kind), SUCCESS, value=value)
    after = after_failure(attempts, kind, now)
    return Verdict(after, FAILURE, lock_started=lock_started(attempts, after))


# --- Text-code sending limit, per phone number ----------------------------------------------

CODES_PER_PHONE_PER_HOUR = 5
CODE_SEND_WINDOW = timedelta(hours=1)


def sends_to_forget(now):
    """Sends older than this no longer count toward any limit and may be deleted."""
    return now - CODE_SEND_WINDOW


def may_send_code(sent_at_times: Iterable[datetime], now):
    """True while fewer than 5 codes went to this phone within the last hour.

    The window is (now - 1 h, now]: a send exactly an hour ago no longer counts. A send
    stamped after `now` (clocks of two workers a little apart) still counts: when in
    doubt, the limit holds.
    """
    window_start = now - CODE_SEND_WINDOW
    recent = sum(1 for sent_at in sent_at_times if sent_at > window_start)
    return recent < CODES_PER_PHONE_PER_HOUR


# --- Claims and password resets started, per practice and client address ---------------------

# Claims ("First time here?") and password resets answer the same whatever matched, so
# what limits someone trying names and birth dates is how often one network address may
# start them at one practice; both kinds count together.
STARTS_PER_CLIENT = 10
START_WINDOW = timedelta(hours=1)


def start_wait(started_at_times: Iterable[datetime], now) -> Optional[timedelta]:
    """None while fewer than 10 claims or resets were started from this client within the
    last hour; otherwise how long until one more may be started.

    The window is (now - 1 h, now], as for text codes: a start exactly an hour ago no
    longer counts, one stamped a little after `now` does.
    """
    window_start = now - START_WINDOW
    recent = sorted(started_at for started_at in started_at_times if started_at > window_start)
    if len(recent) < STARTS_PER_CLIENT:
        return None
    # Room for one more once all but STARTS_PER_CLIENT - 1 of them have left the window.
    frees_at = recent[len(recent) - STARTS_PER_CLIENT] + START_WINDOW
    return frees_at - now


def wait_minutes(wait: timedelta) -> int:
    """A wait as the message says it: whole minutes rounded up (to the microsecond), and
    never "0 minutes"."""
    return max(1, -(-wait // timedelta(minutes=1)))
