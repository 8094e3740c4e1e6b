"""forms' contract: the patients forms has recorded, the appointments the PMS syncs, and the
practice's form templates.

RPCs (issue 9), each loading and dumping the schemas below:
    upsert_appointment(practice_id, external_id, AppointmentUpsert, practice_timezone) -> Appointment
    get_appointments(practice_id, patient_id, practice_timezone) -> Appointments
    import_template(practice_id, QuestionnaireBody) -> Template
    get_templates(practice_id) -> Templates
    get_template(practice_id, template_id) -> Template
    get_template_fhir(practice_id, template_id) -> the current version as a FHIR Questionnaire (QuestionnaireBody)
`practice_timezone` is the practice's IANA time zone: an appointment without a clinic is
shown in it (forms keeps clinics, not practices).
"""
from datetime import datetime, timezone

from marshmallow import Schema, fields, validate

from chairside.contracts.identity import external_id
from chairside.refusals import ErrorCode, NotFound, Unprocessable
from chairside.schemas import Input, WholeNumber, free_text, name, whole

APPOINTMENT_STATUSES = ("scheduled", "confirmed", "cancelled", "completed", "broken")
MAX_DURATION_MINUTES = 24 * 60
MAX_PROVIDER = 100
MAX_REASON = 500
# What forms promises the PMS (its domain applies it; 422 RULE_BROKEN outside): far enough
# for any real booking, near enough that every offset keeps the instant a valid date.
EARLIEST_START = datetime(1900, 1, 1, tzinfo=timezone.utc)
LATEST_START = datetime(2200, 1, 1, tzinfo=timezone.utc)
START_RANGE = f"Must be from {EARLIEST_START.year} to {LATEST_START.year - 1}."


class FormsPatient(Schema):
    patient_id = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    birthdate = fields.Date(required=True)
    clinic_id = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True)


class AppointmentUpsert(Input):
    patient = external_id(required=True, metadata={"description": "The external id of a patient synced before."})
    clinic = external_id(load_default=None, allow_none=True, metadata={
        "description": "The external id of a clinic synced before; the appointment is shown in its time zone "
                       "(the practice's when null)."})
    start = fields.AwareDateTime(required=True, error_messages={
        "invalid_awareness": "Must carry its UTC offset, such as 2026-12-01T09:30:00-05:00."}, metadata={
        "description": f"ISO 8601 with its UTC offset; from {EARLIEST_START.year} to {LATEST_START.year - 1} "
                       "(RULE_BROKEN otherwise)."})
    duration_minutes = WholeNumber(required=True, validate=validate.Range(1, MAX_DURATION_MINUTES))
    status = fields.String(required=True, validate=validate.OneOf(APPOINTMENT_STATUSES))
    provider = name(MAX_PROVIDER, load_default=None, allow_none=True, metadata={
        "description": "Who sees the patient, as the PMS names them."})
    reason = free_text(MAX_REASON, load_default=None, allow_none=True)


class Appointment(Schema):
    external_id = fields.String(required=True)
    patient = fields.String(required=True, metadata={"description": "The patient's external id."})
    clinic = fields.String(required=True, allow_none=True, metadata={"description": "The clinic's external id."})
    start = fields.DateTime(required=True, metadata={"description": "ISO 8601 in the appointment's time zone."})
    duration_minutes = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(APPOINTMENT_STATUSES))
    provider = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    timezone = fields.String(required=True, metadata={
        "description": "IANA time zone of `start`: the clinic's, else the practice's."})
    version = fields.Integer(required=True, metadata={"description": "Incremented on every change."})


class Appointments(Schema):
    next_appointment = fields.Nested(Appointment, required=True, allow_none=True, metadata={
        "description": "The earliest scheduled or confirmed appointment that has not started; null when none."})
    appointments = fields.List(fields.Nested(Appointment), required=True, metadata={
        "description": "Every appointment of the patient, by start."})


