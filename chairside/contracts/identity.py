"""identity's contract: practices, PMS sync of clinics and patients, portal access, sign-in,
sessions, second factors, the family view, portal settings, claiming access, password
resets and the audit log.

RPCs added for the portal pages (issue 7), each loading and dumping the schemas below:
    portal(slug) -> Portal                               the practice as its pages show it
    get_portal_settings(practice_id) -> PortalSettings
    put_portal_settings(practice_id, PortalSettings) -> PortalSettings
    invite(practice_id, external_id, InvitationRequest) -> Invitation   texts a one-time link
    check_invitation(InvitationCheck) -> None            INVITATION_INVALID when it cannot be used
    start_claim(ClaimStart) -> ClaimStarted              the same answer whatever matched
    verify_claim(claim_id, Code) -> ClaimVerified        ALREADY_HAS_ACCESS when the patient has it
    complete_claim(claim_id, ClaimCredentials) -> SessionStarted
    start_reset(ResetStart) -> ResetStarted              the same answer whatever matched
    verify_reset(reset_id, Code) -> ResetStep            the text code, then an authenticator or
                                                         recovery code when the account has one
    complete_reset(reset_id, NewPassword) -> None        every session of the account ends
    logout_others(token) -> None                         every other session of the patient ends

Added for the office API (issue 8):
    read_patient(practice_id, external_id, action) -> Patient   the read audited as `action`
                                                         (PatientRead) in the same unit of work

Added for forms (issue 9):
    record_accesses(AccessRecords) -> None               one audit entry per patient, one call

Added for the payment portal without signing in (issue 11), see "Pay sessions" below:
    start_pay_session(PayStart) -> PayStarted            the same answer whatever matched
    start_pay_session_for_patient(PayStartForPatient) -> PayStarted   a message-to-pay link's patient
    verify_pay_session(token, Code) -> PaySession        the texted code ("verify and pay")
    pay_session(token) -> PaySession                     PAY_SESSION_NOT_VERIFIED, PAY_SESSION_REQUIRED
    pay_session_profile(token) -> Profile                the payer and the family they may see, as `me`
    end_pay_session(token) -> None

Added for the portal's home page, composed (issue 11):
    authenticate_with_profile(token, FamilyReads?) -> SignedInProfile
                                                         authenticate_session and me in one unit of work;
                                                         the page's reads of each member shown (its
                                                         forms, its balance) audited with the profile

Added for pages that wait at the same time (chairside.batches):
    authenticate_with_profile_batch({"calls": [ProfileCall]})
        -> {"answers": [{"answer": SignedInProfile|None, "refused": code|None}]}
                                                         each call as authenticate_with_profile answers
                                                         it, in order, in one unit of work; a refused
                                                         call writes nothing
"""
import re
from datetime import timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chairside.refusals import (
    Conflict, ErrorCode, Forbidden, NotFound, ServiceUnavailable, TooManyRequests, Unauthenticated, Unprocessable,
)
from chairside.schemas import Input, StrictBoolean, Text, WholeNumber, country, name, phone, timezone, whole

