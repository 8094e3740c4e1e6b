"""The PMS sync of appointments into forms, against a real database: versions and events in
the outbox, patients and clinics named by their PMS ids (known only once identity's events
reached forms), tenancy, and the next appointment in its clinic's time zone."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from chairside.contracts.forms import Appointment as AppointmentAnswer, AppointmentUpsert, Appointments
from chairside.refusals import NotFound, Unprocessable
from chairside.tables import OutboxRow
from services.forms.models import Appointment, Clinic
from services.forms.usecases import appointments, clinics, patients
from tests.usecases.events import clinic_upserted, patient_upserted

PRACTICE_ZONE = "America/Chicago"
BODY = {"patient": "PMS-1", "clinic": "main", "start": "2026-12-01T09:30:00-05:00", "duration_minutes": 30,
        "status": "scheduled", "provider": "Dr. Chen", "reason": "Cleaning"}


@pytest.fixture
def forms(forms_db, clock):
    """forms with Ada (PMS-1) at Main Street (main, New York) of practice p1, as identity announced them."""
    forms_db.deliver("forms.on_clinic_upserted", clinics.keep_clinic, clinic_upserted(clock))
    forms_db.deliver("forms.on_patient_upserted", patients.record_patient, patient_upserted(clock))
    return forms_db


def put(forms_db, external_id="A-1", practice_id="p1", **changes):
    sent = AppointmentUpsert().load(json.loads(json.dumps({**BODY, **changes})))
    return forms_db.run(appointments.upsert_appointment, practice_id, external_id, sent, PRACTICE_ZONE,
                        answer=AppointmentAnswer(), retry_on_race=True)


def listed(forms_db, practice_id="p1", patient_id="a1"):
    return forms_db.run(appointments.patient_appointments, practice_id, patient_id, PRACTICE_ZONE,
                        answer=Appointments(), read_only=True)


def outbox(forms_db):
    with forms_db.session() as session:
        rows = session.scalars(select(OutboxRow).order_by(OutboxRow.seq)).all()
    return [json.loads(row.body) for row in rows]


def count(forms_db, model):
    with forms_db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_first_sync_stores_version_1_in_the_clinic_s_zone_and_announces_it(forms):
    answer = put(forms)
    assert answer == {"external_id": "A-1", "patient": "PMS-1", "clinic": "main",
                      "start": "2026-12-01T09:30:00-05:00", "duration_minutes": 30, "status": "scheduled",
                      "provider": "Dr. Chen", "reason": "Cleaning", "timezone": "America/New_York", "version": 1}
    [event] = outbox(forms)
    assert (event["source"], event["type"], event["practice_id"]) == ("forms", "appointment_upserted", "p1")
    with forms.session() as session:
        appointment_id = session.scalar(select(Appointment.appointment_id))
    assert event["data"] == {"appointment_id": appointment_id, "external_id": "A-1", "version": 1,
                             "patient_id": "a1", "clinic_id": "c1", "start": "2026-12-01T14:30:00+00:00",
                             "duration_minutes": 30, "status": "scheduled", "provider": "Dr. Chen",
                             "reason": "Cleaning"}


def test_the_same_body_twice_changes_nothing_and_announces_nothing(forms, clock):
    first = put(forms)
    clock.advance(timedelta(minutes=5))
    assert put(forms) == first
    # the same instant written with another offset is the same appointment
    assert put(forms, start="2026-12-01T14:30:00Z") == first
    assert len(outbox(forms)) == 1 and count(forms, Appointment) == 1


@pytest.mark.parametrize("change", [
    {"status": "confirmed"}, {"start": "2026-12-01T10:00:00-05:00"}, {"duration_minutes": 60},
    {"provider": None}, {"reason": "Crown"}, {"clinic": None},
], ids=lambda change: next(iter(change)))
def test_a_change_bumps_the_version_and_is_announced(forms, change):
    put(forms)
    changed = put(forms, **change)
    assert changed["version"] == 2
    assert [(e["data"]["external_id"], e["data"]["version"]) for e in outbox(forms)] == [("A-1", 1), ("A-1", 2)]
    assert count(forms, Appointment) == 1


def test_an_appointment_without_a_clinic_is_shown_in_the_practice_s_zone(forms):
    answer = put(forms, clinic=None)
    assert (answer["clinic"], answer["timezone"], answer["start"]) == \
        (None, PRACTICE_ZONE, "2026-12-01T08:30:00-06:00")


@pytest.mark.parametrize("changes, record", [
    ({"patient": "PMS-404"}, "patient"),
    ({"clinic": "north"}, "clinic"),
], ids=["patient", "clinic"])
def test_a_patient_or_clinic_forms_has_not_received_is_not_synced_yet_and_nothing_is_stored(forms, changes, record):
    with pytest.raises(NotFound) as refused:
        put(forms, **changes)
    assert refused.value.code == "NOT_SYNCED_YET"
    assert f"forms service has not received this {record}" in refused.value.message
    assert count(forms, Appointment) == 0 and outbox(forms) == []


def test_once_the_patient_arrives_the_retried_sync_is_stored(forms, clock):
    with pytest.raises(NotFound):
        put(forms, patient="PMS-2")
    forms.deliver("forms.on_patient_upserted", patients.record_patient,
                  patient_upserted(clock, patient_id="b2", external_id="PMS-2"))
    assert put(forms, patient="PMS-2")["version"] == 1


def test_another_practice_s_patient_and_clinic_are_not_found(forms, clock):
    forms.deliver("forms.on_clinic_upserted", clinics.keep_clinic,
                  clinic_upserted(clock, practice_id="p2", clinic_id="c2", external_id="north"))
    forms.deliver("forms.on_patient_upserted", patients.record_patient,
                  patient_upserted(clock, practice_id="p2", patient_id="b1", external_id="PMS-9"))
    for changes in ({"patient": "PMS-9"}, {"clinic": "north"}):
        with pytest.raises(NotFound) as refused:
            put(forms, **changes)
        assert refused.value.code == "NOT_SYNCED_YET"
    with pytest.raises(NotFound):
        listed(forms, "p2", "a1")
    assert count(forms, Appointment) == 0


def test_the_same_pms_id_in_two_practices_is_two_appointments(forms, clock):
    forms.deliver("forms.on_patient_upserted", patients.record_patient,
                  patient_upserted(clock, practice_id="p2", patient_id="b1", external_id="PMS-1"))
    put(forms)
    assert put(forms, practice_id="p2", clinic=None)["version"] == 1
    assert count(forms, Appointment) == 2


def test_a_newer_clinic_zone_shows_its_appointments_in_it(forms, clock):
    put(forms)
    forms.deliver("forms.on_clinic_upserted", clinics.keep_clinic,
                  clinic_upserted(clock, version=2, timezone="America/Los_Angeles"),
                  clinic_upserted(clock, version=1))  # an older event arriving late changes nothing
    assert listed(forms)["appointments"][0]["start"] == "2026-12-01T06:30:00-08:00"
    with forms.session() as session:
        assert session.get(Clinic, "c1").version == 2


def test_a_patient_s_appointments_by_start_and_the_next_one(forms, clock):
    now = clock.now()  # 2026-11-22 15:00 UTC
    put(forms, "past", start=(now - timedelta(seconds=1)).isoformat())
    put(forms, "cancelled", start=(now + timedelta(hours=1)).isoformat(), status="cancelled")
    put(forms, "later", start=(now + timedelta(days=9)).isoformat(), status="confirmed")
    put(forms, "next", start=(now + timedelta(days=2)).isoformat(), clinic=None)
    answer = listed(forms)
    assert [a["external_id"] for a in answer["appointments"]] == ["past", "cancelled", "next", "later"]
    assert answer["next_appointment"]["external_id"] == "next"
    assert answer["next_appointment"]["start"] == "2026-11-24T09:00:00-06:00"  # the practice's zone
    clock.advance(timedelta(days=2))  # "next" starts exactly now: still next
    assert listed(forms)["next_appointment"]["external_id"] == "next"
    clock.advance(timedelta(seconds=1))
    assert listed(forms)["next_appointment"]["external_id"] == "later"
    clock.advance(timedelta(days=30))
    assert listed(forms)["next_appointment"] is None


def test_a_patient_without_appointments_has_none(forms):
    assert listed(forms) == {"next_appointment": None, "appointments": []}


def test_a_patient_forms_has_not_received_is_not_synced_yet(forms):
    with pytest.raises(NotFound) as refused:
        listed(forms, patient_id="b404")
    assert refused.value.code == "NOT_SYNCED_YET"


def test_a_patient_is_named_by_the_pms_id_of_forms_newest_copy(forms, clock):
    forms.deliver("forms.on_patient_upserted", patients.record_patient,
                  patient_upserted(clock, version=2, external_id="PMS-1B"))
    assert put(forms, patient="PMS-1B")["patient"] == "PMS-1B"


def test_a_start_outside_the_years_kept_breaks_a_rule_and_nothing_is_stored(forms):
    with pytest.raises(Unprocessable) as refused:
        put(forms, start="0001-01-01T00:00:00+01:00")
    assert refused.value.code == "RULE_BROKEN" and set(refused.value.fields) == {"start"}
    assert count(forms, Appointment) == 0 and outbox(forms) == []
