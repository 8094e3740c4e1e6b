"""The gateway's edge schemas: the bodies and answers of routes whose shape the gateway
composes itself (the others are the services' contracts, chairside.contracts)."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chairside.contracts import forms, identity, payments, sms, staff
from chairside.contracts.identity import external_id
from chairside.refusals import RULE_BROKEN
from chairside.schemas import Input, Text, free_text, idempotency_key_rule, name

SERVICE_STATES = ("ok", "unavailable")


class Health(Schema):
    status = fields.String(required=True, validate=validate.OneOf(SERVICE_STATES))
    services = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(SERVICE_STATES)),
                           required=True)


class CodeSent(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("sent",)))


class ChallengePath(Input):
    challenge_id = fields.String(required=True, metadata={"description": "From the answer of POST /api/v1/login."})


class PatientSearchQuery(Input):
    """The patients' search as a query string: numbers arrive as text here."""
    q = Text(load_default="", validate=validate.Length(max=staff.MAX_SEARCH), metadata={
        "description": staff.SEARCH_HELP})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=staff.MAX_PAGE))
    per_page = fields.Integer(load_default=staff.DEFAULT_PAGE_SIZE, validate=validate.Range(
        min=1, max=staff.MAX_PAGE_SIZE))


class AuditQuery(Input):
    patient = external_id(required=True, metadata={"description": "The patient's external id."})


class ClinicTextingState(Schema):
    """A clinic's texting settings, the clinic named by its external id (dumped from sms's answer)."""
    clinic = fields.String(required=True, attribute="external_id")
    subscribed = fields.Boolean(required=True)
    number = fields.String(required=True, allow_none=True)


class DefaultClinic(Input):
    default_clinic = external_id(required=True, allow_none=True, metadata={
        "description": "The external id of the clinic that texts patients whose own clinic does not; null for none."})


# An office's Idempotency-Key is kept under this prefix, so that it never meets a key sms or
# another service chose for its own texts (such as an opt-in text's).
OFFICE_KEY_PREFIX = "office:"


class IdempotencyHeader(Input):
    idempotency_key = fields.String(data_key="Idempotency-Key", validate=idempotency_key_rule(
        sms.MAX_IDEMPOTENCY_KEY - len(OFFICE_KEY_PREFIX)), metadata={
        "description": "Optional. The same key again answers the first text as it stands and never texts twice "
                       "(a retry after a timeout is safe)."})


# A patient's Idempotency-Key for a payment is kept as "patient:<their id>:<key>": two
# patients (or the office, OFFICE_KEY_PREFIX) choosing the same key never meet.
PATIENT_KEY_PREFIX = "patient:"
PATIENT_ID_LENGTH = 36   # a patient id is a UUID
PATIENT_KEY_ROOM = payments.MAX_IDEMPOTENCY_KEY - len(PATIENT_KEY_PREFIX) - PATIENT_ID_LENGTH - 1
OFFICE_KEY_ROOM = payments.MAX_IDEMPOTENCY_KEY - len(OFFICE_KEY_PREFIX)


def patient_key(patient_id, key):
    return f"{PATIENT_KEY_PREFIX}{patient_id}:{key}"


class PaymentKeyHeader(Input):
    idempotency_key = fields.String(data_key="Idempotency-Key", required=True, validate=idempotency_key_rule(
        PATIENT_KEY_ROOM), metadata={
        "description": "Required: a new key (a UUID) for each payment. The same key again answers the first "
                       "payment as it stands and never charges twice (a retry after a timeout is safe); the same "
                       "key with another body is refused."})


class RefundKeyHeader(Input):
    idempotency_key = fields.String(data_key="Idempotency-Key", required=True, validate=idempotency_key_rule(
        OFFICE_KEY_ROOM), metadata={
        "description": "Required: a new key for each refund. The same key again answers the first refund as it "
                       "stands and never gives money back twice; the same key with another body is refused."})


class OfficeText(Input):
    patient = external_id(required=True, metadata={"description": "The patient's external id."})
    body = free_text(sms.MAX_BODY, required=True)


