"""forms' contract: the patients forms has recorded, the appointments the PMS syncs, and the
practice's form templates.

RPCs (issue 9), each loading and dumping the schemas below:
    upsert_appointment(practice_id, external_id, AppointmentUpsert, practice_timezone) -> Appointment
    get_appointments(practice_id, patient_id, practice_timezone) -> Appointments
    import_template(practice_id, QuestionnaireBody) -> Template
    get_templates(practice_id) -> Templates
    get_template(practice_id, template_id) -> Template
    get_template_fhir(practice_id, template_id) -> the current version as a FHIR Questionnaire (QuestionnaireBody)
    get_rules(practice_id) -> FormRules
    put_rule(practice_id, template_id, FormRuleBody) -> FormRule
    delete_rule(practice_id, template_id) -> FormRules (the rules left)
    patient_forms(practice_id, patient_id, practice_timezone) -> PatientForms
    family_forms(practice_id, [patient_id, ...], practice_timezone) -> FamilyForms (in the order asked)
    family_forms_batch({"calls": [FamilyFormsCall]}) -> {"answers": [{"answer": FamilyForms|None,
                                                                      "refused": code|None}]}
    form_to_fill(practice_id, patient_id, template_id, practice_timezone) -> FormToFill
    save_draft(practice_id, patient_id, template_id, AnswersBody, filled_by_patient_id, practice_timezone) -> Draft
    submit_form(practice_id, patient_id, template_id, AnswersBody, signer_patient_id, practice_timezone) -> Submission
    get_submissions(practice_id, SubmissionQuery) -> Submissions (with questionnaire_response)
    patient_submissions(practice_id, patient_id) -> Submissions (the patient's, newest first)
    get_submission(practice_id, submission_id) -> Submission (with questionnaire_response)
    acknowledge_submission(practice_id, submission_id, acknowledged_by) -> Submission
`filled_by_patient_id` and `signer_patient_id` are the signed-in patient (the gateway checked
with identity's family rule that they may act for `patient_id`).
`practice_timezone` is the practice's IANA time zone: an appointment without a clinic is
shown in it, and a patient's forms without an appointment or a clinic are due today there
(forms keeps clinics, not practices).
"""
from datetime import datetime, timezone

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chairside.contracts.identity import MAX_RECORDED_READS, external_id
from chairside.refusals import Conflict, ErrorCode, NotFound, Unprocessable
from chairside.schemas import Input, WholeNumber, free_text, name, timezone as iana_timezone, whole

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


# Required-form rules: which template a patient must have completed, for which ages, for how
# long a completion stays valid, and whether a new version asks for it again.
RULE_NOT_FOUND = ErrorCode("RULE_NOT_FOUND", NotFound, "This form template has no required-form rule.")
MAX_AGE = 130
MAX_VALID_MONTHS = 120


class FormRuleBody(Input):
    min_age = WholeNumber(load_default=None, allow_none=True, validate=validate.Range(0, MAX_AGE), metadata={
        "description": "Required from this age (years, on the day checked); null: from birth."})
    max_age = WholeNumber(load_default=None, allow_none=True, validate=validate.Range(0, MAX_AGE), metadata={
        "description": "Required up to and including this age; null: no upper limit."})
    valid_months = WholeNumber(load_default=None, allow_none=True, validate=validate.Range(1, MAX_VALID_MONTHS),
                               metadata={"description": "How long a completion stays valid, in calendar months "
                                                        "from the day it was submitted; null: for ever."})
    renew_on_new_version = fields.Boolean(required=True, metadata={
        "description": "Whether a newer published version of the template must be filled in again."})

    @validates_schema
    def ages_in_order(self, data, **kwargs):
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            raise ValidationError("Must not be below min_age.", "max_age")


class FormRule(Schema):
    template = fields.String(required=True, metadata={"description": "The form template's id."})
    title = fields.String(required=True, metadata={"description": "The template's title."})
    min_age = fields.Integer(required=True, allow_none=True)
    max_age = fields.Integer(required=True, allow_none=True)
    valid_months = fields.Integer(required=True, allow_none=True)
    renew_on_new_version = fields.Boolean(required=True)
    updated_at = fields.AwareDateTime(required=True)


class FormRules(Schema):
    rules = fields.List(fields.Nested(FormRule), required=True, metadata={"description": "By template title."})


# Outstanding forms: what a patient still has to fill in, on the day of their next appointment
# (or today, without one), in that appointment's time zone (the practice's without one).
OUTSTANDING_REASONS = ("never_completed", "new_version", "expired")
REASON_WORDS = {
    "never_completed": "Not filled in yet.",
    "new_version": "The form has changed since it was last filled in.",
    "expired": "The last one is too old by the appointment day.",
}


class OutstandingForm(Schema):
    template = fields.String(required=True)
    title = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "The version to fill in (the current)."})
    reason = fields.String(required=True, validate=validate.OneOf(OUTSTANDING_REASONS), metadata={
        "description": "; ".join(f"{code}: {words}" for code, words in REASON_WORDS.items())})


class CompletedForm(Schema):
    template = fields.String(required=True)
    title = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "The version answered."})
    submission = fields.String(required=True, metadata={"description": "The submission's id."})
    submitted_at = fields.AwareDateTime(required=True)
    valid_until = fields.Date(required=True, allow_none=True, metadata={
        "description": "The last day it counts as completed; null: for ever."})


