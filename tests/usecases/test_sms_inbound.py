"""Receiving texts: matched to the practice by the number texted, stored once, charged at the
receiving clinic's inbound fee, STOP/START/HELP applied to the number's consent (every contact
with that phone mirrors it), announced, and answered once after the commit."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from chairside.contracts.sms import KEYWORD_REPLY, Received, ReceiveText
from chairside.refusals import ChairsideError
from services.sms.domain import keywords
from services.sms.models import ConsentChange, Contact, InboundMessage, NumberOptOut, OutgoingMessage
from services.sms.usecases import consent, inbound
from tests.usecases.sms_inbound_world import (
    MAIN_NUMBER, MARIA, NORTH_NUMBER, OTHER_NUMBER, STRANGER, clinic, contact, count, given,
    main_street, outbox, rows,
)

STOP_REPLY = keywords.STOP_REPLY.format(practice="Smile Dental")
START_REPLY = keywords.START_REPLY.format(practice="Smile Dental")
HELP_REPLY = keywords.HELP_REPLY.format(practice="Smile Dental", phone="+15555550001")


def contacts_opted_out(sms_db):
    return {c.patient_id: c.opted_out for c in rows(sms_db, Contact, Contact.patient_id)}


def replies(provider):
    return [body for _, _, body in provider.sent]


# -- storing --------------------------------------------------------------------------------

def test_a_text_is_stored_charged_and_announced(sms_db, clock, texts, provider):
    main_street(sms_db, contact("a1"))
    received = texts.receive("Can I move my visit to Friday?")
    [message] = rows(sms_db, InboundMessage)
    assert Received().dump(received) == {"message_id": message.id, "practice_id": "p1", "keyword": None,
                                         "duplicate": False}
    assert (message.practice_id, message.clinic_id, message.from_phone, message.to_phone) == \
        ("p1", "c1", MARIA, MAIN_NUMBER)
    assert (message.encoding, message.segments, message.charge_micros) == ("GSM-7", 1, 7900)
    assert message.keyword is None and message.read_at is None and message.received_at == clock.now()
    assert message.provider_message_id == "in-1"
    [event] = outbox(sms_db, "message_received")
    assert event["practice_id"] == "p1" and event["data"] == {
        "message_id": message.id, "clinic_id": "c1", "patient_ids": ["a1"], "keyword": None,
        "received_at": "2026-11-22T15:00:00+00:00"}
    assert provider.sent == []  # free text is never answered automatically


def test_the_charge_follows_the_receiving_clinics_country_and_the_segments(sms_db, texts):
    given(sms_db, clinic("c1"), clinic("c2", number=NORTH_NUMBER, country="GB"))
    texts.receive("é" * 80, to=NORTH_NUMBER)  # GSM-7, one segment of 80
    texts.receive("Ж" * 71, to=NORTH_NUMBER)  # UCS-2, two segments
    texts.receive("x" * 161, to=MAIN_NUMBER)  # GSM-7, two segments, at US fees
    stored = {m.provider_message_id: m for m in rows(sms_db, InboundMessage)}
    assert [(stored[i].clinic_id, stored[i].encoding, stored[i].segments, stored[i].charge_micros)
            for i in ("in-1", "in-2", "in-3")] == [
        ("c2", "GSM-7", 1, 7500), ("c2", "UCS-2", 2, 15000), ("c1", "GSM-7", 2, 15800)]


def test_the_providers_time_is_kept_when_given(sms_db, texts):
    main_street(sms_db)
    at = datetime(2026, 11, 22, 14, 59, 30, tzinfo=timezone.utc)
    texts.receive("Hi", received_at=at)
    assert rows(sms_db, InboundMessage)[0].received_at == at


def test_a_redelivered_text_is_stored_once(sms_db, texts, provider):
    main_street(sms_db, contact("a1"))
    first = texts.receive("Running late", provider_message_id="SM0123456789abcdef0123456789abcdef")
    again = texts.receive("Running late", provider_message_id=" sm0123456789ABCDEF0123456789ABCDEF ")
    assert (again.message_id, again.duplicate, first.duplicate) == (first.message_id, True, False)
    assert count(sms_db, InboundMessage) == 1 and len(outbox(sms_db, "message_received")) == 1
    assert provider.sent == []


def test_a_text_to_an_unknown_number_stores_nothing(sms_db, texts, provider, caplog):
    main_street(sms_db)
    received = texts.receive("STOP", to="+15555550777")
    assert Received().dump(received) == {"message_id": None, "practice_id": None, "keyword": None,
                                         "duplicate": False}
    assert count(sms_db, InboundMessage) == 0 and outbox(sms_db) == [] and provider.sent == []
    assert "+15555550777" in caplog.text


def test_an_unknown_sender_is_stored_with_no_patient(sms_db, texts):
    main_street(sms_db, contact("a1"))
    texts.receive("Who is this?", from_=STRANGER)
    [event] = outbox(sms_db, "message_received")
    assert event["data"]["patient_ids"] == []
    assert rows(sms_db, InboundMessage)[0].from_phone == STRANGER


def test_the_practice_is_the_one_that_owns_the_number(sms_db, texts):
    given(sms_db, clinic("c1"), contact("a1"))
    given(sms_db, clinic("c9", practice_id="p2", number=OTHER_NUMBER), contact("b1", practice_id="p2", clinic_id="c9"),
          practice_id="p2", practice_name="Other Dental")
    received = texts.receive("Hello", to=OTHER_NUMBER)
    assert received.practice_id == "p2"
    [event] = outbox(sms_db, "message_received")
    assert event["practice_id"] == "p2" and event["data"]["patient_ids"] == ["b1"]


def test_a_family_sharing_a_phone_is_listed_whole(sms_db, texts):
    main_street(sms_db, contact("a1"), contact("a2"), contact("a3", mobile_phone=STRANGER),
                contact("b1", practice_id="p2"))
    texts.receive("Hi")
    assert outbox(sms_db, "message_received")[0]["data"]["patient_ids"] == ["a1", "a2"]


# -- keywords ---------------------------------------------------------------------------------

def test_stop_opts_the_number_out_with_one_confirmation(sms_db, clock, texts, provider):
    main_street(sms_db, contact("a1"))
    received = texts.receive(" Stop. ")
    assert received.keyword == "stop"
    assert provider.sent == [(MARIA, MAIN_NUMBER, STOP_REPLY)]
    [message] = rows(sms_db, InboundMessage)
    assert message.keyword == "stop"
    [reply] = rows(sms_db, OutgoingMessage)
    assert (reply.purpose, reply.to_phone, reply.patient_id, reply.idempotency_key) == \
        (KEYWORD_REPLY, MARIA, None, f"reply:{message.id}")
    [opt_out] = rows(sms_db, NumberOptOut)
    assert (opt_out.practice_id, opt_out.phone, opt_out.opted_out_at) == ("p1", MARIA, clock.now())
    assert contacts_opted_out(sms_db) == {"a1": True}
    [change] = rows(sms_db, ConsentChange)
    assert (change.phone, change.change, change.inbound_message_id) == (MARIA, "opted_out", message.id)
    [event] = outbox(sms_db, "contact_opted_out")
    assert event["data"] == {"phone": MARIA, "patient_ids": ["a1"], "changed_at": "2026-11-22T15:00:00+00:00"}
    assert outbox(sms_db, "message_received")[0]["data"]["keyword"] == "stop"


def test_stop_again_changes_nothing_and_sends_nothing(sms_db, texts, provider):
    main_street(sms_db, contact("a1"))
    texts.receive("STOP")
    texts.receive("unsubscribe")
    texts.receive("Quit!")
    assert replies(provider) == [STOP_REPLY]
    assert count(sms_db, ConsentChange) == 1 and len(outbox(sms_db, "contact_opted_out")) == 1
    assert [m.keyword for m in rows(sms_db, InboundMessage, InboundMessage.provider_message_id)] == ["stop"] * 3


def test_start_after_stop_opts_back_in_with_a_confirmation(sms_db, clock, texts, provider):
    main_street(sms_db, contact("a1"))
    texts.receive("STOP")
    clock.advance(timedelta(hours=2))
    received = texts.receive("start")
    assert received.keyword == "start" and replies(provider) == [STOP_REPLY, START_REPLY]
    assert rows(sms_db, NumberOptOut) == [] and contacts_opted_out(sms_db) == {"a1": False}
    assert [(c.change, c.changed_at) for c in rows(sms_db, ConsentChange, ConsentChange.changed_at)] == \
        [("opted_out", clock.now() - timedelta(hours=2)), ("opted_in", clock.now())]
    [event] = outbox(sms_db, "contact_opted_in")
    assert event["data"]["phone"] == MARIA and event["data"]["patient_ids"] == ["a1"]


def test_yes_after_stop_opts_back_in(sms_db, texts, provider):
    main_street(sms_db, contact("a1"))
    texts.receive("STOP")
    texts.receive("Yes")
    assert replies(provider) == [STOP_REPLY, START_REPLY] and contacts_opted_out(sms_db) == {"a1": False}


def test_yes_from_a_number_that_did_not_opt_out_goes_to_staff(sms_db, texts, provider):
    main_street(sms_db, contact("a1"))
    received = texts.receive("YES")
    assert received.keyword is None and provider.sent == []
    assert rows(sms_db, InboundMessage)[0].keyword is None
    assert outbox(sms_db, "contact_opted_in") == [] and count(sms_db, ConsentChange) == 0


def test_start_from_a_number_that_did_not_opt_out_changes_nothing(sms_db, texts, provider):
    main_street(sms_db, contact("a1"))
    assert texts.receive("START").keyword == "start"
    assert provider.sent == [] and count(sms_db, ConsentChange) == 0


def test_help_is_answered_even_when_opted_out(sms_db, texts, provider):
    main_street(sms_db, contact("a1"))
    assert texts.receive("HELP").keyword == "help"
    texts.receive("STOP")
    texts.receive("help")
    assert replies(provider) == [HELP_REPLY, STOP_REPLY, HELP_REPLY]
    assert contacts_opted_out(sms_db) == {"a1": True}  # HELP changes no consent


def test_free_text_from_an_opted_out_number_reaches_staff_unanswered(sms_db, texts, provider):
    main_street(sms_db, contact("a1"))
    texts.receive("STOP")
    received = texts.receive("Sorry, I still need my appointment time")
    assert received.keyword is None and replies(provider) == [STOP_REPLY]
    assert len(outbox(sms_db, "message_received")) == 2


def test_a_family_sharing_a_phone_is_opted_out_together(sms_db, texts):
    main_street(sms_db, contact("a1"), contact("a2"), contact("a3", mobile_phone=STRANGER),
                contact("b1", practice_id="p2"))
    texts.receive("STOP")
    assert contacts_opted_out(sms_db) == {"a1": True, "a2": True, "a3": False, "b1": False}
    assert outbox(sms_db, "contact_opted_out")[0]["data"]["patient_ids"] == ["a1", "a2"]


def test_an_unknown_number_can_opt_out_too(sms_db, texts, provider):
    main_street(sms_db)
    texts.receive("STOP", from_=STRANGER)
    assert [(o.phone, o.practice_id) for o in rows(sms_db, NumberOptOut)] == [(STRANGER, "p1")]
    assert outbox(sms_db, "contact_opted_out")[0]["data"]["patient_ids"] == []
    assert replies(provider) == [STOP_REPLY]


def test_an_opt_out_belongs_to_one_practice(sms_db, texts, provider):
    given(sms_db, clinic("c1"), contact("a1"))
    given(sms_db, clinic("c9", practice_id="p2", number=OTHER_NUMBER), contact("b1", practice_id="p2"),
          practice_id="p2", practice_name="Other Dental")
    texts.receive("STOP", to=OTHER_NUMBER)
    assert contacts_opted_out(sms_db) == {"a1": False, "b1": True}
    with sms_db.session() as session:
        uow = type("Uow", (), {"session": session})
        assert consent.is_opted_out(uow, "p2", MARIA) and not consent.is_opted_out(uow, "p1", MARIA)
    assert provider.sent[0][1] == OTHER_NUMBER and "Other Dental" in provider.sent[0][2]


@pytest.mark.parametrize("practice_name, clinic_name, signed", [
    ("Smile Dental", "Main Street", "Smile Dental"),
    (None, "Main Street", "Main Street"),
    ("  ", "Main Street", "Main Street"),
])
def test_replies_are_signed_with_the_practice_else_the_clinic(sms_db, texts, provider, practice_name, clinic_name,
                                                               signed):
    given(sms_db, clinic("c1", name=clinic_name), practice_name=practice_name)
    texts.receive("STOP")
    assert replies(provider) == [keywords.STOP_REPLY.format(practice=signed)]


def test_help_names_the_texting_number_when_the_clinic_has_no_phone(sms_db, texts, provider):
    given(sms_db, clinic("c1", phone=None))
    texts.receive("HELP")
    assert replies(provider) == [keywords.HELP_REPLY.format(practice="Smile Dental", phone=MAIN_NUMBER)]


def test_the_reply_goes_from_the_number_texted(sms_db, texts, provider):
    given(sms_db, clinic("c1"), clinic("c2", number=NORTH_NUMBER), default="c1")
    texts.receive("STOP", to=NORTH_NUMBER)
    assert provider.sent == [(MARIA, NORTH_NUMBER, STOP_REPLY)]
    assert rows(sms_db, OutgoingMessage)[0].clinic_id == "c2"


# -- a reply that failed, and the redelivery ----------------------------------------------------

def test_a_failed_reply_keeps_the_text_and_the_redelivery_sends_it_once(sms_db, texts, provider):
    main_street(sms_db, contact("a1"))
    provider.fails_with = ConnectionError("carrier away")
    with pytest.raises(ChairsideError) as refused:
        texts.receive("STOP", provider_message_id="in-stop")
    assert refused.value.code == "PROVIDER_REFUSED"
    assert count(sms_db, InboundMessage) == 1 and contacts_opted_out(sms_db) == {"a1": True}
    assert count(sms_db, OutgoingMessage) == 1  # the refused reply, on record as failed

    provider.fails_with = None
    again = texts.receive("STOP", provider_message_id="in-stop")
    assert again.duplicate and again.keyword == "stop"
    third = texts.receive("STOP", provider_message_id="in-stop")
    assert third.duplicate
    assert replies(provider) == [STOP_REPLY, STOP_REPLY]  # the failed try, then the one that went
    assert count(sms_db, OutgoingMessage) == 2 and count(sms_db, ConsentChange) == 1
    assert len(outbox(sms_db, "contact_opted_out")) == 1


@pytest.mark.parametrize("body, owed", [("HELP", True), ("START", False), ("Hello", False)])
def test_a_redelivered_text_owes_only_what_it_owed(sms_db, texts, provider, body, owed):
    main_street(sms_db, contact("a1"))
    provider.fails_with = ConnectionError("carrier away")
    try:
        texts.receive(body, provider_message_id="in-x")
    except ChairsideError:
        pass
    provider.fails_with = None
    provider.sent.clear()
    texts.receive(body, provider_message_id="in-x")
    assert bool(provider.sent) is owed


def test_a_redelivered_start_resends_its_confirmation(sms_db, texts, provider):
    main_street(sms_db, contact("a1"))
    texts.receive("STOP")
    provider.fails_with = ConnectionError("carrier away")
    with pytest.raises(ChairsideError):
        texts.receive("START", provider_message_id="in-start")
    provider.fails_with = None
    texts.receive("START", provider_message_id="in-start")
    assert replies(provider)[-1] == START_REPLY and contacts_opted_out(sms_db) == {"a1": False}
    with sms_db.session() as session:
        keys = session.scalars(select(OutgoingMessage.idempotency_key)
                               .where(OutgoingMessage.idempotency_key.is_not(None))).all()
    assert len(keys) == 2 and len(set(keys)) == 2  # the STOP's and the START's (the refused try freed its key)


# -- the input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("sent, field", [
    ({"from": "5555550111", "to": MAIN_NUMBER, "body": "Hi", "provider_message_id": "x"}, "from"),
    ({"from": MARIA, "to": "main", "body": "Hi", "provider_message_id": "x"}, "to"),
    ({"from": MARIA, "to": MAIN_NUMBER, "body": "Hi\x00", "provider_message_id": "x"}, "body"),
    ({"from": MARIA, "to": MAIN_NUMBER, "body": "x" * 1601, "provider_message_id": "x"}, "body"),
    ({"from": MARIA, "to": MAIN_NUMBER, "body": "Hi", "provider_message_id": ""}, "provider_message_id"),
    ({"from": MARIA, "to": MAIN_NUMBER, "body": "Hi"}, "provider_message_id"),
    ({"from": MARIA, "to": MAIN_NUMBER, "body": "Hi", "provider_message_id": "x", "received_at": "yesterday"},
     "received_at"),
    ({"from": MARIA, "to": MAIN_NUMBER, "body": "Hi", "provider_message_id": "x", "extra": 1}, "extra"),
])
def test_a_malformed_text_is_refused_by_the_contract(sent, field):
    from marshmallow import ValidationError
    with pytest.raises(ValidationError) as invalid:
        ReceiveText().load(sent)
    assert field in invalid.value.messages


def test_the_contract_loads_what_the_use_case_takes():
    loaded = ReceiveText().load({"from": MARIA, "to": MAIN_NUMBER, "body": "STOP\u200b", "provider_message_id": "x"})
    assert loaded == {"from_": MARIA, "to": MAIN_NUMBER, "body": "STOP\u200b", "provider_message_id": "x",
                      "received_at": None}
    assert inbound.reply_key("m1") == "reply:m1"


# -- the opt-out belongs to the number, whoever holds it later --------------------------------

def test_a_patient_synced_after_the_stop_with_that_phone_is_opted_out(sms_db, clock, texts):
    from services.sms.usecases import contacts
    from tests.usecases.events import patient_upserted
    main_street(sms_db, contact("a1"))
    texts.receive("STOP")
    sms_db.deliver("sms.on_patient_upserted", contacts.keep_contact,
                   patient_upserted(clock, patient_id="a2", external_id="PMS-2", mobile_phone=MARIA),
                   patient_upserted(clock, patient_id="a3", external_id="PMS-3", mobile_phone=STRANGER))
    assert contacts_opted_out(sms_db) == {"a1": True, "a2": True, "a3": False}
    # a patient who moves to another number leaves the opt-out with the old one
    sms_db.deliver("sms.on_patient_upserted", contacts.keep_contact,
                   patient_upserted(clock, patient_id="a2", external_id="PMS-2", mobile_phone=STRANGER, version=2))
    assert contacts_opted_out(sms_db)["a2"] is False


def test_a_staff_code_to_an_unknown_number_that_opted_out_is_refused(sms_db, texts, provider):
    from services.sms.usecases import sending
    main_street(sms_db, default="c1")
    texts.receive("STOP", from_=STRANGER)
    provider.sent.clear()
    with pytest.raises(ChairsideError) as refused:
        sending.text_staff(sms_db.worker(), provider, "p1", STRANGER,
                           {"body": "Your code is 123456", "purpose": "staff_login_code"})
    assert refused.value.code == "CANNOT_TEXT" and provider.sent == []


def receive_twice_at_once(sms_db, provider):
    """The same text (one provider id) received by two copies of sms at the same instant."""
    import threading
    start = threading.Barrier(2)
    answers = []

    def receive():
        start.wait()
        try:
            answers.append(inbound.receive_text(sms_db.worker(), provider, {
                "from_": MARIA, "to": MAIN_NUMBER, "body": "STOP", "provider_message_id": "in-twice",
                "received_at": None}))
        except Exception as exc:  # shown by the assertions
            answers.append(exc)
    copies = [threading.Thread(target=receive) for _ in range(2)]
    for copy in copies:
        copy.start()
    for copy in copies:
        copy.join(30)
    return answers


def test_two_copies_receiving_the_same_text_at_once_store_it_once(sms_db, provider):
    main_street(sms_db, contact("a1"))
    answers = receive_twice_at_once(sms_db, provider)
    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert sorted(a.duplicate for a in answers) == [False, True]
    assert len({a.message_id for a in answers}) == 1
    assert count(sms_db, InboundMessage) == 1 and count(sms_db, ConsentChange) == 1
    assert len(outbox(sms_db, "contact_opted_out")) == 1 and len(outbox(sms_db, "message_received")) == 1
    assert count(sms_db, OutgoingMessage) >= 1
