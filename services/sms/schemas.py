"""What sms accepts over RPC (validated here, whatever the caller checked)."""
from marshmallow import Schema, fields, validate

from chairside.schemas import E164, StrictBoolean, not_blank

MAX_BODY = 1600  # ten concatenated GSM-7 segments and more: anything longer is a mistake
ID = [validate.Length(min=1, max=36), not_blank]


class SendText(Schema):
    practice_id = fields.String(required=True, validate=ID)
    patient_id = fields.String(required=True, validate=ID)
    body = fields.String(required=True, validate=[validate.Length(min=1, max=MAX_BODY), not_blank])
    purpose = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_.-]{0,39}$", error="Must be a short code of lower-case letters, digits and _ . -, "
                                             "such as payment_request."))


class ClinicTexting(Schema):
    practice_id = fields.String(required=True, validate=ID)
    clinic_id = fields.String(required=True, validate=ID)
    subscribed = StrictBoolean(required=True)
    number = fields.String(required=True, allow_none=True, validate=E164)
    external_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))


class DefaultTextingClinic(Schema):
    practice_id = fields.String(required=True, validate=ID)
    clinic_id = fields.String(required=True, allow_none=True, validate=ID)


class PracticeOnly(Schema):
    practice_id = fields.String(required=True, validate=ID)
