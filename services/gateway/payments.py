"""Payments: a signed-in patient pays the family balance they are responsible for (module
"payments"), reads a receipt and manages saved cards; the office lists payments for the PMS,
posts pending ones and refunds. Every rule is billing's (chairside.contracts.payments)."""
from marshmallow import Schema, fields, validate

from chairside.contracts import payments
from chairside.refusals import NOT_SYNCED_YET, RULE_BROKEN
from chairside.schemas import Input
from services.gateway.audit import record_reads
from services.gateway.http import OFFICE, PATIENT, route
from services.gateway.schemas import OFFICE_KEY_PREFIX, PaymentKeyHeader, RefundKeyHeader, patient_key

PATIENT_PAYMENTS = "Patient payments"
OFFICE_PAYMENTS = "Payments"
PAYMENT_LISTED = "payment_listed"   # the audit action of a payment the office listed

PAYING_REFUSALS = (payments.ONLINE_PAYMENTS_OFF, payments.NOTHING_DUE, payments.AMOUNT_ABOVE_BALANCE,
                   payments.AMOUNT_BELOW_MINIMUM, payments.CARD_NOT_FOUND, payments.IDEMPOTENCY_KEY_REUSED,
                   payments.PAYMENT_IN_PROGRESS, payments.CARD_DECLINED, payments.PROCESSOR_UNAVAILABLE,
                   NOT_SYNCED_YET, RULE_BROKEN)


class PatientPayment(payments.Pay):
    """A payment as the patient asks for it: the key comes in the header, the channel is the
    portal (a payment request's link is paid in the payment portal's pages)."""

    class Meta:
        exclude = ("idempotency_key", "channel", "payment_request")


class PaymentPath(Input):
    payment_id = fields.UUID(required=True)


class CardPath(Input):
    card_id = fields.UUID(required=True, metadata={"description": "From GET /api/v1/cards."})


class SavedCards(Schema):
    cards = fields.List(fields.Nested(payments.SavedCard), required=True)


class PaymentsQueryString(Input):
    """The office's list as a query string: numbers arrive as text here."""
    since = fields.AwareDateTime(required=True, metadata={
        "description": "Payments asked for at or after this instant: ISO 8601 with an offset, such as "
                       "2026-11-22T00:00:00Z."})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=payments.MAX_PAGE))
    per_page = fields.Integer(load_default=payments.DEFAULT_PAGE_SIZE,
                              validate=validate.Range(min=1, max=payments.MAX_PAGE_SIZE))


class RefundBody(Input):
    amount_cents = payments.amount(required=True, metadata={
        "description": "Integer cents, at most what is left to refund of the payment."})


class PaymentsApi:
    # -- the patient ------------------------------------------------------------------------

    @route("POST", "/api/v1/payments", tag=PATIENT_PAYMENTS, auth=PATIENT, module="payments",
           headers=PaymentKeyHeader, body=PatientPayment, answers=payments.Receipt, status=201,
           refuses=PAYING_REFUSALS, summary="Pay all or part of the family balance with a new or a saved card",
           description="The family balance is the one the signed-in patient is responsible for (themselves and the "
                       "patients whose guarantor they are), less payments not posted yet. A new card is the "
                       "single-use token of the processor's hosted card field: no card number ever comes here. "
                       "CARD_DECLINED says why in words (fields.card); its key answers the same again, so a new "
                       "attempt takes a new key. PROCESSOR_UNAVAILABLE: try again later with the same key.")
    def pay(self, call):
        payer = call.signed_in["patient_id"]
        asked = {**call.body, "idempotency_key": patient_key(payer, call.headers["idempotency_key"]),
                 "channel": payments.PORTAL}
        return self.billing.pay(call.signed_in["practice_id"], payer, asked)

    @route("GET", "/api/v1/payments/<payment_id>", tag=PATIENT_PAYMENTS, auth=PATIENT, module="payments",
           path=PaymentPath, answers=payments.Receipt, refuses=(payments.PAYMENT_NOT_FOUND,),
           summary="The receipt of one of the patient's own payments")
    def payment_receipt(self, call):
        return self.billing.payment(call.signed_in["practice_id"], str(call.path["payment_id"]),
                                    call.signed_in["patient_id"])

    @route("GET", "/api/v1/cards", tag=PATIENT_PAYMENTS, auth=PATIENT, module="payments", answers=SavedCards,
           summary="The patient's saved cards: brand, last 4 and expiry")
    def saved_cards(self, call):
        return SavedCards().dump({"cards": self.billing.saved_cards(call.signed_in["practice_id"],
                                                                    call.signed_in["patient_id"])})

    @route("DELETE", "/api/v1/cards/<card_id>", tag=PATIENT_PAYMENTS, auth=PATIENT, module="payments",
           path=CardPath, status=204, refuses=(payments.CARD_NOT_FOUND, payments.PROCESSOR_UNAVAILABLE),
           summary="Remove a saved card (at the processor too)")
    def remove_card(self, call):
        self.billing.remove_card(call.signed_in["practice_id"], call.signed_in["patient_id"],
                                 str(call.path["card_id"]))

    # -- the office -------------------------------------------------------------------------

    @route("GET", "/office/v1/payments", tag=OFFICE_PAYMENTS, auth=OFFICE, query=PaymentsQueryString,
           answers=payments.PaymentPage, summary="Online payments since a time, for the PMS",
           description="Oldest first, a page at a time, whatever their status (processing, succeeded, declined): "
                       "post the succeeded ones to the PMS. `posted` false is a pending payment (automatic posting "
                       "off) until POST .../posted; `refunded_cents` what was given back. `payer` is the payer's "
                       "PMS id; payer_id Chairside's patient id (the events use it). Each payer listed is audited.")
    def list_payments(self, call):
        page = self.billing.payments_since(call.practice_id, PaymentsQueryString().dump(call.query))
        record_reads(self.identity, call.practice_id, [payment["payer_id"] for payment in page["payments"]],
                     PAYMENT_LISTED)
        return page

    @route("POST", "/office/v1/payments/<payment_id>/posted", tag=OFFICE_PAYMENTS, auth=OFFICE, path=PaymentPath,
           answers=payments.Receipt, refuses=(payments.PAYMENT_NOT_FOUND, payments.PAYMENT_NOT_SUCCEEDED),
           summary="Post a pending payment to the patient's ledger",
           description="Posting a posted payment again changes nothing and answers the same.")
    def post_payment(self, call):
        return self.billing.post_payment(call.practice_id, str(call.path["payment_id"]))

    @route("POST", "/office/v1/payments/<payment_id>/refunds", tag=OFFICE_PAYMENTS, auth=OFFICE, path=PaymentPath,
           headers=RefundKeyHeader, body=RefundBody, answers=payments.Refunded, status=201,
           refuses=(payments.PAYMENT_NOT_FOUND, payments.PAYMENT_NOT_SUCCEEDED, payments.REFUND_TOO_LARGE,
                    payments.IDEMPOTENCY_KEY_REUSED, payments.REFUND_IN_PROGRESS, payments.PROCESSOR_UNAVAILABLE),
           summary="Give back all or part of a payment to its card",
           description="At most what is left to refund. The payment's own ledger entry is reduced (or removed) "
                       "unless the PMS has taken it over, in which case the PMS records the refund.")
    def refund_payment(self, call):
        asked = {**call.body, "idempotency_key": OFFICE_KEY_PREFIX + call.headers["idempotency_key"]}
        return self.billing.refund(call.practice_id, str(call.path["payment_id"]), asked)
