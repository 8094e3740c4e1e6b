"""sms's contract: texting settings per clinic, the practice's default texting clinic, a
patient's texting contact, and sending a text.

    send_text(practice_id, patient_id, SendText) -> SentText   to a patient who may be texted
    text_staff(practice_id, phone, SendText) -> SentText       to a staff member's own phone
        (StaffPhone), from the practice's default texting clinic: the staff sign-in code.
        Its purpose is STAFF_LOGIN_CODE, whose body sms never keeps readable. A phone that
        opted out of the practice's texts (as a patient's phone) is refused, CANNOT_TEXT.
"""
from marshmallow import Schema, fields, validate

from chairside.refusals import Conflict, ErrorCode, ServiceUnavailable
from chairside.schemas import Input, StrictBoolean, free_text, phone, whole

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
