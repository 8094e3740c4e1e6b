"""The inbox: conversations by phone with unread counts and the patients of the phone,
a conversation marked read only when asked, the office's reply under the rules of any send,
and a patient's texts with statuses, charges and the consent history of their phone."""
from datetime import timedelta

import pytest

from chairside.contracts.sms import Conversation, ConversationSummary, OFFICE_REPLY, PatientTexts, Reply
from chairside.refusals import ChairsideError, NotFound
from services.sms import domain
from services.sms.models import InboundMessage, OutgoingMessage
from services.sms.usecases import inbox, receipts
from tests.usecases.sms_inbound_world import (
    MAIN_NUMBER, MARIA, NORTH_NUMBER, STRANGER, clinic, contact, given, main_street, rows,
    sent_message,
)

ANA = "+15555550122"


def reply(sms_db, provider, phone=MARIA, body="See you Friday at 9.", **extra):
    return inbox.reply(sms_db.worker(), provider, "p1", phone, {"body": body, **extra})


def refusal(sms_db, provider, **kwargs):
    with pytest.raises(ChairsideError) as refused:
        reply(sms_db, provider, **kwargs)
    return refused.value


def conversations(sms_db, practice_id="p1"):
    return sms_db.run(inbox.conversations, practice_id, answer=ConversationSummary(many=True), read_only=True)


def conversation(sms_db, phone=MARIA, mark_read=True):
    return sms_db.run(inbox.conversation, "p1", phone, mark_read, answer=Conversation(), read_only=not mark_read)


# -- conversations --------------------------------------------------------------------------

def test_conversations_by_phone_newest_first_with_unread_counts(sms_db, clock, texts):
    main_street(sms_db, contact("a1"), contact("a2"), contact("a3", mobile_phone=ANA))
    texts.receive("Can I come Friday?")
    clock.advance(timedelta(minutes=1))
    texts.receive("Or Saturday?")
    clock.advance(timedelta(minutes=1))
    texts.receive("Hello", from_=ANA)
    clock.advance(timedelta(minutes=1))
    texts.receive("Who is this?", from_=STRANGER)
    listed = conversations(sms_db)
    assert [(c["phone"], c["unread"], c["last_body"]) for c in listed] == [
        (STRANGER, 1, "Who is this?"), (ANA, 1, "Hello"), (MARIA, 2, "Or Saturday?")]
    assert listed[2] == {"phone": MARIA, "patients": [{"patient_id": "a1"}, {"patient_id": "a2"}], "unread": 2,
                         "last_at": "2026-11-22T15:01:00+00:00", "last_body": "Or Saturday?", "opted_out": False}
    assert listed[0]["patients"] == [] and listed[1]["patients"] == [{"patient_id": "a3"}]


def test_the_offices_reply_is_the_last_text_and_moves_the_conversation_up(sms_db, clock, texts, provider):
    main_street(sms_db, contact("a1"), contact("a3", mobile_phone=ANA))
    texts.receive("Can I come Friday?")
    clock.advance(timedelta(minutes=1))
    texts.receive("Hello", from_=ANA)
    clock.advance(timedelta(minutes=1))
    reply(sms_db, provider, body="Yes, Friday at 9.")
    listed = conversations(sms_db)
    assert [(c["phone"], c["last_body"], c["unread"]) for c in listed] == [
        (MARIA, "Yes, Friday at 9.", 1), (ANA, "Hello", 1)]


def test_texts_to_a_phone_that_never_texted_make_no_conversation(sms_db, clock, texts):
    main_street(sms_db, contact("a1"))
    sent_message(sms_db, clock, to=ANA)
    assert conversations(sms_db) == []


def test_stop_shows_the_conversation_opted_out(sms_db, texts):
    main_street(sms_db, contact("a1"))
    texts.receive("STOP")
    [listed] = conversations(sms_db)
    assert listed["opted_out"] is True
    # the confirmation went at the same instant as the STOP, after it
    assert listed["last_body"].startswith("You will receive no more texts")


def test_practices_see_only_their_own_conversations(sms_db, texts):
    given(sms_db, clinic("c1"), contact("a1"))
    given(sms_db, clinic("c9", practice_id="p2", number="+15555550900"), practice_id="p2")
    texts.receive("Hi", to="+15555550900")
    assert conversations(sms_db) == [] and len(conversations(sms_db, "p2")) == 1
    with pytest.raises(NotFound):
        conversation(sms_db)


# -- one conversation -------------------------------------------------------------------------

