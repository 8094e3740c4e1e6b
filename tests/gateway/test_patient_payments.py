"""The patient's payments at the edge: the Idempotency-Key required and kept under the
patient's own prefix, the body checked before billing is asked, the payer always the signed-in
patient, billing's refusals answered with their statuses, and the module switch."""
import uuid

import pytest

from chairside.contracts import payments
from chairside.schemas import whole
from services.gateway.schemas import PATIENT_KEY_ROOM

PATIENT_ID = "0b7d2c1e-1111-4222-8333-944455556666"
SIGNED_IN = {"patient_id": PATIENT_ID, "practice_id": "practice-1", "modules": ["forms", "payments"]}
RECEIPT = {"id": "7f1c0d5e-2f5a-4a38-9d55-5b0a3c7d9e10", "payer_id": PATIENT_ID, "amount_cents": 2_500,
           "currency": "USD", "status": "succeeded", "card_brand": "visa", "card_last4": "4242", "channel": "portal",
           "posted": True, "posted_at": "2026-11-22T15:00:00+00:00", "refunded_cents": 0,
           "created_at": "2026-11-22T15:00:00+00:00", "settled_at": "2026-11-22T15:00:00+00:00"}
CARD = {"id": "3c9a3c51-0d4e-4f9e-bc2f-6b4b0b8e9a01", "brand": "visa", "last4": "4242", "exp_month": 12,
        "exp_year": 2030}


@pytest.fixture
def patient(web_session, gateway):
    gateway.identity.authenticate_session.return_value = SIGNED_IN
    web_session.headers["Authorization"] = "Bearer patient-token"
    return web_session


def paying(patient, body, key="key-1"):
    return patient.post("/api/v1/payments", json=body, headers={"Idempotency-Key": key} if key else {})


def test_a_payment_goes_to_billing_for_the_signed_in_patient_under_their_own_key(gateway, patient):
    gateway.billing.pay.return_value = RECEIPT
    answer = paying(patient, {"amount_cents": 2_500, "token": "tok_1", "save_card": True})
    assert answer.status_code == 201, answer.text
    assert answer.json() == RECEIPT and answer.headers["Cache-Control"] == "no-store"
    gateway.billing.pay.assert_called_once_with("practice-1", PATIENT_ID, {
        "amount_cents": 2_500, "token": "tok_1", "save_card": True, "channel": "portal",
        "idempotency_key": f"patient:{PATIENT_ID}:key-1"})


def test_a_saved_card_pays_by_its_id(gateway, patient):
    gateway.billing.pay.return_value = RECEIPT
    assert paying(patient, {"amount_cents": 100, "saved_card": CARD["id"]}).status_code == 201
    assert gateway.billing.pay.call_args.args[2]["saved_card"] == CARD["id"]


@pytest.mark.parametrize("body, key, field", [
    ({"amount_cents": 100, "token": "t"}, None, "Idempotency-Key"),
    ({"amount_cents": 100, "token": "t"}, "x" * (PATIENT_KEY_ROOM + 1), "Idempotency-Key"),
    ({"amount_cents": 100, "token": "t"}, "caf\u00e9", "Idempotency-Key"),
    ({"amount_cents": 0, "token": "t"}, "k", "amount_cents"),
    ({"amount_cents": 12.5, "token": "t"}, "k", "amount_cents"),
    ({"amount_cents": "100", "token": "t"}, "k", "amount_cents"),
    ({"amount_cents": 100, "token": "t", "channel": "pay_link"}, "k", "channel"),
    ({"amount_cents": 100, "token": "t", "card_number": "4242424242424242"}, "k", "card_number"),
])
def test_a_bad_request_is_refused_before_billing_is_asked(gateway, patient, body, key, field):
    answer = paying(patient, body, key=key)
    assert answer.status_code == 400 and answer.json()["error"] == "VALIDATION_ERROR", answer.text
    assert field in answer.json()["fields"]
    gateway.billing.pay.assert_not_called()


@pytest.mark.parametrize("body, field", [
    ({"amount_cents": 100}, "token"),
    ({"amount_cents": 100, "token": "t", "saved_card": "c"}, "token"),
    ({"amount_cents": 100, "saved_card": "c", "save_card": True}, "save_card"),
])
def test_a_card_rule_across_fields_is_a_broken_rule_the_document_cannot_state(gateway, patient, body, field):
    answer = paying(patient, body)
    assert answer.status_code == 422 and answer.json()["error"] == "RULE_BROKEN", answer.text
    assert field in answer.json()["fields"]
    gateway.billing.pay.assert_not_called()


