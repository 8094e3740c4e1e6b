"""Claiming portal access ("First time here?"): a patient without credentials proves who
they are (name and birth date, or an invitation link and birth date, then a code texted
to their phone) and chooses a username and password.

start   always answers a claim id, whatever matched (proofs.py: a decoy when no one,
        several people, a dependent or no textable phone matched), so the page says the
        same words whatever happened; the code goes out afterwards (text_code), so that
        the answer takes as long whether or not the details matched.
verify  the code: the patient is then known. One who has access already is told so
        (ALREADY_HAS_ACCESS); otherwise a free username is suggested.
complete  the credentials: an account with a password the patient chose, and a session.
"""
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from chairside.context import patient_actor
from chairside.contracts.identity import ALREADY_HAS_ACCESS, CLAIM_EXPIRED, USERNAME_TAKEN, WEAK_PASSWORD
from services.identity.domain import claims, throttle
from services.identity.domain.records import local_today
from services.identity.models import Patient, PortalAccount, PortalClaim
from services.identity.usecases import access, accounts, audit, invitations, proofs, sessions, signin

PURPOSE = "claim_code"  # what sms files the text under (it keeps no body of a text with a secret)
TEXT_CODE = "text_claim_code"  # identity's RPC that texts a claim's code after the claim has answered
# The column of the unique constraint on usernames, as PostgreSQL and SQLite both name it
# when an insert breaks it (uq_portal_accounts_username).
USERNAME_KEY = "username_key"


class Started(NamedTuple):
    claim_id: str


class Verified(NamedTuple):
    username: str  # a suggestion: free when it was made


def start(db, key, sent, later):
    """The claim; `later(rpc_name, *args)` asks identity to text its code without waiting
    (TEXT_CODE, for decoys too: a caller cannot tell them apart by time)."""
    return Started(proofs.start(db, lambda uow: _open(uow, key, sent), later, TEXT_CODE))


def text_code(db, sms, key, claim_id, practice_id, patient_id):
    """The code of a claim that matched `patient_id`, texted if their phone can take it."""
    if patient_id is not None:
        proofs.text_code(db, sms, key, PortalClaim, claim_id, practice_id, patient_id, PURPOSE,
                         claims.claim_code_text)


def _open(uow, key, sent):
    """The claim row (a decoy so far) and the patient it may be for, if any."""
    practice = proofs.practice_of(uow, sent["practice"])
    if not proofs.client_may_start(uow, practice, sent["client"], "claim_start"):
        return None
    today = local_today(uow.clock.now(), practice.timezone)
    invitation = None
    if sent["invitation"] is not None:
        invitation = invitations.usable(uow, key, practice.id, sent["invitation"])
        patient = claims.invited(uow.session.get(Patient, invitation.patient_id), sent["birthdate"], today,
                                 practice.dependent_age)
    else:
        born = uow.session.scalars(select(Patient).where(
            Patient.practice_id == practice.id, Patient.birthdate == sent["birthdate"])).all()
        patient = claims.claimant(born, sent["first_name"], sent["last_name"], today, practice.dependent_age)
    claim = proofs.new_request(uow, PortalClaim, practice, sent["client"], "claim_start")
    if patient is not None and invitation is not None:
        claim.invitation_id = invitation.id
    return claim.id, practice.id, patient.id if patient is not None else None


def verify(uow, key, claim_id, sent):
    claim = proofs.open_request(uow, PortalClaim, claim_id)
    if not proofs.code_is_right(uow, key, claim, sent["code"], "claim_code"):
        return None
    now = uow.clock.now()
    claim.code_used_at = now
    uow.actor = patient_actor(claim.patient_id)
    patient = uow.session.get(Patient, claim.patient_id)
    if uow.session.get(PortalAccount, patient.id) is not None:
        return _already_has_access(uow, claim, "claim_verified")
    claim.verified_at = now
    audit.record(uow, patient.practice_id, patient.id, "claim_verified", throttle.SUCCESS)
    return Verified(access.free_username(uow, patient.practice_id, patient))


def _already_has_access(uow, claim, action):
    """The patient has credentials: the claim is over (its invitation too), and they are
    told to sign in or reset their password."""
    claim.finished_at = uow.clock.now()
    invitations.use_up(uow, claim.invitation_id)
    audit.record(uow, claim.practice_id, claim.patient_id, action, "already_has_access")
    return uow.refuse(ALREADY_HAS_ACCESS())


def complete(uow, key, claim_id, sent, strength, hashing):
    """`strength` and `hashing` (the password strength check and argon2id, both in an OS
    thread) run before this unit of work writes anything (see signin.py)."""
    claim = proofs.open_request(uow, PortalClaim, claim_id)
    if claim.verified_at is None:
        raise CLAIM_EXPIRED()
    uow.actor = patient_actor(claim.patient_id)
    patient = uow.session.get(Patient, claim.patient_id)
    if uow.session.get(PortalAccount, patient.id) is not None:  # the office issued access meanwhile
        return _already_has_access(uow, claim, "claim_completed")
    username = sent["username"]
    if _taken(uow, claim.practice_id, username):
        raise _username_taken()
    problems = strength(sent["password"], accounts.personal_words(username, patient))
    if problems:
        raise WEAK_PASSWORD(fields={"password": problems})
    password_hash = hashing.hash(sent["password"])
    now = uow.clock.now()
    uow.session.add(PortalAccount(
        patient_id=patient.id, practice_id=claim.practice_id, username=username, username_key=username.lower(),
        password_hash=password_hash, password_is_temporary=False, attempts=throttle.Attempts(), created_at=now))
    try:
        uow.session.flush()
    except IntegrityError as clash:
        # Another claim or the office took the username (or gave the patient access) a
        # moment ago: the unique constraints decided, and the patient is told which.
        raise _username_taken() if USERNAME_KEY in str(clash.orig) else ALREADY_HAS_ACCESS() from clash
    claim.finished_at = now
    invitations.use_up(uow, claim.invitation_id)
    token, expires_at = sessions.start(uow, key, patient.id)
    audit.record(uow, patient.practice_id, patient.id, "claim_completed", throttle.SUCCESS)
    return signin.Started(token, expires_at, False)


def _taken(uow, practice_id, username):
    return uow.session.scalar(select(func.count()).select_from(PortalAccount).where(
        PortalAccount.practice_id == practice_id, PortalAccount.username_key == username.lower())) > 0


def _username_taken():
    return USERNAME_TAKEN(fields={"username": [USERNAME_TAKEN.message]})
