"""identity's nameko entrypoints: each loads its input, runs one use case in one unit of
work and dumps the answer, all with the schemas of chairside.contracts.identity (and, for
staff and the office console, chairside.contracts.staff)."""
import functools

from nameko.constants import PERSISTENT

from chairside.batches import answered_each, answers_of, calls_of
from chairside.contracts import identity as contract
from chairside.contracts import staff as console
from chairside.db import Database
from chairside.entrypoints import ChairsideService, rpc
from chairside.remote import ServiceRpc
from chairside.schemas import shared
from services.identity.providers import HashKey, PasswordHashing, StrengthCheck
from services.identity.usecases import (
    access, audit, claims, factors, family, invitations, passwords, patient_files, patient_search, pay_sessions,
    practices, resets, sessions, settings, signin, staff, sync,
)
from services.identity.usecases.accounts import STAFF


def external_id(value):
    return contract.SyncKey().load({"external_id": value})["external_id"]


def audit_action(value):
    return contract.PatientRead().load({"action": value})["action"]


class IdentityService(ChairsideService):
    name = "identity"
    db = Database("services.identity:migrations")
    sms = ServiceRpc("sms")
    # work that must not lengthen an answer (texting a claim's code), kept by the broker on disk
    myself = ServiceRpc("identity", delivery_mode=PERSISTENT)
    hash_key = HashKey()
    strength = StrengthCheck()
    hashing = PasswordHashing()

    # -- practices and office keys ---------------------------------------------------------

    @rpc
    def create_practice(self, new):
        return self.db.run(practices.create_practice, contract.PracticeCreate().load(new),
                           answer=contract.PracticeKey(), retry_on_race=True)

    @rpc
    def rotate_office_api_key(self, slug):
        return self.db.run(practices.rotate_office_key, slug, answer=contract.PracticeKey())

    # -- portal settings -------------------------------------------------------------------

    @rpc
    def portal(self, slug):
        return self.db.run(settings.portal, slug, answer=contract.Portal(), read_only=True)

    @rpc
    def get_portal_settings(self, practice_id):
        return self.db.run(settings.get, practice_id, answer=contract.PortalSettings(), read_only=True)

    @rpc
    def put_portal_settings(self, practice_id, sent):
        return self.db.run(settings.put, practice_id, contract.PortalSettings().load(sent),
                           answer=contract.PortalSettings())

    @rpc
    def authenticate_office(self, api_key):
        return self.db.run(practices.authenticate_office, api_key, answer=contract.Practice(), read_only=True)

    # -- PMS sync ------------------------------------------------------------------------------

    @rpc
    def upsert_clinic(self, practice_id, key, sent):
        return self.db.run(sync.upsert_clinic, practice_id, external_id(key), contract.ClinicUpsert().load(sent),
                           answer=contract.Clinic(), retry_on_race=True)

    @rpc
    def upsert_patient(self, practice_id, key, sent):
        return self.db.run(sync.upsert_patient, practice_id, external_id(key), contract.PatientUpsert().load(sent),
                           answer=contract.Patient(), retry_on_race=True)

    @rpc
    def get_clinic(self, practice_id, key):
        return self.db.run(sync.clinic, practice_id, external_id(key), answer=contract.Clinic(), read_only=True)

    @rpc
    def read_patient(self, practice_id, key, action):
        """A patient the caller shows, the read audited as `action` by whoever the call acts for."""
        return self.db.run(sync.read_patient, practice_id, external_id(key), audit_action(action),
                           answer=contract.Patient())

    # -- portal access and sign-in ---------------------------------------------------------

    @rpc
    def issue_portal_access(self, practice_id, key):
        return self.db.run(access.issue, practice_id, external_id(key), self.hashing,
                           answer=contract.PortalAccess())

    @rpc
    def invite(self, practice_id, key, sent):
        return contract.Invitation().dump(invitations.invite(
            self.db, self.sms, self.hash_key, practice_id, external_id(key), contract.InvitationRequest().load(sent)))

    @rpc
    def check_invitation(self, sent):
        self.db.run(invitations.check, self.hash_key, contract.InvitationCheck().load(sent), read_only=True)

    # -- claiming access and resetting a password ------------------------------------------

    @rpc
    def start_claim(self, sent):
        return contract.ClaimStarted().dump(claims.start(self.db, self.hash_key, contract.ClaimStart().load(sent),
                                                         self.myself.later))

    @rpc
    def text_claim_code(self, claim_id, practice_id, patient_id):
        """identity's own call, sent by start_claim and never awaited."""
        claims.text_code(self.db, self.sms, self.hash_key, claim_id, practice_id, patient_id)

    @rpc
    def verify_claim(self, claim_id, sent):
        return self.db.run(claims.verify, self.hash_key, claim_id, contract.Code().load(sent),
                           answer=contract.ClaimVerified())

    @rpc
    def complete_claim(self, claim_id, sent):
        return self.db.run(claims.complete, self.hash_key, claim_id, contract.ClaimCredentials().load(sent),
                           self.strength, self.hashing, answer=contract.SessionStarted())

    @rpc
    def start_reset(self, sent):
        return contract.ResetStarted().dump(resets.start(self.db, contract.ResetStart().load(sent), self.myself.later))

    @rpc
    def text_reset_code(self, reset_id, practice_id, patient_id):
        """identity's own call, sent by start_reset and never awaited."""
        resets.text_code(self.db, self.sms, self.hash_key, reset_id, practice_id, patient_id)

    @rpc
    def verify_reset(self, reset_id, sent):
        return self.db.run(resets.verify, self.hash_key, reset_id, contract.Code().load(sent),
                           answer=contract.ResetStep())

    @rpc
    def complete_reset(self, reset_id, sent):
        self.db.run(resets.complete, self.hash_key, reset_id, contract.NewPassword().load(sent), self.strength,
                    self.hashing)

    # -- paying without signing in (the payment portal) -------------------------------------

    @rpc
    def start_pay_session(self, sent):
        return contract.PayStarted().dump(pay_sessions.start(
            self.db, self.hash_key, contract.PayStart().load(sent), self.myself.later))

    @rpc
    def start_pay_session_for_patient(self, sent):
        return contract.PayStarted().dump(pay_sessions.start_for_patient(
            self.db, self.hash_key, contract.PayStartForPatient().load(sent), self.myself.later))

    @rpc
    def text_pay_code(self, session_id, practice_id, patient_id):
        """identity's own call, sent by the starts of pay sessions and never awaited."""
        pay_sessions.text_code(self.db, self.sms, self.hash_key, session_id, practice_id, patient_id)

    @rpc
    def verify_pay_session(self, token, sent):
        return self.db.run(pay_sessions.verify, self.hash_key, token, contract.Code().load(sent),
                           answer=contract.PaySession())

    @rpc
    def pay_session(self, token):
        return self.db.run(pay_sessions.live, self.hash_key, token, answer=contract.PaySession())

    @rpc
    def pay_session_profile(self, token):
        """The payer of a verified pay session and the family they may see (as `me` answers)."""
        return self.db.run(pay_sessions.profile, self.hash_key, token, answer=shared(contract.Profile))

    @rpc
    def end_pay_session(self, token):
        self.db.run(pay_sessions.end, self.hash_key, token)

    @rpc
    def login(self, sent):
        return contract.Challenge().dump(signin.login(self.db, self.sms, self.hashing,
                                                       contract.Login().load(sent)))

    @rpc
    def send_login_code(self, challenge_id):
        signin.send_code(self.db, self.sms, self.hash_key, challenge_id)

    @rpc
    def verify_login(self, challenge_id, sent):
        return self.db.run(signin.verify, self.hash_key, challenge_id, contract.Code().load(sent),
                           answer=contract.SessionStarted())

    # -- the signed-in patient ------------------------------------------------------------------

    @rpc
    def authenticate_session(self, token):
        return self.db.run(sessions.authenticate, self.hash_key, token, answer=shared(contract.SignedIn))

    @rpc
    def logout(self, token):
        self.db.run(sessions.logout, self.hash_key, token)

    @rpc
    def logout_others(self, token):
        self.db.run(sessions.logout_others, self.hash_key, token)

    @rpc
    def change_password(self, token, sent):
        self.db.run(passwords.change, self.hash_key, token, contract.PasswordChange().load(sent), self.strength,
                    self.hashing)

    @rpc
    def start_totp(self, token):
        return self.db.run(factors.start_totp, self.hash_key, token, answer=contract.TotpEnrolment())

    @rpc
    def confirm_totp(self, token, sent):
        self.db.run(factors.confirm_totp, self.hash_key, token, contract.Code().load(sent))

    @rpc
    def new_recovery_codes(self, token):
        return self.db.run(factors.new_recovery_codes, self.hash_key, token, answer=contract.RecoveryCodes())

    @rpc
    def me(self, token):
        return self.db.run(family.profile, self.hash_key, token, answer=shared(contract.Profile))

    @rpc
    def authenticate_with_profile(self, token, reads=None):
        """authenticate_session and me in one unit of work (the portal's home page), with the
        page's reads of each member shown (FamilyReads) audited."""
        return self.db.run(family.signed_in_profile, self.hash_key, token,
                           shared(contract.FamilyReads).load(reads or {"actions": []})["actions"],
                           answer=shared(contract.SignedInProfile))

    @rpc
    def authenticate_with_profile_batch(self, calls):
        """authenticate_with_profile of several pages at once (chairside.batches), answered or
        refused call by call in one unit of work: it writes (audit entries, idle clocks), so
        it is not read-only; each call carries its page's request id."""
        return self.db.run(answered_each, shared(calls_of(contract.ProfileCall)).load(calls)["calls"],
                           family.signed_in_profile, functools.partial(family.ready_profile_call, self.hash_key),
                           answer=shared(answers_of(contract.SignedInProfile)))

    @rpc
    def can_access(self, viewer_id, patient_id):
        """May the signed-in patient `viewer_id` see `patient_id`'s data? (the family rule)"""
        return self.db.run(family.can_access, viewer_id, patient_id, read_only=True)

    # -- audit -----------------------------------------------------------------------------------

    @rpc
    def record_access(self, access_record):
        """The gateway records reads of patient data that other services answered."""
        self.db.run(audit.record_access, shared(contract.AccessRecord).load(access_record))

    @rpc
    def record_accesses(self, access_records):
        """Reads of several patients by one request, in one unit of work (one call, not one per patient)."""
        self.db.run(audit.record_accesses, shared(contract.AccessRecords).load(access_records))

    @rpc
    def list_audit(self, practice_id, key):
        return self.db.run(audit.entries, practice_id, external_id(key), answer=contract.AuditLog(), read_only=True)

    # -- staff and the console -------------------------------------------------------------

    @rpc
    def create_staff(self, practice_id, sent):
        return self.db.run(staff.create, practice_id, console.StaffCreate().load(sent), self.hashing,
                           answer=console.StaffAccess(), retry_on_race=True)

    @rpc
    def create_staff_by_slug(self, slug, sent):
        return self.db.run(staff.create_by_slug, slug, console.StaffCreate().load(sent), self.hashing,
                           answer=console.StaffAccess(), retry_on_race=True)

    @rpc
    def list_staff(self, practice_id):
        return self.db.run(staff.roster, practice_id, answer=console.StaffList(), read_only=True)

    @rpc
    def disable_staff(self, practice_id, staff_id, acting_staff_id):
        return self.db.run(staff.disable, practice_id, staff_id, acting_staff_id, answer=console.Staff())

    @rpc
    def enable_staff(self, practice_id, staff_id):
        return self.db.run(staff.enable, practice_id, staff_id, answer=console.Staff())

    @rpc
    def reset_staff_access(self, practice_id, staff_id, acting_staff_id):
        return self.db.run(staff.reset_access, practice_id, staff_id, acting_staff_id, self.hashing,
                           answer=console.StaffAccess())

    @rpc
    def staff_login(self, sent):
        return contract.Challenge().dump(signin.login(self.db, self.sms, self.hashing,
                                                       console.StaffLogin().load(sent), STAFF))

    @rpc
    def send_staff_login_code(self, challenge_id):
        signin.send_code(self.db, self.sms, self.hash_key, challenge_id, STAFF)

    @rpc
    def verify_staff_login(self, challenge_id, sent):
        return self.db.run(signin.verify, self.hash_key, challenge_id, contract.Code().load(sent), STAFF,
                           answer=contract.SessionStarted())

    @rpc
    def authenticate_staff(self, token, allow_temporary=False):
        return self.db.run(sessions.authenticate_staff, self.hash_key, token, allow_temporary is True,
                           answer=console.StaffSignedIn())

    @rpc
    def staff_logout(self, token):
        self.db.run(sessions.logout, self.hash_key, token, STAFF)

    @rpc
    def change_staff_password(self, token, sent):
        self.db.run(passwords.change, self.hash_key, token, contract.PasswordChange().load(sent), self.strength,
                    self.hashing, STAFF)

    @rpc
    def start_staff_totp(self, token):
        return self.db.run(factors.start_totp, self.hash_key, token, STAFF, answer=contract.TotpEnrolment())

    @rpc
    def confirm_staff_totp(self, token, sent):
        self.db.run(factors.confirm_totp, self.hash_key, token, contract.Code().load(sent), STAFF)

    @rpc
    def new_staff_recovery_codes(self, token):
        return self.db.run(factors.new_recovery_codes, self.hash_key, token, STAFF, answer=contract.RecoveryCodes())

    @rpc
    def search_patients(self, practice_id, sent):
        return self.db.run(patient_search.find, practice_id, console.PatientSearch().load(sent),
                           answer=console.PatientPage())

    @rpc
    def name_patients(self, practice_id, sent):
        return self.db.run(patient_search.named, practice_id, console.PatientIds().load(sent),
                           answer=console.PatientList())

    @rpc
    def patient_file(self, practice_id, key):
        return self.db.run(patient_files.patient_file, practice_id, external_id(key), answer=console.PatientFile())

    @rpc
    def lift_lockout(self, practice_id, key):
        return self.db.run(access.lift_lockout, practice_id, external_id(key), answer=console.PortalAccessState())
