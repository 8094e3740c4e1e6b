"""The office's appointment routes: the body checked at the edge, forms asked with the
practice's time zone, a patient forms has not received answered as retryable, and the read
of a patient's appointments audited by identity."""
import pytest

from chairside.refusals import NOT_SYNCED_YET
from tests.gateway.conftest import PATIENT_ANSWER as PATIENT, PRACTICE

BODY = {"patient": "P-1", "clinic": "main", "start": "2026-12-01T09:30:00-05:00", "duration_minutes": 30,
        "status": "scheduled"}
STORED = {"external_id": "A-1", "patient": "P-1", "clinic": "main", "start": "2026-12-01T09:30:00-05:00",
          "duration_minutes": 30, "status": "scheduled", "provider": None, "reason": None,
          "timezone": "America/New_York", "version": 1}


def test_an_appointment_goes_to_forms_with_the_practice_s_time_zone(gateway, office):
    gateway.forms.upsert_appointment.return_value = STORED
    answer = office.put("/office/v1/appointments/A-1", json=BODY)
    assert answer.status_code == 200, answer.text
    assert answer.json() == STORED
    gateway.forms.upsert_appointment.assert_called_once_with(
        PRACTICE["id"], "A-1", {**BODY, "provider": None, "reason": None}, PRACTICE["timezone"])


@pytest.mark.parametrize("change, field", [
    ({"start": "2026-12-01T09:30:00"}, "start"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"status": "late"}, "status"),
    ({"patient": None}, "patient"),
])
def test_an_invalid_appointment_is_refused_at_the_edge_and_forms_is_not_asked(gateway, office, change, field):
    answer = office.put("/office/v1/appointments/A-1", json={**BODY, **change})
    assert answer.status_code == 400 and answer.json()["error"] == "VALIDATION_ERROR"
    assert field in answer.json()["fields"]
    gateway.forms.upsert_appointment.assert_not_called()


def test_a_patient_forms_has_not_received_is_a_retryable_answer(gateway, office):
    gateway.forms.upsert_appointment.side_effect = NOT_SYNCED_YET(service="forms", record="patient")
    answer = office.put("/office/v1/appointments/A-1", json=BODY)
    assert answer.status_code == 404 and answer.json()["error"] == "NOT_SYNCED_YET"
    assert "try again shortly" in answer.json()["message"]


def test_a_patient_s_appointments_are_read_from_forms_and_the_read_audited(gateway, office):
    listed = {"next_appointment": STORED, "appointments": [STORED]}
    gateway.identity.read_patient.return_value = PATIENT
    gateway.forms.get_appointments.return_value = listed
    answer = office.get("/office/v1/patients/P-1/appointments")
    assert answer.status_code == 200, answer.text
    assert answer.json() == listed
    gateway.identity.read_patient.assert_called_once_with(PRACTICE["id"], "P-1", "appointments_read")
    gateway.forms.get_appointments.assert_called_once_with(PRACTICE["id"], PATIENT["id"], PRACTICE["timezone"])
