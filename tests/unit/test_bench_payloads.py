"""The benchmark's events are real ones: built like UnitOfWork.announce builds them, and
accepted by a consumer (a bench that cannot build them fails only when someone runs it)."""
import json

from chairside.events import load_event
from bench.payloads import patient_upserted


def test_bench_events_are_what_consumers_accept():
    evt, body = patient_upserted(7, "practice-1", clinic_id="clinic-1")
    received = load_event(json.loads(body))
    assert received.id == evt.id and received.data["external_id"] == "bench-000007"
    assert received.data["clinic_id"] == "clinic-1" and received.practice_id == "practice-1"
