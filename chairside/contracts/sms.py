"""sms's contract: texting settings per clinic, the practice's default texting clinic, a
patient's texting contact, and sending a text.

    send_text(practice_id, patient_id, SendText) -> SentText   to a patient who may be texted
    text_staff(practice_id, phone, SendText) -> SentText       to a staff member's own phone
        (StaffPhone), from the practice's default texting clinic: the staff sign-in code.
        Its purpose is STAFF_LOGIN_CODE, whose body sms never keeps readable. A phone that
        opted out of the practice's texts (as a patient's phone) is refused, CANNOT_TEXT.
"""
import re

from marshmallow import Schema, fields, validate, validates

from chairside.refusals import Conflict, ErrorCode, ServiceUnavailable, rule_broken
from chairside.schemas import Input, StrictBoolean, Text, free_text, phone, whole

MAX_BODY = 1600  # ten concatenated GSM-7 segments and more: anything longer is a mistake
PURPOSE_PATTERN = whole(r"[a-z][a-z0-9_.-]{0,39}")
STAFF_LOGIN_CODE = "staff_login_code"  # the purpose of a staff member's sign-in code text

# -- error codes --------------------------------------------------------------------------

CANNOT_TEXT = ErrorCode("CANNOT_TEXT", Conflict,
                        "This person cannot be texted (no mobile phone, opted out, or Text OK is no); see the fields.")
TEXTING_NOT_SET_UP = ErrorCode("TEXTING_NOT_SET_UP", Conflict,
                               "No clinic of this practice is set up for texting: subscribe the patient's clinic or "
                               "the practice's default texting clinic to texting, with a texting number.")
TEXTING_NUMBER_TAKEN = ErrorCode("TEXTING_NUMBER_TAKEN", Conflict, "This number already texts for another practice.")
PROVIDER_REFUSED = ErrorCode("PROVIDER_REFUSED", ServiceUnavailable,
                             "The text was not sent: the SMS provider did not accept it. Try again shortly.")


# -- inputs -------------------------------------------------------------------------------

class ClinicTexting(Input):
    subscribed = StrictBoolean(required=True)
    number = phone(load_default=None, allow_none=True, metadata={
        "description": "The E.164 number the clinic texts from; required when subscribed. "
                       "A number texts for one practice only."})


class SendText(Input):
    body = free_text(MAX_BODY, required=True)
    purpose = fields.String(required=True, validate=validate.Regexp(
        PURPOSE_PATTERN, error="Must be a short code of lower-case letters, digits and _ . -, such as payment_request."))


class StaffPhone(Input):
    phone = phone(required=True, metadata={"description": "The staff member's own mobile phone (E.164)."})


# -- answers ------------------------------------------------------------------------------

class Texting(Schema):
    mobile_phone = fields.String(required=True, allow_none=True)
    text_ok = fields.String(required=True)
    opted_out = fields.Boolean(required=True)


class ClinicTextingSettings(Schema):
    clinic_id = fields.String(required=True)
    external_id = fields.String(required=True, allow_none=True)
    name = fields.String(required=True)
    subscribed = fields.Boolean(required=True, attribute="texting_subscribed")
    number = fields.String(required=True, allow_none=True, attribute="texting_number")


class DefaultTextingClinic(Schema):
    default_clinic_id = fields.String(required=True, allow_none=True)


class TextingSettings(Schema):
    default_clinic = fields.Nested(ClinicTextingSettings, required=True, allow_none=True)
    clinics = fields.List(fields.Nested(ClinicTextingSettings), required=True)


class SentText(Schema):
    message_id = fields.String(required=True, attribute="id")
    to = fields.String(required=True, attribute="to_phone")
    from_ = fields.String(required=True, attribute="from_phone", data_key="from")


# -- issue 10: segments, fees, the spend limit

ENCODINGS = ("GSM-7", "UCS-2")  # a text's encoding, as carriers count its segments
SPEND_LIMIT_REACHED = ErrorCode(
    "SPEND_LIMIT_REACHED", Conflict,
    "The text was not sent: it would take this month's texting charges past the practice's monthly spend "
    "limit. The practice's owner can raise the limit in the texting settings; sign-in codes still go.")


# -- issue 10: keywords and opt-in

OPT_IN_BY_PATIENT_ONLY = ErrorCode("OPT_IN_BY_PATIENT_ONLY", Conflict,
                                   "Only the patient can opt back in to texts, by texting START to the practice's "
                                   "texting number: staff cannot undo a STOP.")
KEYWORD_REPLY = "keyword_reply"  # the answer to STOP, START or HELP: carriers require it, the limit never stops it
OPT_IN_PROMPT = "opt_in"  # the opt-in text a new consent gets, at a clinic that prompts for opt-in


# -- usage
#
#     texting_usage(practice_id, month) -> TextingUsage   (UsageMonth's month: "YYYY-MM", or None
#         for the practice's current month; a malformed month is refused, RULE_BROKEN on "month")
#
# A month is "YYYY-MM" on the wire, in the practice's own zone. Its format is checked here, once,
# because two services read it: sms (whose domain counts charges in the month:
# services/sms/domain/limits) and the gateway (which refuses a malformed ?month= before asking).

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def parse_month(month):
    """(year, month) of a "YYYY-MM" text; anything else, such as "2026-13", is refused
    (ValueError). Years run to 9998 so that the month after is still a date."""
    match = _MONTH.fullmatch(month) if isinstance(month, str) else None
    year, number = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    if not (1 <= year <= 9998 and 1 <= number <= 12):
        raise ValueError(f"{month!r} is not a month: write YYYY-MM, such as 2026-03, "
                         f"with a month from 01 to 12.")
    return year, number


class UsageMonth(Input):
    """The month of texting_usage (and of ?month= on the office API). A month that is not
    YYYY-MM breaks a rule, 422 RULE_BROKEN, not a 400: the OpenAPI document states no pattern
    for it, so that the format is written once, in parse_month."""
    month = Text(load_default=None, allow_none=True, metadata={
        "description": "The month, YYYY-MM, in the practice's time zone; left out: the current month."})

    @validates("month")
    def a_month(self, value, **kwargs):
        if value is not None:
            try:
                parse_month(value)
            except ValueError as refused:
                raise rule_broken("month", str(refused)) from None


class ClinicUsage(Schema):
    """One clinic's texts and charges in the month (every clinic of the practice, with traffic or not)."""
    clinic_id = fields.String(required=True)
    clinic = fields.String(required=True, allow_none=True, metadata={"description": "The clinic's external id."})
    name = fields.String(required=True)
    default = fields.Boolean(required=True, metadata={"description": "Whether it is the default texting clinic."})
    subscribed = fields.Boolean(required=True)
    number = fields.String(required=True, allow_none=True)
    country = fields.String(required=True)
    sent = fields.Integer(required=True, metadata={
        "description": "Texts sent in the month (whatever their segments), those being sent included; failed "
                       "ones are not counted."})
    sent_charges_usd = fields.String(required=True, metadata={"description": "Their charges, exact USD."})
    received = fields.Integer(required=True, metadata={"description": "Texts received in the month."})
    received_charges_usd = fields.String(required=True, metadata={"description": "Their charges, exact USD."})


class TextingUsage(Schema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM, in the practice's time zone."})
    monthly_limit_usd = fields.String(required=True, allow_none=True, metadata={
        "description": "The monthly spend limit of all clinics, 2 decimals; null: no limit."})
    total_charges_usd = fields.String(required=True, metadata={
        "description": "The month's charges of all clinics, texts sent and received, exact USD."})
    clinics = fields.List(fields.Nested(ClinicUsage), required=True)
