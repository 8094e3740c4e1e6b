"""The office's payments at the edge: the list since a time (paged, each payer audited),
posting a pending payment, and refunds under the office's own Idempotency-Key prefix."""
import pytest

from chairside.contracts import payments
from tests.gateway.test_patient_payments import RECEIPT

PAYMENT_ID = RECEIPT["id"]
LISTED = {**RECEIPT, "payer": "P-1"}   # the office's list names the payer by the PMS's id too
REFUNDED = {"id": "5e0c1b2a-3d4e-4f50-8a6b-7c8d9e0f1a2b", "payment_id": PAYMENT_ID, "amount_cents": 500,
            "currency": "USD", "status": "succeeded", "refunded_cents": 500, "created_at": "2026-11-22T16:00:00+00:00"}


def test_payments_since_a_time_are_listed_and_each_payer_audited(gateway, office):
    gateway.billing.payments_since.return_value = {"payments": [LISTED, LISTED], "page": 2, "per_page": 2,
                                                   "total": 4}
    answer = office.get("/office/v1/payments", params={"since": "2026-11-22T00:00:00Z", "page": "2",
                                                       "per_page": "2"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["total"] == 4 and answer.json()["payments"][0] == LISTED
    gateway.billing.payments_since.assert_called_once_with(
        "practice-1", {"since": "2026-11-22T00:00:00+00:00", "page": 2, "per_page": 2})
    gateway.identity.record_accesses.assert_called_once_with({
        "practice_id": "practice-1", "patient_ids": [RECEIPT["payer_id"]], "action": "payment_listed",
        "outcome": "success"})


@pytest.mark.parametrize("params", [{}, {"since": "yesterday"}, {"since": "2026-11-22T00:00:00"},
                                    {"since": "2026-11-22T00:00:00Z", "per_page": "0"},
                                    {"since": "2026-11-22T00:00:00Z", "page": "x"}])
def test_a_bad_query_asks_billing_nothing(gateway, office, params):
    answer = office.get("/office/v1/payments", params=params)
    assert answer.status_code == 400 and answer.json()["error"] == "VALIDATION_ERROR"
    gateway.billing.payments_since.assert_not_called()


def test_the_office_key_is_required(gateway, web_session):
    assert web_session.get("/office/v1/payments", params={"since": "2026-11-22T00:00:00Z"}).status_code == 401
    gateway.billing.payments_since.assert_not_called()


def test_a_pending_payment_is_posted(gateway, office):
    gateway.billing.post_payment.return_value = RECEIPT
    answer = office.post(f"/office/v1/payments/{PAYMENT_ID}/posted")
    assert answer.status_code == 200 and answer.json() == RECEIPT
    gateway.billing.post_payment.assert_called_once_with("practice-1", PAYMENT_ID)
    gateway.billing.post_payment.side_effect = payments.PAYMENT_NOT_SUCCEEDED(status="declined")
    answer = office.post(f"/office/v1/payments/{PAYMENT_ID}/posted")
    assert answer.status_code == 409 and answer.json()["error"] == "PAYMENT_NOT_SUCCEEDED"


def test_a_refund_goes_to_billing_under_the_offices_key(gateway, office):
    gateway.billing.refund.return_value = REFUNDED
    answer = office.post(f"/office/v1/payments/{PAYMENT_ID}/refunds", json={"amount_cents": 500},
                         headers={"Idempotency-Key": "r-1"})
    assert answer.status_code == 201 and answer.json() == REFUNDED
    gateway.billing.refund.assert_called_once_with("practice-1", PAYMENT_ID,
                                                   {"amount_cents": 500, "idempotency_key": "office:r-1"})


@pytest.mark.parametrize("body, headers, field", [
    ({"amount_cents": 500}, {}, "Idempotency-Key"), ({"amount_cents": -1}, {"Idempotency-Key": "r"}, "amount_cents"),
    ({}, {"Idempotency-Key": "r"}, "amount_cents")])
def test_a_bad_refund_asks_billing_nothing(gateway, office, body, headers, field):
    answer = office.post(f"/office/v1/payments/{PAYMENT_ID}/refunds", json=body, headers=headers)
    assert answer.status_code == 400 and field in answer.json()["fields"]
    gateway.billing.refund.assert_not_called()


@pytest.mark.parametrize("refusal, status", [(payments.REFUND_TOO_LARGE(amount="9.00 USD", refundable="5.00 USD"), 422),
                                             (payments.REFUND_IN_PROGRESS(), 409), (payments.PAYMENT_NOT_FOUND(), 404),
                                             (payments.PROCESSOR_UNAVAILABLE(), 503)])
def test_refund_refusals_answer_with_their_status(gateway, office, refusal, status):
    gateway.billing.refund.side_effect = refusal
    answer = office.post(f"/office/v1/payments/{PAYMENT_ID}/refunds", json={"amount_cents": 900},
                         headers={"Idempotency-Key": "r-1"})
    assert answer.status_code == status and answer.json()["error"] == refusal.code
