"""The event catalogue: the public contract for subscribers.

One marshmallow schema per (source, type, schema_version). A new field that old
subscribers may ignore is added to the same version; a change that breaks a
subscriber gets a new version published beside the old one. The AsyncAPI document
(/asyncapi.json, chairside.events.asyncapi) is generated from this catalogue for outsiders.
"""
from marshmallow import Schema, fields, validate, ValidationError

from chairside.contracts.forms import APPOINTMENT_STATUSES
from chairside.contracts.payments import CHANNELS
from chairside.contracts.identity import TEXT_OK


def _about(text):
    return {"description": text}


VERSION_ABOUT = _about("Incremented on every change: keep the highest you have seen.")


class PatientUpsertedV1(Schema):
    """identity.patient_upserted: a patient was created or changed by the PMS sync."""
    patient_id = fields.String(required=True, metadata=_about("Chairside's patient id (UUID)."))
    external_id = fields.String(required=True, metadata=_about("The PMS's id of the patient."))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1), metadata=VERSION_ABOUT)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    birthdate = fields.Date(required=True)
    mobile_phone = fields.String(required=True, allow_none=True, metadata=_about("E.164, or null."))
    email = fields.String(required=True, allow_none=True)
    clinic_id = fields.String(required=True, allow_none=True, metadata=_about("Chairside's clinic id, or null."))
    guarantor_id = fields.String(required=True, allow_none=True, metadata=_about(
        "The patient id of the guarantor, whose family the patient belongs to (may be the patient itself), "
        "or null."))
    dependent = fields.Boolean(required=True, metadata=_about("Marked dependent by the office."))
    text_ok = fields.String(required=True, validate=validate.OneOf(TEXT_OK), metadata=_about(
        "Whether the practice's records allow texting the patient."))


class ClinicUpsertedV1(Schema):
    """identity.clinic_upserted: a clinic (location) was created or changed."""
    clinic_id = fields.String(required=True, metadata=_about("Chairside's clinic id (UUID)."))
    external_id = fields.String(required=True, metadata=_about("The PMS's id of the clinic."))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1), metadata=VERSION_ABOUT)
    name = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True, metadata=_about("E.164, or null."))
    country = fields.String(required=True, metadata=_about("ISO 3166 two-letter code."))
    timezone = fields.String(required=True, metadata=_about("IANA time zone."))


class PracticeKeyRotatedV1(Schema):
    """identity.practice_key_rotated: the practice's office API key was replaced; forget what you cached of the old."""
    practice_id = fields.String(required=True, metadata=_about("Chairside's practice id (UUID)."))


class PortalSettingsChangedV1(Schema):
    """identity.portal_settings_changed: the practice's portal settings were replaced; forget what you cached of them."""
    practice_id = fields.String(required=True, metadata=_about("Chairside's practice id (UUID)."))


class AppointmentUpsertedV1(Schema):
    """forms.appointment_upserted: an appointment was created or changed by the PMS sync."""
    appointment_id = fields.String(required=True, metadata=_about("Chairside's appointment id (UUID)."))
    external_id = fields.String(required=True, metadata=_about("The PMS's id of the appointment."))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1), metadata=VERSION_ABOUT)
    patient_id = fields.String(required=True, metadata=_about("Chairside's patient id."))
    clinic_id = fields.String(required=True, allow_none=True, metadata=_about("Chairside's clinic id, or null."))
    start = fields.AwareDateTime(required=True, metadata=_about("The instant it starts, in UTC."))
    duration_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    status = fields.String(required=True, validate=validate.OneOf(APPOINTMENT_STATUSES))
    provider = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)


class FormSubmittedV1(Schema):
    """forms.form_submitted: a patient, or the adult signing for them, submitted a form."""
    submission_id = fields.String(required=True, metadata=_about("Chairside's submission id (UUID)."))
    patient_id = fields.String(required=True, metadata=_about("Chairside's id of the patient the form is about."))
    signer_patient_id = fields.String(required=True, metadata=_about(
        "Chairside's id of the signed-in patient who submitted and signed it (the patient, or their guarantor)."))
    template_id = fields.String(required=True, metadata=_about("Chairside's form template id (UUID)."))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1), metadata=_about(
        "The template version answered."))
    submitted_at = fields.AwareDateTime(required=True, metadata=_about("When it was submitted, in UTC."))


