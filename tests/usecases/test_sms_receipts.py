"""Delivery receipts: a status moves forward only and sets the final charge; a receipt that
arrives before its message (or with its id in another form) is kept and matched later, and
deleted after 60 days by the unit of work's clock."""
from datetime import datetime, timedelta, timezone

import pytest

from chairside.contracts.sms import ReceiveReceipt
from services.sms.domain import receipts as rules
from services.sms.models import OutgoingMessage, PendingReceipt
from services.sms.usecases import receipts
from tests.usecases.sms_inbound_world import count, outbox, rows, sent_message

AT = datetime(2026, 11, 22, 14, 59, tzinfo=timezone.utc)


def receipt(sms_db, provider_message_id="prov-1", status="delivered", reported_at=AT):
    return sms_db.run(receipts.receive_receipt, {"provider_message_id": provider_message_id, "status": status,
                                                  "reported_at": reported_at}).applied


def message(sms_db):
    [kept] = rows(sms_db, OutgoingMessage)
    return kept


def test_a_delivered_receipt_sets_the_status_and_is_announced(sms_db, clock):
    sent_message(sms_db, clock)
    assert receipt(sms_db) is True
    kept = message(sms_db)
    assert (kept.status, kept.status_at, kept.charge_micros) == ("delivered", AT, 7900)
    [event] = outbox(sms_db, "message_delivered")
    assert event["practice_id"] == "p1" and event["data"] == {
        "message_id": kept.id, "patient_id": "a1", "status": "delivered", "charge_usd": "0.0079",
        "reported_at": "2026-11-22T14:59:00+00:00"}


def test_a_failed_text_costs_nothing(sms_db, clock):
    sent_message(sms_db, clock)
    receipt(sms_db, status="failed")
    assert (message(sms_db).status, message(sms_db).charge_micros) == ("failed", 0)
    assert outbox(sms_db, "message_delivered")[0]["data"]["charge_usd"] == "0"


def test_an_undeliverable_text_keeps_its_charge(sms_db, clock):
    sent_message(sms_db, clock)
    receipt(sms_db, status="undeliverable")
    assert (message(sms_db).status, message(sms_db).charge_micros) == ("undeliverable", 7900)


def test_a_receipt_without_its_time_takes_the_clock(sms_db, clock):
    sent_message(sms_db, clock, status="queued")
    assert sms_db.run(receipts.receive_receipt, ReceiveReceipt().load(
        {"provider_message_id": "prov-1", "status": "sent"})).applied
    assert (message(sms_db).status, message(sms_db).status_at) == ("sent", clock.now())


@pytest.mark.parametrize("statuses, final", [
    (["queued", "sent", "delivered"], "delivered"),
    (["delivered", "sent"], "delivered"),
    (["delivered", "queued"], "delivered"),
    (["sent", "queued"], "sent"),
    (["delivered", "failed"], "delivered"),
    (["failed", "delivered"], "failed"),
    (["undeliverable", "delivered"], "undeliverable"),
    (["delivered", "delivered"], "delivered"),
])
def test_a_status_never_goes_backwards(sms_db, clock, statuses, final):
    sent_message(sms_db, clock, status="queued" if statuses[0] == "queued" else "sent")
    for status in statuses:
        assert receipt(sms_db, status=status) is True  # matched, whether it moved or not
    assert message(sms_db).status == final
    assert len(outbox(sms_db, "message_delivered")) == (1 if final in rules.FINAL else 0)


def test_a_late_failed_receipt_does_not_zero_a_delivered_text(sms_db, clock):
    sent_message(sms_db, clock)
    receipt(sms_db, status="delivered")
    receipt(sms_db, status="failed")
    assert (message(sms_db).status, message(sms_db).charge_micros) == ("delivered", 7900)


def test_an_id_in_another_form_matches(sms_db, clock):
    sid = "SM0123456789abcdef0123456789abcdef"
    sent_message(sms_db, clock, provider_message_id=sid)
    assert receipt(sms_db, provider_message_id="  sm0123456789ABCDEF0123456789ABCDEF\n") is True
    assert message(sms_db).status == "delivered" and count(sms_db, PendingReceipt) == 0


def test_an_unknown_receipt_is_kept_pending(sms_db, clock):
    assert receipt(sms_db, provider_message_id=" sm" + "A" * 32 + " ", status="sent") is False
    [kept] = rows(sms_db, PendingReceipt)
    assert (kept.provider_message_id, kept.status, kept.reported_at, kept.received_at, kept.attempts) == \
        ("SM" + "a" * 32, "sent", AT, clock.now(), 0)
    assert outbox(sms_db) == []