# Form templates (FHIR R4 Questionnaire in and out; services/forms/fhir says how it maps).
# 422, as every rule of a domain: the body fits the OpenAPI document (a Questionnaire's items
# are any JSON objects there), and what forms cannot keep is a rule of forms.
QUESTIONNAIRE_NOT_SUPPORTED = ErrorCode(
    "QUESTIONNAIRE_NOT_SUPPORTED", Unprocessable,
    "The Questionnaire has what a form template cannot keep; the fields name each item (linkId) and why.")
TEMPLATE_NOT_FOUND = ErrorCode("TEMPLATE_NOT_FOUND", NotFound, "There is no such form template.")
RESOURCE_TYPE = "Questionnaire"
MAX_TITLE = 200
MAX_URL = 255
# Every element of an R4 Questionnaire: anything else is not a Questionnaire's (400 naming it).
QUESTIONNAIRE_ELEMENTS = (
    "id", "meta", "implicitRules", "language", "text", "extension", "modifierExtension", "identifier", "version",
    "name", "derivedFrom", "status", "experimental", "subjectType", "date", "publisher", "contact", "description",
    "useContext", "jurisdiction", "purpose", "copyright", "approvalDate", "lastReviewDate", "effectivePeriod", "code",
)


class QuestionnaireOutline(Input):
    """What forms reads of a FHIR R4 Questionnaire: only its outline is checked here; forms
    reads the items and refuses, by linkId, what a template cannot keep (QUESTIONNAIRE_NOT_SUPPORTED)."""
    resourceType = fields.String(required=True, validate=validate.Equal(RESOURCE_TYPE))
    url = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(whole(f"[!-~]{{1,{MAX_URL}}}"), error=(
        f"Must be a canonical URL of at most {MAX_URL} visible ASCII characters.")), metadata={
        "description": "Its canonical url: a Questionnaire with the url of a template of the practice becomes its "
                       "next version."})
    title = free_text(MAX_TITLE, required=True)
    contained = fields.List(fields.Dict(), metadata={"description": "Value sets its choices name as #id."})
    item = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1))


# A FHIR R4 Questionnaire: its outline, and every other element taken as sent (not kept).
QuestionnaireBody = QuestionnaireOutline.from_dict({element: fields.Raw(allow_none=True)
                                                                         for element in QUESTIONNAIRE_ELEMENTS},
                                                   name="QuestionnaireBody")


class TemplateOption(Schema):
    code = fields.String(required=True, allow_none=True, metadata={
        "description": "Always set on a choice's options; an item's codes may have none (FHIR allows it)."})
    display = fields.String(required=True, allow_none=True)
    system = fields.String(required=True, allow_none=True)


class TemplateCondition(Schema):
    question = fields.String(required=True, metadata={"description": "The linkId of an earlier question."})
    operator = fields.String(required=True)
    answer_type = fields.String(required=True)
    answer = fields.Raw(required=True)
    system = fields.String(required=True, allow_none=True)


class TemplateItem(Schema):
    link_id = fields.String(required=True)
    kind = fields.String(required=True)
    text = fields.String(required=True, allow_none=True)
    prefix = fields.String(required=True, allow_none=True)
    required = fields.Boolean(required=True)
    number_type = fields.String(required=True, allow_none=True, metadata={"description": "integer or decimal."})
    options = fields.List(fields.Nested(TemplateOption), required=True)
    open = fields.Boolean(required=True, metadata={"description": "A choice that also takes free text."})
    enable_when = fields.List(fields.Nested(TemplateCondition), required=True)
    enable_behavior = fields.String(required=True, allow_none=True, metadata={"description": "all or any."})
    codes = fields.List(fields.Nested(TemplateOption), required=True)
    items = fields.List(fields.Nested(lambda: TemplateItem()), required=True)


class TemplateSummary(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True, allow_none=True)
    title = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "The current version."})


class Template(TemplateSummary):
    created_at = fields.DateTime(required=True, metadata={"description": "When this version was published."})
    items = fields.List(fields.Nested(TemplateItem), required=True)


class Templates(Schema):
    templates = fields.List(fields.Nested(TemplateSummary), required=True)


class TemplateKey(Input):
    template_id = fields.UUID(required=True)