class PatientForms(Schema):
    patient_id = fields.String(required=True, metadata={"description": "Chairside's patient id."})
    patient = fields.String(required=True, metadata={"description": "The patient's external id."})
    next_appointment = fields.Nested(Appointment, required=True, allow_none=True)
    due_on = fields.Date(required=True, metadata={
        "description": "The day the forms must be valid on: the next appointment's, else today."})
    outstanding = fields.List(fields.Nested(OutstandingForm), required=True, metadata={
        "description": "Required and not validly completed on `due_on`, by title."})
    completed = fields.List(fields.Nested(CompletedForm), required=True, metadata={
        "description": "Required and validly completed on `due_on`, by title."})


class FamilyForms(Schema):
    members = fields.List(fields.Nested(PatientForms), required=True)


class FamilyFormsCall(Input):
    """One page's family_forms in a batch (chairside.batches): its arguments, by name."""
    practice_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    # The family a page shows: the gateway records its reads of them in one AccessRecords,
    # which names at most MAX_RECORDED_READS patients, so no page asks for more.
    patient_ids = fields.List(fields.String(validate=validate.Length(min=1, max=36)), required=True,
                              validate=validate.Length(min=1, max=MAX_RECORDED_READS))
    practice_timezone = iana_timezone(required=True)


# Filling in a form: drafts (answers as typed, kept at every step) and submissions.
FORM_INCOMPLETE = ErrorCode("FORM_INCOMPLETE", Unprocessable,
                            "Some answers are missing or not valid; each field says what to change.")
TEMPLATE_CHANGED = ErrorCode("TEMPLATE_CHANGED", Conflict,
                             "This form was updated while you were filling it in. Check your answers and send it "
                             "again.")
SUBMISSION_NOT_FOUND = ErrorCode("SUBMISSION_NOT_FOUND", NotFound, "There is no such form submission.")
MAX_ANSWERS = 500
MAX_ANSWER = 5000                 # characters of a typed answer
MAX_CHOICES = 100
MAX_SIGNATURE = 400_000           # characters of a signature's data: URL (a PNG of a few tens of kB)
SUBMISSION_STATUSES = ("new", "acknowledged")


def _answer_value(value):
    """A typed answer, a list of chosen values, or a signature's data: URL; never anything else."""
    if isinstance(value, str):
        if len(value) > MAX_SIGNATURE:
            raise ValidationError(f"Must be at most {MAX_SIGNATURE} characters.")
        return
    if isinstance(value, list) and len(value) <= MAX_CHOICES and all(
            isinstance(v, str) and len(v) <= MAX_ANSWER for v in value):
        return
    raise ValidationError(f"Must be a text or a list of at most {MAX_CHOICES} texts of at most {MAX_ANSWER} "
                          "characters.")


class AnswersBody(Input):
    """Answers as the patient typed them, by linkId: a text, or a list of texts (multiple
    choice); forms reads them by the template's item kinds (yes/no as "yes"/"no", dates as
    YYYY-MM-DD, a signature as a data:image/png;base64 URL)."""
    version = WholeNumber(required=True, validate=validate.Range(min=1), metadata={
        "description": "The template version the answers were given to."})
    answers = fields.Dict(keys=fields.String(validate=validate.Length(1, 255)), values=fields.Raw(
        validate=_answer_value), required=True, validate=validate.Length(max=MAX_ANSWERS))


class Draft(Schema):
    template = fields.String(required=True)
    version = fields.Integer(required=True)
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    saved_at = fields.AwareDateTime(required=True)


class FormToFill(Schema):
    patient_id = fields.String(required=True)
    patient_name = fields.String(required=True)
    template = fields.Nested(Template, required=True, metadata={"description": "At its current version."})
    draft = fields.Nested(Draft, required=True, allow_none=True, metadata={
        "description": "The answers saved so far; null when none."})


class SubmissionQuery(Input):
    status = fields.String(load_default="new", validate=validate.OneOf(SUBMISSION_STATUSES))
    limit = WholeNumber(load_default=50, validate=validate.Range(1, 100))


class Submission(Schema):
    id = fields.String(required=True)
    template = fields.String(required=True, metadata={"description": "The form template's id."})
    title = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "The template version answered."})
    patient_id = fields.String(required=True)
    patient = fields.String(required=True, metadata={"description": "The patient's external id."})
    patient_name = fields.String(required=True, metadata={"description": "As it was when submitted."})
    signer_patient_id = fields.String(required=True)
    signer = fields.String(required=True, metadata={"description": "The signer's external id."})
    signer_name = fields.String(required=True, metadata={"description": "As it was when submitted."})
    signed = fields.String(required=True, metadata={
        "description": "Who signed, in words: \"Signed by Maria Garcia\" or \"Signed by Maria Garcia for Sofia "
                       "Garcia\"."})
    submitted_at = fields.AwareDateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(SUBMISSION_STATUSES))
    acknowledged_at = fields.AwareDateTime(required=True, allow_none=True)
    items = fields.List(fields.Nested(TemplateItem), required=True, metadata={
        "description": "A snapshot of the template version answered."})
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True, metadata={
        "description": "By linkId, as read by the item kinds: text, true/false, numbers, YYYY-MM-DD, lists of "
                       "codes, a signature's data: URL."})
    questionnaire_response = fields.Dict(required=True, allow_none=True, metadata={
        "description": "The submission as a FHIR R4 QuestionnaireResponse (null in lists that do not ask for it)."})


class Submissions(Schema):
    submissions = fields.List(fields.Nested(Submission), required=True)


class SubmissionKey(Input):
    submission_id = fields.UUID(required=True)