class PracticeUpsertedV1(Schema):
    """identity.practice_upserted: a practice was created or its name or time zone changed."""
    practice_id = fields.String(required=True, metadata=_about("Chairside's practice id (UUID)."))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1), metadata=VERSION_ABOUT)
    name = fields.String(required=True)
    timezone = fields.String(required=True, metadata=_about("IANA time zone: the practice's months and days."))


USD_ABOUT = _about("USD as a decimal string to the micro-dollar, such as \"0.008300\".")
MESSAGE_STATUSES = ("sending", "queued", "sent", "delivered", "undeliverable", "failed")


class MessageSentV1(Schema):
    """sms.message_sent: the provider accepted a text for a patient (or a staff member's phone)."""
    message_id = fields.String(required=True, metadata=_about("Chairside's message id (UUID)."))
    patient_id = fields.String(required=True, allow_none=True, metadata=_about(
        "The patient texted, or null (a staff member's own phone)."))
    clinic_id = fields.String(required=True, metadata=_about("The clinic it went out from."))
    purpose = fields.String(required=True, metadata=_about("Why it was sent, such as payment_request."))
    encoding = fields.String(required=True, validate=validate.OneOf(("GSM-7", "UCS-2")))
    segments = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    charge_usd = fields.String(required=True, metadata=USD_ABOUT)
    sent_at = fields.AwareDateTime(required=True, metadata=_about("When it was handed to the provider, in UTC."))


class MessageDeliveredV1(Schema):
    """sms.message_delivered: the carrier reported a text's final status (delivered, undeliverable or failed)."""
    message_id = fields.String(required=True, metadata=_about("Chairside's message id (UUID)."))
    patient_id = fields.String(required=True, allow_none=True, metadata=_about("The patient texted, or null."))
    status = fields.String(required=True, validate=validate.OneOf(("delivered", "undeliverable", "failed")))
    charge_usd = fields.String(required=True, metadata=USD_ABOUT)
    reported_at = fields.AwareDateTime(required=True, metadata=_about("The provider's time of the status, in UTC."))


class MessageReceivedV1(Schema):
    """sms.message_received: a text came in to one of the practice's texting numbers."""
    message_id = fields.String(required=True, metadata=_about("Chairside's id of the inbound message (UUID)."))
    clinic_id = fields.String(required=True, metadata=_about("The clinic whose texting number received it."))
    patient_ids = fields.List(fields.String(), required=True, metadata=_about(
        "Every patient of the practice with this mobile phone (a family may share one); empty for an unknown number."))
    keyword = fields.String(required=True, allow_none=True, validate=validate.OneOf(("stop", "start", "help")),
                            metadata=_about("The keyword the text was, or null for a message to staff."))
    received_at = fields.AwareDateTime(required=True)


class ContactOptedV1(Schema):
    """sms.contact_opted_out / sms.contact_opted_in: a phone texted STOP, or START after a STOP."""
    phone = fields.String(required=True, metadata=_about("The phone (E.164) whose consent changed."))
    patient_ids = fields.List(fields.String(), required=True, metadata=_about(
        "Every patient of the practice with this mobile phone; empty for an unknown number."))
    changed_at = fields.AwareDateTime(required=True)


class SpendLimitWarningV1(Schema):
    """sms.spend_limit_warning: this month's texting charges reached 80% of the monthly spend limit (once a month)."""
    month = fields.String(required=True, metadata=_about("The practice's local month, YYYY-MM."))
    monthly_limit_usd = fields.String(required=True, metadata=USD_ABOUT)
    month_charges_usd = fields.String(required=True, metadata=USD_ABOUT)