TEXT_OK = ("yes", "no", "unknown")
EXTERNAL_ID_PATTERN = whole(r"[A-Za-z0-9._:\-]{1,64}")
SLUG_PATTERN = whole(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
MAX_NAME = 100
MAX_PRACTICE_NAME = 200
MAX_EMAIL = 254
MAX_USERNAME = 40
MAX_PASSWORD = 128  # longer passwords are refused at sign-in cheaply, and never set
MIN_PASSWORD = 12

# What identity promises its callers: its domain applies these, the API documents state them.
SESSION_IDLE_TIMEOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
TEXT_CODE_LIFETIME = timedelta(minutes=10)
MAX_CODE = 40       # a 6-digit code or a recovery code, with some spaces around
INVITATION_LIFETIME = timedelta(days=7)
CLAIM_LIFETIME = timedelta(minutes=30)  # from the first form to choosing credentials

# Portal modules a practice switches on or off, and the age under which a family member
# is a dependent (the practice's setting).
PORTAL_MODULES = ("forms", "payments", "appointments", "messages")
DEFAULT_DEPENDENT_AGE = 16
MIN_DEPENDENT_AGE = 1
MAX_DEPENDENT_AGE = 25
MAX_CLIENT = 64     # a client's network address, as the gateway saw it
MAX_TOKEN = 128     # an invitation token, a session token (43 characters: credentials.new_session_token)
# An audit entry's request id: the gateway's (services/gateway/http.py REQUEST_ID: the caller's
# X-Request-Id of 1 to 64 characters, else a new uuid4 hex), stored in a column of this length.
MAX_REQUEST_ID = 64
MAX_URL = 300
MAX_RECORDED_READS = 100   # patients of one request's reads (a page of submissions is at most 100)
MAX_READ_KINDS = 10   # kinds of read one request records at once (the home page: forms and balance)
# What the portal reads of a patient, as the audit log names it (audit_action).
FORMS_READ = "forms_read"
BALANCE_READ = "balance_read"

# How the payment portal (/p/{slug}/pay) verifies a payer who does not sign in (the
# practice's setting): their name and birth date, or those and a code texted to the phone on file.
PAY_BY_BIRTHDATE = "birthdate"
PAY_BY_BIRTHDATE_AND_CODE = "birthdate_and_code"
PAY_VERIFICATIONS = (PAY_BY_BIRTHDATE, PAY_BY_BIRTHDATE_AND_CODE)
DEFAULT_PAY_VERIFICATION = PAY_BY_BIRTHDATE
# A pay session lets its holder pay and nothing else; it ends after this long without a
# request, and this long after it started however active it is.
PAY_SESSION_IDLE_TIMEOUT = timedelta(minutes=15)
PAY_SESSION_LIFETIME = timedelta(minutes=60)
PAY_CODE_PURPOSE = "pay_code"  # what sms files a pay session's code under: a patient's code, a secret

# -- error codes --------------------------------------------------------------------------

PRACTICE_EXISTS = ErrorCode("PRACTICE_EXISTS", Conflict, "A practice with this slug exists already.")
PRACTICE_NOT_FOUND = ErrorCode("PRACTICE_NOT_FOUND", NotFound, "There is no practice with this slug.")
INVALID_API_KEY = ErrorCode("UNAUTHENTICATED", Unauthenticated,
                            "Send the practice's office API key as `Authorization: Bearer <key>`.")
CLINIC_NOT_FOUND = ErrorCode("CLINIC_NOT_FOUND", NotFound, "There is no clinic with this id in this practice.")
PATIENT_NOT_FOUND = ErrorCode("PATIENT_NOT_FOUND", NotFound, "There is no patient with this id in this practice.")
NO_FREE_USERNAME = ErrorCode("NO_FREE_USERNAME", ServiceUnavailable, "No free username could be found; try again.")
INVALID_CREDENTIALS = ErrorCode("INVALID_CREDENTIALS", Unauthenticated, "The username or password is not right.")
TOO_MANY_ATTEMPTS = ErrorCode("TOO_MANY_ATTEMPTS", TooManyRequests,
                              "Too many failed attempts: try again in {minutes} minutes.")
CHALLENGE_EXPIRED = ErrorCode("CHALLENGE_EXPIRED", Unauthenticated,
                              "This sign-in has expired or is finished: sign in again.")
NO_MOBILE_PHONE = ErrorCode("NO_MOBILE_PHONE", Forbidden, "There is no mobile phone on file to text a code to.")
TOO_MANY_CODES = ErrorCode("TOO_MANY_CODES", TooManyRequests,
                           "Too many codes were sent to this phone: try again later.")
INVALID_CODE = ErrorCode("INVALID_CODE", Unauthenticated, "The code is not right or has expired.")
SIGN_IN_REQUIRED = ErrorCode("SIGN_IN_REQUIRED", Unauthenticated, "Sign in to continue.")
PASSWORD_CHANGE_REQUIRED = ErrorCode("PASSWORD_CHANGE_REQUIRED", Forbidden, "Change the temporary password first.")
WRONG_PASSWORD = ErrorCode("WRONG_PASSWORD", Unauthenticated, "The current password is not right.")
WEAK_PASSWORD = ErrorCode("WEAK_PASSWORD", Unprocessable, "Choose a stronger password; see the fields.")
MODULE_DISABLED = ErrorCode("MODULE_DISABLED", Forbidden, "The practice has switched this part of the portal off.")
TOO_MANY_CLAIMS = ErrorCode("TOO_MANY_CLAIMS", TooManyRequests,
                            "Too many attempts from this network: try again in {minutes} minutes.")
CLAIM_EXPIRED = ErrorCode("CLAIM_EXPIRED", Unauthenticated,
                          "This request has expired or is finished: start again.")
ALREADY_HAS_ACCESS = ErrorCode("ALREADY_HAS_ACCESS", Conflict,
                               "You already have portal access: sign in, or use \u201cForgot password\u201d.")
USERNAME_TAKEN = ErrorCode("USERNAME_TAKEN", Conflict, "This username is taken: choose another.")
INVITATION_INVALID = ErrorCode("INVITATION_INVALID", NotFound,
                               "This invitation link has expired or was used already: ask the practice for a new "
                               "one, or use \u201cFirst time here?\u201d.")
PATIENT_NOT_TEXTABLE = ErrorCode("PATIENT_NOT_TEXTABLE", Conflict,
                                 "The patient has no mobile phone that can receive texts.")
DEPENDENT_NEEDS_OFFICE = ErrorCode("DEPENDENT_NEEDS_OFFICE", Conflict,
                                   "A dependent gets portal access only from the office; their guarantor sees them.")
PAY_SESSION_REQUIRED = ErrorCode("PAY_SESSION_REQUIRED", Unauthenticated,
                                 "Enter your details to pay: this payment session has ended or never began.")
PAY_SESSION_NOT_VERIFIED = ErrorCode("PAY_SESSION_NOT_VERIFIED", Unauthenticated,
                                     "We could not verify you: check your name, birth date and code, and try again.")


# -- inputs -------------------------------------------------------------------------------

def _not_an_api_version(slug):
    # The console lives at /office/<slug>/ beside the office API's /office/v1/.
    if re.fullmatch(r"v[0-9]+", slug):
        raise ValidationError("Names like v1 are kept for the office API's versions.")


class PracticeCreate(Input):
    slug = fields.String(required=True, validate=[validate.Regexp(
        SLUG_PATTERN, error="Must be 1 to 40 lower-case letters, digits or inner hyphens."), _not_an_api_version])
    name = name(MAX_PRACTICE_NAME, required=True)
    timezone = timezone(load_default="America/New_York")


class ClinicUpsert(Input):
    name = name(MAX_PRACTICE_NAME, required=True)
    phone = phone(load_default=None, allow_none=True)
    country = country(load_default="US")
    timezone = timezone(load_default=None, allow_none=True,
                        metadata={"description": "IANA time zone; the practice's when left out."})


def external_id(**kwargs):
    return fields.String(validate=validate.Regexp(
        EXTERNAL_ID_PATTERN, error="Must be 1 to 64 letters, digits or . _ : -"), **kwargs)


class SyncKey(Input):
    external_id = external_id(required=True)


class PatientUpsert(Input):
    first_name = name(MAX_NAME, required=True)
    last_name = name(MAX_NAME, required=True)
    birthdate = fields.Date(required=True, metadata={"description": "Not in the future, not before 1900."})
    mobile_phone = phone(load_default=None, allow_none=True)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=MAX_EMAIL))
    clinic = external_id(load_default=None, allow_none=True,
                         metadata={"description": "The external id of a clinic synced before."})
    guarantor = external_id(load_default=None, allow_none=True,
                            metadata={"description": "The external id of a patient synced before, or this one's."})
    dependent = StrictBoolean(load_default=False)
    text_ok = fields.String(load_default="unknown", validate=validate.OneOf(TEXT_OK))


