"""sms's contract: texting settings per clinic, the practice's default texting clinic, a
patient's texting contact, and sending a text.

    send_text(practice_id, patient_id, SendText) -> SentText   to a patient who may be texted
    send_texts(practice_id, [SendTextTo]) -> [SendResult]      a batch (at most MAX_BATCH), each
        checked like send_text, answered in the order given
    get_spend_limit(practice_id) / set_spend_limit(practice_id, SpendLimitInput) -> SpendLimit
    set_opt_in_preferences(practice_id, clinic_id, OptInPreferences) -> ClinicTextingSettings
    text_staff(practice_id, phone, SendText) -> SentText       to a staff member's own phone
        (StaffPhone), from the practice's default texting clinic: the staff sign-in code.
        Its purpose is STAFF_LOGIN_CODE, whose body sms never keeps readable. A phone that
        opted out of the practice's texts (as a patient's phone) is refused, CANNOT_TEXT.
"""
import re
from decimal import Decimal

from marshmallow import Schema, fields, validate, validates

from chairside.refusals import Conflict, ErrorCode, NotFound, ServiceUnavailable, rule_broken
from chairside.schemas import Input, StrictBoolean, Text, free_text, idempotency_key_rule, name, phone, whole

MAX_BODY = 1600  # ten concatenated GSM-7 segments and more: anything longer is a mistake
PURPOSE_PATTERN = whole(r"[a-z][a-z0-9_.-]{0,39}")
MAX_IDEMPOTENCY_KEY = 100  # OutgoingMessage.idempotency_key's length


STAFF_LOGIN_CODE = "staff_login_code"  # the purpose of a staff member's sign-in code text
PAYMENT_RECEIPT = "payment_receipt"  # the receipt texted to a patient whose online payment went through

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
    idempotency_key = fields.String(validate=idempotency_key_rule(MAX_IDEMPOTENCY_KEY), metadata={
        "description": "The same key for the practice answers the first text again and never sends twice."})


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
    opt_in_title = fields.String(required=True, allow_none=True)
    prompt_opt_in = fields.Boolean(required=True)


class DefaultTextingClinic(Schema):
    default_clinic_id = fields.String(required=True, allow_none=True)


class TextingSettings(Schema):
    default_clinic = fields.Nested(ClinicTextingSettings, required=True, allow_none=True)
    clinics = fields.List(fields.Nested(ClinicTextingSettings), required=True)


class SentText(Schema):
    message_id = fields.String(required=True, attribute="id")
    to = fields.String(required=True, attribute="to_phone")
    from_ = fields.String(required=True, attribute="from_phone", data_key="from")
    encoding = fields.String(required=True, validate=validate.OneOf(("GSM-7", "UCS-2")))
    segments = fields.Integer(required=True)
    charge_usd = fields.String(required=True, metadata={"description": "Exact USD, such as 0.0158."})
    status = fields.String(required=True, metadata={
        "description": "sending (handed to the provider), sent, failed, then what receipts report."})
    sent_at = fields.AwareDateTime(required=True)


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
DEFAULT_OPT_IN_TITLE = "Your Dentist"  # what opt-in texts and keyword replies are signed with, lacking any name


# -- sending, the spend limit, opt-in preferences

MAX_BATCH = 1000  # texts in one send_texts call: a message-to-pay batch is sent in pages of this
MAX_LIMIT_USD = "100000"  # the highest monthly spend limit the office may set
SENDING, SENT, FAILED = "sending", "sent", "failed"  # a message's status before any receipt
MAX_OPT_IN_TITLE = 60  # Clinic.opt_in_title's length
OFFICE_MESSAGE = "office_message"  # the purpose of a text staff wrote (POST /office/v1/texts)


class SendTextTo(SendText):
    """One text of a batch: to a patient, like send_text."""
    patient_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class SendTexts(Input):
    texts = fields.List(fields.Nested(SendTextTo), required=True, validate=validate.Length(min=1, max=MAX_BATCH))


class SendError(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=None)


class SendResult(Schema):
    """One text of a batch: the sent text, or why it was not sent."""
    patient_id = fields.String(required=True)
    sent = fields.Nested(SentText, required=True, allow_none=True)
    error = fields.Nested(SendError, required=True, allow_none=True)


class SpendLimitInput(Input):
    monthly_limit_usd = fields.String(required=True, allow_none=True, validate=validate.Regexp(
        whole(r"(0|[1-9][0-9]{0,5})(\.[0-9]{1,2})?"),
        error=f"Must be an amount in USD such as \"50.00\" (at most 2 decimals, from 0 to {MAX_LIMIT_USD}), "
              f"or null for no limit."), metadata={
        "description": f"The practice's monthly texting spend limit in USD, 0 to {MAX_LIMIT_USD} with at most "
                       f"2 decimals; null: no limit."})


    @validates("monthly_limit_usd")
    def at_most_the_highest(self, value, **kwargs):
        # a rule past what the document's pattern states: 422 RULE_BROKEN, not a 400
        if value is not None and Decimal(value) > Decimal(MAX_LIMIT_USD):
            raise rule_broken("monthly_limit_usd", f"Must be at most {MAX_LIMIT_USD} USD.")


class SpendLimit(Schema):
    monthly_limit_usd = fields.String(required=True, allow_none=True, metadata={
        "description": "The limit as set, 2 decimals (\"50.00\"); null: no limit."})
    month = fields.String(required=True, metadata={"description": "The practice's local month, YYYY-MM."})
    month_charges_usd = fields.String(required=True, metadata={
        "description": "This month's charges of texts sent and being sent, exact USD."})
    warning = fields.Boolean(required=True, metadata={
        "description": "This month's charges reached 80% of the limit."})
    reached = fields.Boolean(required=True, metadata={
        "description": "This month's charges reached the limit: only sign-in codes still go."})


