"""Two-step sign-in: the password opens a challenge, a second factor completes it.

Password failures and code failures are counted apart and lock the account after 5 in a
row (domain.throttle.judge decides); every failure, lockout and success is recorded and
committed before the refusal is raised (uow.refuse). No RPC is made inside a write
transaction: under eventlet a SQLite writer that yields would block every other writer
of the process, so the steps that talk to sms take the worker's database and open their
units of work around the call.

Passwords are hashed and checked by `passwords` (providers.OffLoopPasswords: argon2id in
an OS thread), always before the unit of work has written anything: until the first
flush the transaction holds no write lock, so a SQLite writer never waits on a hash.
"""
import uuid
from typing import List, NamedTuple, Optional

from sqlalchemy import delete, select, update

from chairside.clock import minutes
from chairside.context import patient_actor
from chairside.contracts.identity import (
    CHALLENGE_EXPIRED, INVALID_CODE, INVALID_CREDENTIALS, NO_MOBILE_PHONE, TOO_MANY_ATTEMPTS, TOO_MANY_CODES,
)
from chairside.refusals import ChairsideError
from services.identity.domain import credentials, lifetimes, throttle
from services.identity.models import LoginChallenge, Patient, PortalAccount, Practice, RecoveryCode, TextCodeSend
from services.identity.usecases import audit, sessions

# How long sms may take to say whether a patient can receive a text code, at sign-in.
TEXTABLE_SECONDS = 3


class Challenge(NamedTuple):
    challenge_id: str
    methods: List[str]


class Started(NamedTuple):
    token: str
    expires_at: object
    password_change_required: bool


class CodeToSend(NamedTuple):
    challenge_id: str
    send_id: int
    practice_id: str
    patient_id: str
    body: str


def attempt(uow, account, kind, action, wrong, check) -> Optional[throttle.Verdict]:
    """One password or code attempt on `account`: the verdict stored and, when it failed,
    audited as `action` and refused (`wrong`, or TOO_MANY_ATTEMPTS while locked)."""
    verdict = throttle.judge(account.attempts, kind, uow.clock.now(), check)
    account.attempts = verdict.attempts
    if verdict.outcome == throttle.SUCCESS:
        return verdict
    audit.record(uow, account.practice_id, account.patient_id, action, verdict.outcome)
    if verdict.lock_started:
        audit.record(uow, account.practice_id, account.patient_id, "lockout", throttle.LOCKED)
    uow.refuse(locked_out() if verdict.outcome == throttle.LOCKED else wrong())
    return None


def locked_out():
    return TOO_MANY_ATTEMPTS(minutes=minutes(throttle.LOCKOUT))


# -- step one: the password -----------------------------------------------------------------

def login(db, sms, passwords, sent):
    """Check the password; a challenge with the second factors on offer."""
    with db.unit_of_work() as uow:
        opened = _password(uow, passwords, sent)
    challenge_id, practice_id, patient_id, has_totp = opened
    methods = (["sms"] if _can_text(sms, practice_id, patient_id) else []) + (["totp"] if has_totp else [])
    return Challenge(challenge_id, methods)


class RightPassword(NamedTuple):
    """A password check that passed (a one-field tuple, so always true for the throttle),
    with the password's new hash when the stored one was made with older parameters."""
    new_hash: Optional[str]


def check_password(passwords, stored_hash, password) -> Optional[RightPassword]:
    """Is `password` right? When it is and its hash is out of date, the new hash too: the
    password is in hand only now, so this is the moment to re-hash it."""
    if not passwords.verify(stored_hash, password):
        return None
    return RightPassword(passwords.hash(password) if passwords.needs_rehash(stored_hash) else None)


def _password(uow, passwords, sent):
    session = uow.session
    practice = session.scalar(select(Practice).where(Practice.slug == sent["practice"]))
    account = session.scalar(select(PortalAccount).where(
        PortalAccount.practice_id == practice.id,
        PortalAccount.username_key == sent["username"].strip().lower())) if practice else None
    if account is None:
        passwords.burn(sent["password"])  # the same time whether or not the account exists
        if practice is not None:
            audit.record(uow, practice.id, None, "login_password", "unknown_username")
        return uow.refuse(INVALID_CREDENTIALS())
    uow.actor = patient_actor(account.patient_id)
    verdict = attempt(uow, account, throttle.PASSWORD, "login_password", INVALID_CREDENTIALS,
                      lambda: check_password(passwords, account.password_hash, sent["password"]))
    if verdict is None:
        return None
    if verdict.value.new_hash is not None:
        account.password_hash = verdict.value.new_hash
        audit.record(uow, account.practice_id, account.patient_id, "password_rehash", throttle.SUCCESS)
    audit.record(uow, account.practice_id, account.patient_id, "login_password", throttle.SUCCESS)
    challenge = LoginChallenge(id=str(uuid.uuid4()), patient_id=account.patient_id, created_at=uow.clock.now())
    session.add(challenge)
    return challenge.id, account.practice_id, account.patient_id, account.totp_secret is not None


def _can_text(sms, practice_id, patient_id):
    """A text code is offered to a mobile phone that has not opted out (sms knows consent)."""
    return textable_phone(sms, practice_id, patient_id) is not None


def textable_phone(sms, practice_id, patient_id):
    """The patient's mobile phone when sms says it can receive a text code; None when
    there is none, it opted out, or sms cannot say so in time."""
    try:
        texting = sms.within(TEXTABLE_SECONDS).get_texting(practice_id, patient_id)
    except ChairsideError:
        return None
    return texting["mobile_phone"] if texting["mobile_phone"] and not texting["opted_out"] else None


