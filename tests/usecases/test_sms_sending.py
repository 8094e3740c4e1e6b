"""Sending a text: to a patient who may be texted, from the clinic the rules choose; the
provider is called outside any transaction and a text it did not accept is kept as failed,
uncharged. Idempotency keys, batches and stale sends; the spend limit is test_sms_limit.py."""
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.testing.services import worker_factory
from sqlalchemy import func, select

from chairside.contracts.sms import ReceiptApplied, SendResult, SentText
from chairside.refusals import ChairsideError, Conflict, NotFound, ServiceUnavailable
from chairside.tables import OutboxRow
from services.sms import domain
from services.sms.domain import fees
from services.sms.adapters import LocalProvider
from services.sms.models import Clinic, Contact, NumberOptOut, OutgoingMessage, PendingReceipt, PracticeTexting
from services.sms.service import SmsService
from services.sms.usecases import receipts, sending
from tests.usecases.sms_inbound_world import FakeProvider

MOBILE = "+15555550111"
MAIN_NUMBER = "+15555550100"
DEFAULT_NUMBER = "+15555550200"
REMINDER = {"body": "Your appointment is tomorrow at 9:00.", "purpose": "reminder"}
US_FEE = "0.0079"  # services/sms/fees.json: a US segment out
US_FEE_MICROS = 7900


def clinic(clinic_id, practice_id="p1", subscribed=True, number=MAIN_NUMBER, name=None):
    return Clinic(clinic_id=clinic_id, practice_id=practice_id, external_id=f"ext-{clinic_id}",
                  name=name or clinic_id, phone=None, country="US", timezone="America/New_York", version=1,
                  texting_subscribed=subscribed, texting_number=number)


def contact(patient_id="a1", practice_id="p1", clinic_id="c1", mobile_phone=MOBILE, text_ok="yes",
            opted_out=False):
    return Contact(patient_id=patient_id, practice_id=practice_id, clinic_id=clinic_id, mobile_phone=mobile_phone,
                   text_ok=text_ok, opted_out=opted_out, version=1)


def given(sms_db, *rows, default=None, practice_id="p1"):
    """Rows as sms holds them after identity's events and the office's settings."""
    with sms_db.session() as session, session.begin():
        session.add_all(rows)
        if default is not None:
            session.add(PracticeTexting(practice_id=practice_id, default_clinic_id=default))


def send(sms_db, provider, practice_id="p1", patient_id="a1", sent=REMINDER):
    return sending.send_text(sms_db.worker(), provider, practice_id, patient_id, dict(sent))


STAFF_PHONE = "+15555550177"
STAFF_CODE = {"body": "Your Chairside console sign-in code is 271828.", "purpose": "staff_login_code"}


def text_staff(sms_db, provider, practice_id="p1", phone=STAFF_PHONE, sent=STAFF_CODE):
    return sending.text_staff(sms_db.worker(), provider, practice_id, phone, dict(sent))


def refusal_of(sms_db, provider, sender=send, **kwargs):
    with pytest.raises(ChairsideError) as refused:
        sender(sms_db, provider, **kwargs)
    return refused.value


def messages(sms_db):
    with sms_db.session() as session:
        return session.scalars(select(OutgoingMessage)).all()


def nothing_stored(sms_db):
    with sms_db.session() as session:
        return session.scalar(select(func.count()).select_from(OutgoingMessage)) == 0


# -- what is sent and stored ------------------------------------------------------------------

def test_a_sent_text_is_stored_and_answered(sms_db, clock):
    given(sms_db, clinic("c1"), contact())
    provider = FakeProvider()
    message = send(sms_db, provider)
    assert provider.sent == [(MOBILE, MAIN_NUMBER, REMINDER["body"])]
    assert SentText().dump(message) == {"message_id": message.id, "to": MOBILE, "from": MAIN_NUMBER,
                                        "encoding": "GSM-7", "segments": 1, "charge_usd": US_FEE,
                                        "status": "sent", "sent_at": "2026-11-22T15:00:00+00:00"}
    [kept] = messages(sms_db)
    assert (kept.id, kept.practice_id, kept.clinic_id, kept.patient_id) == (message.id, "p1", "c1", "a1")
    assert (kept.status, kept.encoding, kept.segments, kept.charge_micros) == ("sent", "GSM-7", 1, US_FEE_MICROS)
    assert (kept.to_phone, kept.from_phone, kept.purpose, kept.body) == \
        (MOBILE, MAIN_NUMBER, "reminder", REMINDER["body"])
    assert kept.provider_message_id == "prov-1" and kept.sent_at == clock.now()