class Login(Input):
    practice = fields.String(required=True, validate=validate.Regexp(SLUG_PATTERN), metadata={
        "description": "The practice's slug, as in its portal address."})
    username = Text(required=True, validate=validate.Length(min=1, max=MAX_USERNAME))
    password = Text(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))


class Code(Input):
    code = Text(required=True, validate=validate.Length(min=1, max=MAX_CODE), metadata={
        "description": "A 6-digit text or authenticator code, or a recovery code."})


class PasswordChange(Input):
    current_password = Text(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))
    new_password = Text(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))


class PortalModules(Input):
    forms = StrictBoolean(required=True)
    payments = StrictBoolean(required=True)
    appointments = StrictBoolean(required=True)
    messages = StrictBoolean(required=True)


def pay_verification(**kwargs):
    return fields.String(validate=validate.OneOf(PAY_VERIFICATIONS), metadata={
        "description": "How the payment portal verifies a payer who does not sign in: `birthdate` (name and birth "
                       "date), or `birthdate_and_code` (and a code texted to the phone on file)."}, **kwargs)


class PortalSettings(Input):
    """Loaded from the office and dumped back: what the practice's patients get."""
    modules = fields.Nested(PortalModules, required=True, metadata={
        "description": "A module that is off is absent from every page; its API routes answer 403 MODULE_DISABLED."})
    dependent_age = WholeNumber(load_default=DEFAULT_DEPENDENT_AGE, validate=validate.Range(
        MIN_DEPENDENT_AGE, MAX_DEPENDENT_AGE), metadata={
        "description": "Family members under this age are dependents: their guarantor sees them."})
    pay_verification = pay_verification(load_default=DEFAULT_PAY_VERIFICATION)


