"""Message-to-pay against a real database and a fake sms behind its RPC: the request and its
text, the link kept only as a hash, the refusals that store and text nothing, the same
Idempotency-Key, sms's refusals and lost answers, follow-ups sent once each, opening a link,
cancelling, paying, expiry, the office's list and the settings."""
import re
import uuid
from datetime import date, timedelta

import eventlet
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, column, inspect, select, table

from chairside.contracts import payment_requests as contract
from chairside.contracts.sms import CANNOT_TEXT, PROVIDER_REFUSED, SPEND_LIMIT_REACHED, TEXTING_NOT_SET_UP
from chairside.refusals import NOT_SYNCED_YET, SERVICE_UNAVAILABLE, ChairsideError
from services.billing import domain_requests as rules
from services.billing.models import Base, LedgerEntry, Payment, PaymentSettings
from services.billing.request_models import PaymentRequest, PaymentRequestLink
from services.billing.usecases import accounts, payment_requests
from tests.usecases.events import patient_upserted as patient_event

KEY = b"b" * 32  # BILLING_SECRET_KEY
OTHER_KEY = b"o" * 32
CONSUMER = "billing.on_patient_upserted"
MARIA, SOFIA, DANIEL = "a1", "a2", "a3"
BASE = "https://portal.example.test/p/demo/pay/r/"
LINK = re.compile(re.escape(BASE) + r"([A-Za-z0-9_-]+)$")


class FakeSms:
    """sms's send_text as billing calls it, with sms's idempotency: the same key answers the
    first text again and texts nothing. `refuse` raises a refusal instead (nothing sent, the key
    freed); `lose_answer` sends the text, then raises as a timeout would."""

    def __init__(self):
        self.texts = []      # (practice_id, patient_id, text) of every text that went out
        self.by_key = {}
        self.calls = 0
        self.refuse = None
        self.lose_answer = False

    def send_text(self, practice_id, patient_id, text):
        self.calls += 1
        assert set(text) == {"body", "purpose", "idempotency_key"}
        if self.refuse is not None:
            raise self.refuse
        key = (practice_id, text["idempotency_key"])
        if key not in self.by_key:
            self.texts.append((practice_id, patient_id, dict(text)))
            self.by_key[key] = {"message_id": f"m-{len(self.texts)}"}
        if self.lose_answer:
            raise SERVICE_UNAVAILABLE()
        return self.by_key[key]

    def bodies(self):
        return [text["body"] for _, _, text in self.texts]

    def token(self, index=-1):
        return LINK.search(self.texts[index][2]["body"]).group(1)


@pytest.fixture
def sms():
    return FakeSms()


@pytest.fixture
def db(billing_db, clock):
    """Maria (PMS-1) answers for Sofia (PMS-2) and owes 100.00 + 25.00; Daniel (PMS-3) owes
    nothing; the practice takes payments online; Bo (PMS-9) is another practice's."""
    billing_db.deliver(CONSUMER, accounts.open_account,
                       patient_event(clock),
                       patient_event(clock, patient_id=SOFIA, external_id="PMS-2", guarantor_id=MARIA),
                       patient_event(clock, patient_id=DANIEL, external_id="PMS-3"),
                       patient_event(clock, practice_id="p2", patient_id="b1", external_id="PMS-9"))
    charge(billing_db, MARIA, 10_000)
    charge(billing_db, SOFIA, 2_500)
    online(billing_db)
    return billing_db


def charge(db, patient_id, cents, practice_id="p1"):
    now = db.clock.now()
    with db.session() as session, session.begin():
        session.add(LedgerEntry(id=str(uuid.uuid4()), practice_id=practice_id, patient_id=patient_id,
                                external_id=str(uuid.uuid4()), entry_date=date(2026, 11, 2), kind="charge",
                                amount_cents=cents, currency="USD", created_at=now, updated_at=now))


def online(db, practice_id="p1", on=True, minimum=500):
    with db.session() as session, session.begin():
        session.merge(PaymentSettings(practice_id=practice_id, online_payments=on, auto_post=True,
                                      minimum_cents=minimum, processor="sandbox", currency="USD",
                                      updated_at=db.clock.now()))


