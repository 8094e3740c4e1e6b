"""Appointments from the PMS with the services as separate processes: forms learns the
clinic and the patient from identity's events, takes appointments named by PMS ids, answers
the next one in its clinic's time zone and announces every change on forms.events."""
import json
import uuid

import pytest
from kombu import Connection, Exchange, Queue

from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e

ANN = {"first_name": "Ann", "last_name": "Lee", "birthdate": "1980-02-03", "clinic": "west"}
# Far ahead of the real clock, in January: Los Angeles is at -08:00, Chicago at -06:00.
CHECK_UP = {"patient": "P-1", "clinic": "west", "start": "2030-01-15T09:00:00-08:00", "duration_minutes": 45,
            "status": "confirmed", "provider": "Dr. Chen", "reason": "Check-up"}


def put(office, external_id, body):
    return office.http.put(f"{office.url}/office/v1/appointments/{external_id}", json=body, timeout=30)


def accepted(answer):
    return answer if answer.status_code == 200 else None


def subscribed(connection):
    """A queue of our own on forms.events, bound before anything is put (as a reminders service would be)."""
    queue = Queue(f"e2e.appointments.{uuid.uuid4().hex}", Exchange("forms.events", type="topic", durable=True),
                  routing_key="appointment_upserted", exclusive=True, auto_delete=True)(connection.default_channel)
    queue.declare()
    return queue


def received(queue, count):
    """The first `count` events on `queue`, waiting for them."""
    events = []

    def enough():
        while (message := queue.get(no_ack=True)) is not None:
            events.append(json.loads(message.body))
        return len(events) >= count
    wait_until(enough, message=f"{count} events on forms.events")
    return events


def test_appointments_are_synced_shown_in_their_clinic_s_zone_and_announced(running):
    practice, office = running.new_practice("appointments", timezone="America/Chicago")
    with Connection(running.amqp_uri) as connection:
        queue = subscribed(connection)
        assert office.put_clinic("west", name="West Side", timezone="America/Los_Angeles").status_code == 200
        assert office.put_patient("P-1", **ANN).status_code == 200

        # the PMS retries while forms has not received the patient and the clinic yet
        first = wait_until(lambda: accepted(put(office, "A-1", CHECK_UP)),
                           message="forms to know the patient and the clinic")
        assert first.json() == {"external_id": "A-1", "patient": "P-1", "clinic": "west",
                                "start": "2030-01-15T09:00:00-08:00", "duration_minutes": 45, "status": "confirmed",
                                "provider": "Dr. Chen", "reason": "Check-up", "timezone": "America/Los_Angeles",
                                "version": 1}
        outbox = "SELECT count(*) FROM outbox WHERE event_type = 'appointment_upserted' AND body LIKE :p"
        mine = f"%{practice['id']}%"
        again = put(office, "A-1", dict(CHECK_UP, start="2030-01-15T17:00:00Z"))  # the same instant
        assert again.status_code == 200 and again.json() == first.json()
        assert running.scalar("forms", outbox, p=mine) == 1

        # a patient forms never heard of: retryable, nothing stored; an invalid body: 400, nothing stored
        unknown = put(office, "A-9", dict(CHECK_UP, patient="P-404"))
        assert unknown.status_code == 404 and unknown.json()["error"] == "NOT_SYNCED_YET"
        invalid = put(office, "A-9", dict(CHECK_UP, start="2030-01-15T09:00:00", duration_minutes=0))
        assert invalid.status_code == 400 and invalid.json()["error"] == "VALIDATION_ERROR"
        assert set(invalid.json()["fields"]) == {"start", "duration_minutes"}
        assert running.scalar("forms", "SELECT count(*) FROM appointments WHERE external_id = 'A-9' "
                                       "AND practice_id = :p", p=practice["id"]) == 0

        # an earlier one without a clinic (the practice's zone), a cancelled and a past one
        sooner = dict(CHECK_UP, clinic=None, start="2030-01-10T08:00:00-06:00", status="scheduled", reason=None)
        assert put(office, "A-2", sooner).status_code == 200
        assert put(office, "A-3", dict(CHECK_UP, start="2030-01-02T09:00:00-08:00", status="cancelled")).ok
        assert put(office, "A-4", dict(CHECK_UP, start="2020-01-02T09:00:00-08:00", status="scheduled")).ok
        listed = office.get("/office/v1/patients/P-1/appointments")
        assert listed.status_code == 200, listed.text
        assert [(a["external_id"], a["start"]) for a in listed.json()["appointments"]] == [
            ("A-4", "2020-01-02T09:00:00-08:00"), ("A-3", "2030-01-02T09:00:00-08:00"),
            ("A-2", "2030-01-10T08:00:00-06:00"), ("A-1", "2030-01-15T09:00:00-08:00")]
        upcoming = listed.json()["next_appointment"]
        assert (upcoming["external_id"], upcoming["timezone"]) == ("A-2", "America/Chicago")

        # a change: version 2, announced; the next appointment is the check-up again
        assert put(office, "A-2", dict(sooner, status="cancelled")).json()["version"] == 2
        assert office.get("/office/v1/patients/P-1/appointments").json()["next_appointment"] == first.json()
        assert running.scalar("forms", outbox, p=mine) == 5

        # every change published with confirms and received by a subscriber of forms.events
        wait_until(lambda: running.scalar("forms", outbox + " AND sent_at IS NULL", p=mine) == 0,
                   message="the relay to publish forms' events")
        events = received(queue, 5)
        assert [(e["data"]["external_id"], e["data"]["version"]) for e in events] == [
            ("A-1", 1), ("A-2", 1), ("A-3", 1), ("A-4", 1), ("A-2", 2)]
        assert {(e["source"], e["type"], e["practice_id"]) for e in events} == {
            ("forms", "appointment_upserted", practice["id"])}
        assert events[0]["data"]["start"] == "2030-01-15T17:00:00+00:00"
