"""Portal sessions: started at sign-in, looked up by token, revoked at sign-out and when
credentials change. Tokens are stored as keyed hashes only."""
import uuid
from typing import List, NamedTuple

from sqlalchemy import select, update

from chairside.context import patient_actor
from chairside.contracts.identity import PASSWORD_CHANGE_REQUIRED, SIGN_IN_REQUIRED
from services.identity.domain import credentials, lifetimes
from services.identity.models import PortalAccount, PortalSession, Practice
from services.identity.usecases import audit


def start(uow, key, patient_id):
    """A new session; its token (shown once) and when it expires if left idle."""
    now = uow.clock.now()
    token = credentials.new_session_token()
    uow.session.add(PortalSession(
        id=str(uuid.uuid4()), token_hash=credentials.keyed_hash(key, token), patient_id=patient_id,
        created_at=now, last_seen_at=now,
    ))
    return token, lifetimes.session_expires_at(now, now)


def live(uow, key, token):
    """The live session of `token` and its account, without touching it; SIGN_IN_REQUIRED
    otherwise. The unit of work acts for the patient from here on."""
    portal_session = uow.session.scalar(select(PortalSession).where(
        PortalSession.token_hash == credentials.keyed_hash(key, token))) if isinstance(token, str) and token else None
    if portal_session is None or not lifetimes.session_is_live(
            portal_session.created_at, portal_session.last_seen_at, portal_session.revoked_at, uow.clock.now()):
        raise SIGN_IN_REQUIRED()
    uow.actor = patient_actor(portal_session.patient_id)
    return portal_session, uow.session.get(PortalAccount, portal_session.patient_id)


def touch(uow, portal_session, account, allow_temporary=False):
    """Restart the idle clock of a request; PASSWORD_CHANGE_REQUIRED while the password is
    temporary, except for what changing it needs."""
    if account.password_is_temporary and not allow_temporary:
        raise PASSWORD_CHANGE_REQUIRED()
    portal_session.last_seen_at = uow.clock.now()


def signed_in(uow, key, token, allow_temporary=False):
    """The live session of `token` and its account, its idle clock restarted."""
    portal_session, account = live(uow, key, token)
    touch(uow, portal_session, account, allow_temporary)
    return portal_session, account


class SignedIn(NamedTuple):
    patient_id: str
    practice_id: str
    modules: List[str]  # the portal modules the practice has switched on


def authenticate(uow, key, token):
    """The signed-in patient behind `token`, and the modules their practice has on, for
    the gateway's patient routes and pages."""
    account = signed_in(uow, key, token)[1]
    practice = uow.session.get(Practice, account.practice_id)
    return SignedIn(account.patient_id, account.practice_id, practice.enabled_modules)


def logout(uow, key, token):
    portal_session, account = signed_in(uow, key, token, allow_temporary=True)
    portal_session.revoked_at = uow.clock.now()
    audit.record(uow, account.practice_id, account.patient_id, "logout", "success")


def logout_others(uow, key, token):
    """End every other session of the signed-in patient (a lost phone, a shared computer)."""
    portal_session, account = signed_in(uow, key, token, allow_temporary=True)
    revoke_all(uow, account.patient_id, keep=portal_session)
    audit.record(uow, account.practice_id, account.patient_id, "logout_others", "success")


def revoke_all(uow, patient_id, keep=None):
    """End every session of the patient (but `keep`, the one asking)."""
    query = update(PortalSession).where(PortalSession.patient_id == patient_id, PortalSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(PortalSession.id != keep.id)
    uow.session.execute(query.values(revoked_at=uow.clock.now()))
