"""marshmallow pieces every service's schemas use, and loading input as a typed error."""
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import ValidationError, fields, validate

from chairside.errors import validation_failed

E164 = validate.Regexp(r"^\+[1-9]\d{6,14}$", error="Must be a phone number in E.164 form, such as +15555550123.")
COUNTRY = validate.Regexp(r"^[A-Z]{2}$", error="Must be an ISO 3166 two-letter country code, such as US.")


class StrictBoolean(fields.Boolean):
    """true or false only: no "yes", 1 or "1" sneaking in as booleans."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def not_blank(value):
    if not value.strip():
        raise ValidationError("Must not be blank.")


def timezone_name(value):
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]{1,64}", value):
        raise ValidationError("Must be an IANA time zone, such as America/New_York.")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("Must be an IANA time zone, such as America/New_York.")


def load(schema, data):
    """Load input with `schema`; a ValidationFailed with the field messages when it does not fit."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise validation_failed(exc)
