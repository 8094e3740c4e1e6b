"""Paying without signing in: the payment portal (/p/{slug}/pay) verifies who pays, and
hands the browser a short-lived pay session that lets it pay and nothing else.

start             the names and birth date of the payer, found as a claim finds a patient
                  (one non-dependent patient of those names born that day: a dependent's
                  guarantor pays for them)
start_for_patient a message-to-pay link's patient (billing resolved the link) and the
                  birth date given, which must be theirs
verify            the code texted to the payer's phone, when the practice's
                  `pay_verification` is "birthdate_and_code"
live              the verified session of a token, its idle clock restarted
profile           the payer of a verified session and the family members they may see, as
                  a portal session's `me` answers them (the payment portal names them)
end               the session ends (the payer is done, or leaves)

Both starts answer a token and whether a code comes next, whatever matched: a session that
matched no payer is a decoy (proofs.py) that never verifies, so with "birthdate" the first
answer that differs is `live` saying PAY_SESSION_NOT_VERIFIED, and with "birthdate_and_code"
the code that never fits. Which is unavoidable: paying needs someone verified. What never
shows is why: no one, several people, a dependent and a wrong birth date look alike.

Limits: starts per client address, counted with claims and resets (proofs.client_may_start);
and failures per payer, counted by the keyed hash of the names they were about (domain.pay):
5 in a row lock those names for 15 minutes, whether or not anyone has them, so that
TOO_MANY_ATTEMPTS tells nothing about who exists. With "birthdate" the failures are the starts
that matched no payer (wrong birth dates among them); with "birthdate_and_code" they are the
wrong codes, decoys' and payers' alike, and a wrong birth date is not counted: it is never
said (no code comes), and a count that locked only wrong ones would say it. A verified
session starts the count again.
"""
import uuid
from typing import NamedTuple, Optional

from sqlalchemy import select

from chairside.context import patient_actor
from chairside.contracts.identity import (
    MODULE_DISABLED, PATIENT_NOT_FOUND, PAY_BY_BIRTHDATE_AND_CODE, PAY_CODE_PURPOSE, PAY_SESSION_NOT_VERIFIED,
    PAY_SESSION_REQUIRED, TOO_MANY_ATTEMPTS,
)
from services.identity.domain import claims, credentials, pay, throttle
from services.identity.domain.records import local_today
from services.identity.models import Patient, PayLock, PaySession, Practice
from services.identity.usecases import audit, family, proofs

PAYMENTS = "payments"  # the portal module paying belongs to
TEXT_CODE = "text_pay_code"  # identity's RPC that texts a pay session's code after the start has answered
# Audit actions (outcomes: accepted, throttled, locked, failure, success)
STARTED = "pay_start"
CODE = "pay_code"
VERIFIED = "pay_verified"
ENDED = "pay_ended"
NOT_VERIFIED = "not_verified"  # the outcome of a link's start whose birth date was not the patient's


class Started(NamedTuple):
    token: str           # shown once; only its keyed hash is kept
    code_required: bool  # the practice's setting: the same whatever matched


class Live(NamedTuple):
    practice_id: str
    patient_id: str
    expires_at: object


class _Opened(NamedTuple):
    started: Started
    session_id: str
    practice_id: str
    to_text: Optional[str]  # the payer whose code to text; None for a decoy


# -- starting ------------------------------------------------------------------------------

def start(db, key, sent, later):
    """A pay session from the payer's names and birth date; `later(rpc_name, *args)` asks
    identity to text its code without waiting (TEXT_CODE, for decoys too)."""
    return _start(db, later, lambda uow: _open(uow, key, sent, _by_details))


def start_for_patient(db, key, sent, later):
    """A pay session from a message-to-pay link: the patient billing resolved its token to."""
    return _start(db, later, lambda uow: _open(uow, key, sent, _by_link))


def text_code(db, sms, key, session_id, practice_id, patient_id):
    """The code of a pay session that matched `patient_id`, texted if their phone can take it."""
    if patient_id is not None:
        proofs.text_code(db, sms, key, PaySession, session_id, practice_id, patient_id, PAY_CODE_PURPOSE,
                         pay.code_text)


