"""Paying through the card processor: once per idempotency key (replay, another request,
one in flight, two at once), declines remembered, the processor away or billing killed
between the charge and the record (resumed with the same key: one charge), the amount
rules, posting on and off, and the office's list and daily total."""
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from marshmallow import ValidationError
from sqlalchemy import column, func, select, table

from chairside.contracts import payments as contract
from chairside.contracts.payment_requests import PAYMENT_REQUEST_NOT_FOUND
from chairside.refusals import NOT_SYNCED_YET, ChairsideError
from services.billing import domain
from services.billing.models import LedgerEntry, Payment
from services.billing.request_models import PaymentRequest
from services.billing.usecases import balances, payments, transactions
from tests.usecases import billing_world
from tests.usecases.billing_world import FakeProcessors, announced, family, payment_settings, token


processor, world = billing_world.processor, billing_world.world   # fixtures


def pay(billing_db, world, key="k1", amount_cents=2_500, payer_id="a1", **asked):
    asked = {"token": token(), **asked} if "saved_card" not in asked else asked
    loaded = contract.Pay().load({"idempotency_key": key, "amount_cents": amount_cents, **asked})
    return contract.Receipt().dump(payments.pay(billing_db.worker(), world, "p1", payer_id, loaded))


def refused(code, call, *args, **kwargs):
    with pytest.raises(ChairsideError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code.code, caught.value.message
    return caught.value


def stored(billing_db):
    with billing_db.session() as session:
        return session.scalars(select(Payment).order_by(Payment.created_at)).all()


def ledger(billing_db, patient_id="a1"):
    with billing_db.session() as session:
        return [(row.kind, row.amount_cents, row.payment_id, row.external_id) for row in session.scalars(
            select(LedgerEntry).where(LedgerEntry.patient_id == patient_id).order_by(LedgerEntry.created_at,
                                                                                     LedgerEntry.kind))]


def due(billing_db, payer_id="a1"):
    with billing_db.worker().unit_of_work(read_only=True) as uow:
        return balances.family_balance(uow, "p1", payer_id).due_cents


def test_a_new_card_pays_part_of_the_family_balance_posted_at_once(billing_db, world, processor, clock):
    billing_world.known_as(billing_db, "a1", "P-ADA")
    receipt = pay(billing_db, world, amount_cents=2_500)
    assert receipt["status"] == "succeeded" and receipt["amount_cents"] == 2_500 and receipt["currency"] == "USD"
    assert (receipt["card_brand"], receipt["card_last4"], receipt["posted"]) == ("visa", "4242", True)
    [row] = stored(billing_db)
    assert row.charge_source is None and row.processor_charge_id.startswith("ch_") and row.settled_at == clock.now()
    # the processor was asked once, with the payment's own id as its idempotency key
    assert [call[1] for call in processor.calls_of("charge")] == [row.id]
    assert ledger(billing_db)[-1] == ("payment", 2_500, row.id, None)
    assert due(billing_db) == 15_000 - 2_500
    [(kind, data)] = announced(billing_db)
    assert kind == "payment_received" and data == {
        "payment_id": row.id, "patient_id": "a1", "patient": "P-ADA", "amount_cents": 2_500, "currency": "USD",
        "card_brand": "visa",
        "card_last4": "4242", "posted": True, "channel": "portal", "received_at": clock.now().isoformat()}


def test_with_automatic_posting_off_a_payment_is_pending_until_the_office_posts_it(billing_db, world, processor):
    payment_settings(billing_db, auto_post=False)
    receipt = pay(billing_db, world, amount_cents=4_000)
    assert receipt["posted"] is False and receipt["posted_at"] is None
    assert [entry[0] for entry in ledger(billing_db)] == ["charge"]
    assert due(billing_db) == 15_000 - 4_000   # the pending line lowers what is due
    assert announced(billing_db)[0][1]["posted"] is False
    posted = billing_db.run(payments.post_payment, "p1", receipt["id"], answer=contract.Receipt())
    assert posted["posted"] is True and ledger(billing_db)[-1] == ("payment", 4_000, receipt["id"], None)
    assert due(billing_db) == 11_000
    again = billing_db.run(payments.post_payment, "p1", receipt["id"], answer=contract.Receipt())
    assert again == posted and len(ledger(billing_db)) == 2


def test_posting_refuses_an_unknown_or_declined_payment(billing_db, world):
    refused(contract.PAYMENT_NOT_FOUND, billing_db.run, payments.post_payment, "p1", "nope")
    refused(contract.CARD_DECLINED, pay, billing_db, world, token=token("declined"))
    [row] = stored(billing_db)
    refused(contract.PAYMENT_NOT_SUCCEEDED, billing_db.run, payments.post_payment, "p1", row.id)
    refused(contract.PAYMENT_NOT_FOUND, billing_db.run, payments.post_payment, "p2", row.id)


def test_the_same_key_replays_the_first_answer_and_charges_once(billing_db, world, processor):
    first = pay(billing_db, world, key="same")
    # a retry carries the same request, perhaps with a fresh token from the card field
    assert pay(billing_db, world, key="same") == first
    assert len(processor.calls_of("charge")) == 1 and len(stored(billing_db)) == 1
    assert len(announced(billing_db)) == 1 and due(billing_db) == 12_500


@pytest.mark.parametrize("other", [{"amount_cents": 2_600}, {"save_card": True}, {"channel": "pay_link"},
                                   {"payer_id": "a2"}], ids=lambda other: next(iter(other)))
def test_the_same_key_with_another_request_is_refused(billing_db, world, processor, other):
    pay(billing_db, world, key="same")
    refused(contract.IDEMPOTENCY_KEY_REUSED, pay, billing_db, world, key="same", **other)
    assert len(processor.calls_of("charge")) == 1 and len(stored(billing_db)) == 1


@pytest.mark.parametrize("kind, words", [
    ("declined", "the card was declined"), ("no-funds", "insufficient funds"), ("expired", "has expired"),
    ("used", "no longer valid")])
def test_a_declined_card_is_remembered_and_its_key_answers_the_same_refusal(billing_db, world, processor, kind,
                                                                            words):
    used = token()
    processor.used.add(used)
    tok = used if kind == "used" else token(kind)
    refusal = refused(contract.CARD_DECLINED, pay, billing_db, world, key="d1", token=tok)
    assert words in refusal.message and refusal.fields == {"card": [refusal.message.split(": ", 1)[1]]}
    [row] = stored(billing_db)
    assert row.status == "declined" and row.decline_code and row.charge_source is None
    again = refused(contract.CARD_DECLINED, pay, billing_db, world, key="d1", token=tok)
    assert again.message == refusal.message and len(processor.calls_of("charge")) == 1
    assert announced(billing_db) == [] and [entry[0] for entry in ledger(billing_db)] == ["charge"]
    assert due(billing_db) == 15_000


def test_online_payments_off_refuses_before_anything_is_stored(billing_db, world, processor):
    payment_settings(billing_db, online_payments=False)
    refused(contract.ONLINE_PAYMENTS_OFF, pay, billing_db, world)
    assert stored(billing_db) == [] and processor.calls == []


@pytest.mark.parametrize("amount, code, words", [
    (15_001, contract.AMOUNT_ABOVE_BALANCE, "150.01 USD is more than the balance due, 150.00 USD"),
    (99, contract.AMOUNT_BELOW_MINIMUM, "0.99 USD is less than the minimum payment, 1.00 USD"),
])
def test_an_amount_outside_the_balance_and_the_minimum_is_refused_with_the_amounts(billing_db, world, processor,
                                                                                   amount, code, words):
    refusal = refused(code, pay, billing_db, world, amount_cents=amount)
    assert words in refusal.message and refusal.fields == {"amount_cents": [refusal.message]}
    assert stored(billing_db) == [] and processor.calls == []


def test_the_whole_of_a_balance_below_the_minimum_may_be_paid_and_nothing_more(billing_db, processor):
    family(billing_db, owed=50, son_owes=0)
    payment_settings(billing_db)
    world = FakeProcessors(processor)
    refused(contract.AMOUNT_BELOW_MINIMUM, pay, billing_db, world, amount_cents=49)
    assert pay(billing_db, world, amount_cents=50)["status"] == "succeeded"
    refused(contract.NOTHING_DUE, pay, billing_db, world, key="k2", amount_cents=1)


def test_a_son_pays_only_his_own_balance(billing_db, world):
    refused(contract.AMOUNT_ABOVE_BALANCE, pay, billing_db, world, payer_id="a2", amount_cents=5_001)
    assert pay(billing_db, world, payer_id="a2", amount_cents=5_000)["payer_id"] == "a2"


def test_a_payer_billing_has_not_heard_of_is_not_synced_yet(billing_db, world):
    refused(NOT_SYNCED_YET, pay, billing_db, world, payer_id="zz")


def test_payments_in_flight_count_against_the_balance(billing_db, world, processor):
    processor.down = True
    refused(contract.PROCESSOR_UNAVAILABLE, pay, billing_db, world, key="k1", amount_cents=10_000)
    processor.down = False
    refused(contract.AMOUNT_ABOVE_BALANCE, pay, billing_db, world, key="k2", amount_cents=5_001)
    assert pay(billing_db, world, key="k3", amount_cents=5_000)["status"] == "succeeded"


def test_a_processor_away_leaves_the_payment_processing_and_the_same_key_resumes_it(billing_db, world, processor,
                                                                                   clock):
    processor.down = True
    tok = token()
    refused(contract.PROCESSOR_UNAVAILABLE, pay, billing_db, world, key="k1", token=tok)
    [row] = stored(billing_db)
    assert row.status == "processing" and row.charge_source == tok
    processor.down = False
    # too soon: the first request may still be waiting for the processor
    refused(contract.PAYMENT_IN_PROGRESS, pay, billing_db, world, key="k1", token=tok)
    clock.advance(domain.RESUME_AFTER)
    receipt = pay(billing_db, world, key="k1", token=tok)
    assert receipt["status"] == "succeeded" and receipt["id"] == row.id
    assert {call[1] for call in processor.calls_of("charge")} == {row.id} and len(processor.charges) == 1
    assert stored(billing_db)[0].charge_source is None


def test_killed_after_the_charge_and_before_the_record_the_timer_ends_with_one_charge(billing_db, world, processor,
                                                                                     clock):
    asked = contract.Pay().load({"idempotency_key": "k1", "amount_cents": 3_000, "token": token()})
    with billing_db.worker().unit_of_work() as uow:
        row = payments.begin(uow, "p1", "a1", asked)
    # the charge went through, then billing died before step 3
    processor.charge(amount_cents=3_000, currency="USD", idempotency_key=row.id, token=row.charge_source)
    assert payments.resume_unsettled(billing_db.worker(), world) == 0   # within the grace: left alone
    clock.advance(domain.RESUME_AFTER + timedelta(seconds=1))
    assert payments.resume_unsettled(billing_db.worker(), world) == 1
    [row] = stored(billing_db)
    assert row.status == "succeeded" and row.charge_source is None
    assert len(processor.charges) == 1 and len(processor.calls_of("charge")) == 2   # asked twice, charged once
    assert ledger(billing_db)[-1] == ("payment", 3_000, row.id, None) and len(announced(billing_db)) == 1
    assert payments.resume_unsettled(billing_db.worker(), world) == 0
    assert pay(billing_db, world, key="k1", amount_cents=3_000)["id"] == row.id


def test_the_timer_records_a_decline_it_resumes_without_raising(billing_db, world, processor, clock):
    processor.down = True
    refused(contract.PROCESSOR_UNAVAILABLE, pay, billing_db, world, key="k1", token=token("declined"))
    processor.down = False
    clock.advance(domain.RESUME_AFTER)
    assert payments.resume_unsettled(billing_db.worker(), world) == 1
    assert stored(billing_db)[0].status == "declined"
    refused(contract.CARD_DECLINED, pay, billing_db, world, key="k1")


def test_two_requests_with_one_key_at_once_call_the_processor_once(billing_db, world, processor):
    processor.hold = threading.Event()
    start = threading.Barrier(2)

    def one(_):
        start.wait()
        try:
            return pay(billing_db, world, key="k1", token="tok_ok_same")["status"]
        except ChairsideError as refusal:
            processor.hold.set()   # the loser has its answer: let the winner's charge finish
            return refusal.code
    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(one, range(2)))
    assert outcomes == ["PAYMENT_IN_PROGRESS", "succeeded"]
    assert len(processor.calls_of("charge")) == 1 and len(stored(billing_db)) == 1