def ask(db, sms, patient_id=MARIA, practice_id="p1", **changes):
    sent = contract.NewPaymentRequest().load({"patient_id": patient_id, "practice_name": "Demo Dental",
                                              "link_base": BASE, **changes})
    return contract.PaymentRequest().dump(payment_requests.request_payment(db.worker(), sms, KEY, practice_id, sent))


def refused(code, call, *args, **kwargs):
    with pytest.raises(ChairsideError) as failure:
        call(*args, **kwargs)
    assert failure.value.code == code, failure.value
    return failure.value


def tick(db, sms):
    return payment_requests.send_due(db.worker(), sms, KEY)


def open_link(db, token, practice_id="p1", key=KEY):
    return db.run(payment_requests.open_payment_link, key, practice_id, token, answer=contract.PaymentLink())


def one(db, request_id, practice_id="p1"):
    return db.run(payment_requests.payment_request, practice_id, request_id, answer=contract.PaymentRequest(),
                  read_only=True)


def listed(db, practice_id="p1", **query):
    return db.run(payment_requests.listing, practice_id, contract.PaymentRequestQuery().load(query),
                  answer=contract.PaymentRequestPage(), read_only=True)


def cancel(db, request_id, practice_id="p1"):
    return db.run(payment_requests.cancel, practice_id, request_id, answer=contract.PaymentRequest())


def rows(db, model):
    with db.session() as session:
        return session.scalars(select(model)).all()


def payment(db, practice_id="p1"):
    now = db.clock.now()
    payment_id = str(uuid.uuid4())
    with db.session() as session, session.begin():
        session.add(Payment(id=payment_id, practice_id=practice_id, payer_id=MARIA, idempotency_key=payment_id,
                            fingerprint="f" * 64, channel="pay_link", amount_cents=12_500, currency="USD",
                            status="succeeded", processor="sandbox", save_card=False, refunded_cents=0,
                            created_at=now, settled_at=now))
    return payment_id


def paid(db, request_id, payment_id, practice_id="p1"):
    return db.run(payment_requests.request_paid, practice_id, request_id, payment_id,
                  answer=contract.PaymentRequest())


# -- a request and its text ---------------------------------------------------------------------

def test_a_request_texts_the_family_balance_with_a_link_answered_once(db, sms, clock):
    answer = ask(db, sms, message="Thank you for your visit!")
    [(practice_id, patient_id, text)] = sms.texts
    token = sms.token()
    assert answer == {"id": answer["id"], "patient": "PMS-1", "patient_id": MARIA, "amount_cents": 12_500,
                      "currency": "USD", "status": "sent", "created_at": clock.now().isoformat(),
                      "expires_at": (clock.now() + timedelta(days=30)).isoformat(), "texts_sent": 1,
                      "link": BASE + token}
    assert (practice_id, patient_id, text["purpose"]) == ("p1", MARIA, "payment_request")
    assert text["idempotency_key"] == f"payment_request:{answer['id']}:0"
    assert text["body"] == ("Demo Dental: you have a balance of $125.00 due. Thank you for your visit! "
                            f"Pay securely online:\n{BASE}{token}")
    assert len(token) >= 43
    [link] = rows(db, PaymentRequestLink)
    [stored] = rows(db, PaymentRequest)
    assert link.token_hash == rules.token_hash(KEY, token) and token not in link.token_hash
    assert all(token not in str(value) for value in vars(stored).values())
    assert one(db, answer["id"]) == {k: v for k, v in answer.items() if k != "link"}


def test_an_amount_of_the_office_s_choosing(db, sms):
    assert ask(db, sms, amount_cents=5_000)["amount_cents"] == 5_000
    assert "$50.00" in sms.bodies()[0]


@pytest.mark.parametrize("changes, code", [
    ({"amount_cents": 12_501}, "AMOUNT_ABOVE_BALANCE"),
    ({"amount_cents": 499}, "AMOUNT_BELOW_MINIMUM"),
    ({"patient_id": DANIEL}, "NOTHING_DUE"),
    ({"patient_id": "nobody"}, NOT_SYNCED_YET.code),
    ({"patient_id": "b1"}, NOT_SYNCED_YET.code),   # another practice's patient
])
def test_a_request_that_breaks_a_rule_stores_and_texts_nothing(db, sms, changes, code):
    refused(code, ask, db, sms, **changes)
    assert sms.calls == 0 and rows(db, PaymentRequest) == [] and rows(db, PaymentRequestLink) == []


