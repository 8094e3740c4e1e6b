"""billing's contract for message-to-pay: payment requests texted to patients with a link to
the payment portal, their follow-ups, and the practice's request settings.

RPCs, each loading and dumping the schemas below:
    request_payment(practice_id, NewPaymentRequest) -> PaymentRequest   (with `link`, this once)
    payment_request(practice_id, request_id) -> PaymentRequest
    cancel_payment_request(practice_id, request_id) -> PaymentRequest
    list_payment_requests(practice_id, PaymentRequestQuery) -> PaymentRequestPage   newest first
    get_payment_request_settings(practice_id) / put_payment_request_settings(practice_id,
        RequestSettings) -> RequestSettings
    open_payment_link(practice_id, token) -> PaymentLink    the payment portal opens a link
A patient is named by Chairside's id (`patient_id`) and, in answers, by the PMS's (`patient`).
The link's token is answered once, to the call that made the request: billing keeps only
its keyed hash. The text goes to sms's send_text with the purpose PURPOSE.
"""
from marshmallow import Schema, fields, post_dump, validate

from chairside.contracts.billing import MAX_ENTRY_CENTS
from chairside.contracts import payments as paying
from chairside.refusals import Conflict, ErrorCode, NotFound
from chairside.schemas import Input, Text, WholeNumber, free_text, idempotency_key_rule, name

PURPOSE = "payment_request"   # what sms files the texts under (they carry a link: a secret)
MAX_MESSAGE = 300             # the office's words; the text shortens them to fit, never the link
MAX_AMOUNT_CENTS = MAX_ENTRY_CENTS     # more is a mistake, as on the ledger
MAX_IDEMPOTENCY_KEY = 100
MAX_TOKEN = 100
MAX_LINK_BASE = 400
MAX_PRACTICE_NAME = 200
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 10_000
# a request's statuses ("sending": the first text's outcome is not known yet; "expired": an
# open request past its expiry); services/billing/domain_requests.py holds their rules
SENDING, SENT, OPENED, PAID, EXPIRED, CANCELLED = STATUSES = (
    "sending", "sent", "opened", "paid", "expired", "cancelled")
OPEN = (SENDING, SENT, OPENED)   # its link works (until it expires), follow-ups may go, it may be cancelled
MIN_LINK_DAYS, MAX_LINK_DAYS, MAX_FOLLOW_UPS = 1, 365, 2

# -- error codes --------------------------------------------------------------------------

PAYMENT_REQUEST_NOT_FOUND = ErrorCode("PAYMENT_REQUEST_NOT_FOUND", NotFound, "There is no such payment request.")
PAYMENT_REQUEST_CLOSED = ErrorCode("PAYMENT_REQUEST_CLOSED", Conflict,
                                   "This payment request is {status}: it can no longer be cancelled.")
PAYMENT_LINK_INVALID = ErrorCode("PAYMENT_LINK_INVALID", NotFound,
                                 "This payment link does not work: ask the office for a new one.")
PAYMENT_LINK_EXPIRED = ErrorCode("PAYMENT_LINK_EXPIRED", NotFound,
                                 "This payment link has expired: ask the office for a new one.")
# Paying and asking for a payment refuse the same things alike: one code, one message.
ONLINE_PAYMENTS_OFF, NOTHING_DUE = paying.ONLINE_PAYMENTS_OFF, paying.NOTHING_DUE
AMOUNT_ABOVE_BALANCE, AMOUNT_BELOW_MINIMUM = paying.AMOUNT_ABOVE_BALANCE, paying.AMOUNT_BELOW_MINIMUM
IDEMPOTENCY_KEY_REUSED = paying.IDEMPOTENCY_KEY_REUSED


# -- inputs -------------------------------------------------------------------------------

def amount(**kwargs):
    return WholeNumber(validate=validate.Range(min=1, max=MAX_AMOUNT_CENTS), **kwargs)


AMOUNT_HELP = ("Integer cents; left out: the whole family balance due the patient is responsible for. At least the "
               "practice's minimum payment (or the whole of a smaller balance), at most the balance due.")
MESSAGE_HELP = (f"The office's words in the text (at most {MAX_MESSAGE} characters; shortened at a word to keep "
                "the text short, the link never cut).")


class NewPaymentRequest(Input):
    patient_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    amount_cents = amount(load_default=None, allow_none=True, metadata={"description": AMOUNT_HELP})
    message = free_text(MAX_MESSAGE, load_default=None, allow_none=True, metadata={"description": MESSAGE_HELP})
    idempotency_key = Text(load_default=None, allow_none=True, validate=idempotency_key_rule(MAX_IDEMPOTENCY_KEY))
    practice_name = name(MAX_PRACTICE_NAME, required=True, metadata={"description": "Who asks, in the text."})
    # a host without a top-level domain is a deployment's choice (an intranet name), not a mistake
    link_base = fields.Url(required=True, require_tld=False, schemes={"http", "https"},
                           validate=validate.Length(max=MAX_LINK_BASE), metadata={
        "description": "The link is this plus the token: the portal's address, /p/{slug}/pay/r/."})


class PaymentRequestQuery(Input):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(STATUSES))
    since = fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "Requests made at or after this instant (ISO 8601 with an offset)."})
    page = WholeNumber(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = WholeNumber(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class RequestSettings(Input):
    link_days = WholeNumber(required=True, validate=validate.Range(min=MIN_LINK_DAYS, max=MAX_LINK_DAYS), metadata={
        "description": "How many days a payment link works after the request (30 by default)."})
    follow_up_days = fields.List(
        WholeNumber(validate=validate.Range(min=1, max=MAX_LINK_DAYS - 1)), required=True,
        validate=validate.Length(max=MAX_FOLLOW_UPS), metadata={
            "description": f"Up to {MAX_FOLLOW_UPS} follow-up texts, each this many days after the first text, in "
                           "order and before the link expires ([3, 7] by default; [] for none). They stop once the "
                           "request is paid, cancelled or expired."})


# -- answers ------------------------------------------------------------------------------

class PaymentRequest(Schema):
    id = fields.String(required=True)
    patient = fields.String(required=True, allow_none=True, metadata={"description": "The patient's external id."})
    patient_id = fields.String(required=True)
    amount_cents = fields.Integer(required=True)
    currency = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES), metadata={
        "description": "sending (the first text's outcome not known yet), sent, opened (the link was opened), "
                       "paid, expired, cancelled."})
    created_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)
    texts_sent = fields.Integer(required=True, metadata={"description": "The first text and the follow-ups sent."})
    link = fields.String(metadata={"description": "The link the text carried: only in the answer that made the "
                                                  "request (only its hash is kept)."})

    @post_dump
    def _link_only_when_made(self, data, **kwargs):
        if data.get("link") is None:
            data.pop("link", None)
        return data


class PaymentRequestPage(Schema):
    payment_requests = fields.List(fields.Nested(PaymentRequest), required=True, metadata={
        "description": "Newest first."})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


class PaymentLink(Schema):
    """What the payment portal needs of an opened link (before the patient's birth date)."""
    request_id = fields.String(required=True)
    patient_id = fields.String(required=True)
    amount_cents = fields.Integer(required=True)
    currency = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    expires_at = fields.AwareDateTime(required=True)