def test_each_text_is_its_own_message(sms_db, clock):
    given(sms_db, clinic("c1"), contact())
    provider = FakeProvider()
    first, second = send(sms_db, provider), send(sms_db, provider)
    assert first.id != second.id
    assert sorted(m.provider_message_id for m in messages(sms_db)) == ["prov-1", "prov-2"]


def test_the_local_provider_writes_the_text_to_its_outbox(sms_db, clock, tmp_path):
    given(sms_db, clinic("c1"), contact())
    outbox = tmp_path / "outbox.jsonl"
    message = send(sms_db, LocalProvider(outbox, clock=clock))
    [line] = outbox.read_text().splitlines()
    written = json.loads(line)
    assert written == {"id": message.provider_message_id, "to": MOBILE, "from": MAIN_NUMBER,
                       "body": REMINDER["body"], "sent_at": "2026-11-22T15:00:00Z"}
    assert messages(sms_db)[0].provider_message_id == written["id"]


def test_a_sign_in_codes_text_is_sent_whole_and_not_kept_readable(sms_db):
    given(sms_db, clinic("c1"), contact())
    provider = FakeProvider()
    code_text = {"body": "Your Chairside sign-in code is 493817.", "purpose": "login_code"}
    message = send(sms_db, provider, sent=code_text)
    assert provider.sent[0][2] == code_text["body"]   # the patient gets the code
    [kept] = messages(sms_db)
    assert "493817" not in kept.body and "493817" not in message.body
    assert kept.purpose == "login_code"
    assert SentText().dump(message)["message_id"] == kept.id


@pytest.mark.parametrize("purpose", ["reminder", "payment_receipt", "login_code.v2", "opt_in"])
def test_other_texts_keep_their_body(sms_db, purpose):
    given(sms_db, clinic("c1"), contact())
    send(sms_db, FakeProvider(), sent={"body": "Text 493817", "purpose": purpose})
    assert messages(sms_db)[0].body == "Text 493817"


# -- from which clinic ------------------------------------------------------------------------

# Each case: the rows sms holds (made fresh for each test), the default clinic's id, and
# the clinic the text goes out from.
SENDERS = {
    "patient-clinic": (lambda: [clinic("c1"), contact(clinic_id="c1"), clinic("cd", number=DEFAULT_NUMBER)],
                       "cd", "c1"),
    "patient-clinic-no-default": (lambda: [clinic("c1"), contact(clinic_id="c1")], None, "c1"),
    "no-clinic-default": (lambda: [contact(clinic_id=None), clinic("cd", number=DEFAULT_NUMBER)], "cd", "cd"),
    "clinic-unsubscribed-default": (lambda: [clinic("c1", subscribed=False), contact(clinic_id="c1"),
                                             clinic("cd", number=DEFAULT_NUMBER)], "cd", "cd"),
    "clinic-without-number-default": (lambda: [clinic("c1", number=None), contact(clinic_id="c1"),
                                               clinic("cd", number=DEFAULT_NUMBER)], "cd", "cd"),
    "clinic-not-synced-default": (lambda: [contact(clinic_id="c-later"), clinic("cd", number=DEFAULT_NUMBER)],
                                  "cd", "cd"),
    "other-practices-clinic-default": (lambda: [clinic("c1", practice_id="p2"), contact(clinic_id="c1"),
                                                clinic("cd", number=DEFAULT_NUMBER)], "cd", "cd"),
}


