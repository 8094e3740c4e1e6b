"""Portal access as the office manages it: a username and a random temporary password
issued, a lockout lifted, and the state of a patient's access as the console shows it."""
from datetime import datetime
from typing import NamedTuple, Optional

from sqlalchemy import func, select

from chairside.contracts.identity import NO_FREE_USERNAME, PATIENT_NOT_FOUND
from chairside.contracts.staff import NO_PORTAL_ACCESS
from chairside.tenancy import by_external_id
from services.identity.domain import credentials, throttle
from services.identity.models import Patient, PortalAccount, PortalSession
from services.identity.usecases import audit, sessions


class IssuedAccess(NamedTuple):
    username: str
    temporary_password: str  # shown this once; must be changed at first sign-in


def issue(uow, practice_id, external_id, passwords):
    """New credentials for the patient: a first account, or a new temporary password that
    voids the old one, lifts a lockout and ends every session."""
    patient = by_external_id(uow.session, Patient, practice_id, external_id, PATIENT_NOT_FOUND)
    password = credentials.new_temporary_password()
    password_hash = passwords.hash(password)  # off the loop, before anything is written (signin.py)
    account = uow.session.get(PortalAccount, patient.id)
    if account is None:
        username = free_username(uow, practice_id, patient)
        account = PortalAccount(patient_id=patient.id, practice_id=practice_id, username=username,
                                username_key=username.lower(), created_at=uow.clock.now())
        uow.session.add(account)
    account.password_hash = password_hash
    account.password_is_temporary = True
    account.attempts = throttle.Attempts()  # the office vouched for the patient: a fresh start
    sessions.revoke_all(uow, patient.id)
    audit.record(uow, practice_id, patient.id, "portal_access_issued", "success")
    return IssuedAccess(account.username, password)


def free_username(uow, practice_id, patient):
    """The first username of the patient's candidates that no account of the practice has."""
    for candidate in credentials.username_candidates(credentials.username_base(patient.first_name, patient.last_name)):
        taken = uow.session.scalar(select(PortalAccount.patient_id).where(
            PortalAccount.practice_id == practice_id, PortalAccount.username_key == candidate.lower()))
        if taken is None:
            return candidate
    raise NO_FREE_USERNAME()


class AccessState(NamedTuple):
    has_access: bool
    username: Optional[str]
    password_is_temporary: bool
    has_authenticator: bool
    locked_until: Optional[datetime]     # only while the lockout lasts
    last_sign_in_at: Optional[datetime]  # when the newest session began


NO_ACCESS = AccessState(False, None, False, False, None, None)


def state(uow, patient_id):
    """The patient's portal access as the console shows it; NO_ACCESS without an account."""
    account = uow.session.get(PortalAccount, patient_id)
    if account is None:
        return NO_ACCESS
    last_sign_in_at = uow.session.scalar(select(func.max(PortalSession.created_at)).where(
        PortalSession.patient_id == patient_id))
    return AccessState(True, account.username, account.password_is_temporary, account.totp_secret is not None,
                       throttle.lock_end(account.attempts, uow.clock.now()), last_sign_in_at)


def lift_lockout(uow, practice_id, external_id):
    """The office vouches for the patient: the lockout ends and the failures are forgotten
    (the credentials stay). NO_PORTAL_ACCESS when the patient has no account."""
    patient = by_external_id(uow.session, Patient, practice_id, external_id, PATIENT_NOT_FOUND)
    account = uow.session.get(PortalAccount, patient.id)
    if account is None:
        raise NO_PORTAL_ACCESS()
    account.attempts = throttle.Attempts()
    audit.record(uow, practice_id, patient.id, "lockout_lifted", throttle.SUCCESS)
    return state(uow, patient.id)
