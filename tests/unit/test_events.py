import json
import uuid
from datetime import date, datetime, timezone

import pytest
from marshmallow import ValidationError

from chairside.events import load_event, new_event
from chairside.events import topology
from chairside.events.envelope import EnvelopeSchema

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
PATIENT = {
    "patient_id": str(uuid.uuid4()), "external_id": "P-1", "version": 1, "first_name": "Ann",
    "last_name": "Lee", "birthdate": date(1980, 2, 3), "mobile_phone": None, "email": None,
    "clinic_id": None, "guarantor_id": None, "dependent": False, "text_ok": "unknown",
}


def test_an_event_survives_the_wire():
    evt = new_event("identity", "patient_upserted", "practice-1", PATIENT, NOW)
    wire = json.loads(json.dumps(EnvelopeSchema().dump(evt)))
    assert set(wire) == {"id", "type", "source", "occurred_at", "practice_id", "schema_version", "data"}
    back = load_event(wire)
    assert back.id == evt.id and back.occurred_at == NOW and back.data["external_id"] == "P-1"


def test_data_that_breaks_the_catalogue_is_refused_before_it_is_stored():
    with pytest.raises(ValueError):
        new_event("identity", "patient_upserted", "p", dict(PATIENT, version="one"), NOW)
    with pytest.raises(ValueError):
        new_event("identity", "patient_upserted", "p", {k: v for k, v in PATIENT.items() if k != "text_ok"}, NOW)


@pytest.mark.parametrize("mangle", [
    lambda wire: wire.pop("id"),
    lambda wire: wire.update(id="not-a-uuid"),
    lambda wire: wire.update(type="patient_deleted"),
    lambda wire: wire.update(schema_version=99),
    lambda wire: wire.update(occurred_at="2026-11-22T12:00:00"),   # naive time
    lambda wire: wire["data"].pop("version"),
])
def test_received_envelopes_are_validated(mangle):
    wire = json.loads(json.dumps(EnvelopeSchema().dump(new_event("identity", "patient_upserted", "p", PATIENT, NOW))))
    mangle(wire)
    with pytest.raises(ValidationError):
        load_event(wire)


def test_fields_added_to_a_version_later_are_ignored_by_older_subscribers():
    wire = json.loads(json.dumps(EnvelopeSchema().dump(new_event("identity", "patient_upserted", "p", PATIENT, NOW))))
    wire["data"]["preferred_name"] = "Annie"
    wire["trace"] = "abc"
    evt = load_event(wire)
    assert "preferred_name" not in evt.data and evt.data["first_name"] == "Ann"


def test_non_objects_are_not_events():
    with pytest.raises(ValidationError):
        load_event(["not", "an", "event"])


def test_every_subscription_is_to_a_catalogued_event():
    topology.check()
    with pytest.raises(LookupError, match="SUBSCRIPTIONS"):
        topology.subscription("billing", "identity", "unheard_of")


def test_queue_names_follow_consumer_source_type():
    sub = topology.subscription("sms", "identity", "clinic_upserted")
    queue = sub.queue()
    assert queue.name == "sms.identity.clinic_upserted" and queue.routing_key == "clinic_upserted"
    assert queue.exchange.name == "identity.events" and queue.exchange.type == "topic" and queue.durable


def test_a_broadcast_gives_each_process_its_own_queue_that_goes_with_it():
    sub = topology.subscription("gateway", "identity", "practice_key_rotated")
    first, second = sub.queue(), sub.queue()
    assert first.name != second.name
    for queue in (first, second):
        assert queue.name.startswith("gateway.identity.practice_key_rotated.")
        assert queue.routing_key == "practice_key_rotated" and queue.exchange.name == "identity.events"
        assert queue.exclusive and queue.auto_delete and not queue.durable


def test_only_durable_subscriptions_are_retried_and_declared_up_front():
    """A retry queue would outlive a broadcast's queue; a process declares its own queue."""
    assert all(sub.retried for sub in topology.SUBSCRIPTIONS)
    assert not any(sub.retried for sub in topology.BROADCASTS)
    declared = []

    class Channel:
        """Records the queues declared on it."""
        def queue_declare(self, queue, **kwargs):
            declared.append(queue)

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    topology.declare(Channel())
    assert {sub.queue_name for sub in topology.SUBSCRIPTIONS} <= set(declared)
    assert not any(name.startswith(sub.queue_name) for sub in topology.BROADCASTS for name in declared)