@pytest.mark.parametrize("rows, default, sender", SENDERS.values(), ids=SENDERS.keys())
def test_the_sender_is_the_patients_clinic_else_the_default(sms_db, rows, default, sender):
    given(sms_db, *rows(), default=default)
    provider = FakeProvider()
    message = send(sms_db, provider)
    number = {"c1": MAIN_NUMBER, "cd": DEFAULT_NUMBER}[sender]
    assert (message.clinic_id, message.from_phone) == (sender, number)
    assert provider.sent == [(MOBILE, number, REMINDER["body"])]


NOT_SET_UP = {
    "nothing": (lambda: [contact(clinic_id=None)], None),
    "clinic-unsubscribed-no-default": (lambda: [clinic("c1", subscribed=False), contact(clinic_id="c1")], None),
    "default-unsubscribed": (lambda: [contact(clinic_id=None), clinic("cd", subscribed=False)], "cd"),
    "default-without-number": (lambda: [clinic("c1", subscribed=False), contact(clinic_id="c1"),
                                        clinic("cd", number=None)], "cd"),
    "a-clinic-that-is-neither": (lambda: [contact(clinic_id=None), clinic("cd")], None),
    "other-practices-clinic": (lambda: [clinic("c1", practice_id="p2"), contact(clinic_id="c1")], None),
}


# A staff member's phone is no patient's: only the practice's default clinic can text it.
STAFF_NOT_SET_UP = {
    "no-default": (lambda: [clinic("c1")], None),   # a clinic that texts is no default
    "default-unsubscribed": (lambda: [clinic("cd", subscribed=False)], "cd"),
    "default-without-number": (lambda: [clinic("cd", number=None)], "cd"),
    "default-not-synced": (lambda: [], "c-later"),
    "another-practices-clinic": (lambda: [clinic("c9", practice_id="p2")], "c9"),
}


@pytest.mark.parametrize("rows, default, sender", [
    *(pytest.param(*case, send, id=f"patient-{name}") for name, case in NOT_SET_UP.items()),
    *(pytest.param(*case, text_staff, id=f"staff-{name}") for name, case in STAFF_NOT_SET_UP.items()),
])
def test_with_no_clinic_that_can_text_the_send_is_refused(sms_db, rows, default, sender):
    given(sms_db, *rows(), default=default)
    provider = FakeProvider()
    refused = refusal_of(sms_db, provider, sender)
    assert isinstance(refused, Conflict) and refused.code == "TEXTING_NOT_SET_UP"
    assert provider.sent == [] and nothing_stored(sms_db)


@pytest.mark.parametrize("default_of", ["p2", "p1"], ids=["the-other-practices-default", "a-stray-default"])
def test_another_practices_clinic_never_texts_for_us(sms_db, default_of):
    """Whether the other practice chose it, or our default somehow names it."""
    given(sms_db, contact(clinic_id=None), clinic("c9", practice_id="p2"), default="c9", practice_id=default_of)
    provider = FakeProvider()
    assert refusal_of(sms_db, provider).code == "TEXTING_NOT_SET_UP"
    assert provider.sent == []


# -- to whom ----------------------------------------------------------------------------------

@pytest.mark.parametrize("consent, fields", [
    (dict(mobile_phone=None), {"mobile_phone": [domain.NO_MOBILE_PHONE]}),
    (dict(mobile_phone=""), {"mobile_phone": [domain.NO_MOBILE_PHONE]}),
    (dict(opted_out=True), {"mobile_phone": [domain.OPTED_OUT]}),
    (dict(opted_out=True, text_ok="no"), {"mobile_phone": [domain.OPTED_OUT]}),
    (dict(text_ok="no"), {"text_ok": [domain.TEXT_NOT_OK]}),
], ids=["no-phone", "empty-phone", "opted-out", "opted-out-and-text-ok-no", "text-ok-no"])
def test_a_patient_who_must_not_be_texted_is_not(sms_db, consent, fields):
    given(sms_db, clinic("c1"), contact(**consent))
    provider = FakeProvider()
    refused = refusal_of(sms_db, provider)
    assert isinstance(refused, Conflict) and refused.code == "CANNOT_TEXT" and refused.fields == fields
    assert provider.sent == [] and nothing_stored(sms_db)


