"""How long sessions, text codes and sign-in challenges live. Pure: the time is passed in.

Every bound is exclusive at its end: something that expires at T is still good just
before T and no longer good at T.
"""
from datetime import timedelta

from chairside.contracts.identity import SESSION_IDLE_TIMEOUT, SESSION_LIFETIME, TEXT_CODE_LIFETIME

IDLE_TIMEOUT = SESSION_IDLE_TIMEOUT
ABSOLUTE_TIMEOUT = SESSION_LIFETIME
CHALLENGE_LIFETIME = timedelta(minutes=10)


def session_expires_at(created_at, last_seen_at):
    """15 minutes after the last request, but never more than 12 hours after sign-in,
    however active the patient is."""
    return min(last_seen_at + IDLE_TIMEOUT, created_at + ABSOLUTE_TIMEOUT)


def session_is_live(created_at, last_seen_at, revoked_at, now):
    """Live until it expires or is revoked (sign-out, changed credentials)."""
    return revoked_at is None and now < session_expires_at(created_at, last_seen_at)


def text_code_is_valid(issued_at, used_at, now):
    """A texted code is good for 10 minutes and once.

    No code issued (issued_at None) is never valid. A code stamped a moment after `now`
    (clocks of two workers a little apart) is not refused for it: only expiry counts.
    """
    if issued_at is None or used_at is not None:
        return False
    return now < issued_at + TEXT_CODE_LIFETIME


def challenge_is_open(created_at, completed_at, now):
    """The second step of a sign-in can be completed once, within 10 minutes of the first."""
    return completed_at is None and now < created_at + CHALLENGE_LIFETIME
