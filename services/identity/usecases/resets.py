"""Forgot password: the username and birth date of an account, then a code texted to the
patient's phone, then the account's authenticator or a recovery code when it has one
(a reset never gets round the second factor), then a new password. Every session of the
account ends with it.

start answers a reset id whatever matched (a decoy otherwise, see proofs.py) and shares
the limit per client with claims; the code goes out between two units of work.
"""
from typing import NamedTuple

from sqlalchemy import select

from chairside.context import patient_actor
from chairside.contracts.identity import CLAIM_EXPIRED, INVALID_CODE, WEAK_PASSWORD
from services.identity.domain import claims, throttle
from services.identity.models import PasswordReset, Patient, PortalAccount
from services.identity.usecases import accounts, audit, proofs, sessions, signin

PURPOSE = "reset_code"  # what sms files the text under (it keeps no body of a text with a secret)
TEXT_CODE = "text_reset_code"  # identity's RPC that texts a reset's code after the reset has answered
AUTHENTICATOR = "authenticator"
NEW_PASSWORD = "new_password"


class Started(NamedTuple):
    reset_id: str


class Step(NamedTuple):
    next: str  # what the patient gives next: AUTHENTICATOR or NEW_PASSWORD


def start(db, sent, later):
    """The reset; `later(rpc_name, *args)` asks identity to text its code without waiting
    (TEXT_CODE, for decoys too: a caller cannot tell them apart by time)."""
    return Started(proofs.start(db, lambda uow: _open(uow, sent), later, TEXT_CODE))


def text_code(db, sms, key, reset_id, practice_id, patient_id):
    """The code of a reset that matched `patient_id`'s account, texted if their phone can take it."""
    if patient_id is not None:
        proofs.text_code(db, sms, key, PasswordReset, reset_id, practice_id, patient_id, PURPOSE,
                         claims.reset_code_text)


def _open(uow, sent):
    """The reset row (a decoy so far) and the patient whose account it may be for, if any."""
    practice = proofs.practice_of(uow, sent["practice"])
    if not proofs.client_may_start(uow, practice, sent["client"], "reset_start"):
        return None
    account = uow.session.scalar(select(PortalAccount).where(
        PortalAccount.practice_id == practice.id, PortalAccount.username_key == sent["username"].strip().lower()))
    patient = uow.session.get(Patient, account.patient_id) if account is not None else None
    reset = proofs.new_request(uow, PasswordReset, practice, sent["client"], "reset_start")
    matched = patient is not None and patient.birthdate == sent["birthdate"]
    return reset.id, practice.id, patient.id if matched else None


def verify(uow, key, reset_id, sent):
    reset = proofs.open_request(uow, PasswordReset, reset_id)
    if reset.verified_at is not None:
        return Step(NEW_PASSWORD)  # nothing left to prove (the page was sent twice)
    if reset.code_used_at is None:
        return _text_code(uow, key, reset, sent["code"])
    return _second_factor(uow, key, reset, sent["code"])


def _text_code(uow, key, reset, code):
    if not proofs.code_is_right(uow, key, reset, code, "reset_code"):
        return None
    now = uow.clock.now()
    uow.actor = patient_actor(reset.patient_id)
    account = uow.session.get(PortalAccount, reset.patient_id)
    if throttle.is_locked(account.attempts, now):
        # Said only now that the code proved who asks; the code stays unused, for after the lock.
        audit.record(uow, reset.practice_id, reset.patient_id, "reset_code", throttle.LOCKED)
        return uow.refuse(signin.locked_out())
    reset.code_used_at = now
    audit.record(uow, reset.practice_id, reset.patient_id, "reset_code", throttle.SUCCESS)
    if account.totp_secret is not None:
        return Step(AUTHENTICATOR)
    reset.verified_at = now
    return Step(NEW_PASSWORD)


def _second_factor(uow, key, reset, code):
    """The account's authenticator or a recovery code, counted like a sign-in's second
    factor (5 wrong in a row lock the account) and against the reset (5 close it)."""
    now = uow.clock.now()
    uow.actor = patient_actor(reset.patient_id)
    account = uow.session.get(PortalAccount, reset.patient_id)
    verdict = signin.attempt(uow, account, throttle.CODE, "reset_factor", INVALID_CODE,
                             lambda: signin.second_factor(uow, key, account, code, now))
    if verdict is None:
        reset.code_failures += 1
        return None
    reset.verified_at = now
    audit.record(uow, reset.practice_id, reset.patient_id, f"reset_{verdict.value}", throttle.SUCCESS)
    return Step(NEW_PASSWORD)


def complete(uow, key, reset_id, sent, strength, hashing):
    """`strength` and `hashing` (in an OS thread) run before this unit of work writes
    anything (see signin.py)."""
    reset = proofs.open_request(uow, PasswordReset, reset_id)
    if reset.verified_at is None:
        raise CLAIM_EXPIRED()
    uow.actor = patient_actor(reset.patient_id)
    account = uow.session.get(PortalAccount, reset.patient_id)
    patient = uow.session.get(Patient, reset.patient_id)
    problems = strength(sent["new_password"], accounts.personal_words(account.username, patient))
    if problems:
        raise WEAK_PASSWORD(fields={"new_password": problems})
    account.password_hash = hashing.hash(sent["new_password"])
    account.password_is_temporary = False
    account.attempts = throttle.Attempts()  # the patient proved every factor: a fresh start
    sessions.revoke_all(uow, patient.id)
    reset.finished_at = uow.clock.now()
    audit.record(uow, patient.practice_id, patient.id, "password_reset", throttle.SUCCESS)
    return None