def username(**kwargs):
    # ASCII letters and digits only: the pattern already keeps out what Text refuses.
    return fields.String(validate=[validate.Length(min=3, max=MAX_USERNAME), validate.Regexp(
        whole(r"[A-Za-z0-9][A-Za-z0-9._-]*"), error="Letters, digits and . _ - only, starting with a letter or digit.")],
        **kwargs)


def client(**kwargs):
    return Text(validate=validate.Length(min=1, max=MAX_CLIENT), metadata={
        "description": "The network address the request came from, for the limit on attempts."}, **kwargs)


class ClaimStart(Input):
    """First time here: the patient's name and birth date, or an invitation and the birth date."""
    practice = fields.String(required=True, validate=validate.Regexp(SLUG_PATTERN))
    first_name = name(MAX_NAME, load_default=None, allow_none=True)
    last_name = name(MAX_NAME, load_default=None, allow_none=True)
    birthdate = fields.Date(required=True)
    invitation = Text(load_default=None, allow_none=True, validate=validate.Length(min=1, max=MAX_TOKEN), metadata={
        "description": "The token of an invitation link, instead of the names."})
    client = client(required=True)

    @validates_schema
    def _names_or_invitation(self, data, **kwargs):
        if data.get("invitation") is None and not (data.get("first_name") and data.get("last_name")):
            raise ValidationError("Give the first and last name, or an invitation.", "first_name")


class ClaimStarted(Schema):
    claim_id = fields.String(required=True, metadata={
        "description": "The same answer whether or not the details matched; a code was texted if they did."})


class ClaimVerified(Schema):
    username = fields.String(required=True, metadata={"description": "A free username to suggest."})


class ClaimCredentials(Input):
    username = username(required=True)
    password = Text(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))


class ResetStart(Input):
    practice = fields.String(required=True, validate=validate.Regexp(SLUG_PATTERN))
    username = Text(required=True, validate=validate.Length(min=1, max=MAX_USERNAME))
    birthdate = fields.Date(required=True)
    client = client(required=True)


class ResetStarted(Schema):
    reset_id = fields.String(required=True, metadata={
        "description": "The same answer whether or not the details matched; a code was texted if they did."})


RESET_NEXT = ("authenticator", "new_password")


class ResetStep(Schema):
    next = fields.String(required=True, validate=validate.OneOf(RESET_NEXT), metadata={
        "description": "authenticator: the account has one, so an authenticator or recovery code comes next."})


class NewPassword(Input):
    new_password = Text(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))


class InvitationRequest(Input):
    portal_url = fields.Url(required=True, validate=validate.Length(max=MAX_URL), metadata={
        "description": "The practice's portal address; the link is this plus invite/<token>."})