def test_a_conversation_both_ways_oldest_first_marked_read(sms_db, clock, texts, provider):
    main_street(sms_db, contact("a1"))
    texts.receive("Can I come Friday?")
    clock.advance(timedelta(minutes=1))
    sent = reply(sms_db, provider, body="Yes, at 9.")
    sms_db.run(receipts.receive_receipt, {"provider_message_id": sent.provider_message_id, "status": "delivered",
                                          "reported_at": clock.now()})
    [received] = rows(sms_db, InboundMessage)
    shown = conversation(sms_db)
    assert shown == {"phone": MARIA, "opted_out": False, "patient_ids": ["a1"], "messages": [
        {"id": received.id, "direction": "in", "body": "Can I come Friday?", "at": "2026-11-22T15:00:00+00:00",
         "status": None, "charge_usd": "0.0079"},
        {"id": sent.id, "direction": "out", "body": "Yes, at 9.", "at": "2026-11-22T15:01:00+00:00",
         "status": "delivered", "charge_usd": sent_charge(sms_db, sent.id)},
    ]}
    assert rows(sms_db, InboundMessage)[0].read_at == clock.now()
    assert conversations(sms_db)[0]["unread"] == 0


def sent_charge(sms_db, message_id):
    from services.sms.domain import fees
    [kept] = [m for m in rows(sms_db, OutgoingMessage) if m.id == message_id]
    return fees.usd(kept.charge_micros)


def test_a_look_without_marking_read_writes_nothing(sms_db, texts):
    main_street(sms_db, contact("a1"))
    texts.receive("Hello")
    assert len(conversation(sms_db, mark_read=False)["messages"]) == 1
    assert rows(sms_db, InboundMessage)[0].read_at is None
    assert conversations(sms_db)[0]["unread"] == 1


def test_marking_read_keeps_the_first_read_time(sms_db, clock, texts):
    main_street(sms_db, contact("a1"))
    texts.receive("Hello")
    conversation(sms_db)
    first = clock.now()
    clock.advance(timedelta(hours=1))
    texts.receive("Are you there?")
    conversation(sms_db)
    assert sorted(m.read_at for m in rows(sms_db, InboundMessage)) == [first, clock.now()]


def test_a_phone_that_never_texted_has_no_conversation(sms_db):
    main_street(sms_db, contact("a1"))
    with pytest.raises(NotFound) as missing:
        conversation(sms_db)
    assert missing.value.code == "CONVERSATION_NOT_FOUND"


# -- replying ------------------------------------------------------------------------------------

def test_a_reply_goes_from_the_clinic_that_received_the_text(sms_db, clock, texts, provider):
    given(sms_db, clinic("c1"), clinic("c2", number=NORTH_NUMBER), contact("a1"), default="c1")
    texts.receive("Hello", to=MAIN_NUMBER)
    clock.advance(timedelta(minutes=1))
    texts.receive("Hello again", to=NORTH_NUMBER)
    message = reply(sms_db, provider)
    assert provider.sent == [(MARIA, NORTH_NUMBER, "See you Friday at 9.")]
    kept = [m for m in rows(sms_db, OutgoingMessage) if m.id == message.id][0]
    assert (kept.clinic_id, kept.patient_id, kept.purpose, kept.to_phone) == ("c2", "a1", OFFICE_REPLY, MARIA)


def test_a_reply_goes_from_the_default_when_the_receiving_clinic_stopped_texting(sms_db, texts, provider):
    given(sms_db, clinic("c1"), clinic("c2", number=NORTH_NUMBER), contact("a1"), default="c2")
    texts.receive("Hello", to=MAIN_NUMBER)
    with sms_db.session() as session, session.begin():
        session.get(type(clinic("x")), "c1").texting_subscribed = False
    reply(sms_db, provider)
    assert provider.sent[0][1] == NORTH_NUMBER


def test_a_reply_with_no_clinic_that_can_text_is_refused(sms_db, texts, provider):
    given(sms_db, clinic("c1"), contact("a1"))
    texts.receive("Hello")
    with sms_db.session() as session, session.begin():
        session.get(type(clinic("x")), "c1").texting_subscribed = False
    assert refusal(sms_db, provider).code == "TEXTING_NOT_SET_UP" and provider.sent == []


def test_a_reply_to_an_opted_out_number_is_refused(sms_db, texts, provider):
    main_street(sms_db, contact("a1"))
    texts.receive("STOP")
    texts.receive("why did I get charged?")
    provider.sent.clear()
    refused = refusal(sms_db, provider)
    assert refused.code == "CANNOT_TEXT" and refused.fields == {"phone": [domain.NUMBER_OPTED_OUT]}
    assert provider.sent == []


def test_a_reply_to_a_phone_whose_patients_said_text_ok_no_is_refused(sms_db, texts, provider):
    main_street(sms_db, contact("a1", text_ok="no"), contact("a2", text_ok="no"))
    texts.receive("Can I move my visit?")
    refused = refusal(sms_db, provider)
    assert refused.code == "CANNOT_TEXT" and refused.fields == {"text_ok": [domain.TEXT_NOT_OK]}
    assert provider.sent == []


