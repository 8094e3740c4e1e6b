"""The gateway's edge schemas: the bodies and answers of routes whose shape the gateway
composes itself (the others are the services' contracts, chairside.contracts)."""
from marshmallow import Schema, fields, validate

from chairside.contracts import forms, identity, staff
from chairside.contracts.identity import external_id
from chairside.schemas import Input, Text, name

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


class ClinicTextingEntry(ClinicTextingState):
    name = fields.String(required=True)


class TextingOverview(Schema):
    default_clinic = fields.Pluck(ClinicTextingState, "clinic", required=True, allow_none=True, metadata={
        "description": "The external id of the clinic that texts patients whose own clinic does not."})
    clinics = fields.List(fields.Nested(ClinicTextingEntry), required=True)


class DefaultClinic(Input):
    default_clinic = external_id(required=True, allow_none=True, metadata={
        "description": "The external id of the clinic that texts patients whose own clinic does not; null for none."})


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
