"""A handler that always fails is retried, parked, listed and replayed once fixed."""
import json
import time
import uuid
from datetime import date, datetime, timezone

import pytest
from kombu import Connection
from nameko.containers import ServiceContainer

from chairside import dlq
from chairside.consumer import consume
from chairside.events import new_event, topology
from chairside.events.envelope import EnvelopeSchema

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


class Handler:
    broken = True
    seen = []


class FlakyForms:
    """Stands in for forms' consumer: same subscription, a handler we can break and mend."""
    name = "forms"

    @consume("identity", "patient_upserted")
    def on_patient_upserted(self, event):
        Handler.seen.append(event.id)
        if Handler.broken:
            raise RuntimeError("the forms database is read-only today")


def publish(amqp_uri, body):
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        topology.declare(channel)
        conn.Producer(channel).publish(body, exchange="identity.events", routing_key="patient_upserted",
                                       serializer="json")


def wait_for(predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def event_body():
    data = {
        "patient_id": str(uuid.uuid4()), "external_id": "P-1", "version": 1, "first_name": "Ann",
        "last_name": "Lee", "birthdate": date(1980, 2, 3), "mobile_phone": None, "email": None,
        "clinic_id": None, "guarantor_id": None, "dependent": False, "text_ok": "unknown",
    }
    return EnvelopeSchema().dump(new_event("identity", "patient_upserted", "practice-1", data, NOW))


@pytest.fixture
def container(amqp_uri, monkeypatch):
    monkeypatch.setenv("EVENT_RETRY_DELAYS_SECONDS", "0.05,0.1")
    Handler.broken, Handler.seen = True, []
    service = ServiceContainer(FlakyForms, {"AMQP_URI": amqp_uri})
    service.start()
    yield service
    service.stop()


def test_failing_handler_is_retried_then_parked_and_replayed_once_fixed(container, amqp_uri):
    body = event_body()
    publish(amqp_uri, body)

    wait_for(lambda: len(dlq.list_parked(amqp_uri)) == 1)
    assert Handler.seen == [body["id"]] * 3  # first try and two retries
    [parked] = dlq.list_parked(amqp_uri)
    assert parked["event_id"] == body["id"] and parked["queue"] == "forms.identity.patient_upserted"
    assert parked["attempts"] == 3 and "read-only" in parked["reason"]
    assert len(dlq.list_parked(amqp_uri)) == 1  # listing does not consume

    Handler.broken = False
    assert [item["event_id"] for item in dlq.replay(amqp_uri, {"some-other-id"})] == []
    replayed = dlq.replay(amqp_uri)
    assert [item["event_id"] for item in replayed] == [body["id"]]
    wait_for(lambda: len(Handler.seen) == 4)
    assert dlq.list_parked(amqp_uri) == []


def test_an_envelope_that_breaks_the_catalogue_is_parked_at_once(container, amqp_uri):
    body = event_body()
    body["data"]["version"] = "newest"
    publish(amqp_uri, body)
    wait_for(lambda: len(dlq.list_parked(amqp_uri)) == 1)
    [parked] = dlq.list_parked(amqp_uri)
    assert "invalid envelope" in parked["reason"] and Handler.seen == []


def test_the_operator_command_lists_and_replays(container, amqp_uri, monkeypatch, capsys):
    body = event_body()
    publish(amqp_uri, body)
    wait_for(lambda: len(dlq.list_parked(amqp_uri)) == 1)
    monkeypatch.setenv("AMQP_URI", amqp_uri)
    assert dlq.main(["list"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [item["event_id"] for item in listed] == [body["id"]]
    Handler.broken = False
    with pytest.raises(SystemExit):
        dlq.main(["replay"])  # neither ids nor --all: refused, nothing replayed
    assert len(dlq.list_parked(amqp_uri)) == 1
    assert dlq.main(["replay", body["id"]]) == 0
    wait_for(lambda: len(Handler.seen) == 4)
