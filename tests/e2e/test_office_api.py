"""PMS sync through the office API with the services as separate processes."""
import json

import pytest
import requests
from kombu import Connection, Exchange

from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e

ANN = {"first_name": "Ann", "last_name": "Lee", "birthdate": "1980-02-03", "mobile_phone": "+15555550100",
       "email": "ann@example.com", "clinic": "main", "text_ok": "yes"}


def applied_everywhere(running, patient_id):
    return all(
        running.scalar(service, f"SELECT count(*) FROM {table} WHERE patient_id = :pid", pid=patient_id) == 1
        for service, table in (("billing", "accounts"), ("sms", "contacts"), ("forms", "patients"))
    )


def test_health_names_every_service(running):
    body = requests.get(f"{running.gateway_url}/health", timeout=10).json()
    assert body == {"status": "ok", "services": {"identity": "ok", "forms": "ok", "billing": "ok", "sms": "ok"}}


def test_patient_sync_reaches_billing_sms_and_forms(running):
    _, office = running.new_practice("sync")
    clinic = office.put_clinic("main", name="Main Street Dental", phone="+15555550000")
    assert clinic.status_code == 200, clinic.text
    assert clinic.json()["country"] == "US" and clinic.json()["timezone"] == "America/New_York"

    response = office.put_patient("P-1", **ANN, guarantor="P-1")
    assert response.status_code == 200, response.text
    patient = response.json()
    assert patient["id"] and patient["external_id"] == "P-1" and patient["clinic"] == "main"
    assert patient["guarantor"] == "P-1" and patient["dependent"] is False

    wait_until(lambda: applied_everywhere(running, patient["id"]), message="the patient at every consumer")
    balance = office.get("/office/v1/patients/P-1/balance").json()
    assert (balance["balance_cents"], balance["currency"]) == (0, "USD")
    assert [member["patient"] for member in balance["family"]["members"]] == ["P-1"]
    assert office.get("/office/v1/patients/P-1/texting").json() == {
        "mobile_phone": "+15555550100", "text_ok": "yes", "opted_out": False}
    assert office.get("/office/v1/patients/P-1").json() == patient

    # a dependent of Ann's family, then the same body twice: nothing new is announced
    child = dict(ANN, first_name="Bo", birthdate="2018-06-01", guarantor="P-1", dependent=True, mobile_phone=None)
    assert office.put_patient("P-2", **child).status_code == 200
    outbox_before = running.scalar("identity", "SELECT count(*) FROM outbox")
    again = office.put_patient("P-2", **child)
    assert again.status_code == 200 and again.json()["version"] == 1
    assert running.scalar("identity", "SELECT count(*) FROM outbox") == outbox_before

    # a change bumps the version and reaches sms
    changed = office.put_patient("P-1", **dict(ANN, guarantor="P-1", mobile_phone="+15555550199", text_ok="no"))
    assert changed.json()["version"] == 2
    wait_until(lambda: office.get("/office/v1/patients/P-1/texting").json()["mobile_phone"] == "+15555550199",
               message="the new phone at sms")
    assert office.get("/office/v1/patients/P-1/texting").json()["text_ok"] == "no"


BROKEN = (422, "RULE_BROKEN")  # fits the document, breaks a rule
INVALID = (400, "VALIDATION_ERROR")  # does not fit the document


@pytest.mark.parametrize("body, field, refusal", [
    (dict(ANN, birthdate="1980-02-30"), "birthdate", INVALID),
    (dict(ANN, birthdate="2999-01-01"), "birthdate", BROKEN),
    (dict(ANN, mobile_phone="555-0100"), "mobile_phone", INVALID),
    (dict(ANN, clinic="nowhere"), "clinic", BROKEN),
    (dict(ANN, guarantor="nobody"), "guarantor", BROKEN),
    ({k: v for k, v in ANN.items() if k != "first_name"}, "first_name", INVALID),
    (dict(ANN, last_name="   "), "last_name", INVALID),
    (dict(ANN, dependent="yes"), "dependent", INVALID),
    (dict(ANN, first_name=42), "first_name", INVALID),
    (dict(ANN, text_ok="maybe"), "text_ok", INVALID),
    (dict(ANN, shoe_size=44), "shoe_size", INVALID),
])
def test_invalid_patients_are_refused_and_nothing_is_stored(running, body, field, refusal):
    practice, office = running.new_practice("invalid")
    office.put_clinic("main", name="Main")
    response = office.put_patient("P-9", **body)
    assert response.status_code == refusal[0], response.text
    error = response.json()
    assert error["error"] == refusal[1] and field in error["fields"], error
    assert office.get("/office/v1/patients/P-9").status_code == 404
    assert running.scalar("identity", "SELECT count(*) FROM patients WHERE practice_id = :p", p=practice["id"]) == 0


