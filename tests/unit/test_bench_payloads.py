"""The benchmark's events are real ones: built like UnitOfWork.announce builds them, and
accepted by a consumer (a bench that cannot build them fails only when someone runs it)."""
import json

import pytest

from chairside.contracts.identity import PatientUpsert
from chairside.contracts.sms import SendText
from chairside.events import load_event
from bench import texting
from bench.payloads import patient_upserted
from services.sms.domain.segments import segment


def test_bench_events_are_what_consumers_accept():
    evt, body = patient_upserted(7, "practice-1", clinic_id="clinic-1")
    received = load_event(json.loads(body))
    assert received.id == evt.id and received.data["external_id"] == "bench-000007"
    assert received.data["clinic_id"] == "clinic-1" and received.practice_id == "practice-1"


# -- bench/texting.py: what it sends is what the office API and sms's RPCs take -------------------


def test_every_patient_has_a_mobile_of_their_own_that_the_office_api_takes():
    bodies = [texting.patient_body(n) for n in range(10_000)]
    assert len({body["mobile_phone"] for body in bodies}) == 10_000
    assert texting.TEXTING_NUMBER not in {body["mobile_phone"] for body in bodies}
    loaded = PatientUpsert().load(bodies[9_999])
    assert (loaded["text_ok"], loaded["clinic"]) == ("yes", texting.CLINIC)


def test_one_number_in_twenty_texts_stop_to_the_clinics_number():
    out = [n for n in range(10_000) if texting.opted_out(n)]
    assert len(out) == 500
    assert texting.stop_text(40) == {"from": texting.mobile(40), "to": texting.TEXTING_NUMBER, "body": "STOP",
                                     "provider_message_id": "bench-stop-000040"}


def test_the_batch_is_one_payment_request_per_patient_in_calls_of_at_most_a_thousand():
    ids = {n: f"patient-{n}" for n in range(2_500)}
    calls = texting.batches(ids, 1_000)
    assert [len(call) for call in calls] == [1_000, 1_000, 500]
    items = [item for call in calls for item in call]
    assert [item["patient_id"] for item in items] == [f"patient-{n}" for n in range(2_500)]
    assert len({item["idempotency_key"] for item in items}) == 2_500
    assert {item["purpose"] for item in items} == {"payment_request"}
    for item in items[:50]:
        SendText().load({"body": item["body"], "purpose": item["purpose"]})
        assert segment(item["body"]).segments == 1 and segment(item["body"]).encoding == "GSM-7"
    for size in (0, 1_001):
        with pytest.raises(ValueError):
            texting.batches(ids, size)


def test_answers_are_tallied_by_code_and_the_outbox_and_limit_checked():
    sent = {"patient_id": "a", "sent": {"message_id": "m"}, "error": None}

    def refused(code):
        return {"patient_id": "b", "sent": None, "error": {"code": code, "message": "..."}}
    answers = [[sent, refused("CANNOT_TEXT"), sent], [refused("SPEND_LIMIT_REACHED"), refused("CANNOT_TEXT")]]
    assert texting.tally(answers) == (2, {"CANNOT_TEXT": 2, "SPEND_LIMIT_REACHED": 1})
    requests = {n: texting.payment_request(n, f"patient-{n}")["body"] for n in (0, 1, 20, 21)}
    lines = [json.dumps({"to": texting.mobile(n), "body": body}) for n, body in requests.items()]
    lines.append(json.dumps({"to": texting.mobile(40), "body": "You will receive no more texts. Reply START."}))
    batch = texting.payment_requests_in(lines)
    assert [sent["body"] for sent in batch] == list(requests.values())
    assert texting.sent_to(batch, {texting.mobile(n) for n in (0, 20, 40)}) == 2
    assert texting.within_limit({"monthly_limit_usd": "80.00", "month_charges_usd": "80"})
    assert not texting.within_limit({"monthly_limit_usd": "80.00", "month_charges_usd": "80.000001"})
    assert texting.within_limit({"monthly_limit_usd": None, "month_charges_usd": "1000"})