class InvitationCheck(Input):
    practice = fields.String(required=True, validate=validate.Regexp(SLUG_PATTERN))
    invitation = Text(required=True, validate=validate.Length(min=1, max=MAX_TOKEN))


def audit_action(**kwargs):
    """What was done, as the audit log names it: patient_read, balance_read..."""
    return fields.String(validate=validate.Regexp(whole(r"[a-z][a-z0-9_]{0,59}")), **kwargs)


class AccessRecord(Input):
    """A read of patient data that another service answered, for the audit log."""
    practice_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    patient_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    action = audit_action(required=True)
    outcome = fields.String(required=True, validate=validate.Regexp(whole(r"[a-z][a-z0-9_]{0,39}")))


class AccessRecords(Input):
    """Reads of several patients' data by one request (a page of submitted forms, a family's
    forms), for the audit log in one call: an entry per patient, as AccessRecord's."""
    practice_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    patient_ids = fields.List(fields.String(validate=validate.Length(min=1, max=36)), required=True,
                              validate=validate.Length(min=1, max=MAX_RECORDED_READS))
    action = audit_action(required=True)
    outcome = fields.String(required=True, validate=validate.Regexp(whole(r"[a-z][a-z0-9_]{0,39}")))


class FamilyReads(Input):
    """What a page reads of every member of the family it shows (the home page: their forms,
    their balance), as audit actions: identity records them with the profile, in the call
    that checks the session, before the page asks the other services (authenticate_with_profile)."""
    actions = fields.List(audit_action(), required=True, validate=validate.Length(max=MAX_READ_KINDS))


class ProfileCall(Input):
    """One page's authenticate_with_profile in a batch (authenticate_with_profile_batch): its
    arguments, and the request id its audit entries carry (the batch RPC's headers carry only
    the first page's).

    A call out of this contract (a forged cookie longer than MAX_TOKEN, or with NUL) refuses
    the whole batch: the gateway then asks each call alone (chairside.batches), where
    authenticate_with_profile refuses that token as SIGN_IN_REQUIRED like any unknown one."""
    token = Text(required=True, validate=validate.Length(max=MAX_TOKEN), metadata={
        "description": "The page's session token."})
    reads = fields.Nested(FamilyReads, required=True)
    request_id = Text(required=True, allow_none=True, validate=validate.Length(min=1, max=MAX_REQUEST_ID))


class PatientRead(Input):
    """read_patient's audit action: the read of the patient that the caller shows."""
    action = audit_action(required=True)


# -- answers ------------------------------------------------------------------------------

class Practice(Schema):
    id = fields.String(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    timezone = fields.String(required=True)


class PracticeKey(Schema):
    practice = fields.Nested(Practice, required=True)
    api_key = fields.String(required=True, metadata={"description": "Shown this once; store it in the connector."})


class Clinic(Schema):
    id = fields.String(required=True)
    external_id = fields.String(required=True)
    name = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True)
    country = fields.String(required=True)
    timezone = fields.String(required=True)
    version = fields.Integer(required=True)


class Patient(Schema):
    id = fields.String(required=True)
    external_id = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    birthdate = fields.Date(required=True)
    mobile_phone = fields.String(required=True, allow_none=True)
    email = fields.String(required=True, allow_none=True)
    clinic = fields.Pluck(Clinic, "external_id", required=True, allow_none=True,
                          metadata={"description": "The clinic's external id."})
    guarantor = fields.Pluck(lambda: Patient, "external_id", required=True, allow_none=True,
                             metadata={"description": "The guarantor's external id."})
    dependent = fields.Boolean(required=True)
    text_ok = fields.String(required=True, validate=validate.OneOf(TEXT_OK))
    version = fields.Integer(required=True)


class PortalAccess(Schema):
    username = fields.String(required=True)
    temporary_password = fields.String(required=True, metadata={"description": "Must be changed at first sign-in."})


class Challenge(Schema):
    challenge_id = fields.String(required=True)
    methods = fields.List(fields.String(validate=validate.OneOf(("sms", "totp"))), required=True, metadata={
        "description": "The second factors on offer; recovery codes always work."})