def test_a_reply_to_a_family_phone_goes_when_one_of_them_may_be_texted(sms_db, texts, provider):
    main_street(sms_db, contact("a1", text_ok="no"), contact("a2", text_ok="unknown"))
    texts.receive("Can I move my visit?")
    assert reply(sms_db, provider).to_phone == MARIA


def test_a_reply_to_a_phone_that_never_texted_is_refused(sms_db, provider):
    main_street(sms_db, contact("a1"))
    assert refusal(sms_db, provider).code == "CONVERSATION_NOT_FOUND" and provider.sent == []


def test_a_reply_to_a_shared_phone_is_on_no_one_patients_record(sms_db, texts, provider):
    main_street(sms_db, contact("a1"), contact("a2"))
    texts.receive("Hello")
    assert reply(sms_db, provider).patient_id is None


def test_a_reply_to_an_unknown_number_goes(sms_db, texts, provider):
    main_street(sms_db)
    texts.receive("Hello", from_=STRANGER)
    assert reply(sms_db, provider, phone=STRANGER).to_phone == STRANGER


def test_the_reply_input():
    from marshmallow import ValidationError
    assert Reply().load({"body": "Hi", "idempotency_key": "k-1"}) == {"body": "Hi", "idempotency_key": "k-1"}
    assert Reply().load({"body": "Hi"}) == {"body": "Hi", "idempotency_key": None}
    for bad, field in (({"body": ""}, "body"), ({"body": "   "}, "body"), ({}, "body"),
                       ({"body": "x" * 1601}, "body"), ({"body": "Hi", "idempotency_key": ""}, "idempotency_key"),
                       ({"body": "Hi", "idempotency_key": "k" * 101}, "idempotency_key"),
                       ({"body": "Hi", "to": MARIA}, "to")):
        with pytest.raises(ValidationError) as invalid:
            Reply().load(bad)
        assert field in invalid.value.messages


# -- a patient's texts ---------------------------------------------------------------------------

def test_a_patients_texts_with_statuses_charges_and_consent_history(sms_db, clock, texts, provider):
    main_street(sms_db, contact("a1"), contact("a2"), contact("a3", mobile_phone=ANA))
    sent_message(sms_db, clock, provider_message_id="prov-a", patient_id="a1", ago=timedelta(hours=1))
    sent_message(sms_db, clock, provider_message_id="prov-b", patient_id="a2", ago=timedelta(hours=1))
    sent_message(sms_db, clock, provider_message_id="prov-c", patient_id="a3", to=ANA, ago=timedelta(hours=1))
    sms_db.run(receipts.receive_receipt, {"provider_message_id": "prov-a", "status": "failed",
                                          "reported_at": clock.now()})
    texts.receive("STOP")  # the confirmation goes to the shared phone, on no one patient's record
    clock.advance(timedelta(minutes=5))
    texts.receive("START")
    texts.receive("Hi", from_=ANA)

    shown = sms_db.run(inbox.patient_texts, "p1", "a1", answer=PatientTexts(), read_only=True)
    assert shown["phone"] == MARIA and shown["opted_out"] is False
    assert [(m["direction"], m["body"][:20], m["status"]) for m in shown["messages"]] == [
        ("out", "Your visit is tomorr", "failed"),
        ("in", "STOP", None),
        ("out", "You will receive no ", "sent"),
        ("in", "START", None),
        ("out", "You will receive tex", "sent"),
    ]
    # a failed text costs nothing, a received one its inbound fee (the replies: as sending charged them)
    assert [shown["messages"][i]["charge_usd"] for i in (0, 1, 3)] == ["0", "0.0079", "0.0079"]
    assert shown["consent_changes"] == [{"change": "opted_out", "at": "2026-11-22T15:00:00+00:00"},
                                        {"change": "opted_in", "at": "2026-11-22T15:05:00+00:00"}]
    other = sms_db.run(inbox.patient_texts, "p1", "a2", answer=PatientTexts(), read_only=True)
    assert [m["body"][:20] for m in other["messages"]][0] == "Your visit is tomorr"
    assert len(other["messages"]) == 5  # their own text, and the shared phone's four


def test_a_patient_without_a_phone_has_only_their_sent_texts(sms_db, clock):
    main_street(sms_db, contact("a1", mobile_phone=None))
    shown = sms_db.run(inbox.patient_texts, "p1", "a1", answer=PatientTexts(), read_only=True)
    assert shown == {"phone": None, "opted_out": False, "messages": [], "consent_changes": []}


@pytest.mark.parametrize("practice_id, patient_id", [("p1", "a404"), ("p2", "a1")])
def test_a_patient_sms_does_not_hold_is_not_synced_yet(sms_db, practice_id, patient_id):
    main_street(sms_db, contact("a1"))
    with pytest.raises(NotFound) as missing:
        sms_db.run(inbox.patient_texts, practice_id, patient_id, read_only=True)
    assert missing.value.code == "NOT_SYNCED_YET"