def phone_may_get_code(uow, phone, now):
    """The per-phone limit on text codes, which sign-in, claims and password resets share:
    sends older than the window are forgotten, and the recent ones counted."""
    uow.session.execute(delete(TextCodeSend).where(
        TextCodeSend.phone == phone, TextCodeSend.sent_at <= throttle.sends_to_forget(now)))
    recent = uow.session.scalars(select(TextCodeSend.sent_at).where(TextCodeSend.phone == phone)).all()
    return throttle.may_send_code(recent, now)


# -- step two: a code -------------------------------------------------------------------------

def open_challenge(uow, challenge_id):
    """The open challenge, its account and patient; CHALLENGE_EXPIRED when it is over."""
    challenge = uow.session.get(LoginChallenge, challenge_id) if isinstance(challenge_id, str) else None
    if challenge is None or not lifetimes.challenge_is_open(challenge.created_at, challenge.completed_at,
                                                            uow.clock.now()):
        raise CHALLENGE_EXPIRED()
    uow.actor = patient_actor(challenge.patient_id)
    return (challenge, uow.session.get(PortalAccount, challenge.patient_id),
            uow.session.get(Patient, challenge.patient_id))


def send_code(db, sms, key, challenge_id):
    """Text a 6-digit code bound to this challenge; a code sms could not send is void and
    does not count toward the phone's limit."""
    with db.unit_of_work() as uow:
        code = _issue_code(uow, key, challenge_id)
    try:
        sms.send_text(code.practice_id, code.patient_id, {"body": code.body, "purpose": "login_code"})
    except ChairsideError:
        with db.unit_of_work() as uow:
            uow.session.execute(update(LoginChallenge).where(LoginChallenge.id == code.challenge_id).values(
                text_code_hash=None, text_code_issued_at=None))
            uow.session.execute(delete(TextCodeSend).where(TextCodeSend.id == code.send_id))
        raise


def _issue_code(uow, key, challenge_id):
    session, now = uow.session, uow.clock.now()
    challenge, account, patient = open_challenge(uow, challenge_id)
    refusal = None
    if throttle.is_locked(account.attempts, now):
        refusal = locked_out()
    elif not patient.mobile_phone:
        refusal = NO_MOBILE_PHONE()
    elif not phone_may_get_code(uow, patient.mobile_phone, now):
        refusal = TOO_MANY_CODES()
    audit.record(uow, patient.practice_id, patient.id, "login_code_sent", "refused" if refusal else "success")
    if refusal is not None:
        return uow.refuse(refusal)
    code = credentials.new_text_code()
    challenge.text_code_hash = credentials.keyed_hash(key, f"{challenge.id}:{code}")
    challenge.text_code_issued_at, challenge.text_code_used_at = now, None
    send = TextCodeSend(phone=patient.mobile_phone, sent_at=now)
    session.add(send)
    session.flush()
    practice = session.get(Practice, patient.practice_id)
    return CodeToSend(challenge.id, send.id, patient.practice_id, patient.id,
                      credentials.sign_in_code_text(practice.name, code))


def verify(uow, key, challenge_id, sent):
    """Complete the sign-in with a text code, a TOTP code or a recovery code: a session."""
    challenge, account, patient = open_challenge(uow, challenge_id)
    now = uow.clock.now()
    verdict = attempt(uow, account, throttle.CODE, "login_code", INVALID_CODE,
                      lambda: _accept_code(uow, key, challenge, account, sent["code"], now))
    if verdict is None:
        return None
    challenge.completed_at = now
    token, expires_at = sessions.start(uow, key, patient.id)
    audit.record(uow, patient.practice_id, patient.id, f"login_{verdict.value}", throttle.SUCCESS)
    return Started(token, expires_at, account.password_is_temporary)


def _accept_code(uow, key, challenge, account, code, now):
    """Which second factor `code` is ("sms", "totp", "recovery"), marking it used; None if none."""
    code = code.strip()
    if code.isdigit() and len(code) == credentials.TEXT_CODE_DIGITS and challenge.text_code_hash and \
            lifetimes.text_code_is_valid(challenge.text_code_issued_at, challenge.text_code_used_at, now) and \
            credentials.keyed_hash_matches(key, f"{challenge.id}:{code}", challenge.text_code_hash):
        challenge.text_code_used_at = now
        return "sms"
    return second_factor(uow, key, account, code, now)


def second_factor(uow, key, account, code, now):
    """Which of the account's own factors `code` is: "totp" (a code of its authenticator,
    never one of a step already used) or "recovery" (an unused recovery code), marking it
    used; None if neither. Sign-in and password resets both ask it."""
    code = code.strip()
    if code.isdigit() and len(code) == credentials.TOTP_DIGITS:
        if account.totp_secret:
            step = credentials.verify_totp(account.totp_secret, code, now, account.totp_last_step)
            if step is not None:
                account.totp_last_step = step
                return "totp"
        return None
    normalised = credentials.normalise_recovery_code(code)
    if normalised is None:
        return None
    recovery = uow.session.scalar(select(RecoveryCode).where(
        RecoveryCode.patient_id == account.patient_id, RecoveryCode.used_at.is_(None),
        RecoveryCode.code_hash == credentials.keyed_hash(key, normalised)))
    if recovery is None:
        return None
    recovery.used_at = now
    return "recovery"
