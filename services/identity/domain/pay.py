"""Paying without signing in (the payment portal): whom a lock of failed attempts falls
on, how long a pay session lives, and the text that carries its code. Pure: no I/O, the
time is passed in.

Failed birth dates and codes are counted per payer, and the payer is named by the keyed
hash of their names as claims compare them (`subject`), not by a patient id: names that
belong to no one lock exactly like names that do, so a lock (TOO_MANY_ATTEMPTS) never tells
whether someone exists. Two patients of one practice with the same names share their count;
that errs on the side of locking.
"""
from datetime import timedelta
from typing import Optional

from chairside.clock import minutes
from chairside.contracts.identity import PAY_SESSION_IDLE_TIMEOUT, PAY_SESSION_LIFETIME, TEXT_CODE_LIFETIME
from services.identity.domain import credentials, throttle
from services.identity.domain.claims import name_key

MAX_FAILURES = throttle.MAX_FAILURES  # failed birth dates and codes in a row, then a lock
LOCKOUT = throttle.LOCKOUT


def subject(key, practice_id, first_name, last_name) -> str:
    """Whom an attempt is about: the practice and the names, keyed-hashed (the table of
    counts holds no names, and cannot be reversed by trying names without the key)."""
    return credentials.keyed_hash(key, f"pay:{practice_id}:{name_key(first_name)}:{name_key(last_name)}")


def lock_wait(failures, locked_until, now) -> Optional[timedelta]:
    """How long the payer stays locked out; None when they are not (a lock ends at its instant)."""
    end = throttle.lock_end(throttle.Attempts(code_failures=failures, locked_until=locked_until), now)
    return None if end is None else end - now


def after_failure(failures, locked_until, now):
    """(failures, locked_until) after one more failed birth date or code: the 5th in a row
    locks for 15 minutes and starts the count again; a failure during a lock changes nothing
    (it was refused before being checked) so that nobody can keep a payer locked out for ever."""
    after = throttle.after_failure(throttle.Attempts(code_failures=failures, locked_until=locked_until),
                                   throttle.CODE, now)
    return after.code_failures, after.locked_until


def expires_at(started_at, last_seen_at):
    """15 minutes after the last request, and never more than 60 minutes after the start."""
    return min(last_seen_at + PAY_SESSION_IDLE_TIMEOUT, started_at + PAY_SESSION_LIFETIME)


def is_open(started_at, last_seen_at, finished_at, code_failures, now):
    """A pay session works (or, unverified, can still be verified) until it expires, is
    ended, or took its 5th wrong code. An unverified one is never touched, so it can be
    verified for 15 minutes from its start (its code lives 10 of them)."""
    return finished_at is None and code_failures < MAX_FAILURES and now < expires_at(started_at, last_seen_at)


def code_text(practice_name, code):
    return (f"{practice_name}: your code to pay your balance is {code}. It expires in "
            f"{minutes(TEXT_CODE_LIFETIME)} minutes. Never share it; we will never ask for it.")