def test_a_receipt_before_its_message_is_applied_when_the_message_is_recorded(sms_db, clock):
    assert receipt(sms_db, status="sent", reported_at=AT) is False
    assert receipt(sms_db, status="delivered", reported_at=AT + timedelta(seconds=5)) is False
    receipt(sms_db, provider_message_id="someone-else", status="delivered")
    sent_message(sms_db, clock)

    def confirm(uow):
        return receipts.apply_pending_for(uow, [uow.session.get(OutgoingMessage, "m-prov-1")])
    assert sms_db.run(confirm) == 2
    kept = message(sms_db)
    assert (kept.status, kept.status_at) == ("delivered", AT + timedelta(seconds=5))
    assert [r.provider_message_id for r in rows(sms_db, PendingReceipt)] == ["someone-else"]
    assert len(outbox(sms_db, "message_delivered")) == 1


def test_apply_pending_for_messages_without_receipts_does_nothing(sms_db, clock):
    sent_message(sms_db, clock)

    def confirm(uow):
        return receipts.apply_pending_for(uow, [uow.session.get(OutgoingMessage, "m-prov-1"),
                                                OutgoingMessage(id="m-sending", provider_message_id=None)])
    assert sms_db.run(confirm) == 0
    assert message(sms_db).status == "sent" and outbox(sms_db) == []


def test_retry_pending_applies_what_now_matches_and_counts_the_rest(sms_db, clock):
    receipt(sms_db, status="failed")
    receipt(sms_db, provider_message_id="prov-late", status="delivered")
    assert sms_db.run(receipts.retry_pending) == 0
    assert [r.attempts for r in rows(sms_db, PendingReceipt)] == [1, 1]
    sent_message(sms_db, clock)
    clock.advance(timedelta(minutes=5))
    assert sms_db.run(receipts.retry_pending) == 1
    [left] = rows(sms_db, PendingReceipt)
    assert (left.provider_message_id, left.attempts) == ("prov-late", 2)
    assert (message(sms_db).status, message(sms_db).charge_micros) == ("failed", 0)
    assert [e["data"]["status"] for e in outbox(sms_db, "message_delivered")] == ["failed"]


def test_pending_receipts_are_deleted_after_60_days(sms_db, clock):
    receipt(sms_db, provider_message_id="old")
    clock.advance(timedelta(days=30))
    receipt(sms_db, provider_message_id="newer")
    clock.advance(timedelta(days=30))
    assert sms_db.run(receipts.purge_pending) == 0  # exactly 60 days: still retried
    clock.advance(timedelta(seconds=1))
    assert sms_db.run(receipts.purge_pending) == 1
    assert [r.provider_message_id for r in rows(sms_db, PendingReceipt)] == ["newer"]
    clock.advance(timedelta(days=30))
    assert sms_db.run(receipts.purge_pending) == 1 and count(sms_db, PendingReceipt) == 0


def test_a_receipt_for_another_practices_message_is_applied_to_it_alone(sms_db, clock):
    sent_message(sms_db, clock, practice_id="p2")
    receipt(sms_db)
    assert outbox(sms_db, "message_delivered")[0]["practice_id"] == "p2"


@pytest.mark.parametrize("sent, field", [
    ({"provider_message_id": "x", "status": "read"}, "status"),
    ({"provider_message_id": "", "status": "sent"}, "provider_message_id"),
    ({"status": "sent"}, "provider_message_id"),
    ({"provider_message_id": "x", "status": "sent", "reported_at": "2026-11-22T14:59:00"}, "reported_at"),
])
def test_a_malformed_receipt_is_refused_by_the_contract(sent, field):
    from marshmallow import ValidationError
    with pytest.raises(ValidationError) as invalid:
        ReceiveReceipt().load(sent)
    assert field in invalid.value.messages


@pytest.mark.parametrize("raw, normalised", [
    ("SM0123456789abcdef0123456789abcdef", "SM0123456789abcdef0123456789abcdef"),
    (" sm0123456789ABCDEF0123456789ABCDEF\t", "SM0123456789abcdef0123456789abcdef"),
    ("6F9619FF-8B86-D011-B42D-00C04FC964FF", "6f9619ff-8b86-d011-b42d-00c04fc964ff"),
    (" prov-1 ", "prov-1"),
    ("Other-Format", "Other-Format"),
])
def test_provider_ids_are_normalised_once(raw, normalised):
    assert rules.normalised_id(raw) == normalised
    assert normalised in rules.id_variants(raw)


def test_the_service_retries_pending_receipts_every_5_minutes_and_purges_daily():
    from nameko.containers import ServiceContainer
    from nameko.timer import Timer
    from services.sms.service import SmsService
    container = ServiceContainer(SmsService, {"AMQP_URI": "memory://"})
    timers = {timer.method_name: timer.interval for timer in container.entrypoints if isinstance(timer, Timer)}
    assert timers == {"retry_pending_receipts": 300, "purge_pending_receipts": 86400, "fail_stale_sending": 300}
