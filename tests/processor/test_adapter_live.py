"""billing's sandbox adapter against `python -m processor_sandbox` as its own process: the
Processor interface over HTTP, as billing uses it."""
import eventlet
import pytest
import requests

from scripts.launcher import free_port
from services.billing.processors import (Card, CardRefused, HostedField, IdempotencyKeyReused, ProcessorUnavailable,
                                         RefundRefused, SavedCard)
from services.billing.processors.sandbox import SandboxProcessor
from tests.processor.conftest import SECRET, LiveSandbox

pytestmark = pytest.mark.e2e

VISA = Card(brand="visa", last4="4242", exp_month=12, exp_year=2030)


@pytest.fixture
def processor(live):
    return SandboxProcessor(live.url, SECRET, public_url="https://pay.example.com:8443/")


def test_the_hosted_field_is_where_browsers_load_it(live, processor):
    assert processor.hosted_field() == HostedField(url="https://pay.example.com:8443/hosted-field",
                                                   origin="https://pay.example.com:8443")
    assert SandboxProcessor(live.url, SECRET).hosted_field() == HostedField(f"{live.url}/hosted-field", live.url)
    assert requests.get(SandboxProcessor(live.url, SECRET).hosted_field().url, timeout=10).status_code == 200


def test_a_charge_approved_and_asked_again(live, processor):
    token = live.token()
    charge = processor.charge(amount_cents=2500, currency="USD", idempotency_key="live-1", token=token)
    assert charge.approved and charge.decline_code is None and charge.card == VISA
    assert charge.charge_id.startswith("ch_")
    again = processor.charge(amount_cents=2500, currency="USD", idempotency_key="live-1", token=token)
    assert again == charge
    assert [listed["id"] for listed in live.charges("live-1")] == [charge.charge_id]


def test_the_same_key_with_another_amount_is_refused(live, processor):
    token = live.token()
    processor.charge(amount_cents=2500, currency="USD", idempotency_key="live-2", token=token)
    with pytest.raises(IdempotencyKeyReused):
        processor.charge(amount_cents=2600, currency="USD", idempotency_key="live-2", token=token)
    assert len(live.charges("live-2")) == 1


@pytest.mark.parametrize("number, decline_code", [("4000000000000002", "card_declined"),
                                                  ("4000000000009995", "insufficient_funds"),
                                                  ("4000000000000069", "expired_card")])
def test_a_decline_is_an_answer(live, processor, number, decline_code):
    charge = processor.charge(amount_cents=100, currency="USD", idempotency_key=f"live-{number}",
                              token=live.token(number))
    assert not charge.approved and charge.decline_code == decline_code and charge.card.last4 == number[-4:]


def test_a_used_token_is_declined_without_a_card(live, processor):
    token = live.token()
    processor.charge(amount_cents=100, currency="USD", idempotency_key="live-used-1", token=token)
    charge = processor.charge(amount_cents=100, currency="USD", idempotency_key="live-used-2", token=token)
    assert (charge.approved, charge.decline_code, charge.card) == (False, "invalid_token", None)


def test_a_saved_card_charged_then_deleted(live, processor):
    saved = processor.save_card(live.token())
    assert isinstance(saved, SavedCard) and saved.card == VISA and saved.card_id.startswith("card_")
    assert processor.charge(amount_cents=700, currency="USD", idempotency_key="live-saved",
                            card_id=saved.card_id).approved
    processor.delete_card(saved.card_id)
    processor.delete_card(saved.card_id)           # forgetting twice is not an error
    processor.delete_card("card/with?odd#chars")   # nor forgetting one it never had
    after = processor.charge(amount_cents=700, currency="USD", idempotency_key="live-deleted", card_id=saved.card_id)
    assert after.decline_code == "invalid_token"


@pytest.mark.parametrize("token, decline_code", [(None, "expired_card"), ("tok_unknown", "invalid_token")])
def test_saving_refused(live, processor, token, decline_code):
    with pytest.raises(CardRefused) as refused:
        processor.save_card(token or live.token("4000000000000069"))
    assert refused.value.decline_code == decline_code


