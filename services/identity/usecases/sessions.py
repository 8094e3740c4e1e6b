"""Sessions of patients and staff: started at sign-in, looked up by token, revoked at
sign-out and when credentials change. Tokens are stored as keyed hashes only, each kind of
account in its own table (`accounts`, usecases/accounts.py): a patient's token finds no
staff session, nor the reverse."""
import functools
import uuid
from typing import List, NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import contains_eager

from chairside.contracts.identity import PASSWORD_CHANGE_REQUIRED, SIGN_IN_REQUIRED
from services.identity.domain import credentials, lifetimes, roles
from services.identity.usecases.accounts import PATIENTS, STAFF


def start(uow, key, owner_id, accounts=PATIENTS):
    """A new session; its token (shown once) and when it expires if left idle."""
    now = uow.clock.now()
    token = credentials.new_session_token()
    uow.session.add(accounts.session(
        id=str(uuid.uuid4()), token_hash=credentials.keyed_hash(key, token), owner_id=owner_id,
        created_at=now, last_seen_at=now,
    ))
    return token, lifetimes.session_expires_at(now, now)


def live(uow, key, token, accounts=PATIENTS):
    """The live session of `token` and its account, without touching it; SIGN_IN_REQUIRED
    otherwise, and once the account may no longer sign in. The unit of work acts for the
    account's owner from here on."""
    found = uow.session.execute(_live_statement(accounts), {"token_hash": credentials.keyed_hash(key, token)}).first() \
        if isinstance(token, str) and token else None
    if found is None or not lifetimes.session_is_live(found[0].created_at, found[0].last_seen_at,
                                                      found[0].revoked_at, uow.clock.now()):
        raise SIGN_IN_REQUIRED()
    row, account = found
    if not accounts.may_sign_in(account):
        raise SIGN_IN_REQUIRED()
    uow.actor = accounts.actor(row.owner_id)
    return row, account


@functools.cache
def _live_statement(accounts):
    """The session of a token hash, its account and the account's practice in one statement
    (every signed-in request asks for the three), built once per kind of account: building it
    cost more than running it."""
    model, account_model = accounts.session, accounts.account
    return select(model, account_model).join(
        account_model, account_model.__mapper__.primary_key[0] == model.owner_id).join(
        account_model.practice).options(contains_eager(account_model.practice)).where(
        model.token_hash == bindparam("token_hash"))


def touch(uow, session_row, account, allow_temporary=False):
    """Restart the idle clock of a request (at most once a minute: lifetimes.IDLE_CLOCK_STEP);
    PASSWORD_CHANGE_REQUIRED while the password is temporary, except for what changing it needs."""
    if account.password_is_temporary and not allow_temporary:
        raise PASSWORD_CHANGE_REQUIRED()
    now = uow.clock.now()
    if lifetimes.idle_clock_restarts(session_row.last_seen_at, now):
        session_row.last_seen_at = now


def signed_in(uow, key, token, allow_temporary=False, accounts=PATIENTS):
    """The live session of `token` and its account, its idle clock restarted."""
    session_row, account = live(uow, key, token, accounts)
    touch(uow, session_row, account, allow_temporary)
    return session_row, account


class SignedIn(NamedTuple):
    patient_id: str
    practice_id: str
    modules: List[str]  # the portal modules the practice has switched on


def authenticate(uow, key, token):
    """The signed-in patient behind `token`, and the modules their practice has on, for
    the gateway's patient routes and pages."""
    account = signed_in(uow, key, token)[1]
    return signed_in_as(account, account.practice)


def signed_in_as(account, practice):
    """The SignedIn of a patient's account whose session was checked, and of its practice."""
    return SignedIn(account.patient_id, account.practice_id, practice.enabled_modules)


class StaffSignedIn(NamedTuple):
    staff_id: str
    practice_id: str
    username: str
    name: str
    role: str
    permissions: List[str]  # what the role may do (domain.roles): the console checks these


def authenticate_staff(uow, key, token, allow_temporary=False):
    """The signed-in staff user behind `token` and what they may do, for the console's
    pages; `allow_temporary` for the pages that change a temporary password."""
    staff = signed_in(uow, key, token, allow_temporary, STAFF)[1]
    return StaffSignedIn(staff.id, staff.practice_id, staff.username, staff.name, staff.role,
                         roles.permissions_of(staff.role))


def logout(uow, key, token, accounts=PATIENTS):
    session_row, account = signed_in(uow, key, token, True, accounts)
    session_row.revoked_at = uow.clock.now()
    accounts.record(uow, account, "logout", "success")


def logout_others(uow, key, token):
    """End every other session of the signed-in patient (a lost phone, a shared computer)."""
    session_row, account = signed_in(uow, key, token, allow_temporary=True)
    revoke_all(uow, account.patient_id, keep=session_row)
    PATIENTS.record(uow, account, "logout_others", "success")


def revoke_all(uow, owner_id, keep=None, accounts=PATIENTS):
    """End every session of the account (but `keep`, the one asking)."""
    model = accounts.session
    query = update(model).where(model.owner_id == owner_id, model.revoked_at.is_(None))
    if keep is not None:
        query = query.where(model.id != keep.id)
    uow.session.execute(query.values(revoked_at=uow.clock.now()))
