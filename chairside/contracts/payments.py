"""billing's contract for paying: payments through the card processor, saved cards, posting,
refunds, and the office's list of payments.

    pay(practice_id, payer_id, Pay) -> Receipt          charge a token or a saved card, once per key
    payment(practice_id, payment_id, payer_id?) -> Receipt   (payer_id: only that payer's own)
    card_field(practice_id) -> CardField                 the processor's hosted card field
    saved_cards(practice_id, patient_id) -> [SavedCard]
    remove_card(practice_id, patient_id, card_id) -> None
    post_payment(practice_id, payment_id) -> Receipt    a pending payment onto the ledger (idempotent)
    refund(practice_id, payment_id, RefundInput) -> Refunded
    payments_since(practice_id, PaymentsQuery) -> PaymentPage
    payments_total(practice_id, TotalWindow) -> PaymentsTotal

Idempotency keys are the caller's and scoped by the practice: the gateway prefixes a
patient's with PATIENT_KEY_PREFIX and their patient id, and the office's with its own, so
that two callers' keys never meet. Amounts are integer cents. No card number ever crosses
this contract: a new card is the processor's single-use token from its hosted field.
A payment made from a payment request's link names it (`payment_request`): an unknown
request, or one of another practice, is refused (payment_requests.PAYMENT_REQUEST_NOT_FOUND,
message-to-pay's contract, which builds on this one) before any
charge, and the request becomes paid in the unit of work that records the approved payment.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chairside.refusals import Conflict, ErrorCode, NotFound, ServiceUnavailable, Unprocessable, rule_broken
from chairside.contracts import billing
from chairside.schemas import Input, StrictBoolean, Text, WholeNumber, idempotency_key_rule, whole

MAX_IDEMPOTENCY_KEY = 100   # Payment.idempotency_key's and Refund.idempotency_key's length
MAX_TOKEN = 100             # Payment.charge_source's length
# A payment's status: "processing" from the moment it is asked for until the processor's
# answer is recorded; then succeeded or declined. A refund's: processing, then succeeded.
PROCESSING = "processing"
SUCCEEDED = "succeeded"
DECLINED = "declined"
STATUSES = (PROCESSING, SUCCEEDED, DECLINED)
# How a payment was asked for: the signed-in portal, or the payment portal's link.
PORTAL = "portal"
PAY_LINK = "pay_link"
CHANNELS = (PORTAL, PAY_LINK)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 10_000




def amount_text(cents, currency):
    """An amount as people read it in a message: "12.34 USD"."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d} {currency}"


# -- error codes --------------------------------------------------------------------------

ONLINE_PAYMENTS_OFF = ErrorCode("ONLINE_PAYMENTS_OFF", Conflict,
                                "This practice does not take payments online; please contact the office.")
NOTHING_DUE = ErrorCode("NOTHING_DUE", Conflict, "There is nothing to pay: the balance due is {due}.")
AMOUNT_ABOVE_BALANCE = ErrorCode("AMOUNT_ABOVE_BALANCE", Unprocessable,
                                 "The amount {amount} is more than the balance due, {due}.")
AMOUNT_BELOW_MINIMUM = ErrorCode("AMOUNT_BELOW_MINIMUM", Unprocessable,
                                 "The amount {amount} is less than the minimum payment, {minimum}.")
IDEMPOTENCY_KEY_REUSED = ErrorCode("IDEMPOTENCY_KEY_REUSED", Unprocessable,
                                   "This Idempotency-Key was already used for a different request; use a new key "
                                   "for a new request.")
PAYMENT_IN_PROGRESS = ErrorCode("PAYMENT_IN_PROGRESS", Conflict,
                                "A payment with this Idempotency-Key is still being processed; try again shortly "
                                "with the same key (the card is never charged twice).")
REFUND_IN_PROGRESS = ErrorCode("REFUND_IN_PROGRESS", Conflict,
                               "A refund with this Idempotency-Key is still being processed; try again shortly "
                               "with the same key (the money is never given back twice).")
CARD_DECLINED = ErrorCode("CARD_DECLINED", Unprocessable, "The payment did not go through: {reason}")
PROCESSOR_UNAVAILABLE = ErrorCode("PROCESSOR_UNAVAILABLE", ServiceUnavailable,
                                  "The card processor could not be reached, so the payment is not complete. Try "
                                  "again with the same Idempotency-Key: the card is never charged twice.")
# the ledger's refusal of an unknown payment is paying's too: one code, one message
PAYMENT_NOT_FOUND = billing.PAYMENT_NOT_FOUND
CARD_NOT_FOUND = ErrorCode("CARD_NOT_FOUND", NotFound, "There is no such saved card.")
PAYMENT_NOT_SUCCEEDED = ErrorCode("PAYMENT_NOT_SUCCEEDED", Conflict,
                                  "This payment did not go through (it is {status}): there is nothing to post or "
                                  "refund.")
REFUND_TOO_LARGE = ErrorCode("REFUND_TOO_LARGE", Unprocessable,
                             "The refund {amount} is more than what is left to refund of this payment, {refundable}.")

# -- inputs -------------------------------------------------------------------------------

def payment_key(**kwargs):
    return fields.String(validate=idempotency_key_rule(MAX_IDEMPOTENCY_KEY), **kwargs)