def test_two_payments_of_one_family_at_once_never_pay_more_than_is_due(billing_db, world, processor):
    start = threading.Barrier(2)

    def one(key):
        start.wait()
        try:
            return pay(billing_db, world, key=key, amount_cents=10_000)["status"]
        except ChairsideError as refusal:
            return refusal.code
    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(one, ["k1", "k2"]))
    assert outcomes == ["AMOUNT_ABOVE_BALANCE", "succeeded"] and len(processor.calls_of("charge")) == 1


# -- the office's list and daily total --------------------------------------------------------

def test_the_office_lists_payments_since_a_time_in_pages(billing_db, world, clock):
    start = clock.now()
    ids = []
    for n in range(3):
        ids.append(pay(billing_db, world, key=f"k{n}", amount_cents=1_000 + n)["id"])
        clock.advance(timedelta(minutes=1))
    refused(contract.CARD_DECLINED, pay, billing_db, world, key="kd", token=token("declined"))

    def listed(since, page=1, per_page=2):
        query = contract.PaymentsQuery().load({"since": since.isoformat(), "page": page, "per_page": per_page})
        return billing_db.run(transactions.payments_since, "p1", query, answer=contract.PaymentPage(), read_only=True)
    first = listed(start)
    assert first["total"] == 4 and [p["id"] for p in first["payments"]] == ids[:2]
    second = listed(start, page=2)
    assert [p["status"] for p in second["payments"]] == ["succeeded", "declined"]
    assert listed(start + timedelta(minutes=1), per_page=10)["total"] == 3
    receipt = {
        "id": ids[0], "payer_id": "a1", "amount_cents": 1_000, "currency": "USD", "status": "succeeded",
        "card_brand": "visa", "card_last4": "4242", "channel": "portal", "posted": True,
        "posted_at": start.isoformat(), "refunded_cents": 0, "created_at": start.isoformat(),
        "settled_at": start.isoformat()}
    # the payer by the PMS's id too: null while billing has not heard it from identity
    assert listed(start, per_page=10)["payments"][0] == {**receipt, "payer": None}
    billing_world.known_as(billing_db, "a1", "P-ADA")
    assert [p["payer"] for p in listed(start, per_page=10)["payments"]] == ["P-ADA"] * 4
    assert listed(start, per_page=10)["payments"][0] == {**receipt, "payer": "P-ADA"}
    other = contract.PaymentsQuery().load({"since": start.isoformat()})
    assert billing_db.run(transactions.payments_since, "p2", other, answer=contract.PaymentPage())["total"] == 0