def test_no_request_while_the_practice_takes_no_payments_online(db, sms):
    online(db, on=False)
    refused("ONLINE_PAYMENTS_OFF", ask, db, sms)
    assert sms.calls == 0 and rows(db, PaymentRequest) == []


def test_a_whole_balance_below_the_minimum_may_be_requested(db, sms):
    online(db, minimum=50_000)
    assert ask(db, sms)["amount_cents"] == 12_500


@pytest.mark.parametrize("refusal", [
    CANNOT_TEXT(fields={"text_ok": ["Text OK is no."]}), TEXTING_NOT_SET_UP(), SPEND_LIMIT_REACHED(),
    PROVIDER_REFUSED(), NOT_SYNCED_YET(service="sms", record="patient"),
], ids=lambda refusal: refusal.code)
def test_a_text_sms_refuses_is_answered_as_such_and_leaves_no_request(db, sms, refusal):
    sms.refuse = refusal
    refused(refusal.code, ask, db, sms)
    assert rows(db, PaymentRequest) == [] and rows(db, PaymentRequestLink) == []
    sms.refuse = None
    assert ask(db, sms)["status"] == "sent"   # the office may ask again once it is fixed


# -- the same Idempotency-Key -------------------------------------------------------------------

def test_the_same_key_answers_the_request_as_it_stands_and_texts_once(db, sms):
    first = ask(db, sms, idempotency_key="pms-7")
    again = ask(db, sms, idempotency_key="pms-7")
    assert again == {k: v for k, v in first.items() if k != "link"}
    assert len(sms.texts) == 1 and len(rows(db, PaymentRequest)) == 1


def test_the_same_key_with_another_request_is_refused(db, sms):
    ask(db, sms, idempotency_key="pms-7")
    refused("IDEMPOTENCY_KEY_REUSED", ask, db, sms, idempotency_key="pms-7", amount_cents=5_000)
    refused("IDEMPOTENCY_KEY_REUSED", ask, db, sms, idempotency_key="pms-7", message="Hi")
    assert ask(db, sms, idempotency_key="pms-8", amount_cents=5_000)["amount_cents"] == 5_000
    assert len(sms.texts) == 2


class SlowSms(FakeSms):
    """sms taking its time to answer, so that a second call comes meanwhile."""

    def send_text(self, practice_id, patient_id, text):
        eventlet.sleep(0.2)
        return super().send_text(practice_id, patient_id, text)


def test_two_calls_with_one_key_at_once_make_one_request_and_one_text(db):
    sms = SlowSms()
    calls = [eventlet.spawn(ask, db, sms, idempotency_key="pms-7") for _ in range(2)]
    answers = [call.wait() for call in calls]
    assert sms.calls == 2   # both asked sms, with one key: one text
    assert len(sms.texts) == 1 and len(rows(db, PaymentRequest)) == 1
    assert {answer["id"] for answer in answers} == {rows(db, PaymentRequest)[0].id}
    assert {answer["status"] for answer in answers} == {"sent"}
    assert len({answer["link"] for answer in answers}) == 2   # each its own, and each opens the request
    for answer in answers:
        assert open_link(db, LINK.search(answer["link"]).group(1))["request_id"] == answer["id"]


# -- answers lost: never texted twice -----------------------------------------------------------

def test_a_lost_answer_leaves_the_request_sending_and_a_retry_with_the_key_texts_nothing_more(db, sms):
    sms.lose_answer = True
    refused(SERVICE_UNAVAILABLE.code, ask, db, sms, idempotency_key="pms-7")
    [row] = rows(db, PaymentRequest)
    assert row.status == "sending" and listed(db)["payment_requests"][0]["status"] == "sending"
    sms.lose_answer = False
    again = ask(db, sms, idempotency_key="pms-7")
    assert again["status"] == "sent" and again["texts_sent"] == 1
    assert len(sms.texts) == 1 and sms.calls == 2
    # the link the patient got and the one answered now both open the request
    assert open_link(db, sms.token())["request_id"] == again["id"]
    assert open_link(db, LINK.search(again["link"]).group(1))["request_id"] == again["id"]