def _start(db, later, open_in):
    with db.unit_of_work() as uow:
        opened = open_in(uow)  # None when refused: the refusal is raised as the unit ends
    if opened.started.code_required:
        later(TEXT_CODE, opened.session_id, opened.practice_id, opened.to_text)
    return opened.started


def _by_details(uow, key, practice, sent, today):
    """(the payer or None, the subject of the attempt, the patient the audit may name)."""
    born = uow.session.scalars(select(Patient).where(
        Patient.practice_id == practice.id, Patient.birthdate == sent["birthdate"])).all()
    payer = claims.claimant(born, sent["first_name"], sent["last_name"], today, practice.dependent_age)
    # Nothing is written about whom the details may be of before they are proven.
    return payer, pay.subject(key, practice.id, sent["first_name"], sent["last_name"]), None


def _by_link(uow, key, practice, sent, today):
    """The link names its patient: whoever holds it knows who it is for, and the audit says
    whose link was tried."""
    patient = uow.session.get(Patient, sent["patient_id"])
    if patient is None or patient.practice_id != practice.id:
        raise PATIENT_NOT_FOUND()
    payer = claims.invited(patient, sent["birthdate"], today, practice.dependent_age)
    return payer, pay.subject(key, practice.id, patient.first_name, patient.last_name), patient.id


def _open(uow, key, sent, find):
    practice = proofs.practice_of(uow, sent["practice"])  # locked: the starts of a practice take turns
    if not practice.modules[PAYMENTS]:
        raise MODULE_DISABLED()
    if not proofs.client_may_start(uow, practice, sent["client"], STARTED):
        return None
    now = uow.clock.now()
    payer, subject, named = find(uow, key, practice, sent, local_today(now, practice.timezone))
    row, token = _new_session(uow, key, practice, sent["client"], subject, now)
    lock = _lock(uow, practice.id, subject)
    wait = pay.lock_wait(lock.failures, lock.locked_until, now)
    if wait is not None:
        row.finished_at = now  # counted against the client all the same
        audit.record(uow, practice.id, named, STARTED, throttle.LOCKED)
        return uow.refuse(TOO_MANY_ATTEMPTS(minutes=throttle.wait_minutes(wait)))
    code_required = practice.pay_verification == PAY_BY_BIRTHDATE_AND_CODE
    started = Started(token, code_required)
    if payer is None:
        if not code_required:
            # Counted only where the answer tells it anyway (`live`): with a code to come,
            # a count would tell which birth dates are right (only the wrong ones would
            # lock), so there the codes are counted, alike for decoys and payers.
            _failed(uow, lock, now)
        audit.record(uow, practice.id, named, STARTED, NOT_VERIFIED if named else "accepted")
        return _Opened(started, row.id, practice.id, None)
    audit.record(uow, practice.id, named, STARTED, "accepted")
    if code_required:
        return _Opened(started, row.id, practice.id, payer.id)  # proofs.text_code names the payer once armed
    row.patient_id = payer.id
    _verified(uow, row, lock, now)
    return _Opened(started, row.id, practice.id, None)


def _new_session(uow, key, practice, client, subject, now):
    token = credentials.new_session_token()
    row = PaySession(id=str(uuid.uuid4()), practice_id=practice.id, client=client, created_at=now,
                     last_seen_at=now, code_failures=0, token_hash=credentials.keyed_hash(key, token),
                     subject=subject)
    uow.session.add(row)
    return row, token


def _lock(uow, practice_id, subject):
    """The payer's count of failures (its row locked until the unit of work ends), or a
    count of none, stored only once a failure is: names tried once and right leave no row.
    Two attempts on one payer never count at once: both hold their practice's row first."""
    lock = uow.session.get(PayLock, (practice_id, subject), with_for_update=True)
    return lock or PayLock(practice_id=practice_id, subject=subject, failures=0, locked_until=None)