def amount(**kwargs):
    return WholeNumber(validate=validate.Range(min=1, max=billing.MAX_ENTRY_CENTS), strict=True, **kwargs)


class Pay(Input):
    idempotency_key = payment_key(required=True, metadata={
        "description": "The same key answers the first payment again and never charges twice."})
    amount_cents = amount(required=True, metadata={
        "description": "Integer cents: at least the practice's minimum (or the whole of a smaller balance), at "
                       "most the family balance due."})
    token = Text(validate=validate.Length(min=1, max=MAX_TOKEN), metadata={
        "description": "A new card: the single-use token of the processor's hosted card field."})
    # a plain String: its pattern (which keeps NUL out too) is what the document states
    saved_card = fields.String(validate=validate.Regexp(whole(r"[0-9a-fA-F-]{1,36}"),
                                                        error="Must be a saved card's id."), metadata={
        "description": "A saved card: its id (GET /api/v1/cards)."})
    save_card = StrictBoolean(load_default=False, metadata={
        "description": "Keep the new card for next time (only with a token)."})
    channel = fields.String(load_default=PORTAL, validate=validate.OneOf(CHANNELS))
    payment_request = Text(validate=validate.Length(min=1, max=36), metadata={
        "description": "The payment request whose link the payment was made from (channel pay_link only): once "
                       "the payment goes through, the request is paid."})

    @validates_schema
    def _one_source(self, data, **kwargs):
        # Rules across fields, which the document cannot state: 422 RULE_BROKEN, not a 400.
        if ("token" in data) == ("saved_card" in data):
            raise rule_broken("token", "Give exactly one of token (a new card) or saved_card.")
        if data.get("save_card") and "saved_card" in data:
            raise rule_broken("save_card", "Only a new card (token) can be saved.")

    @validates_schema
    def _request_from_its_link(self, data, **kwargs):
        if "payment_request" in data and data.get("channel") != PAY_LINK:
            raise ValidationError(f"Only a payment made from a request's link (channel {PAY_LINK}) names its "
                                  "request.", "payment_request")


class RefundInput(Input):
    idempotency_key = payment_key(required=True, metadata={
        "description": "The same key answers the first refund again and never gives money back twice."})
    amount_cents = amount(required=True, metadata={
        "description": "Integer cents, at most what is left to refund of the payment."})


class PaymentsQuery(Input):
    since = fields.AwareDateTime(required=True, metadata={
        "description": "Payments asked for at or after this instant (ISO 8601 with an offset)."})
    page = WholeNumber(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = WholeNumber(load_default=DEFAULT_PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


class TotalWindow(Input):
    since = fields.AwareDateTime(required=True)
    until = fields.AwareDateTime(required=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if "since" in data and "until" in data and data["until"] <= data["since"]:
            raise ValidationError("Must be after since.", "until")


# -- answers ------------------------------------------------------------------------------

class IsSet(fields.Boolean):
    """Whether the attribute `of` is set (not None): a boolean of its own in the documents."""

    def __init__(self, of, **kwargs):
        super().__init__(**kwargs)
        self.of = of

    def get_value(self, obj, attr, accessor=None, default=None):
        return super().get_value(obj, self.of, accessor=accessor) is not None


class Receipt(Schema):
    """A payment as its payer and the office see it."""
    id = fields.String(required=True)
    payer_id = fields.String(required=True, metadata={"description": "The patient who paid."})
    amount_cents = fields.Integer(required=True)
    currency = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    card_brand = fields.String(required=True, allow_none=True)
    card_last4 = fields.String(required=True, allow_none=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    posted = IsSet("posted_at", required=True, metadata={
        "description": "On the ledger; false while pending (the office posts it)."})
    posted_at = fields.AwareDateTime(required=True, allow_none=True)
    refunded_cents = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    settled_at = fields.AwareDateTime(required=True, allow_none=True)


class SavedCard(Schema):
    id = fields.String(required=True)
    brand = fields.String(required=True)
    last4 = fields.String(required=True)
    exp_month = fields.Integer(required=True)
    exp_year = fields.Integer(required=True)


class CardField(Schema):
    """Where the practice's card processor serves its hosted card field: the page embeds `url`
    and takes messages from `origin` only."""
    url = fields.String(required=True)
    origin = fields.String(required=True)


class Refunded(Schema):
    id = fields.String(required=True)
    payment_id = fields.String(required=True)
    amount_cents = fields.Integer(required=True)
    currency = fields.String(required=True)
    status = fields.String(required=True)
    refunded_cents = fields.Integer(required=True, metadata={"description": "Given back of the payment in all."})
    created_at = fields.AwareDateTime(required=True)


class OfficePayment(Receipt):
    """A payment as the office's list shows it: its payer by the PMS's id too."""
    payer = fields.String(required=True, allow_none=True, metadata={
        "description": "The payer's id in the PMS (the patient's external_id): where the connector posts it. "
                       "null only while billing has not heard the patient's PMS id from identity."})


class PaymentPage(Schema):
    payments = fields.List(fields.Nested(OfficePayment), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


class PaymentsTotal(Schema):
    """The payments that went through in a window (the console's daily total)."""
    count = fields.Integer(required=True)
    amount_cents = fields.Integer(required=True)
    refunded_cents = fields.Integer(required=True)
    net_cents = fields.Integer(required=True)
    currency = fields.String(required=True)