def test_text_ok_yes_may_be_texted(sms_db):
    given(sms_db, clinic("c1"), contact(text_ok="yes"))
    assert send(sms_db, FakeProvider()).to_phone == MOBILE


def test_text_ok_unknown_is_no_consent(sms_db):
    given(sms_db, clinic("c1"), contact(text_ok="unknown"))
    provider = FakeProvider()
    refused = refusal_of(sms_db, provider)
    assert refused.code == "CANNOT_TEXT" and refused.fields == {"text_ok": [domain.TEXT_OK_UNKNOWN]}
    assert provider.sent == [] and nothing_stored(sms_db)


@pytest.mark.parametrize("text_ok", ["no", "unknown"])
@pytest.mark.parametrize("purpose", ["login_code", "claim_code", "reset_code"])
def test_a_code_the_patient_asked_for_goes_whatever_text_ok_says(sms_db, text_ok, purpose):
    given(sms_db, clinic("c1"), contact(text_ok=text_ok))
    assert send(sms_db, FakeProvider(), sent={"body": "Your code is 123456.", "purpose": purpose}).status == "sent"


def test_a_number_that_texted_stop_gets_nothing_but_its_keyword_reply(sms_db, clock):
    """NumberOptOut is the opt-out itself, whatever the contact says (and deliver checks it,
    so the paths that skip send_text, such as the keyword replies, obey it too)."""
    given(sms_db, clinic("c1"), contact(), NumberOptOut(practice_id="p1", phone=MOBILE, opted_out_at=clock.now()))
    provider = FakeProvider()
    refused = refusal_of(sms_db, provider)
    assert refused.code == "CANNOT_TEXT" and refused.fields == {"phone": [domain.NUMBER_OPTED_OUT]}
    code = refusal_of(sms_db, provider, sent={"body": "Your code is 123456.", "purpose": "login_code"})
    assert code.code == "CANNOT_TEXT"
    assert provider.sent == [] and nothing_stored(sms_db)
    sender = domain.TextingClinic("c1", True, MAIN_NUMBER)
    reply = {"body": "You will receive no more texts from Smile Dental.", "purpose": "keyword_reply"}
    assert sending.deliver(sms_db.worker(), provider, "p1", None, MOBILE, sender, reply).status == "sent"
    assert provider.sent == [(MOBILE, MAIN_NUMBER, reply["body"])]


@pytest.mark.parametrize("practice_id, patient_id", [("p2", "a1"), ("p1", "a404")],
                         ids=["another-practices-patient", "not-synced"])
def test_a_patient_outside_the_practice_is_not_synced_yet(sms_db, practice_id, patient_id):
    given(sms_db, clinic("c1"), contact(), clinic("c9", practice_id="p2", number=DEFAULT_NUMBER), default="c9",
          practice_id="p2")
    provider = FakeProvider()
    refused = refusal_of(sms_db, provider, practice_id=practice_id, patient_id=patient_id)
    assert isinstance(refused, NotFound) and refused.code == "NOT_SYNCED_YET"
    assert provider.sent == [] and nothing_stored(sms_db)


# -- when the provider fails ------------------------------------------------------------------

@pytest.mark.parametrize("sender", [send, text_staff], ids=["patient", "staff"])
@pytest.mark.parametrize("failure", [ConnectionError("unreachable"), TimeoutError(), RuntimeError("HTTP 500"),
                                     ValueError("number not mobile")], ids=lambda exc: type(exc).__name__)
def test_a_provider_that_fails_leaves_the_text_failed_and_uncharged(sms_db, failure, sender):
    given(sms_db, clinic("c1"), contact(), default="c1")
    provider = FakeProvider(fails_with=failure)
    refused = refusal_of(sms_db, provider, sender)
    assert isinstance(refused, ServiceUnavailable) and refused.code == "PROVIDER_REFUSED"
    assert "not sent" in refused.message
    [kept] = messages(sms_db)
    assert len(provider.sent) == 1
    assert (kept.status, kept.charge_micros, kept.provider_message_id) == ("failed", 0, None)


