"""identity's contract for the office console's people: staff accounts, their roles and
what each role may do, their sign-in with two factors, and what the console reads of a
patient. identity owns all of it; the gateway's console pages call these RPCs and check
`StaffSignedIn.permissions` (computed by identity's one role table) on every page and action.

RPCs of identity, each loading and dumping the schemas below:
    create_staff(practice_id, StaffCreate) -> StaffAccess       temporary password shown once
    create_staff_by_slug(slug, StaffCreate) -> StaffAccess      the operator's first admin (scripts.admin)
    list_staff(practice_id) -> StaffList
    disable_staff(practice_id, staff_id, acting_staff_id) -> Staff     every session ends at once
    enable_staff(practice_id, staff_id) -> Staff
    reset_staff_access(practice_id, staff_id, acting_staff_id) -> StaffAccess
        a new temporary password; authenticator and recovery codes removed, lockout lifted,
        every session ended
    staff_login(StaffLogin) -> identity.Challenge
    send_staff_login_code(challenge_id) -> None                 texted to the staff member's own phone
    verify_staff_login(challenge_id, identity.Code) -> identity.SessionStarted
    authenticate_staff(token, allow_temporary=False) -> StaffSignedIn   restarts the idle clock
    staff_logout(token) -> None
    change_staff_password(token, identity.PasswordChange) -> None
    start_staff_totp(token) -> identity.TotpEnrolment
    confirm_staff_totp(token, identity.Code) -> None
    new_staff_recovery_codes(token) -> identity.RecoveryCodes
    search_patients(practice_id, PatientSearch) -> PatientPage
    name_patients(practice_id, PatientIds) -> PatientList      by Chairside's ids (another service's
        list: billing's payers), each audited as "patient_listed"; an id not of the practice is left out
    patient_file(practice_id, external_id) -> PatientFile       audited as "patient_read"
    lift_lockout(practice_id, external_id) -> PortalAccessState audited as "lockout_lifted"

Who acts travels in the request's context (chairside.context.staff_actor): every audit row
written for a console request names the staff user.
"""
from marshmallow import Schema, fields, validate

from chairside.contracts.identity import (
    MAX_PASSWORD, MAX_USERNAME, SLUG_PATTERN, FamilyMember, Patient, username,
)
from chairside.refusals import Conflict, ErrorCode, Forbidden, NotFound
from chairside.schemas import Input, Text, WholeNumber, name, phone

# -- roles and permissions ----------------------------------------------------------------
# The names are the contract; which role has which permission is identity's domain
# (services/identity/domain/roles.py), the one table every check reads.
ADMIN, FRONT_DESK, BILLING = "admin", "front_desk", "billing"
ROLES = (ADMIN, FRONT_DESK, BILLING)
ROLE_NAMES = {ADMIN: "Administrator", FRONT_DESK: "Front desk", BILLING: "Billing"}

VIEW_PATIENTS = "patients.view"                  # search, a patient's page
VIEW_PATIENT_AUDIT = "patients.audit"            # a patient's audit entries
MANAGE_PORTAL_ACCESS = "portal_access.manage"    # temporary passwords, invitations, lockouts
VIEW_PORTAL_LINK = "portal_link.view"            # the portal address and its QR code
MANAGE_PORTAL_SETTINGS = "portal_settings.manage"  # portal modules, dependent age
MANAGE_TEXTING_SETUP = "texting_setup.manage"    # texting per clinic, the default texting clinic, the monthly
#                                                  spend limit, opt-in preferences
MANAGE_STAFF = "staff.manage"
MANAGE_API_KEY = "api_key.manage"
HANDLE_FORMS = "forms.handle"                    # submitted forms, their printable view, acknowledging them
MANAGE_FORMS = "forms.manage"                    # form templates and required-form rules
VIEW_TEXTING_USAGE = "texting_usage.view"        # texts sent and received per clinic and month, their charges
CONVERSE_BY_TEXT = "texting.converse"            # the texting inbox: patients' texts, replies, texting a patient
VIEW_PAYMENTS = "payments.view"                  # the transactions of a day and their total
MANAGE_PAYMENTS = "payments.manage"              # posting a pending payment, refunding one
SEND_PAYMENT_REQUESTS = "payment_requests.send"  # message-to-pay: sending, listing and cancelling requests
MANAGE_PAYMENT_SETTINGS = "payment_settings.manage"  # online payments, posting, minimum, processor, links
PERMISSIONS = (VIEW_PATIENTS, VIEW_PATIENT_AUDIT, MANAGE_PORTAL_ACCESS, VIEW_PORTAL_LINK, MANAGE_PORTAL_SETTINGS,
               MANAGE_TEXTING_SETUP, MANAGE_STAFF, MANAGE_API_KEY, HANDLE_FORMS, MANAGE_FORMS, VIEW_TEXTING_USAGE,
               CONVERSE_BY_TEXT, VIEW_PAYMENTS, MANAGE_PAYMENTS, SEND_PAYMENT_REQUESTS, MANAGE_PAYMENT_SETTINGS)

