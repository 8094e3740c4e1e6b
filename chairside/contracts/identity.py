"""identity's contract: practices, PMS sync of clinics and patients, portal access, sign-in,
sessions, second factors, the family view and the audit log."""
from datetime import timedelta

from marshmallow import Schema, fields, validate

from chairside.refusals import (
    Conflict, ErrorCode, Forbidden, NotFound, ServiceUnavailable, TooManyRequests, Unauthenticated, Unprocessable,
)
from chairside.schemas import Input, StrictBoolean, Text, country, name, phone, timezone, whole

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


# -- inputs -------------------------------------------------------------------------------

class PracticeCreate(Input):
    slug = fields.String(required=True, validate=validate.Regexp(
        SLUG_PATTERN, error="Must be 1 to 40 lower-case letters, digits or inner hyphens."))
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


class AccessRecord(Input):
    """A read of patient data that another service answered, for the audit log."""
    practice_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    patient_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    action = fields.String(required=True, validate=validate.Regexp(whole(r"[a-z][a-z0-9_]{0,59}")))
    outcome = fields.String(required=True, validate=validate.Regexp(whole(r"[a-z][a-z0-9_]{0,39}")))


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


class AuditEntry(Schema):
    at = fields.AwareDateTime(required=True, attribute="occurred_at")
    actor = fields.String(required=True, metadata={
        "description": "Who acted: office, patient:<id> or anonymous."})
    patient = fields.Pluck(Patient, "external_id", required=True, metadata={
        "description": "The patient's external id."})
    action = fields.String(required=True)
    outcome = fields.String(required=True)
    request_id = fields.String(required=True, allow_none=True)


class AuditLog(Schema):
    entries = fields.List(fields.Nested(AuditEntry), required=True)
