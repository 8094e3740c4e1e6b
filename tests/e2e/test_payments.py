"""Paying with the services and the sandbox card processor as processes: one key charges
once (two requests at once, a replay, a different body), a billing process SIGKILLed after
the processor charged and before billing recorded it ends in exactly one charge once billing
restarts, posting off keeps a pending line until the office posts it, and refunds."""
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import requests

from scripts.admin import rpc
from tests.e2e.conftest import start_system, wait_until
from tests.e2e.garcia import MARIA, TestClock, signed_in

pytestmark = pytest.mark.e2e

APPROVED = "4242424242424242"
DELAYED = "4000000000000077"   # the sandbox records the charge, then answers after a delay
SETTINGS = {"online_payments": True, "auto_post": True, "minimum_cents": 100, "processor": "sandbox",
            "currency": "USD"}


def token(running, number=APPROVED):
    """What the hosted field gives the browser: a single-use token from the sandbox."""
    answer = requests.post(f"{running.system.processor_url}/v1/tokens", json={
        "number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


def charges(running, key=None):
    """The sandbox's charges (with `key`), as a reconciliation would count them."""
    secret = running.system["billing"].env["PROCESSOR_SANDBOX_SECRET_KEY"]
    answer = requests.get(f"{running.system.processor_url}/v1/charges", params={"idempotency_key": key} if key else {},
                          headers={"Authorization": f"Bearer {secret}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["charges"]


def owing(office, external_id, cents, settings=SETTINGS):
    assert office.http.put(f"{office.url}/office/v1/payment-settings", json=settings, timeout=30).status_code == 200
    wait_until(lambda: office.http.put(f"{office.url}/office/v1/ledger-entries/{external_id}-{uuid.uuid4().hex[:6]}",
                                       json={"patient": external_id, "date": "2026-11-20", "kind": "charge",
                                             "amount_cents": cents}, timeout=30).status_code == 200,
               message="billing to know the patient")


def pay(portal, session, key, body):
    return requests.post(f"{portal.url}/api/v1/payments", json=body, timeout=60,
                         headers={"Authorization": f"Bearer {session}", "Idempotency-Key": key})


def balance(portal, session):
    answer = portal.get("/api/v1/balance", session)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_one_key_charges_once_however_it_is_sent(family, system):
    portal, office, _ = family
    running, _, _ = system
    owing(office, "P-1", 20_000)
    session = signed_in(portal, office)
    body = {"amount_cents": 7_500, "token": token(running)}
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: pay(portal, session, "pay-once", body), range(2)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses in ([201, 201], [201, 409]), [a.text for a in answers]
    receipt = next(a.json() for a in answers if a.status_code == 201)
    assert receipt["status"] == "succeeded" and receipt["card_last4"] == "4242" and receipt["posted"] is True
    assert len(charges(running, receipt["id"])) == 1

    replay = pay(portal, session, "pay-once", body)
    assert replay.status_code == 201 and replay.json() == receipt
    other = pay(portal, session, "pay-once", {**body, "amount_cents": 100})
    assert other.status_code == 422 and other.json()["error"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(charges(running, receipt["id"])) == 1
    assert balance(portal, session)["due_cents"] == 12_500


def test_posting_off_keeps_a_pending_line_until_the_office_posts_it_and_a_refund_gives_money_back(family, system):
    portal, office, _ = family
    running, _, _ = system
    owing(office, "P-1", 10_000, settings={**SETTINGS, "auto_post": False})
    session = signed_in(portal, office)
    receipt = pay(portal, session, "pending-1", {"amount_cents": 4_000, "token": token(running)}).json()
    assert receipt["posted"] is False
    before = balance(portal, session)
    assert (before["ledger_cents"], before["pending_cents"], before["due_cents"]) == (10_000, 4_000, 6_000)

    posted = office.http.post(f"{office.url}/office/v1/payments/{receipt['id']}/posted", timeout=30)
    assert posted.status_code == 200 and posted.json()["posted"] is True
    after = balance(portal, session)
    assert (after["ledger_cents"], after["pending_cents"], after["due_cents"]) == (6_000, 0, 6_000)

    refunded = office.http.post(f"{office.url}/office/v1/payments/{receipt['id']}/refunds", json={"amount_cents": 1_500},
                                headers={"Idempotency-Key": "refund-1"}, timeout=30)
    assert refunded.status_code == 201, refunded.text
    assert refunded.json()["refunded_cents"] == 1_500
    assert balance(portal, session)["due_cents"] == 7_500
    since = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    listed = office.http.get(f"{office.url}/office/v1/payments", params={"since": since}, timeout=30).json()
    assert [(p["id"], p["payer"], p["refunded_cents"]) for p in listed["payments"]] == [(receipt["id"], "P-1", 1_500)]


@pytest.fixture
def crashable(databases, amqp_uri, tmp_path):
    """A system of the test's own (its billing is killed) on a clock the test moves, billing
    looking for unsettled payments every second."""
    clock = TestClock(tmp_path / "clock-offset")
    run = start_system(databases, amqp_uri, tmp_path / "logs", extra_env={
        "CHAIRSIDE_CLOCK_FILE": str(clock.path), "BILLING_RESUME_SECONDS": "1",
        "PROCESSOR_SANDBOX_DELAY_SECONDS": "3", "SMS_OUTBOX_PATH": str(tmp_path / "outbox.jsonl")})
    yield run, clock
    run.system.stop()
    run.dispose()


def test_billing_killed_after_the_charge_ends_in_exactly_one_charge_once_it_restarts(crashable):
    running, clock = crashable
    practice, office = running.new_practice("crash")
    assert office.put_patient("P-1", **{k: v for k, v in MARIA.items() if k != "clinic"}).status_code == 200
    owing(office, "P-1", 5_000)
    patient_id = office.get("/office/v1/patients/P-1").json()["id"]
    asked = {"idempotency_key": "patient:crash-1", "amount_cents": 2_500, "token": token(running, DELAYED),
             "channel": "portal"}

    # billing asks the sandbox, which records the charge and answers 3 s later: billing dies in between
    threading.Thread(target=lambda: _ignore(rpc, running.amqp_uri, "billing", "pay", practice["id"], patient_id,
                                            asked, timeout=20), daemon=True).start()
    wait_until(lambda: running.scalar("billing", "SELECT count(*) FROM payments WHERE status = 'processing'") == 1,
               message="billing to ask for the payment")
    payment_id = running.scalar("billing", "SELECT id FROM payments")
    wait_until(lambda: len(charges(running, payment_id)) == 1, message="the sandbox to charge")
    running.system["billing"].kill()
    assert running.scalar("billing", "SELECT status FROM payments") == "processing"

    running.system["billing"].start()
    clock.advance(minutes=2)   # past the grace after which billing asks the processor again
    wait_until(lambda: running.scalar("billing", "SELECT status FROM payments") == "succeeded", timeout=60,
               message="billing to resume the payment")
    assert len(charges(running, payment_id)) == 1
    assert running.scalar("billing", "SELECT count(*) FROM ledger_entries WHERE payment_id = :p", p=payment_id) == 1
    assert running.scalar("billing", "SELECT charge_source FROM payments") is None
    again = rpc(running.amqp_uri, "billing", "pay", practice["id"], patient_id, asked)
    assert again["id"] == payment_id and again["status"] == "succeeded"
    assert len(charges(running, payment_id)) == 1


def _ignore(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except Exception:   # the billing that was asked is killed: its answer never comes
        pass
