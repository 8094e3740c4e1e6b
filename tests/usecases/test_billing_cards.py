"""Saved cards: saved while paying (at the processor first, then kept here with brand, last 4
and expiry, never a number), paid with again, listed and removed by their patient only."""
import pytest
from sqlalchemy import select

from chairside.contracts import payments as contract
from chairside.refusals import ChairsideError
from services.billing.models import Payment, SavedCard
from services.billing.usecases import cards, payments
from tests.usecases import billing_world
from tests.usecases.billing_world import token


processor, world = billing_world.processor, billing_world.world   # fixtures


def pay(billing_db, world, key, payer_id="a1", amount_cents=1_000, **asked):
    loaded = contract.Pay().load({"idempotency_key": key, "amount_cents": amount_cents, **asked})
    return contract.Receipt().dump(payments.pay(billing_db.worker(), world, "p1", payer_id, loaded))


def listed(billing_db, patient_id="a1"):
    return billing_db.run(cards.saved_cards, "p1", patient_id, answer=contract.SavedCard(many=True), read_only=True)


def refused(code, call, *args, **kwargs):
    with pytest.raises(ChairsideError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code.code, caught.value.message
    return caught.value


def test_a_card_saved_while_paying_is_charged_by_its_id_and_paid_with_again(billing_db, world, processor):
    pay(billing_db, world, "k1", token=token(), save_card=True)
    [card] = listed(billing_db)
    assert {k: card[k] for k in ("brand", "last4", "exp_month", "exp_year")} == dict(
        brand="visa", last4="4242", exp_month=12, exp_year=2030)
    [saved] = processor.cards
    [first] = processor.calls_of("charge")
    assert first[3] is None and first[4] == saved   # the charge used the saved card, not the spent token
    receipt = pay(billing_db, world, "k2", saved_card=card["id"])
    assert receipt["status"] == "succeeded" and receipt["card_last4"] == "4242"
    assert processor.calls_of("charge")[1][4] == saved and len(listed(billing_db)) == 1
    with billing_db.session() as session:
        assert session.scalars(select(Payment.saved_card_id)).all() == [card["id"], card["id"]]


def test_a_card_the_processor_will_not_save_declines_the_payment(billing_db, world, processor):
    refusal = refused(contract.CARD_DECLINED, pay, billing_db, world, "k1", token=token("expired"), save_card=True)
    assert "expired" in refusal.message and listed(billing_db) == [] and processor.calls_of("charge") == []
    with billing_db.session() as session:
        assert session.scalar(select(Payment.decline_code)) == "expired_card"


def test_a_processor_away_while_saving_leaves_the_payment_to_resume(billing_db, world, processor):
    processor.down = True
    refused(contract.PROCESSOR_UNAVAILABLE, pay, billing_db, world, "k1", token=token(), save_card=True)
    assert listed(billing_db) == []


def test_someone_elses_card_is_not_found(billing_db, world, processor):
    pay(billing_db, world, "k1", token=token(), save_card=True)
    [card] = listed(billing_db)
    assert listed(billing_db, "a2") == []
    refused(contract.CARD_NOT_FOUND, pay, billing_db, world, "k2", payer_id="a2", saved_card=card["id"])
    refused(contract.CARD_NOT_FOUND, cards.remove_card, billing_db.worker(), world, "p1", "a2", card["id"])
    refused(contract.CARD_NOT_FOUND, cards.remove_card, billing_db.worker(), world, "p2", "a1", card["id"])
    assert len(listed(billing_db)) == 1 and processor.calls_of("delete_card") == []


def test_removing_a_card_forgets_it_at_the_processor_then_here(billing_db, world, processor):
    pay(billing_db, world, "k1", token=token(), save_card=True)
    [card] = listed(billing_db)
    processor.down = True
    refused(contract.PROCESSOR_UNAVAILABLE, cards.remove_card, billing_db.worker(), world, "p1", "a1", card["id"])
    assert len(listed(billing_db)) == 1
    processor.down = False
    cards.remove_card(billing_db.worker(), world, "p1", "a1", card["id"])
    assert listed(billing_db) == [] and processor.cards == {}
    refused(contract.CARD_NOT_FOUND, cards.remove_card, billing_db.worker(), world, "p1", "a1", card["id"])
    refused(contract.CARD_NOT_FOUND, pay, billing_db, world, "k2", saved_card=card["id"])
    with billing_db.session() as session:
        assert session.scalars(select(SavedCard)).all() == []


@pytest.mark.parametrize("body, field", [
    ({}, "token"), ({"token": "t", "saved_card": "c"}, "token"), ({"saved_card": "c", "save_card": True}, "save_card"),
])
def test_a_payment_names_exactly_one_card(body, field):
    with pytest.raises(ChairsideError) as broken:   # a rule across fields: RULE_BROKEN, not a schema error
        contract.Pay().load({"idempotency_key": "k", "amount_cents": 100, **body})
    assert broken.value.code == "RULE_BROKEN" and field in broken.value.fields
