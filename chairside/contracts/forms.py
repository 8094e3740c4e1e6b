"""forms' contract: the patients forms has recorded."""
from marshmallow import Schema, fields


class FormsPatient(Schema):
    patient_id = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    birthdate = fields.Date(required=True)
    clinic_id = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True)
