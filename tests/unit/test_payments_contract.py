"""What the gateway sends billing for payments loads with billing's contract (the gateway's
edge schemas and billing's inputs agree), and billing's answers dump what the gateway documents."""
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from marshmallow import ValidationError

from chairside.contracts import payments
from services.gateway.payments import PatientPayment, PaymentsQueryString, RefundBody
from services.gateway.schemas import OFFICE_KEY_ROOM, PATIENT_KEY_ROOM, patient_key

PATIENT_ID = "0b7d2c1e-1111-4222-8333-944455556666"
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=timezone.utc)


def test_a_patients_payment_as_the_gateway_sends_it_loads_in_billing():
    schema = PatientPayment()
    body = schema.dump(schema.load({"amount_cents": 2_500, "token": "tok_1"}))
    sent = {**body, "idempotency_key": patient_key(PATIENT_ID, "k" * PATIENT_KEY_ROOM), "channel": payments.PORTAL}
    loaded = payments.Pay().load(sent)
    assert loaded["save_card"] is False and len(loaded["idempotency_key"]) == payments.MAX_IDEMPOTENCY_KEY


def test_the_longest_office_refund_key_fits_billings():
    body = RefundBody().load({"amount_cents": 100})
    loaded = payments.RefundInput().load({**body, "idempotency_key": "office:" + "k" * OFFICE_KEY_ROOM})
    assert len(loaded["idempotency_key"]) == payments.MAX_IDEMPOTENCY_KEY
    with pytest.raises(ValidationError):
        payments.RefundInput().load({**body, "idempotency_key": "office:" + "k" * (OFFICE_KEY_ROOM + 1)})


def test_the_offices_query_string_loads_in_billing():
    query = PaymentsQueryString().load({"since": "2026-11-22T10:00:00-05:00", "page": "3"})
    assert payments.PaymentsQuery().load(PaymentsQueryString().dump(query)) == {
        "since": NOW, "page": 3, "per_page": payments.DEFAULT_PAGE_SIZE}


@pytest.mark.parametrize("posted_at, posted", [(None, False), (NOW, True)])
def test_a_receipt_says_whether_the_payment_is_posted(posted_at, posted):
    payment = SimpleNamespace(id="p", payer_id="a1", amount_cents=100, currency="USD", status="succeeded",
                              card_brand="visa", card_last4="4242", channel="portal", posted_at=posted_at,
                              refunded_cents=0, created_at=NOW, settled_at=NOW, charge_source="tok_secret",
                              fingerprint="f", idempotency_key="k")
    dumped = payments.Receipt().dump(payment)
    assert dumped["posted"] is posted and "charge_source" not in dumped and "idempotency_key" not in dumped