class SessionStarted(Schema):
    token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)
    password_change_required = fields.Boolean(required=True)


class SignedIn(Schema):
    patient_id = fields.String(required=True)
    practice_id = fields.String(required=True)
    modules = fields.List(fields.String(validate=validate.OneOf(PORTAL_MODULES)), required=True, metadata={
        "description": "The portal modules the practice has switched on."})


class Portal(Schema):
    """A practice as its portal pages show it."""
    practice = fields.Nested(Practice, required=True)
    modules = fields.List(fields.String(validate=validate.OneOf(PORTAL_MODULES)), required=True)
    dependent_age = fields.Integer(required=True)
    pay_verification = pay_verification(required=True)


class Invitation(Schema):
    expires_at = fields.AwareDateTime(required=True, metadata={"description": "The link works once, until then."})


class TotpEnrolment(Schema):
    secret = fields.String(required=True)
    otpauth_uri = fields.String(required=True)


class RecoveryCodes(Schema):
    codes = fields.List(fields.String(), required=True, metadata={"description": "Shown once; each works once."})


class _Person(Schema):
    """Dumped from a view whose `patient` is the record."""
    id = fields.String(required=True, attribute="patient.id")
    first_name = fields.String(required=True, attribute="patient.first_name")
    last_name = fields.String(required=True, attribute="patient.last_name")
    birthdate = fields.Date(required=True, attribute="patient.birthdate")


class FamilyMember(_Person):
    dependent = fields.Boolean(required=True, metadata={
        "description": "Under the practice's dependent age, or marked dependent by the office."})


class Profile(_Person):
    family = fields.List(fields.Nested(FamilyMember), required=True, metadata={
        "description": "The family members this patient may see: their dependents."})


class SignedInProfile(Schema):
    """authenticate_session's answer and me's in one: a page that shows the family asks once."""
    signed_in = fields.Nested(SignedIn, required=True)
    profile = fields.Nested(Profile, required=True)


class AuditEntry(Schema):
    at = fields.AwareDateTime(required=True, attribute="occurred_at")
    actor = fields.String(required=True, metadata={
        "description": "Who acted: office, patient:<id>, staff:<id> or anonymous."})
    patient = fields.Pluck(Patient, "external_id", required=True, metadata={
        "description": "The patient's external id."})
    action = fields.String(required=True)
    outcome = fields.String(required=True)
    request_id = fields.String(required=True, allow_none=True)


class AuditLog(Schema):
    entries = fields.List(fields.Nested(AuditEntry), required=True)


# -- pay sessions: paying without signing in (the payment portal) ------------------------------
#
# A payer proves who they are with their name and birth date (or, from a message-to-pay link
# that billing resolved to a patient, the birth date alone), plus a texted code when the
# practice's `pay_verification` is `birthdate_and_code`. Every start answers a token, whatever
# matched: a session that matched no payer (no one, several people, a dependent, a wrong
# birth date) is a decoy that never verifies. The token is a pay session only, never a
# portal session: it reads nothing but `pay_session`.

class PayStart(Input):
    """The payment portal's form: the payer's names and birth date."""
    practice = fields.String(required=True, validate=validate.Regexp(SLUG_PATTERN))
    first_name = name(MAX_NAME, required=True)
    last_name = name(MAX_NAME, required=True)
    birthdate = fields.Date(required=True)
    client = client(required=True)


class PayStartForPatient(Input):
    """A message-to-pay link: billing resolved its token to the patient; the birth date is asked."""
    practice = fields.String(required=True, validate=validate.Regexp(SLUG_PATTERN))
    patient_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    birthdate = fields.Date(required=True)
    client = client(required=True)


class PayStarted(Schema):
    token = fields.String(required=True, metadata={
        "description": "The pay session's secret, whatever matched: keep it in a cookie scoped to the payment "
                       "portal. Shown this once."})
    code_required = fields.Boolean(required=True, metadata={
        "description": "The practice asks for a texted code next (`verify_pay_session`); the same answer whether "
                       "or not a code went out."})


class PaySession(Schema):
    """A verified pay session: who pays, at which practice, until when if left idle."""
    practice_id = fields.String(required=True)
    patient_id = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)