@pytest.mark.parametrize("refusal, status", [
    (payments.IDEMPOTENCY_KEY_REUSED(), 422), (payments.PAYMENT_IN_PROGRESS(), 409),
    (payments.CARD_DECLINED(fields={"card": ["the card has expired."]}, reason="the card has expired."), 422),
    (payments.PROCESSOR_UNAVAILABLE(), 503), (payments.ONLINE_PAYMENTS_OFF(), 409),
    (payments.AMOUNT_ABOVE_BALANCE(amount="2.00 USD", due="1.00 USD"), 422),
])
def test_billings_refusals_answer_with_their_status(gateway, patient, refusal, status):
    gateway.billing.pay.side_effect = refusal
    answer = paying(patient, {"amount_cents": 200, "token": "t"})
    assert answer.status_code == status and answer.json()["error"] == refusal.code
    assert answer.json()["message"] == refusal.message


def test_the_module_switched_off_asks_billing_nothing(gateway, patient):
    gateway.identity.authenticate_session.return_value = dict(SIGNED_IN, modules=["forms"])
    for answer in (paying(patient, {"amount_cents": 100, "token": "t"}), patient.get("/api/v1/cards"),
                   patient.get(f"/api/v1/payments/{RECEIPT['id']}"), patient.delete(f"/api/v1/cards/{CARD['id']}")):
        assert answer.status_code == 403 and answer.json()["error"] == "MODULE_DISABLED"
    assert gateway.billing.method_calls == []


def test_signed_out_is_refused(gateway, web_session):
    answer = web_session.post("/api/v1/payments", json={"amount_cents": 100, "token": "t"},
                              headers={"Idempotency-Key": "k"})
    assert answer.status_code == 401 and answer.json()["error"] == "SIGN_IN_REQUIRED"


def test_a_receipt_is_the_patients_own(gateway, patient):
    gateway.billing.payment.return_value = RECEIPT
    answer = patient.get(f"/api/v1/payments/{RECEIPT['id']}")
    assert answer.status_code == 200 and answer.json() == RECEIPT
    gateway.billing.payment.assert_called_once_with("practice-1", RECEIPT["id"], PATIENT_ID)
    gateway.billing.payment.side_effect = payments.PAYMENT_NOT_FOUND()
    answer = patient.get(f"/api/v1/payments/{uuid.uuid4()}")
    assert answer.status_code == 404 and answer.json()["error"] == "PAYMENT_NOT_FOUND"
    assert patient.get("/api/v1/payments/not-a-uuid").status_code == 400


def test_saved_cards_are_listed_and_removed(gateway, patient):
    gateway.billing.saved_cards.return_value = [CARD]
    answer = patient.get("/api/v1/cards")
    assert answer.status_code == 200 and answer.json() == {"cards": [CARD]}
    gateway.billing.saved_cards.assert_called_once_with("practice-1", PATIENT_ID)
    answer = patient.delete(f"/api/v1/cards/{CARD['id']}")
    assert answer.status_code == 204
    gateway.billing.remove_card.assert_called_once_with("practice-1", PATIENT_ID, CARD["id"])
    gateway.billing.remove_card.side_effect = payments.CARD_NOT_FOUND()
    answer = patient.delete(f"/api/v1/cards/{CARD['id']}")
    assert answer.status_code == 404 and answer.json()["error"] == "CARD_NOT_FOUND"


@pytest.mark.parametrize("saved_card", ["\u00f5\u0013h", "card 1", "\x00", "g" * 5])
def test_a_saved_card_id_is_what_the_document_states(gateway, patient, saved_card):
    """The pattern the document gives is the one checked (schemathesis found a Text field's
    pattern standing in for the id's)."""
    document = patient.get("/openapi.json").json()
    stated = document["components"]["schemas"]["PatientPayment"]["properties"]["saved_card"]["pattern"]
    assert stated == whole(r"[0-9a-fA-F-]{1,36}")
    answer = paying(patient, {"amount_cents": 100, "saved_card": saved_card})
    assert answer.status_code == 400 and "saved_card" in answer.json()["fields"]
    gateway.billing.pay.assert_not_called()