def test_a_send_after_a_provider_failure_goes_through(sms_db):
    given(sms_db, clinic("c1"), contact())
    provider = FakeProvider(fails_with=ConnectionError("unreachable"))
    refusal_of(sms_db, provider)
    provider.fails_with = None
    message = send(sms_db, provider)
    assert sorted((m.status, m.id == message.id) for m in messages(sms_db)) == [("failed", False), ("sent", True)]


# -- a staff member's own phone: the staff sign-in code ----------------------------------------

def test_a_staff_code_goes_from_the_default_clinic_and_is_kept_with_no_patient_and_no_code(sms_db, clock):
    given(sms_db, clinic("c1"), clinic("cd", number=DEFAULT_NUMBER), default="cd")
    provider = FakeProvider()
    message = text_staff(sms_db, provider)
    assert provider.sent == [(STAFF_PHONE, DEFAULT_NUMBER, STAFF_CODE["body"])]   # the staff member gets the code
    assert {name: value for name, value in SentText().dump(message).items() if name in ("to", "from", "status")} \
        == {"to": STAFF_PHONE, "from": DEFAULT_NUMBER, "status": "sent"}
    [kept] = messages(sms_db)
    assert (kept.practice_id, kept.clinic_id, kept.patient_id, kept.to_phone, kept.purpose) == \
        ("p1", "cd", None, STAFF_PHONE, "staff_login_code")
    assert "271828" not in kept.body and kept.provider_message_id == "prov-1" and kept.sent_at == clock.now()


def test_a_staff_phone_that_opted_out_as_a_patient_s_is_not_texted(sms_db):
    given(sms_db, clinic("cd", number=DEFAULT_NUMBER), contact(mobile_phone=STAFF_PHONE, opted_out=True), default="cd")
    provider = FakeProvider()
    refused = refusal_of(sms_db, provider, text_staff)
    assert isinstance(refused, Conflict) and refused.code == "CANNOT_TEXT"
    assert refused.fields == {"phone": [domain.NUMBER_OPTED_OUT]}
    assert provider.sent == [] and nothing_stored(sms_db)


@pytest.mark.parametrize("rows", [
    lambda: [contact(mobile_phone=STAFF_PHONE)],                                   # a patient's, not opted out
    lambda: [contact(mobile_phone=STAFF_PHONE, opted_out=True, practice_id="p2")],  # opted out of another practice
    lambda: [contact(mobile_phone="+15555550178", opted_out=True)],                # another number opted out
], ids=["shared-with-a-patient", "other-practice-opt-out", "other-number-opt-out"])
def test_only_this_practice_s_opt_out_of_this_number_stops_a_staff_code(sms_db, rows):
    given(sms_db, clinic("cd", number=DEFAULT_NUMBER), *rows(), default="cd")
    assert text_staff(sms_db, FakeProvider()).to_phone == STAFF_PHONE


# -- what a text costs, and what is announced ----------------------------------------------------

def outbox(sms_db, event_type=None):
    """The envelopes sms wrote to its outbox (of `event_type`), in order."""
    with sms_db.session() as session:
        rows = session.scalars(select(OutboxRow).order_by(OutboxRow.seq)).all()
    return [event for event in (json.loads(row.body) for row in rows) if event_type in (None, event["type"])]


@pytest.mark.parametrize("body, encoding, parts, country, charge", [
    ("x" * 160, "GSM-7", 1, "US", "0.0079"),
    ("x" * 161, "GSM-7", 2, "US", "0.0158"),
    ("é" * 10 + "ő", "UCS-2", 1, "US", "0.0079"),
    ("ő" * 71, "UCS-2", 2, "GB", None),
], ids=["gsm-160", "gsm-161", "ucs2", "ucs2-71-gb"])
def test_a_text_is_charged_by_its_segments_at_the_sender_clinic_s_fee(sms_db, body, encoding, parts, country,
                                                                       charge):
    row = clinic("c1")
    row.country = country
    given(sms_db, row, contact())
    message = send(sms_db, FakeProvider(), sent={"body": body, "purpose": "reminder"})
    expected = fees.usd(fees.charge(fees.fees_for(fees.fee_table(), country), "outbound", parts))
    assert (message.encoding, message.segments, message.charge_usd) == (encoding, parts, charge or expected)


