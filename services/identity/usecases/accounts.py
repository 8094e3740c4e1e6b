"""The two kinds of account that sign in: a patient's portal account and a staff user.

Both sign in, keep sessions and set up second factors the same way, with the same rules
(signin, sessions, factors, passwords take the kind as `accounts`, PATIENTS unless told).
Each kind keeps its own tables, so that a token or code of one never works for the other,
and says the few things in which they differ: who acts in the audit log, whether an
account may sign in at all, where a text code goes and what a password must not be built on.
"""
from chairside.context import patient_actor, staff_actor
from services.identity.models import (
    LoginChallenge, Patient, PortalAccount, PortalSession, RecoveryCode, StaffLoginChallenge, StaffRecoveryCode,
    StaffSession, StaffUser,
)
from services.identity.usecases import audit, phones


def personal_words(username, patient):
    """What a patient's new password must not be built on."""
    return (username, patient.first_name, patient.last_name, patient.birthdate.isoformat())


class PatientAccounts:
    account = PortalAccount
    challenge = LoginChallenge
    session = PortalSession
    recovery_code = RecoveryCode
    actor = staticmethod(patient_actor)
    CODE_PURPOSE = "login_code"  # what sms files the text under (it keeps no body of a text with a secret)

    @staticmethod
    def may_sign_in(account):
        """A portal account is never switched off: the office issues new credentials instead."""
        return True

    @staticmethod
    def record(uow, account, action, outcome):
        audit.record(uow, account.practice_id, account.patient_id, action, outcome)

    @staticmethod
    def text_methods(sms, account):
        """A text code is offered to a mobile phone that has not opted out (sms knows consent)."""
        return ["sms"] if phones.textable_phone(sms, account.practice_id, account.patient_id) else []

    @staticmethod
    def phone(uow, account):
        return uow.session.get(Patient, account.patient_id).mobile_phone

    def text_code(self, sms, code):
        sms.send_text(code.practice_id, code.owner_id, {"body": code.body, "purpose": self.CODE_PURPOSE})

    @staticmethod
    def personal_words(uow, account):
        return personal_words(account.username, uow.session.get(Patient, account.patient_id))

    @staticmethod
    def signed_in(account, now):
        """Nothing to note: a patient's last sign-in is their newest session."""


class StaffAccounts:
    account = StaffUser
    challenge = StaffLoginChallenge
    session = StaffSession
    recovery_code = StaffRecoveryCode
    actor = staticmethod(staff_actor)
    CODE_PURPOSE = "staff_login_code"

    @staticmethod
    def may_sign_in(account):
        """Not once an administrator disabled it."""
        return account.disabled_at is None

    @staticmethod
    def record(uow, account, action, outcome):
        audit.record(uow, account.practice_id, None, action, outcome, staff_id=account.id)

    @staticmethod
    def text_methods(sms, account):
        """A staff user always has a mobile phone of their own; texting staff asks no consent."""
        return ["sms"] if account.mobile_phone else []

    @staticmethod
    def phone(uow, account):
        return account.mobile_phone

    def text_code(self, sms, code):
        sms.text_staff(code.practice_id, code.phone, {"body": code.body, "purpose": self.CODE_PURPOSE})

    @staticmethod
    def personal_words(uow, account):
        return (account.username, account.name)

    @staticmethod
    def signed_in(account, now):
        account.last_sign_in_at = now


PATIENTS = PatientAccounts()
STAFF = StaffAccounts()