def test_the_timer_takes_up_a_first_text_left_in_doubt_after_a_while(db, sms, clock):
    sms.lose_answer = True
    refused(SERVICE_UNAVAILABLE.code, ask, db, sms)
    sms.lose_answer = False
    clock.advance(rules.RESUME_AFTER - timedelta(seconds=1))
    assert tick(db, sms) == 0
    clock.advance(timedelta(seconds=1))
    assert tick(db, sms) == 1
    [row] = rows(db, PaymentRequest)
    assert (row.status, row.texts_sent, row.sending_since) == ("sent", 1, None)
    assert len(sms.texts) == 1


# -- follow-ups ------------------------------------------------------------------------------

def test_two_follow_ups_go_at_3_and_7_days_each_once_with_a_link_of_its_own(db, sms, clock):
    request_id = ask(db, sms)["id"]
    clock.advance(timedelta(days=3) - timedelta(seconds=1))
    assert tick(db, sms) == 0
    clock.advance(timedelta(seconds=1))
    assert tick(db, sms) == 1 and tick(db, sms) == 0
    assert sms.texts[1][2]["idempotency_key"] == f"payment_request:{request_id}:1"
    assert sms.bodies()[1].startswith("Reminder from Demo Dental: your balance of $125.00 is still due.")
    clock.advance(timedelta(days=4))
    assert tick(db, sms) == 1
    clock.advance(timedelta(days=10))
    assert tick(db, sms) == 0
    assert len(sms.texts) == 3 and one(db, request_id)["texts_sent"] == 3
    tokens = {sms.token(i) for i in range(3)}
    assert len(tokens) == 3
    assert {open_link(db, token)["request_id"] for token in tokens} == {request_id}


@pytest.mark.parametrize("stop", ["cancelled", "paid", "expired"])
def test_no_follow_up_once_paid_cancelled_or_expired(db, sms, clock, stop):
    if stop == "expired":   # a follow-up 3 days after a text whose link works 3 days
        db.run(payment_requests.change_settings, "p1", {"link_days": 4, "follow_up_days": [3]})
    request_id = ask(db, sms)["id"]
    if stop == "cancelled":
        cancel(db, request_id)
    elif stop == "paid":
        paid(db, request_id, payment(db))
    else:
        with db.session() as session, session.begin():
            session.get(PaymentRequest, request_id).expires_at = clock.now() + timedelta(days=3)
    clock.advance(timedelta(days=8))
    assert tick(db, sms) == 0
    assert len(sms.texts) == 1
    assert sms.bodies()[-1].startswith("Demo Dental: you have")
    assert one(db, request_id)["status"] == stop


def test_a_refused_follow_up_is_skipped_and_the_next_still_goes(db, sms, clock):
    request_id = ask(db, sms)["id"]
    sms.refuse = SPEND_LIMIT_REACHED()
    clock.advance(timedelta(days=3))
    assert tick(db, sms) == 1
    sms.refuse = None
    assert tick(db, sms) == 0
    clock.advance(timedelta(days=4))
    assert tick(db, sms) == 1
    assert len(sms.texts) == 2 and one(db, request_id)["texts_sent"] == 2


def test_a_crash_between_sending_a_follow_up_and_recording_it_never_texts_twice(db, sms, clock):
    request_id = ask(db, sms)["id"]
    clock.advance(timedelta(days=3))
    sms.lose_answer = True
    assert tick(db, sms) == 1
    sms.lose_answer = False
    assert tick(db, sms) == 0      # in flight: left alone for a while
    clock.advance(rules.RESUME_AFTER)
    assert tick(db, sms) == 1      # taken up again: sms answers the text it has
    assert len(sms.texts) == 2 and sms.calls == 3
    assert one(db, request_id)["texts_sent"] == 2
    assert [open_link(db, sms.token(i))["request_id"] for i in range(2)] == [request_id] * 2


def test_sms_out_of_reach_ends_the_timer_s_run_and_the_texts_go_later(db, sms, clock):
    ask(db, sms)
    ask(db, sms, patient_id=SOFIA, amount_cents=2_500)
    clock.advance(timedelta(days=3))
    sms.refuse = SERVICE_UNAVAILABLE()     # each call would wait out the deadline: one is enough
    assert tick(db, sms) == 1 and sms.calls == 3
    sms.refuse = None
    assert tick(db, sms) == 1               # the other one, not in doubt
    clock.advance(rules.RESUME_AFTER)
    assert tick(db, sms) == 1               # the one in doubt, taken up again
    assert len(sms.texts) == 4