def test_the_daily_total_counts_what_went_through_in_the_window(billing_db, world, clock):
    start = clock.now()
    pay(billing_db, world, key="k1", amount_cents=1_000)
    refused(contract.CARD_DECLINED, pay, billing_db, world, key="kd", token=token("declined"))
    clock.advance(timedelta(days=1))
    pay(billing_db, world, key="k2", amount_cents=2_000)

    def total(since, until):
        window = contract.TotalWindow().load({"since": since.isoformat(), "until": until.isoformat()})
        return billing_db.run(transactions.payments_total, "p1", window, answer=contract.PaymentsTotal())
    assert total(start, start + timedelta(days=1)) == {
        "count": 1, "amount_cents": 1_000, "refunded_cents": 0, "net_cents": 1_000, "currency": "USD"}
    assert total(start, start + timedelta(days=2))["amount_cents"] == 3_000


def test_a_payment_is_read_by_its_payer_and_the_office_only(billing_db, world):
    receipt = pay(billing_db, world)
    read = billing_db.run(payments.payment, "p1", receipt["id"], "a1", answer=contract.Receipt(), read_only=True)
    assert read == receipt
    assert billing_db.run(payments.payment, "p1", receipt["id"], answer=contract.Receipt()) == receipt
    refused(contract.PAYMENT_NOT_FOUND, billing_db.run, payments.payment, "p1", receipt["id"], "a2")
    refused(contract.PAYMENT_NOT_FOUND, billing_db.run, payments.payment, "p2", receipt["id"])


