"""What identity accepts over RPC (validated here, whatever the caller checked)."""
from marshmallow import Schema, fields, validate

from chairside.events.catalogue import TEXT_OK
from chairside.schemas import COUNTRY, E164, StrictBoolean, not_blank, timezone_name


class PracticeCreate(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    timezone = fields.String(load_default="America/New_York", validate=timezone_name)


class ClinicUpsert(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), not_blank])
    phone = fields.String(load_default=None, allow_none=True, validate=E164)
    country = fields.String(load_default="US", validate=COUNTRY)
    timezone = fields.String(load_default=None, allow_none=True, validate=timezone_name)


class PatientUpsert(Schema):
    first_name = fields.String(required=True, validate=[validate.Length(min=1, max=100), not_blank])
    last_name = fields.String(required=True, validate=[validate.Length(min=1, max=100), not_blank])
    birthdate = fields.Date(required=True)
    mobile_phone = fields.String(load_default=None, allow_none=True, validate=E164)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    clinic = fields.String(load_default=None, allow_none=True)
    guarantor = fields.String(load_default=None, allow_none=True)
    dependent = StrictBoolean(load_default=False)
    text_ok = fields.String(load_default="unknown", validate=validate.OneOf(TEXT_OK))