def test_refunds(live, processor):
    charge = processor.charge(amount_cents=5000, currency="USD", idempotency_key="live-refunded", token=live.token())
    first = processor.refund(charge_id=charge.charge_id, amount_cents=2000, idempotency_key="live-refund-1")
    assert first.amount_cents == 2000 and first.refund_id.startswith("re_")
    assert processor.refund(charge_id=charge.charge_id, amount_cents=2000, idempotency_key="live-refund-1") == first
    with pytest.raises(IdempotencyKeyReused):
        processor.refund(charge_id=charge.charge_id, amount_cents=1000, idempotency_key="live-refund-1")
    with pytest.raises(RefundRefused) as refused:
        processor.refund(charge_id=charge.charge_id, amount_cents=3001, idempotency_key="live-refund-2")
    assert refused.value.reason == "amount_too_large"
    with pytest.raises(RefundRefused) as unknown:
        processor.refund(charge_id="ch_unknown", amount_cents=1, idempotency_key="live-refund-3")
    assert unknown.value.reason == "no_such_charge"


def test_a_caller_that_gives_up_during_the_delay_finds_the_charge_made(live):
    """The delayed test card: a caller whose read times out (as if killed) asks again with
    the same key and gets the charge recorded before the delay; one charge in all."""
    token = live.token("4000000000000077")
    impatient = SandboxProcessor(live.url, SECRET, timeout=(3, 0.1))
    with pytest.raises(ProcessorUnavailable):
        impatient.charge(amount_cents=1234, currency="USD", idempotency_key="live-delayed", token=token)
    [recorded] = live.charges("live-delayed")
    assert recorded["status"] == "approved"
    again = SandboxProcessor(live.url, SECRET).charge(amount_cents=1234, currency="USD",
                                                      idempotency_key="live-delayed", token=token)
    assert again.approved and again.charge_id == recorded["id"] and len(live.charges("live-delayed")) == 1


def test_a_wrong_secret_key_or_no_processor_is_unavailable(live):
    with pytest.raises(ProcessorUnavailable):
        SandboxProcessor(live.url, "sk_wrong_key_000000").charge(amount_cents=1, currency="USD",
                                                                 idempotency_key="k", token=live.token())
    nobody = SandboxProcessor(f"http://127.0.0.1:{free_port()}", SECRET)
    for call in (lambda: nobody.charge(amount_cents=1, currency="USD", idempotency_key="k", token="t"),
                 lambda: nobody.save_card("t"), lambda: nobody.delete_card("c"),
                 lambda: nobody.refund(charge_id="c", amount_cents=1, idempotency_key="k")):
        with pytest.raises(ProcessorUnavailable):
            call()


def test_state_survives_a_restart_of_the_sandbox(tmp_path):
    sandbox = LiveSandbox(tmp_path).start()
    try:
        processor = SandboxProcessor(sandbox.url, SECRET)
        saved = processor.save_card(sandbox.token())
        first = processor.charge(amount_cents=100, currency="USD", idempotency_key="restart", card_id=saved.card_id)
        sandbox.stop()
        sandbox.start()
        assert processor.charge(amount_cents=100, currency="USD", idempotency_key="restart",
                                card_id=saved.card_id) == first
        assert processor.charge(amount_cents=100, currency="USD", idempotency_key="restart-2",
                                card_id=saved.card_id).approved
    finally:
        sandbox.stop()


def test_concurrent_charges_with_one_key_charge_once(live):
    """Twenty requests at once with one key (a double-clicked Pay, retries): one charge; each
    answer is that charge, or "still in flight" (ProcessorUnavailable: ask again)."""
    token = live.token()
    processor = SandboxProcessor(live.url, SECRET)

    def pay(_):
        try:
            return processor.charge(amount_cents=999, currency="USD", idempotency_key="live-concurrent", token=token)
        except ProcessorUnavailable:
            return None
    answers = list(eventlet.GreenPool(20).imap(pay, range(20)))
    [charge] = live.charges("live-concurrent")
    assert charge["status"] == "approved"
    assert {answer.charge_id for answer in answers if answer} == {charge["id"]}
