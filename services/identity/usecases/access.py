"""Portal access issued by the office: a username and a random temporary password."""
from typing import NamedTuple

from sqlalchemy import select

from chairside.contracts.identity import NO_FREE_USERNAME, PATIENT_NOT_FOUND
from chairside.tenancy import by_external_id
from services.identity.domain import credentials, throttle
from services.identity.models import Patient, PortalAccount
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
