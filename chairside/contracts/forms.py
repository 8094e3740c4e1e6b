"""forms' contract: the patients forms has recorded, and the appointments the PMS syncs.

RPCs (issue 9), each loading and dumping the schemas below:
    upsert_appointment(practice_id, external_id, AppointmentUpsert, practice_timezone) -> Appointment
    get_appointments(practice_id, patient_id, practice_timezone) -> Appointments
`practice_timezone` is the practice's IANA time zone: an appointment without a clinic is
shown in it (forms keeps clinics, not practices).
"""
from datetime import datetime, timezone

from marshmallow import Schema, fields, validate

from chairside.contracts.identity import external_id
from chairside.schemas import Input, WholeNumber, free_text, name

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
