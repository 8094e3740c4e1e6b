"""Two-step sign-in: the password opens a challenge, a second factor completes it.

Password failures and code failures are counted apart and lock the account after 5 in a
row (domain.throttle.judge decides); every failure, lockout and success is recorded and
committed before the refusal is raised (uow.refuse). No RPC is made inside a write
transaction: under eventlet a SQLite writer that yields would block every other writer
of the process, so the steps that talk to sms take the worker's database and open their
units of work around the call.

Patients and staff sign in alike: each step takes the kind of account (`accounts`,
usecases/accounts.py), PATIENTS unless told.

Passwords are hashed and checked by `passwords` (providers.OffLoopPasswords: argon2id in
an OS thread), always before the unit of work has written anything: until the first
flush the transaction holds no write lock, so a SQLite writer never waits on a hash.
"""
import uuid
from typing import List, NamedTuple, Optional

from sqlalchemy import delete, select, update

from chairside.clock import minutes
from chairside.contracts.identity import (
    CHALLENGE_EXPIRED, INVALID_CODE, INVALID_CREDENTIALS, NO_MOBILE_PHONE, TOO_MANY_ATTEMPTS, TOO_MANY_CODES,
)
from chairside.refusals import ChairsideError
from services.identity.domain import credentials, lifetimes, throttle
from services.identity.models import Practice, TextCodeSend
from services.identity.usecases import audit, phones, sessions
from services.identity.usecases.accounts import PATIENTS


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
    owner_id: str
    phone: str
    body: str


def attempt(uow, account, kind, action, wrong, check, accounts=PATIENTS) -> Optional[throttle.Verdict]:
    """One password or code attempt on `account`: the verdict stored and, when it failed,
    audited as `action` and refused (`wrong`, or TOO_MANY_ATTEMPTS while locked)."""
    verdict = throttle.judge(account.attempts, kind, uow.clock.now(), check)
    account.attempts = verdict.attempts
    if verdict.outcome == throttle.SUCCESS:
        return verdict
    accounts.record(uow, account, action, verdict.outcome)
    if verdict.lock_started:
        accounts.record(uow, account, "lockout", throttle.LOCKED)
    uow.refuse(locked_out() if verdict.outcome == throttle.LOCKED else wrong())
    return None


def locked_out():
    return TOO_MANY_ATTEMPTS(minutes=minutes(throttle.LOCKOUT))


# -- step one: the password -----------------------------------------------------------------

def login(db, sms, passwords, sent, accounts=PATIENTS):
    """Check the password; a challenge with the second factors on offer."""
    with db.unit_of_work() as uow:
        opened = _password(uow, passwords, sent, accounts)
    challenge_id, account = opened
    methods = accounts.text_methods(sms, account) + (["totp"] if account.totp_secret is not None else [])
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


def _password(uow, passwords, sent, accounts):
    session, model = uow.session, accounts.account
    practice = session.scalar(select(Practice).where(Practice.slug == sent["practice"]))
    account = session.scalar(select(model).where(
        model.practice_id == practice.id, model.username_key == sent["username"].strip().lower())) if practice else None
    if account is None or not accounts.may_sign_in(account):
        # the same time and answer whether the account does not exist or may not sign in
        passwords.burn(sent["password"])
        if account is not None:
            uow.actor = accounts.actor(account.owner_id)
            accounts.record(uow, account, "login_password", "disabled")
        elif practice is not None:
            audit.record(uow, practice.id, None, "login_password", "unknown_username")
        return uow.refuse(INVALID_CREDENTIALS())
    uow.actor = accounts.actor(account.owner_id)
    verdict = attempt(uow, account, throttle.PASSWORD, "login_password", INVALID_CREDENTIALS,
                      lambda: check_password(passwords, account.password_hash, sent["password"]), accounts)
    if verdict is None:
        return None
    if verdict.value.new_hash is not None:
        account.password_hash = verdict.value.new_hash
        accounts.record(uow, account, "password_rehash", throttle.SUCCESS)
    accounts.record(uow, account, "login_password", throttle.SUCCESS)
    challenge = accounts.challenge(id=str(uuid.uuid4()), owner_id=account.owner_id, created_at=uow.clock.now())
    session.add(challenge)
    return challenge.id, account


# -- step two: a code -------------------------------------------------------------------------