class OfficeSentText(Schema):
    """A text sent (or being sent) from the office, as sms answered it."""
    id = fields.String(required=True, attribute="message_id")
    to = fields.String(required=True)
    from_ = fields.String(required=True, attribute="from", data_key="from")
    encoding = fields.String(required=True, validate=validate.OneOf(sms.ENCODINGS))
    segments = fields.Integer(required=True, metadata={"description": "The segments carriers bill it as."})
    charge_usd = fields.String(required=True, metadata={"description": "Its charge, exact USD (\"0.0158\")."})
    status = fields.String(required=True, metadata={
        "description": "sending, sent or failed; then what the carrier's receipts report."})


class ClinicOptIn(Schema):
    """A clinic's opt-in preferences, the clinic named by its external id (dumped from sms's answer)."""
    clinic = fields.String(required=True, attribute="external_id")
    opt_in_title = fields.String(required=True, allow_none=True)
    prompt_opt_in = fields.Boolean(required=True)


class ClinicTextingEntry(ClinicTextingState, ClinicOptIn):
    """A clinic in the texting overview: its name, texting settings and opt-in preferences."""
    name = fields.String(required=True)


class TextingOverview(Schema):
    default_clinic = fields.Pluck(ClinicTextingState, "clinic", required=True, allow_none=True, metadata={
        "description": "The external id of the clinic that texts patients whose own clinic does not."})
    clinics = fields.List(fields.Nested(ClinicTextingEntry), required=True)


class PortalLink(Schema):
    url = fields.Url(required=True, metadata={"description": "The practice's portal: put it on the website."})
    qr_png_url = fields.Url(required=True, metadata={"description": "The portal address as a QR code (PNG)."})


class ClaimRequest(identity.ClaimStart):
    """First time here, by name: the gateway adds the client's address."""
    first_name = name(identity.MAX_NAME, required=True)
    last_name = name(identity.MAX_NAME, required=True)

    class Meta:
        exclude = ("client", "invitation")


class InvitationClaimRequest(identity.ClaimStart):
    """First time here, from an invitation link: its token and the birth date."""
    invitation = Text(required=True, validate=validate.Length(min=1, max=identity.MAX_TOKEN), metadata={
        "description": "The last part of the invitation link: /p/{slug}/invite/{token}."})

    class Meta:
        exclude = ("client", "first_name", "last_name")


class ResetRequest(identity.ResetStart):
    class Meta:
        exclude = ("client",)


class ClaimPath(Input):
    claim_id = fields.String(required=True, validate=validate.Length(min=1, max=36), metadata={
        "description": "From the answer of POST /api/v1/claims."})


class ResetPath(Input):
    reset_id = fields.String(required=True, validate=validate.Length(min=1, max=36), metadata={
        "description": "From the answer of POST /api/v1/password-resets."})


class FamilyMemberPath(Input):
    patient_id = fields.String(required=True, validate=validate.Length(min=1, max=36), metadata={
        "description": "The id of the patient or of a family member, as GET /api/v1/me lists them."})


class FormRuleRequest(forms.FormRuleBody):
    """forms' rule as the office API takes it. The OpenAPI document cannot say that max_age
    must not be below min_age (JSON Schema compares no two fields), so ages out of order fit
    the document: they break a rule, 422 RULE_BROKEN as the document promises for what it
    cannot state, never a 400. forms is not asked."""

    @validates_schema
    def ages_in_order(self, data, **kwargs):
        try:
            super().ages_in_order(data, **kwargs)
        except ValidationError as refused:
            raise RULE_BROKEN(fields=refused.normalized_messages()) from None


_LIMIT = forms.SubmissionQuery._declared_fields["limit"]


class SubmissionQueryString(forms.SubmissionQuery):
    """forms' query of submissions as a query string: the limit arrives as text here, with
    forms' own default and range."""
    limit = fields.Integer(load_default=_LIMIT.load_default, validate=_LIMIT.validators)


class OfficeSubmission(forms.Submission):
    """A submission as the office API hands it to the PMS: forms' answer and, to file with
    the patient's chart, the same submission as a printable HTML document."""
    html = fields.String(required=True, metadata={
        "description": "The submission as a complete, printable HTML document (plain semantic markup: no script, no "
                       "style, nothing loaded from elsewhere but the signature images it carries as data: URLs)."})


class OfficeSubmissions(Schema):
    submissions = fields.List(fields.Nested(OfficeSubmission), required=True)