def test_a_sent_text_is_announced_with_its_charge(sms_db, clock):
    given(sms_db, clinic("c1"), contact())
    message = send(sms_db, FakeProvider())
    [event] = outbox(sms_db, "message_sent")
    assert event["practice_id"] == "p1" and event["source"] == "sms"
    assert event["data"] == {"message_id": message.id, "patient_id": "a1", "clinic_id": "c1", "purpose": "reminder",
                             "encoding": "GSM-7", "segments": 1, "charge_usd": US_FEE,
                             "sent_at": "2026-11-22T15:00:00+00:00"}


def test_a_failed_text_is_not_announced(sms_db):
    given(sms_db, clinic("c1"), contact())
    refusal_of(sms_db, FakeProvider(fails_with=ConnectionError("down")))
    assert outbox(sms_db, "message_sent") == []


# -- idempotency: a key texts once -----------------------------------------------------------------

KEYED = {**REMINDER, "idempotency_key": "reminder:appt-7"}


def test_a_second_send_with_the_key_answers_the_first_and_sends_nothing(sms_db):
    given(sms_db, clinic("c1"), contact())
    provider = FakeProvider()
    first = send(sms_db, provider, sent=KEYED)
    again = send(sms_db, provider, sent={**KEYED, "body": "Something else"})
    assert again.id == first.id and again.status == "sent" and again.body == REMINDER["body"]
    assert len(provider.sent) == 1 and len(messages(sms_db)) == 1
    assert len(outbox(sms_db, "message_sent")) == 1


def test_a_key_answers_its_message_even_when_the_patient_may_no_longer_be_texted(sms_db):
    given(sms_db, clinic("c1"), contact())
    provider = FakeProvider()
    first = send(sms_db, provider, sent=KEYED)
    with sms_db.session() as session, session.begin():
        session.get(Contact, "a1").opted_out = True
    assert send(sms_db, provider, sent=KEYED).id == first.id and len(provider.sent) == 1


def test_a_key_the_provider_refused_is_freed_and_the_retry_sends_once(sms_db):
    given(sms_db, clinic("c1"), contact())
    provider = FakeProvider(fails_with=ConnectionError("down"))
    assert refusal_of(sms_db, provider, sent=KEYED).code == "PROVIDER_REFUSED"
    provider.fails_with = None
    again = send(sms_db, provider, sent=KEYED)
    assert again.status == "sent" and len(provider.sent) == 2
    assert send(sms_db, provider, sent=KEYED).id == again.id and len(provider.sent) == 2
    with sms_db.session() as session:
        assert sorted((m.status, m.idempotency_key) for m in session.scalars(select(OutgoingMessage))) == [
            ("failed", None), ("sent", KEYED["idempotency_key"])]


def test_a_receipt_that_came_before_its_text_was_recorded_is_applied_when_it_is(sms_db):
    given(sms_db, clinic("c1"), contact())
    assert sms_db.run(receipts.receive_receipt, {"provider_message_id": "prov-1", "status": "delivered"},
                      answer=ReceiptApplied()) == {"applied": False}
    message = send(sms_db, FakeProvider())
    [kept] = messages(sms_db)
    assert (kept.id, kept.provider_message_id, kept.status) == (message.id, "prov-1", "delivered")
    with sms_db.session() as session:
        assert session.scalar(select(func.count()).select_from(PendingReceipt)) == 0


class StopsPartWay:
    """A provider that sends a batch text by text (like Twilio) and fails at the third."""

    class Interrupted(Exception):
        def __init__(self, sent):
            super().__init__("the carrier went away")
            self.sent = sent

    def __init__(self):
        self.sent = []

    def send_many(self, items):
        for to, from_, body in items:
            if len(self.sent) == 2:
                raise self.Interrupted([f"prov-{n + 1}" for n in range(len(self.sent))])
            self.sent.append((to, from_, body))
        return [f"prov-{n + 1}" for n in range(len(self.sent))]