def test_malformed_json_and_non_objects(running):
    _, office = running.new_practice("malformed")
    for raw in ("{not json", "[1, 2]", ""):
        response = office.http.put(f"{office.url}/office/v1/patients/P-1", data=raw, timeout=10)
        assert response.status_code == 400 and response.json()["error"] == "VALIDATION_ERROR", raw


def test_office_key_is_required_and_never_crosses_practices(running):
    _, first = running.new_practice("first")
    _, second = running.new_practice("second")
    first.put_clinic("main", name="Main")
    assert first.put_patient("P-1", **ANN).status_code == 200

    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        response = requests.get(f"{running.gateway_url}/office/v1/patients/P-1", headers=headers, timeout=10)
        assert response.status_code == 401 and response.json()["error"] == "UNAUTHENTICATED"
    for path in ("/office/v1/patients/P-1", "/office/v1/patients/P-1/balance", "/office/v1/patients/P-1/texting"):
        response = second.get(path)
        assert response.status_code == 404 and response.json()["error"] == "PATIENT_NOT_FOUND", path
    # the first practice's clinic is unknown to the second
    assert second.put_patient("P-1", **ANN).json()["fields"] == {"clinic": ["Unknown clinic: sync the clinic first."]}


def test_balance_and_texting_are_404_until_the_consumers_know_the_patient(own_system):
    running = own_system
    _, office = running.new_practice("early")
    assert office.get("/office/v1/patients/P-7/balance").status_code == 404
    running.system["billing"].stop()
    running.system["sms"].stop()
    assert office.put_patient("P-7", **dict(ANN, clinic=None)).status_code == 200
    assert office.get("/office/v1/patients/P-7/balance").json()["error"] in ("NOT_SYNCED_YET", "SERVICE_UNAVAILABLE")
    health = requests.get(f"{running.gateway_url}/health", timeout=10)
    assert health.status_code == 503
    assert health.json()["services"]["billing"] == "unavailable" and health.json()["services"]["sms"] == "unavailable"
    assert health.json()["services"]["identity"] == "ok"

    running.system["billing"].start()
    running.system["sms"].start()
    running.system.wait_healthy(60)
    wait_until(lambda: office.get("/office/v1/patients/P-7/balance").status_code == 200,
               message="billing to open the account once it is back")
    assert office.get("/office/v1/patients/P-7/texting").status_code == 200


def test_an_older_version_arriving_late_is_ignored(running):
    practice, office = running.new_practice("order")
    patient = office.put_patient("P-1", **dict(ANN, clinic=None)).json()
    wait_until(lambda: office.get("/office/v1/patients/P-1/texting").status_code == 200, message="sms contact")
    office.put_patient("P-1", **dict(ANN, clinic=None, mobile_phone="+15555550111"))
    wait_until(lambda: office.get("/office/v1/patients/P-1/texting").json()["mobile_phone"] == "+15555550111",
               message="version 2 at sms")

    # replay version 1 as a new event (a different id), as a reordering broker would deliver it
    row = json.loads(running.scalar(
        "identity", "SELECT body FROM outbox WHERE event_type = 'patient_upserted' AND body LIKE :p ORDER BY seq LIMIT 1",
        p=f"%{patient['id']}%"))
    assert row["data"]["version"] == 1 and row["data"]["patient_id"] == patient["id"]
    row["id"] = "00000000-0000-4000-8000-000000000001"
    with Connection(running.amqp_uri) as conn:
        conn.Producer().publish(row, exchange=Exchange("identity.events", type="topic"),
                                routing_key="patient_upserted", serializer="json")
    wait_until(lambda: running.scalar("sms", "SELECT count(*) FROM processed_events WHERE event_id = :e",
                                      e=row["id"]) == 1, message="sms to handle the late event")
    assert office.get("/office/v1/patients/P-1/texting").json()["mobile_phone"] == "+15555550111"
    assert practice["slug"].startswith("order-")


def test_unknown_paths_and_methods_answer_in_json(running):
    missing = requests.get(f"{running.gateway_url}/office/v1/nothing-here", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"] == "NOT_FOUND"
    wrong = requests.delete(f"{running.gateway_url}/office/v1/patients/P-1", timeout=10)
    assert wrong.status_code == 405 and wrong.json()["error"] == "METHOD_NOT_ALLOWED"
    assert "PUT" in wrong.headers["Allow"]


def test_oversized_bodies_are_refused_unread(running):
    _, office = running.new_practice("big")
    response = office.http.put(f"{office.url}/office/v1/patients/P-1", data=b"{" + b" " * 1_000_001 + b"}",
                               headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 400 and response.json()["fields"]["_body"]