def test_no_card_token_stays_once_settled(billing_db, world):
    pay(billing_db, world)
    with billing_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Payment).where(Payment.charge_source.isnot(None))) == 0


# -- a payment from a payment request's link ----------------------------------------------------

def payment_request(billing_db, patient_id="a1", practice_id="p1", status="sent"):
    """A payment request texted to `patient_id` (as message-to-pay stores it), its id."""
    now = billing_db.clock.now()
    request_id = str(uuid.uuid4())
    with billing_db.session() as session, session.begin():
        session.add(PaymentRequest(id=request_id, practice_id=practice_id, patient_id=patient_id, amount_cents=4_000,
                                   currency="USD", practice_name="Demo Dental", link_base="https://x.test/p/d/pay/r/",
                                   status=status, fingerprint="f" * 64, texts_sent=1, next_text=1, created_at=now,
                                   expires_at=now + timedelta(days=30), first_sent_at=now))
    return request_id


def request_status(billing_db, request_id):
    with billing_db.session() as session:
        row = session.get(PaymentRequest, request_id)
        return row.status, row.paid_at


def request_of_payment(billing_db, payment_id):
    payments_table = table("payments", column("id"), column("payment_request_id"))
    with billing_db.session() as session:
        return session.scalar(select(payments_table.c.payment_request_id).where(payments_table.c.id == payment_id))