def test_a_batch_the_provider_stopped_part_way_records_what_went_as_sent(sms_db):
    given(sms_db, clinic("c1"), *[contact(patient_id=f"a{n}", mobile_phone=f"+1555000000{n}") for n in range(4)])
    texts = [dict(REMINDER, patient_id=f"a{n}", idempotency_key=f"k{n}") for n in range(4)]
    outcomes = sending.send_texts(sms_db.worker(), StopsPartWay(), "p1", texts)
    assert [o.sent.status if o.sent else o.error.code for o in outcomes] == [
        "sent", "sent", "PROVIDER_REFUSED", "PROVIDER_REFUSED"]
    with sms_db.session() as session:
        kept = session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.to_phone)).all()
        assert [(m.status, m.provider_message_id, m.idempotency_key) for m in kept] == [
            ("sent", "prov-1", "k0"), ("sent", "prov-2", "k1"), ("failed", None, None), ("failed", None, None)]


def test_keys_belong_to_their_practice(sms_db):
    given(sms_db, clinic("c1"), contact(), clinic("c9", practice_id="p2", number=DEFAULT_NUMBER),
          contact(patient_id="b1", practice_id="p2", clinic_id="c9"))
    provider = FakeProvider()
    ours = send(sms_db, provider, sent=KEYED)
    theirs = send(sms_db, provider, practice_id="p2", patient_id="b1", sent=KEYED)
    assert ours.id != theirs.id and len(provider.sent) == 2


def test_the_same_key_at_once_from_two_workers_texts_once(sms_db):
    """Two copies of sms (two connections) deliver one key at the same moment: the practice's
    row and the key's unique constraint let one through; the other answers its message."""
    given(sms_db, clinic("c1"), contact(), PracticeTexting(practice_id="p1"))
    provider = FakeProvider()
    sender = domain.TextingClinic("c1", True, MAIN_NUMBER)
    start = threading.Barrier(2)

    def one():
        start.wait()
        return sending.deliver(sms_db.worker(), provider, "p1", "a1", MOBILE, sender, dict(KEYED)).id
    with ThreadPoolExecutor(2) as pool:
        ids = list(pool.map(lambda _: one(), range(2)))
    assert ids[0] == ids[1] and len(provider.sent) == 1 and len(messages(sms_db)) == 1


# -- a batch ---------------------------------------------------------------------------------------

class BatchProvider(FakeProvider):
    """Takes a batch at once, as the local provider does."""

    def __init__(self, fails_with=None):
        super().__init__(fails_with)
        self.batches = 0

    def send_many(self, texts):
        self.batches += 1
        return [self.send(*text) for text in texts]


def test_a_batch_sends_what_may_go_at_once_and_says_why_for_the_rest(sms_db, clock):
    given(sms_db, clinic("c1"), contact(), contact(patient_id="a2", mobile_phone="+15555550112"),
          contact(patient_id="a3", mobile_phone="+15555550113", text_ok="unknown"),
          contact(patient_id="a4", mobile_phone="+15555550114"),
          NumberOptOut(practice_id="p1", phone="+15555550114", opted_out_at=clock.now()))
    provider = BatchProvider()
    texts = [{"patient_id": patient_id, **REMINDER} for patient_id in ("a1", "a2", "a3", "a4", "a404")]
    texts.append({"patient_id": "a2", **KEYED})
    texts.append({"patient_id": "a2", **KEYED})  # the same key twice in one batch: one text
    outcomes = sending.send_texts(sms_db.worker(), provider, "p1", texts)
    answer = SendResult(many=True).dump(outcomes)
    assert [item["patient_id"] for item in answer] == ["a1", "a2", "a3", "a4", "a404", "a2", "a2"]
    assert [item["sent"]["status"] if item["sent"] else item["error"]["code"] for item in answer] == \
        ["sent", "sent", "CANNOT_TEXT", "CANNOT_TEXT", "NOT_SYNCED_YET", "sent", "sent"]
    assert answer[5]["sent"]["message_id"] == answer[6]["sent"]["message_id"]
    assert answer[2]["error"]["fields"] == {"text_ok": [domain.TEXT_OK_UNKNOWN]}
    assert provider.batches == 1 and len(provider.sent) == 3
    assert len(messages(sms_db)) == 3 and len(outbox(sms_db, "message_sent")) == 3


