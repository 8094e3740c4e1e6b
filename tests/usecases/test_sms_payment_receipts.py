"""billing.payment_received texts the payer a receipt, once per event and per payment, when
they may be texted; a patient who cannot be texted, or a practice that does not text, gets no
receipt and the event is applied (never an error loop)."""
import json

import pytest
from sqlalchemy import select

from chairside.events import load_event, new_event
from chairside.refusals import ChairsideError
from chairside.tables import ProcessedEvent
from services.sms.models import OutgoingMessage
from services.sms.usecases import payment_receipts
from tests.usecases.sms_inbound_world import MAIN_NUMBER, MARIA, FakeProvider, clinic, contact, given

CONSUMER = "sms.on_payment_received"
PAID = dict(payment_id="pay-1", patient_id="a1", amount_cents=12_345, currency="USD", card_brand="visa",
            card_last4="4242", posted=True, channel="portal")


def payment_received(clock, practice_id="p1", **changes):
    """billing.payment_received as sms receives it (through JSON and load_event)."""
    record = {**PAID, "received_at": clock.now(), **changes}
    evt = new_event("billing", "payment_received", practice_id, record, clock.now())
    return load_event(json.loads(json.dumps(evt.to_dict())))


def deliver(sms_db, provider, *events):
    worker = sms_db.worker(consumer=CONSUMER)
    for event in events:
        payment_receipts.text_receipt(worker, provider, event)


def receipts(sms_db):
    with sms_db.session() as session:
        return session.scalars(select(OutgoingMessage).where(OutgoingMessage.purpose == "payment_receipt")).all()


def applied(sms_db):
    with sms_db.session() as session:
        return session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.consumer == CONSUMER)).all()


def test_the_payer_is_texted_a_receipt_once(sms_db, clock):
    given(sms_db, clinic("c1"), contact("a1"))
    provider = FakeProvider()
    evt = payment_received(clock)
    deliver(sms_db, provider, evt, evt)
    assert provider.sent == [(MARIA, MAIN_NUMBER,
                              "Smile Dental: thank you! We received your payment of 123.45 USD by visa ending 4242.")]
    [message] = receipts(sms_db)
    assert message.status == "sent" and message.patient_id == "a1"
    assert message.idempotency_key == "payment_receipt:pay-1"


def test_a_second_event_about_the_same_payment_texts_nothing_more(sms_db, clock):
    given(sms_db, clinic("c1"), contact("a1"))
    provider = FakeProvider()
    deliver(sms_db, provider, payment_received(clock), payment_received(clock))
    assert len(provider.sent) == 1 and len(receipts(sms_db)) == 1


@pytest.mark.parametrize("rows", [
    lambda: [clinic("c1"), contact("a1", text_ok="no")],
    lambda: [clinic("c1"), contact("a1", text_ok="unknown")],
    lambda: [clinic("c1"), contact("a1", opted_out=True)],
    lambda: [clinic("c1"), contact("a1", mobile_phone=None)],
    lambda: [clinic("c1", subscribed=False), contact("a1")],
], ids=["text-ok-no", "text-ok-unknown", "opted-out", "no-phone", "texting-not-set-up"])
def test_no_receipt_when_the_payer_cannot_be_texted_and_the_event_is_applied(sms_db, clock, rows):
    given(sms_db, *rows())
    provider = FakeProvider()
    evt = payment_received(clock)
    deliver(sms_db, provider, evt)
    assert provider.sent == [] and receipts(sms_db) == [] and applied(sms_db) == [evt.id]


def test_a_payer_sms_has_not_heard_of_yet_is_retried(sms_db, clock):
    given(sms_db, clinic("c1"))
    evt = payment_received(clock)
    with pytest.raises(ChairsideError) as caught:
        deliver(sms_db, FakeProvider(), evt)
    assert caught.value.code == "NOT_SYNCED_YET" and applied(sms_db) == []


def test_a_receipt_without_a_card_names_no_card(sms_db, clock):
    given(sms_db, clinic("c1"), contact("a1"), practice_name=" ")
    provider = FakeProvider()
    deliver(sms_db, provider, payment_received(clock, card_last4=None, card_brand=None))
    assert provider.sent[0][2] == "Your Dentist: thank you! We received your payment of 123.45 USD."