def test_a_payment_from_a_request_s_link_pays_the_request_in_the_unit_that_records_it(billing_db, world, processor,
                                                                                      clock):
    request_id = payment_request(billing_db)
    receipt = pay(billing_db, world, amount_cents=4_000, channel="pay_link", payment_request=request_id)
    assert receipt["status"] == "succeeded" and receipt["channel"] == "pay_link"
    assert request_status(billing_db, request_id) == ("paid", clock.now())
    assert request_of_payment(billing_db, receipt["id"]) == request_id
    # the same key replays the payment: one charge, the request paid once
    assert pay(billing_db, world, amount_cents=4_000, channel="pay_link", payment_request=request_id)["id"] == \
        receipt["id"]
    assert len(processor.charges) == 1


def test_a_declined_payment_leaves_its_request_as_it_was(billing_db, world, processor):
    request_id = payment_request(billing_db)
    refused(contract.CARD_DECLINED, pay, billing_db, world, amount_cents=4_000, channel="pay_link",
            payment_request=request_id, token=token("declined"))
    assert request_status(billing_db, request_id) == ("sent", None)


@pytest.mark.parametrize("whose", ["unknown", "other_practice", "other_patient"])
def test_a_request_not_the_payer_s_at_this_practice_is_refused_before_any_charge(billing_db, world, processor,
                                                                                 whose):
    request_id = {"unknown": lambda: str(uuid.uuid4()),
                  "other_practice": lambda: payment_request(billing_db, practice_id="p2"),
                  "other_patient": lambda: payment_request(billing_db, patient_id="a2")}[whose]()
    refused(PAYMENT_REQUEST_NOT_FOUND, pay, billing_db, world, amount_cents=4_000, channel="pay_link",
            payment_request=request_id)
    assert stored(billing_db) == [] and processor.calls_of("charge") == []


def test_only_a_payment_from_a_link_names_a_request(billing_db, world):
    with pytest.raises(ValidationError) as caught:
        contract.Pay().load({"idempotency_key": "k1", "amount_cents": 100, "token": token(),
                             "payment_request": "r1"})
    assert "payment_request" in caught.value.messages


def test_the_same_key_for_another_request_is_another_request(billing_db, world):
    first, second = payment_request(billing_db), payment_request(billing_db)
    pay(billing_db, world, amount_cents=4_000, channel="pay_link", payment_request=first)
    refused(contract.IDEMPOTENCY_KEY_REUSED, pay, billing_db, world, amount_cents=4_000, channel="pay_link",
            payment_request=second)


def test_a_link_s_payment_resumed_after_a_crash_still_pays_its_request(billing_db, world, processor, clock):
    request_id = payment_request(billing_db)
    asked = contract.Pay().load({"idempotency_key": "k1", "amount_cents": 3_000, "token": token(),
                                 "channel": "pay_link", "payment_request": request_id})
    with billing_db.worker().unit_of_work() as uow:
        row = payments.begin(uow, "p1", "a1", asked)
    processor.charge(amount_cents=3_000, currency="USD", idempotency_key=row.id, token=row.charge_source)
    assert request_status(billing_db, request_id) == ("sent", None)
    clock.advance(domain.RESUME_AFTER + timedelta(seconds=1))
    assert payments.resume_unsettled(billing_db.worker(), world) == 1
    assert request_status(billing_db, request_id)[0] == "paid"