def test_without_follow_ups_only_the_first_text_goes(db, sms, clock):
    db.run(payment_requests.change_settings, "p1", {"link_days": 30, "follow_up_days": []})
    ask(db, sms)
    clock.advance(timedelta(days=29))
    assert tick(db, sms) == 0 and len(sms.texts) == 1


def test_the_schedule_a_request_was_made_with_is_kept(db, sms, clock):
    request_id = ask(db, sms)["id"]
    db.run(payment_requests.change_settings, "p1", {"link_days": 10, "follow_up_days": [1]})
    clock.advance(timedelta(days=2))
    assert tick(db, sms) == 0
    clock.advance(timedelta(days=1))
    assert tick(db, sms) == 1
    assert one(db, request_id)["expires_at"] == (clock.now() - timedelta(days=3) + timedelta(days=30)).isoformat()


# -- opening a link ---------------------------------------------------------------------------

def test_opening_a_link_marks_the_request_opened(db, sms, clock):
    made = ask(db, sms)
    answer = open_link(db, sms.token())
    assert answer == {"request_id": made["id"], "patient_id": MARIA, "amount_cents": 12_500, "currency": "USD",
                      "status": "opened", "expires_at": made["expires_at"]}
    assert open_link(db, sms.token())["status"] == "opened"
    assert one(db, made["id"])["status"] == "opened"
    assert rows(db, PaymentRequest)[0].opened_at == clock.now()


def test_a_link_expires_after_its_days_but_its_record_stays(db, sms, clock):
    made = ask(db, sms)
    token = sms.token()
    clock.advance(timedelta(days=30) - timedelta(microseconds=1))
    open_link(db, token)
    clock.advance(timedelta(microseconds=1))
    refused("PAYMENT_LINK_EXPIRED", open_link, db, token)
    assert one(db, made["id"])["status"] == "expired"
    assert rows(db, PaymentRequest)[0].status == "opened"


@pytest.mark.parametrize("how", ["unknown", "another-practice", "another-key", "cancelled", "cut", "not-text"])
def test_links_that_do_not_work_all_answer_the_same(db, sms, how):
    made = ask(db, sms)
    token = sms.token()
    attempt = {"unknown": lambda: open_link(db, rules.new_token()),
               "another-practice": lambda: open_link(db, token, "p2"),
               "another-key": lambda: open_link(db, token, key=OTHER_KEY),
               "cancelled": lambda: (cancel(db, made["id"]), open_link(db, token)),
               "cut": lambda: open_link(db, token[:-1]),
               "not-text": lambda: open_link(db, None)}[how]
    refusal = refused("PAYMENT_LINK_INVALID", attempt)
    assert refusal.message == contract.PAYMENT_LINK_INVALID().message


def test_a_paid_request_s_link_says_it_is_paid(db, sms):
    made = ask(db, sms)
    paid(db, made["id"], payment(db))
    assert open_link(db, sms.token())["status"] == "paid"


# -- paid, cancelled ------------------------------------------------------------------------------

def test_a_payment_from_the_link_marks_the_request_paid_once(db, sms, clock):
    made = ask(db, sms)
    payment_id = payment(db)
    assert paid(db, made["id"], payment_id)["status"] == "paid"
    when = rows(db, PaymentRequest)[0].paid_at
    clock.advance(timedelta(minutes=5))
    assert paid(db, made["id"], payment_id)["status"] == "paid"
    assert rows(db, PaymentRequest)[0].paid_at == when == clock.now() - timedelta(minutes=5)
    payments = table("payments", column("id"), column("payment_request_id"))
    with db.session() as session:
        assert session.execute(select(payments.c.payment_request_id)).scalar_one() == made["id"]
    refused("PAYMENT_REQUEST_NOT_FOUND", paid, db, made["id"], payment_id, practice_id="p2")


def test_cancelling_stops_the_link_and_twice_changes_nothing(db, sms):
    made = ask(db, sms)
    assert cancel(db, made["id"])["status"] == "cancelled"
    assert cancel(db, made["id"])["status"] == "cancelled"


