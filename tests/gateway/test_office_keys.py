"""The office API key check in a running gateway: remembered between requests, asked again
for an unknown key, forgotten when identity announces a rotation."""
import time
from datetime import datetime, timedelta, timezone

import pytest
from nameko.testing.services import entrypoint_hook

from chairside.confirms import confirming_connection
from chairside.events import load_event, new_event
from chairside.events.envelope import EnvelopeSchema
from tests.gateway.conftest import PATIENT_ANSWER, PRACTICE, office_keys


def rotated(practice_id):
    """identity.practice_key_rotated as identity's outbox relay sends it."""
    evt = new_event("identity", "practice_key_rotated", practice_id, {"practice_id": practice_id},
                    datetime.now(timezone.utc))
    return EnvelopeSchema().dump(evt)


@pytest.fixture
def read_patient(gateway, office):
    gateway.identity.read_patient.return_value = PATIENT_ANSWER

    def read():
        response = office.get("/office/v1/patients/P-1")
        assert response.status_code == 200, response.text
        return gateway.identity.authenticate_office.call_count
    return read


@pytest.fixture
def long_lived(running_gateway):
    """Entries that outlive the test, so that only forgetting can make the gateway ask again."""
    cache = office_keys(running_gateway[2])
    lifetime, cache.lifetime = cache.lifetime, timedelta(hours=1)
    yield cache
    cache.lifetime = lifetime


def test_the_key_is_checked_once_for_requests_in_a_row(read_patient):
    assert [read_patient() for _ in range(3)] == [1, 1, 1]


def test_an_unknown_key_is_refused_and_asked_about_every_time(gateway, web_session):
    for count in (1, 2):
        response = web_session.get("/office/v1/patients/P-1", headers={"Authorization": "Bearer cs_office_stale"})
        assert response.status_code == 401 and response.json()["error"] == "UNAUTHENTICATED"
        assert gateway.identity.authenticate_office.call_count == count
    gateway.identity.read_patient.assert_not_called()


def test_the_rotation_event_makes_the_gateway_ask_again(running_gateway, long_lived, read_patient):
    assert read_patient() == 1
    with entrypoint_hook(running_gateway[2], "on_practice_key_rotated") as handle:
        handle(load_event(rotated(PRACTICE["id"])))
    assert read_patient() == 2


def test_a_rotation_of_another_practice_changes_nothing(running_gateway, long_lived, read_patient):
    read_patient()
    with entrypoint_hook(running_gateway[2], "on_practice_key_rotated") as handle:
        handle(load_event(rotated("practice-2")))
    assert read_patient() == 1


def test_the_event_reaches_the_gateway_process_through_the_broker(running_gateway, long_lived, read_patient):
    read_patient()
    with confirming_connection(running_gateway[2].config["AMQP_URI"]) as connection:
        connection.Producer().publish(rotated(PRACTICE["id"]), exchange="identity.events",
                                      routing_key="practice_key_rotated", serializer="json")
    deadline = time.monotonic() + 10
    while read_patient() == 1:   # still remembered: the event is on its way
        assert time.monotonic() < deadline, "the gateway did not forget the key"
        time.sleep(0.02)
    assert read_patient() == 2

