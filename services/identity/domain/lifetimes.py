"""How long sessions, text codes, sign-in challenges, claims, password resets and
invitations live. Pure: the time is passed in.

Every bound is exclusive at its end: something that expires at T is still good just
before T and no longer good at T.
"""
from datetime import timedelta

from chairside.contracts.identity import (
    CLAIM_LIFETIME, INVITATION_LIFETIME, SESSION_IDLE_TIMEOUT, SESSION_LIFETIME, TEXT_CODE_LIFETIME,
)
from services.identity.domain.throttle import MAX_FAILURES

IDLE_TIMEOUT = SESSION_IDLE_TIMEOUT
ABSOLUTE_TIMEOUT = SESSION_LIFETIME
CHALLENGE_LIFETIME = timedelta(minutes=10)
# A request restarts the idle clock only when it was last restarted at least this long ago:
# most requests then only read the session (no write, no commit of it), and a session
# expires at most this much earlier than 15 minutes after the patient's last request.
IDLE_CLOCK_STEP = timedelta(minutes=1)


def session_expires_at(created_at, last_seen_at):
    """15 minutes after the last request, but never more than 12 hours after sign-in,
    however active the patient is."""
    return min(last_seen_at + IDLE_TIMEOUT, created_at + ABSOLUTE_TIMEOUT)


def idle_clock_restarts(last_seen_at, now):
    """Does a request at `now` restart the idle clock last restarted at `last_seen_at`?"""
    return now - last_seen_at >= IDLE_CLOCK_STEP


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


# A password reset is a request like a claim ("start again" either way): it lives as long.
REQUEST_LIFETIME = CLAIM_LIFETIME


def request_is_open(created_at, finished_at, code_failures, now):
    """A claim or a password reset can be carried on for 30 minutes from its start, until
    it is finished, and closes for good at its 5th wrong code (a new one must be started:
    each start is counted against the client, each code against the phone)."""
    return finished_at is None and code_failures < MAX_FAILURES and now < created_at + REQUEST_LIFETIME


def invitation_expires_at(created_at):
    return created_at + INVITATION_LIFETIME


def invitation_is_valid(created_at, used_at, voided_at, now):
    """An invitation link works once, for 7 days, until a newer one for the patient voids it."""
    return used_at is None and voided_at is None and now < invitation_expires_at(created_at)