@pytest.mark.parametrize("closed", ["paid", "expired"])
def test_a_paid_or_expired_request_is_not_cancelled(db, sms, clock, closed):
    made = ask(db, sms)
    if closed == "paid":
        paid(db, made["id"], payment(db))
    else:
        clock.advance(timedelta(days=30))
    refusal = refused("PAYMENT_REQUEST_CLOSED", cancel, db, made["id"])
    assert closed in refusal.message
    assert one(db, made["id"])["status"] == closed


def test_another_practice_s_request_is_not_found(db, sms):
    made = ask(db, sms)
    refused("PAYMENT_REQUEST_NOT_FOUND", one, db, made["id"], "p2")
    refused("PAYMENT_REQUEST_NOT_FOUND", cancel, db, made["id"], "p2")
    refused("PAYMENT_REQUEST_NOT_FOUND", one, db, str(uuid.uuid4()))


# -- the office's list ---------------------------------------------------------------------------

def test_the_list_is_newest_first_by_status_and_since_paged(db, sms, clock):
    first = ask(db, sms, amount_cents=1_000)["id"]
    clock.advance(timedelta(days=1))
    second = ask(db, sms, amount_cents=2_000)["id"]
    clock.advance(timedelta(days=1))
    third = ask(db, sms, amount_cents=3_000)["id"]
    cancel(db, second)
    page = listed(db)
    assert [r["id"] for r in page["payment_requests"]] == [third, second, first]
    assert (page["page"], page["per_page"], page["total"]) == (1, 50, 3)
    assert page["payment_requests"][0]["patient"] == "PMS-1" and "link" not in page["payment_requests"][0]
    assert [r["id"] for r in listed(db, status="cancelled")["payment_requests"]] == [second]
    assert [r["id"] for r in listed(db, status="sent")["payment_requests"]] == [third, first]
    assert [r["id"] for r in listed(db, since=(clock.now() - timedelta(days=1)).isoformat())
            ["payment_requests"]] == [third, second]
    assert [r["id"] for r in listed(db, per_page=1, page=2)["payment_requests"]] == [second]
    clock.advance(timedelta(days=29))
    assert [r["id"] for r in listed(db, status="expired")["payment_requests"]] == [first]
    assert [r["id"] for r in listed(db, status="sent")["payment_requests"]] == [third]
    assert listed(db, "p2")["total"] == 0


# -- settings -----------------------------------------------------------------------------------

def settings_of(db, practice_id="p1"):
    return db.run(payment_requests.current_settings, practice_id, answer=contract.RequestSettings(), read_only=True)


def test_settings_default_to_30_days_and_follow_ups_at_3_and_7(db):
    assert settings_of(db) == {"link_days": 30, "follow_up_days": [3, 7]}


def test_settings_are_replaced_per_practice_and_new_requests_follow_them(db, sms, clock):
    db.run(payment_requests.change_settings, "p1", {"link_days": 14, "follow_up_days": [5]})
    assert settings_of(db) == {"link_days": 14, "follow_up_days": [5]}
    assert settings_of(db, "p2") == {"link_days": 30, "follow_up_days": [3, 7]}
    assert ask(db, sms)["expires_at"] == (clock.now() + timedelta(days=14)).isoformat()


@pytest.mark.parametrize("sent", [
    {"link_days": 7, "follow_up_days": [3, 7]},
    {"link_days": 30, "follow_up_days": [7, 3]},
    {"link_days": 30, "follow_up_days": [3, 3]},
])
def test_a_schedule_that_cannot_be_kept_is_refused_and_nothing_changes(db, sent):
    refused("RULE_BROKEN", db.run, payment_requests.change_settings, "p1", sent)
    assert settings_of(db) == {"link_days": 30, "follow_up_days": [3, 7]}


# -- the tables -------------------------------------------------------------------------------------

MINE = {PaymentRequest.__tablename__, PaymentRequestLink.__tablename__, "payment_request_settings"}


def test_migration_0005_and_the_request_models_describe_the_same_tables(emptied):
    mine = MetaData()
    for name in MINE:
        Base.metadata.tables[name].to_metadata(mine)
    with emptied.engine("billing").connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "include_name": lambda name, kind, parent: name in MINE if kind == "table" else True})
        assert compare_metadata(context, mine) == []
    assert "payment_request_id" in {c["name"] for c in inspect(emptied.engine("billing")).get_columns("payments")}