class OptInPreferences(Input):
    opt_in_title = name(MAX_OPT_IN_TITLE, required=True, allow_none=True, metadata={
        "description": "The office title opt-in texts name; null: the practice's name, else \"Your Dentist\"."})
    prompt_opt_in = StrictBoolean(required=True, metadata={
        "description": "Whether a new consent (a mobile number with Text OK yes) is sent the opt-in text."})


# -- inbound texts, receipts, the inbox
#
#   receive_text(ReceiveText) -> Received         a text to one of a practice's texting numbers
#   receive_receipt(ReceiveReceipt) -> ReceiptApplied   a carrier's delivery receipt
#   conversations(practice_id) -> [ConversationSummary]   the inbox, newest first
#   conversation(practice_id, phone, mark_read=True) -> Conversation
#   reply(practice_id, phone, Reply) -> SentText   the office answers a conversation
#   patient_texts(practice_id, patient_id) -> PatientTexts


OFFICE_REPLY = "office_reply"  # the purpose of the office's answer in the inbox
RECEIPT_STATUSES = ("queued", "sent", "delivered", "undeliverable", "failed")
MAX_PROVIDER_ID = 100
MAX_IDEMPOTENCY_KEY = 100
IN, OUT = DIRECTIONS = ("in", "out")
OPTED_OUT_CHANGE, OPTED_IN_CHANGE = CONSENT_CHANGES = ("opted_out", "opted_in")

CONVERSATION_NOT_FOUND = ErrorCode("CONVERSATION_NOT_FOUND", NotFound,
                                   "No text came from this phone to the practice: there is no conversation to show "
                                   "or answer.")


class ReceiveText(Input):
    from_ = phone(required=True, data_key="from", metadata={"description": "The sender's phone (E.164)."})
    to = phone(required=True, metadata={"description": "The practice's texting number it was sent to (E.164)."})
    # What a carrier delivers is kept as it came (keywords are read through their own
    # normalisation); only what no database can store is refused.
    body = Text(required=True, validate=validate.Length(max=MAX_BODY))
    provider_message_id = Text(required=True, validate=validate.Length(min=1, max=MAX_PROVIDER_ID))
    received_at = fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "The provider's time of the text; the service's clock when missing."})


class Received(Schema):
    message_id = fields.String(required=True, allow_none=True, metadata={
        "description": "Chairside's id of the inbound message; null when no practice texts from `to`."})
    practice_id = fields.String(required=True, allow_none=True)
    keyword = fields.String(required=True, allow_none=True, validate=validate.OneOf(("stop", "start", "help")))
    duplicate = fields.Boolean(required=True, metadata={
        "description": "True when this provider message id was received before: it was stored once."})


class ReceiveReceipt(Input):
    provider_message_id = Text(required=True, validate=validate.Length(min=1, max=MAX_PROVIDER_ID))
    status = fields.String(required=True, validate=validate.OneOf(RECEIPT_STATUSES))
    reported_at = fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "The provider's time of the status; the service's clock when missing."})


class ReceiptApplied(Schema):
    applied = fields.Boolean(required=True, metadata={
        "description": "False: its message is not known yet; the receipt is kept and retried for 60 days."})


class ConversationPhone(Input):
    phone = phone(required=True)


class ConversationPatient(Schema):
    patient_id = fields.String(required=True)


class ConversationSummary(Schema):
    phone = fields.String(required=True)
    patients = fields.List(fields.Nested(ConversationPatient), required=True, metadata={
        "description": "Every patient of the practice with this mobile phone (a family may share one)."})
    unread = fields.Integer(required=True, metadata={"description": "Texts from this phone staff have not read."})
    last_at = fields.AwareDateTime(required=True)
    last_body = fields.String(required=True)
    opted_out = fields.Boolean(required=True)


class TextMessage(Schema):
    id = fields.String(required=True)
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    body = fields.String(required=True)
    at = fields.AwareDateTime(required=True, metadata={"description": "When it was sent, or received."})
    status = fields.String(required=True, allow_none=True, metadata={
        "description": "A sent text's status (sending, queued, sent, delivered, undeliverable, failed); "
                       "null for a received one."})
    charge_usd = fields.String(required=True)


class Conversation(Schema):
    phone = fields.String(required=True)
    opted_out = fields.Boolean(required=True)
    patient_ids = fields.List(fields.String(), required=True)
    messages = fields.List(fields.Nested(TextMessage), required=True, metadata={"description": "Oldest first."})


class Reply(Input):
    body = free_text(MAX_BODY, required=True)
    idempotency_key = Text(load_default=None, allow_none=True,
                           validate=validate.Length(min=1, max=MAX_IDEMPOTENCY_KEY))


class ConsentChangeEntry(Schema):
    change = fields.String(required=True, validate=validate.OneOf(CONSENT_CHANGES))
    at = fields.AwareDateTime(required=True, attribute="changed_at")


class PatientTexts(Schema):
    opted_out = fields.Boolean(required=True)
    phone = fields.String(required=True, allow_none=True)
    messages = fields.List(fields.Nested(TextMessage), required=True, metadata={"description": "Oldest first."})
    consent_changes = fields.List(fields.Nested(ConsentChangeEntry), required=True, metadata={
        "description": "The phone's opt-outs and opt-ins, oldest first."})
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