class PaymentReceivedV1(Schema):
    """billing.payment_received: a patient paid online and the card processor approved it."""
    payment_id = fields.String(required=True, metadata=_about("Chairside's payment id (UUID)."))
    patient_id = fields.String(required=True, metadata=_about(
        "The patient who paid (Chairside's id): the family balance they are responsible for."))
    patient = fields.String(load_default=None, allow_none=True, metadata=_about(
        "The PMS's id of the patient who paid (null while billing has not heard it from identity; absent "
        "from events announced before it was added)."))
    amount_cents = fields.Integer(required=True, strict=True, validate=validate.Range(min=1), metadata=_about(
        "Integer cents."))
    currency = fields.String(required=True, metadata=_about("ISO 4217, such as USD."))
    card_brand = fields.String(required=True, allow_none=True, metadata=_about(
        "visa, mastercard, amex, discover or other, as the processor answered."))
    card_last4 = fields.String(required=True, allow_none=True, metadata=_about(
        "The card's last 4 digits: never more of the number."))
    posted = fields.Boolean(required=True, metadata=_about(
        "Already on the patient's ledger (automatic posting on); false: pending until the office posts it."))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS), metadata=_about(
        "portal (signed in) or pay_link (the payment portal)."))
    received_at = fields.AwareDateTime(required=True, metadata=_about(
        "When the processor's approval was recorded, in UTC."))


class PaymentRefundedV1(Schema):
    """billing.payment_refunded: money of an online payment was given back to the card."""
    payment_id = fields.String(required=True, metadata=_about("Chairside's payment id (UUID)."))
    refund_id = fields.String(required=True, metadata=_about("Chairside's refund id (UUID)."))
    patient_id = fields.String(required=True, metadata=_about("The patient who paid (Chairside's id)."))
    patient = fields.String(load_default=None, allow_none=True, metadata=_about(
        "The PMS's id of the patient who paid (null while billing has not heard it from identity; absent "
        "from events announced before it was added)."))
    amount_cents = fields.Integer(required=True, strict=True, validate=validate.Range(min=1), metadata=_about(
        "Integer cents given back by this refund."))
    refunded_cents = fields.Integer(required=True, strict=True, metadata=_about(
        "Integer cents given back of the payment in all."))
    currency = fields.String(required=True, metadata=_about("ISO 4217, such as USD."))
    refunded_at = fields.AwareDateTime(required=True, metadata=_about("When the refund was recorded, in UTC."))


CATALOGUE = {
    ("identity", "patient_upserted", 1): PatientUpsertedV1,
    ("identity", "clinic_upserted", 1): ClinicUpsertedV1,
    ("identity", "practice_key_rotated", 1): PracticeKeyRotatedV1,
    ("identity", "portal_settings_changed", 1): PortalSettingsChangedV1,
    ("forms", "appointment_upserted", 1): AppointmentUpsertedV1,
    ("forms", "form_submitted", 1): FormSubmittedV1,
    ("identity", "practice_upserted", 1): PracticeUpsertedV1,
    ("sms", "message_sent", 1): MessageSentV1,
    ("sms", "message_delivered", 1): MessageDeliveredV1,
    ("sms", "message_received", 1): MessageReceivedV1,
    ("sms", "contact_opted_out", 1): ContactOptedV1,
    ("sms", "contact_opted_in", 1): ContactOptedV1,
    ("sms", "spend_limit_warning", 1): SpendLimitWarningV1,
    ("billing", "payment_received", 1): PaymentReceivedV1,
    ("billing", "payment_refunded", 1): PaymentRefundedV1,
}


# One instance per event schema: a schema keeps nothing between calls, and building one
# deep-copies its fields, which cost more than the dump itself when thousands of events
# are announced together (a batch of texts announces one sms.message_sent each).
_SCHEMAS = {}


def data_schema(source, event_type, schema_version):
    key = (source, event_type, schema_version)
    if key not in CATALOGUE:
        raise ValidationError(f"Unknown event {source}.{event_type} v{schema_version}.")
    return _SCHEMAS.get(key) or _SCHEMAS.setdefault(key, CATALOGUE[key]())


def sources():
    return sorted({source for source, _, _ in CATALOGUE})