def test_a_batch_the_provider_refuses_is_failed_whole_and_uncharged(sms_db):
    given(sms_db, clinic("c1"), contact(), contact(patient_id="a2", mobile_phone="+15555550112"))
    outcomes = sending.send_texts(sms_db.worker(), BatchProvider(fails_with=ConnectionError("down")), "p1",
                                  [{"patient_id": "a1", **REMINDER}, {"patient_id": "a2", **REMINDER}])
    assert [outcome.error.code for outcome in outcomes] == ["PROVIDER_REFUSED", "PROVIDER_REFUSED"]
    assert {(m.status, m.charge_micros) for m in messages(sms_db)} == {("failed", 0)}


def test_a_batch_through_the_local_provider_is_one_append(sms_db, clock, tmp_path):
    rows = [contact(patient_id=f"a{n}", mobile_phone=f"+155555502{n:02d}") for n in range(50)]
    given(sms_db, clinic("c1"), *rows)
    outbox_file = tmp_path / "outbox.jsonl"
    outcomes = sending.send_texts(sms_db.worker(), LocalProvider(outbox_file, clock=clock), "p1",
                                  [{"patient_id": f"a{n}", **REMINDER} for n in range(50)])
    lines = [json.loads(line) for line in outbox_file.read_text().splitlines()]
    assert [line["to"] for line in lines] == [f"+155555502{n:02d}" for n in range(50)]
    assert [line["id"] for line in lines] == [outcome.sent.provider_message_id for outcome in outcomes]


# -- a text left "sending" by a crash ------------------------------------------------------------

def reserve_only(sms_db, sent=KEYED):
    """The first step of a send, committed, as a copy that crashed before the provider leaves it."""
    sender = domain.TextingClinic("c1", True, MAIN_NUMBER)
    with sms_db.worker().unit_of_work() as uow:
        [message] = sending.reserve(uow, "p1", [("a1", MOBILE, sender, dict(sent))]).results
    return message


def test_a_text_left_sending_is_never_sent_again_and_fails_after_15_minutes(sms_db, clock):
    given(sms_db, clinic("c1"), contact())
    left = reserve_only(sms_db)
    provider = FakeProvider()
    assert send(sms_db, provider, sent=KEYED).status == "sending" and provider.sent == []
    clock.advance(sending.STALE_AFTER)
    assert sms_db.run(sending.fail_stale_sending, sending.STALE_AFTER) == 0  # 15 minutes is not older than 15
    clock.advance(timedelta(seconds=1))
    assert sms_db.run(sending.fail_stale_sending, sending.STALE_AFTER) == 1
    [kept] = messages(sms_db)
    assert (kept.id, kept.status, kept.charge_micros, kept.status_at) == (left.id, "failed", 0, clock.now())
    assert send(sms_db, provider, sent=KEYED).status == "failed" and provider.sent == []


def test_the_stale_job_leaves_sent_and_recent_texts_alone(sms_db, clock):
    given(sms_db, clinic("c1"), contact())
    sent = send(sms_db, FakeProvider())
    clock.advance(timedelta(hours=1))
    recent = reserve_only(sms_db)
    assert sms_db.run(sending.fail_stale_sending, sending.STALE_AFTER) == 0
    assert {m.id: m.status for m in messages(sms_db)} == {sent.id: "sent", recent.id: "sending"}


def test_the_service_fails_stale_sends_on_a_timer_every_5_minutes(sms_db, clock):
    [timer] = getattr(SmsService.fail_stale_sending, ENTRYPOINT_EXTENSIONS_ATTR)
    assert timer.interval == 5 * 60
    given(sms_db, clinic("c1"), contact())
    reserve_only(sms_db)
    clock.advance(timedelta(minutes=16))
    worker_factory(SmsService, db=sms_db.worker()).fail_stale_sending()
    assert [m.status for m in messages(sms_db)] == ["failed"]