MAX_SEARCH = 100
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000
SEARCH_HELP = ("A name (any part, accents and case ignored), a birth date (YYYY-MM-DD or MM/DD/YYYY), a phone number "
               "or a PMS id; blank lists everyone.")
DEFAULT_PAGE_SIZE = 25

# -- error codes --------------------------------------------------------------------------

PERMISSION_DENIED = ErrorCode("PERMISSION_DENIED", Forbidden, "Your role does not allow this.")
STAFF_NOT_FOUND = ErrorCode("STAFF_NOT_FOUND", NotFound, "There is no staff user with this id in this practice.")
NOT_YOURSELF = ErrorCode("NOT_YOURSELF", Conflict,
                         "You cannot do this to your own account: ask another administrator.")
LAST_ADMIN = ErrorCode("LAST_ADMIN", Conflict,
                       "This is the practice's last active administrator: enable or create another first.")
NO_PORTAL_ACCESS = ErrorCode("NO_PORTAL_ACCESS", Conflict,
                             "This patient has no portal access yet: issue it, or send an invitation.")


# -- inputs -------------------------------------------------------------------------------

class StaffCreate(Input):
    username = username(required=True)
    name = name(100, required=True, metadata={"description": "The person's name, as colleagues know it."})
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    mobile_phone = phone(required=True, metadata={
        "description": "The staff member's own mobile phone: sign-in codes are texted to it."})


class StaffLogin(Input):
    practice = fields.String(required=True, validate=validate.Regexp(SLUG_PATTERN))
    username = Text(required=True, validate=validate.Length(min=1, max=MAX_USERNAME))
    password = Text(required=True, validate=validate.Length(min=1, max=MAX_PASSWORD))


class PatientSearch(Input):
    q = Text(load_default="", validate=validate.Length(max=MAX_SEARCH), metadata={"description": SEARCH_HELP})
    page = WholeNumber(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = WholeNumber(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class PatientIds(Input):
    ids = fields.List(fields.String(validate=validate.Length(min=1, max=36)), required=True,
                      validate=validate.Length(max=MAX_PAGE_SIZE))


# -- answers ------------------------------------------------------------------------------

class Staff(Schema):
    id = fields.String(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    mobile_phone = fields.String(required=True)
    active = fields.Boolean(required=True, metadata={"description": "False once an administrator disabled it."})
    has_authenticator = fields.Boolean(required=True)
    locked_until = fields.AwareDateTime(required=True, allow_none=True)
    last_sign_in_at = fields.AwareDateTime(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class StaffList(Schema):
    staff = fields.List(fields.Nested(Staff), required=True)


class StaffAccess(Schema):
    staff = fields.Nested(Staff, required=True)
    temporary_password = fields.String(required=True, metadata={
        "description": "Shown this once; must be changed at the first sign-in."})


class StaffSignedIn(Schema):
    staff_id = fields.String(required=True)
    practice_id = fields.String(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    permissions = fields.List(fields.String(validate=validate.OneOf(PERMISSIONS)), required=True)


class PatientSummary(Schema):
    id = fields.String(required=True)
    external_id = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    birthdate = fields.Date(required=True)
    mobile_phone = fields.String(required=True, allow_none=True)


class PatientPage(Schema):
    patients = fields.List(fields.Nested(PatientSummary), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "How many patients match, on every page."})


class PatientList(Schema):
    patients = fields.List(fields.Nested(PatientSummary), required=True)


class PortalAccessState(Schema):
    has_access = fields.Boolean(required=True)
    username = fields.String(required=True, allow_none=True)
    password_is_temporary = fields.Boolean(required=True)
    has_authenticator = fields.Boolean(required=True)
    locked_until = fields.AwareDateTime(required=True, allow_none=True, metadata={
        "description": "Set while a lockout lasts; null otherwise."})
    last_sign_in_at = fields.AwareDateTime(required=True, allow_none=True)


class PatientFile(Schema):
    """A patient as the console shows them: what the PMS synced, the family as the
    patient's portal shows it, and their portal access."""
    patient = fields.Nested(Patient, required=True)
    family = fields.List(fields.Nested(FamilyMember), required=True, metadata={
        "description": "Whom this patient sees in the portal: their dependents."})
    guarantor_name = fields.String(required=True, allow_none=True)
    portal_access = fields.Nested(PortalAccessState, required=True)