def open_challenge(uow, challenge_id, accounts=PATIENTS):
    """The open challenge and its account; CHALLENGE_EXPIRED when it is over, or when the
    account may no longer sign in (a staff user disabled since the password step)."""
    challenge = uow.session.get(accounts.challenge, challenge_id) if isinstance(challenge_id, str) else None
    if challenge is None or not lifetimes.challenge_is_open(challenge.created_at, challenge.completed_at,
                                                            uow.clock.now()):
        raise CHALLENGE_EXPIRED()
    uow.actor = accounts.actor(challenge.owner_id)
    account = uow.session.get(accounts.account, challenge.owner_id)
    if not accounts.may_sign_in(account):
        raise CHALLENGE_EXPIRED()
    return challenge, account


def send_code(db, sms, key, challenge_id, accounts=PATIENTS):
    """Text a 6-digit code bound to this challenge; a code sms could not send is void and
    does not count toward the phone's limit."""
    with db.unit_of_work() as uow:
        code = _issue_code(uow, key, challenge_id, accounts)
    try:
        accounts.text_code(sms, code)
    except ChairsideError:
        with db.unit_of_work() as uow:
            uow.session.execute(update(accounts.challenge).where(accounts.challenge.id == code.challenge_id).values(
                text_code_hash=None, text_code_issued_at=None))
            uow.session.execute(delete(TextCodeSend).where(TextCodeSend.id == code.send_id))
        raise


def _issue_code(uow, key, challenge_id, accounts):
    session, now = uow.session, uow.clock.now()
    challenge, account = open_challenge(uow, challenge_id, accounts)
    phone = accounts.phone(uow, account)
    refusal = None
    if throttle.is_locked(account.attempts, now):
        refusal = locked_out()
    elif not phone:
        refusal = NO_MOBILE_PHONE()
    elif not phones.may_get_code(uow, phone, now):
        refusal = TOO_MANY_CODES()
    accounts.record(uow, account, "login_code_sent", "refused" if refusal else "success")
    if refusal is not None:
        return uow.refuse(refusal)
    code = credentials.new_text_code()
    challenge.text_code_hash = credentials.keyed_hash(key, f"{challenge.id}:{code}")
    challenge.text_code_issued_at, challenge.text_code_used_at = now, None
    send = TextCodeSend(phone=phone, sent_at=now)
    session.add(send)
    session.flush()
    practice = session.get(Practice, account.practice_id)
    return CodeToSend(challenge.id, send.id, account.practice_id, account.owner_id, phone,
                      credentials.sign_in_code_text(practice.name, code))


def verify(uow, key, challenge_id, sent, accounts=PATIENTS):
    """Complete the sign-in with a text code, a TOTP code or a recovery code: a session."""
    challenge, account = open_challenge(uow, challenge_id, accounts)
    now = uow.clock.now()
    verdict = attempt(uow, account, throttle.CODE, "login_code", INVALID_CODE,
                      lambda: _accept_code(uow, key, challenge, account, sent["code"], now, accounts), accounts)
    if verdict is None:
        return None
    challenge.completed_at = now
    accounts.signed_in(account, now)
    token, expires_at = sessions.start(uow, key, account.owner_id, accounts)
    accounts.record(uow, account, f"login_{verdict.value}", throttle.SUCCESS)
    return Started(token, expires_at, account.password_is_temporary)


def _accept_code(uow, key, challenge, account, code, now, accounts):
    """Which second factor `code` is ("sms", "totp", "recovery"), marking it used; None if none."""
    code = code.strip()
    if code.isdigit() and len(code) == credentials.TEXT_CODE_DIGITS and challenge.text_code_hash and \
            lifetimes.text_code_is_valid(challenge.text_code_issued_at, challenge.text_code_used_at, now) and \
            credentials.keyed_hash_matches(key, f"{challenge.id}:{code}", challenge.text_code_hash):
        challenge.text_code_used_at = now
        return "sms"
    return second_factor(uow, key, account, code, now, accounts)


def second_factor(uow, key, account, code, now, accounts=PATIENTS):
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
    model = accounts.recovery_code
    recovery = uow.session.scalar(select(model).where(
        model.owner_id == account.owner_id, model.used_at.is_(None),
        model.code_hash == credentials.keyed_hash(key, normalised)))
    if recovery is None:
        return None
    recovery.used_at = now
    return "recovery"


def close_challenges(uow, owner_id, accounts=PATIENTS):
    """End every sign-in of the account still waiting for its second step: one begun with
    a password that was just replaced must not finish."""
    model = accounts.challenge
    uow.session.execute(update(model).where(model.owner_id == owner_id, model.completed_at.is_(None)).values(
        completed_at=uow.clock.now()))