def _failed(uow, lock, now):
    lock.failures, lock.locked_until = pay.after_failure(lock.failures, lock.locked_until, now)
    uow.session.add(lock)


def _verified(uow, row, lock, now):
    """The payer proved every factor the practice asks: the session works from now, and
    their count of failures starts again."""
    row.verified_at = row.last_seen_at = now
    lock.failures = 0
    uow.actor = patient_actor(row.patient_id)
    audit.record(uow, row.practice_id, row.patient_id, VERIFIED, throttle.SUCCESS)


# -- the code --------------------------------------------------------------------------------

def verify(uow, key, token, sent):
    """The texted code of a session that is waiting for one. A session verified already
    answers as `live` (the page was sent twice); a decoy's code never fits."""
    row = _open_session(uow, key, token)
    practice = uow.session.get(Practice, row.practice_id, with_for_update=True)  # one verify of a payer at a time
    if not practice.modules[PAYMENTS]:
        raise MODULE_DISABLED()
    if row.verified_at is not None:
        return _touch(uow, row)
    now = uow.clock.now()
    lock = _lock(uow, practice.id, row.subject)
    wait = pay.lock_wait(lock.failures, lock.locked_until, now)
    if wait is not None:
        audit.record(uow, practice.id, None, CODE, throttle.LOCKED)
        return uow.refuse(TOO_MANY_ATTEMPTS(minutes=throttle.wait_minutes(wait)))
    if not proofs.code_is_right(uow, key, row, sent["code"], CODE):
        _failed(uow, lock, now)
        return None
    row.code_used_at = now
    _verified(uow, row, lock, now)
    return _live(row)


# -- the session -----------------------------------------------------------------------------

def live(uow, key, token):
    """The verified pay session of `token`, its idle clock restarted: PAY_SESSION_REQUIRED
    when there is none (unknown, ended, expired), PAY_SESSION_NOT_VERIFIED while it is not
    verified (a decoy, or a code not yet given). Never a portal session: a portal token
    finds nothing here, and a pay token finds nothing among portal sessions."""
    row = _open_session(uow, key, token)
    if row.verified_at is None:
        raise PAY_SESSION_NOT_VERIFIED()
    if not uow.session.get(Practice, row.practice_id).modules[PAYMENTS]:
        raise MODULE_DISABLED()
    return _touch(uow, row)


def profile(uow, key, token):
    """The payer of the verified pay session of `token` and the family members their own
    portal would show (family.visible_relatives), with `live`'s refusals: the payment
    portal shows whose balance is paid as the signed-in portal does, and nothing more."""
    session = live(uow, key, token)
    payer = uow.session.get(Patient, session.patient_id)
    audit.record(uow, payer.practice_id, payer.id, family.PROFILE_READ, throttle.SUCCESS)
    return family.Profile(payer, family.visible_relatives(uow, payer))


def end(uow, key, token):
    """End the session of `token`; nothing to do for one that is over or unknown."""
    row = _row(uow, key, token)
    if row is None or row.finished_at is not None:
        return None
    row.finished_at = uow.clock.now()
    if row.verified_at is not None:
        uow.actor = patient_actor(row.patient_id)
        audit.record(uow, row.practice_id, row.patient_id, ENDED, throttle.SUCCESS)
    return None


def _row(uow, key, token):
    if not isinstance(token, str) or not token:
        return None
    return uow.session.scalar(select(PaySession).where(PaySession.token_hash == credentials.keyed_hash(key, token)))


def _open_session(uow, key, token):
    row = _row(uow, key, token)
    if row is None or not pay.is_open(row.created_at, row.last_seen_at, row.finished_at, row.code_failures,
                                      uow.clock.now()):
        raise PAY_SESSION_REQUIRED()
    return row


def _touch(uow, row):
    row.last_seen_at = uow.clock.now()
    uow.actor = patient_actor(row.patient_id)
    return _live(row)


def _live(row):
    return Live(row.practice_id, row.patient_id, pay.expires_at(row.created_at, row.last_seen_at))
