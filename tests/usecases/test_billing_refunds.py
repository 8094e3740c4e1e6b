"""Refunds: at most what is left of a payment, once per idempotency key, the payment's own
ledger entry reduced or removed (never the PMS's), billing.payment_refunded, and a processor
away (resumed with the same key)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from chairside.contracts import payments as contract
from chairside.refusals import ChairsideError
from services.billing import domain
from services.billing.models import LedgerEntry, Payment, Refund
from services.billing.usecases import payments, refunds
from tests.usecases import billing_world
from tests.usecases.billing_world import announced, payment_settings, token


processor, world = billing_world.processor, billing_world.world   # fixtures


def paid(billing_db, world, amount_cents=6_000, key="p", **asked):
    loaded = contract.Pay().load({"idempotency_key": key, "amount_cents": amount_cents, "token": token(), **asked})
    return payments.pay(billing_db.worker(), world, "p1", "a1", loaded).id


def refund(billing_db, world, payment_id, amount_cents, key="r1", practice_id="p1"):
    asked = contract.RefundInput().load({"idempotency_key": key, "amount_cents": amount_cents})
    return contract.Refunded().dump(refunds.refund(billing_db.worker(), world, practice_id, payment_id, asked))


def refused(code, call, *args, **kwargs):
    with pytest.raises(ChairsideError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code.code, caught.value.message
    return caught.value


def entry_of(billing_db, payment_id):
    with billing_db.session() as session:
        row = session.scalar(select(LedgerEntry).where(LedgerEntry.payment_id == payment_id))
        return None if row is None else row.amount_cents


def payment_row(billing_db, payment_id):
    with billing_db.session() as session:
        return session.get(Payment, payment_id)


def test_a_partial_refund_reduces_the_payments_own_ledger_entry(billing_db, world, processor, clock):
    payment_id = paid(billing_db, world)
    answer = refund(billing_db, world, payment_id, 2_000)
    assert answer["amount_cents"] == 2_000 and answer["refunded_cents"] == 2_000 and answer["status"] == "succeeded"
    assert entry_of(billing_db, payment_id) == 4_000 and payment_row(billing_db, payment_id).refunded_cents == 2_000
    [call] = processor.calls_of("refund")
    assert call[1] == answer["id"] and call[2] == payment_row(billing_db, payment_id).processor_charge_id
    [(kind, data)] = announced(billing_db, "payment_refunded")
    # billing has not heard Ada's PMS id (the payment's event names her by it once it has)
    assert data == {"payment_id": payment_id, "refund_id": answer["id"], "patient_id": "a1", "patient": None,
                    "amount_cents": 2_000, "refunded_cents": 2_000, "currency": "USD",
                    "refunded_at": clock.now().isoformat()}


def test_refunding_the_rest_removes_the_entry_and_nothing_more_can_be_refunded(billing_db, world):
    payment_id = paid(billing_db, world)
    refund(billing_db, world, payment_id, 2_000, key="r1")
    refund(billing_db, world, payment_id, 4_000, key="r2")
    assert entry_of(billing_db, payment_id) is None
    refusal = refused(contract.REFUND_TOO_LARGE, refund, billing_db, world, payment_id, 1, key="r3")
    assert "0.00 USD" in refusal.message


def test_a_refund_is_at_most_what_is_left(billing_db, world, processor):
    payment_id = paid(billing_db, world)
    refund(billing_db, world, payment_id, 5_000)
    refusal = refused(contract.REFUND_TOO_LARGE, refund, billing_db, world, payment_id, 1_001, key="r2")
    assert "10.01 USD" in refusal.message and "10.00 USD" in refusal.message
    assert refusal.fields == {"amount_cents": [refusal.message]} and len(processor.calls_of("refund")) == 1


def test_the_same_key_replays_and_another_request_with_it_is_refused(billing_db, world, processor):
    payment_id = paid(billing_db, world)
    first = refund(billing_db, world, payment_id, 1_000)
    assert refund(billing_db, world, payment_id, 1_000) == first
    refused(contract.IDEMPOTENCY_KEY_REUSED, refund, billing_db, world, payment_id, 1_500)
    assert len(processor.calls_of("refund")) == 1 and payment_row(billing_db, payment_id).refunded_cents == 1_000
    assert len(announced(billing_db, "payment_refunded")) == 1


def test_only_a_payment_that_went_through_can_be_refunded(billing_db, world):
    refused(contract.PAYMENT_NOT_FOUND, refund, billing_db, world, "nope", 100)
    with pytest.raises(ChairsideError):
        paid(billing_db, world, token=token("declined"))
    with billing_db.session() as session:
        declined = session.scalar(select(Payment.id))
    refused(contract.PAYMENT_NOT_SUCCEEDED, refund, billing_db, world, declined, 100)
    payment_id = paid(billing_db, world, key="ok")
    refused(contract.PAYMENT_NOT_FOUND, refund, billing_db, world, payment_id, 100, practice_id="p2")


def test_an_entry_the_pms_took_over_is_the_pms_to_change(billing_db, world):
    payment_id = paid(billing_db, world)
    with billing_db.session() as session, session.begin():
        session.scalar(select(LedgerEntry).where(LedgerEntry.payment_id == payment_id)).external_id = "PMS-PAY-1"
    refund(billing_db, world, payment_id, 1_000)
    assert entry_of(billing_db, payment_id) == 6_000


def test_a_pending_payment_refunded_then_posted_posts_what_is_left(billing_db, world):
    payment_settings(billing_db, auto_post=False)
    payment_id = paid(billing_db, world)
    refund(billing_db, world, payment_id, 1_500)
    assert entry_of(billing_db, payment_id) is None
    billing_db.run(payments.post_payment, "p1", payment_id)
    assert entry_of(billing_db, payment_id) == 4_500


def test_a_processor_away_leaves_the_refund_processing_and_it_is_resumed(billing_db, world, processor, clock):
    payment_id = paid(billing_db, world)
    processor.down = True
    refused(contract.PROCESSOR_UNAVAILABLE, refund, billing_db, world, payment_id, 1_000)
    refused(contract.REFUND_IN_PROGRESS, refund, billing_db, world, payment_id, 1_000)
    # what is in flight counts: no second refund may take the payment past its amount
    refused(contract.REFUND_TOO_LARGE, refund, billing_db, world, payment_id, 5_001, key="r2")
    processor.down = False
    clock.advance(domain.RESUME_AFTER + timedelta(seconds=1))
    assert refunds.resume_unsettled(billing_db.worker(), world) == 1
    with billing_db.session() as session:
        [row] = session.scalars(select(Refund)).all()
    assert row.status == "succeeded" and payment_row(billing_db, payment_id).refunded_cents == 1_000
    assert {call[1] for call in processor.calls_of("refund")} == {row.id} and len(processor.refunds) == 1
    assert refund(billing_db, world, payment_id, 1_000)["id"] == row.id
