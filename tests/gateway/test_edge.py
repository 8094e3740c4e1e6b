"""The gateway's edge: the one error table, JSON in and out, and input refused at the edge
schemas before any service hears of it (the outside probe's findings among them)."""
import json
import re

import pytest
from marshmallow import fields as ma

from chairside.contracts import identity as identity_contract
from chairside.contracts import sms as sms_contract
from chairside.refusals import (
    NOT_SYNCED_YET, RULE_BROKEN, SERVICE_UNAVAILABLE, VALIDATION_ERROR, ChairsideError, ErrorCode,
)
from chairside.schemas import FreeText, Name, Text
from services.gateway import errors
from services.gateway.http import JSON, MAX_JSON_DEPTH, OPERATIONS, PATIENT
from tests.gateway.conftest import PATIENT_ANSWER, PRACTICE

# A valid body for every route that takes one: the probes below change one thing at a time.
VALID_BODIES = {
    "post_payment_request": {"patient": "P-1", "amount_cents": 5000, "message": "Thank you for your visit!"},
    "put_payment_request_settings": {"link_days": 30, "follow_up_days": [3, 7]},
    "put_clinic": {"name": "Main Street", "phone": "+15555550100", "country": "US", "timezone": "America/Chicago"},
    "put_patient": {"first_name": "Ann", "last_name": "Lee", "birthdate": "1980-02-03", "email": "ann@example.com",
                    "mobile_phone": "+15555550111", "clinic": "main", "guarantor": "P-1", "text_ok": "yes"},
    "put_appointment": {"patient": "P-1", "clinic": "main", "start": "2026-12-01T09:30:00-05:00",
                        "duration_minutes": 30, "status": "scheduled", "provider": "Dr. Chen", "reason": "Cleaning"},
    "put_ledger_entry": {"patient": "P-1", "date": "2026-11-02", "kind": "payment", "amount_cents": 2500,
                         "description": "Paid online", "payment": "0d8f0f6e-7d4b-4a51-9a50-5d1a3c8a1f00"},
    "put_payment_settings": {"online_payments": True, "auto_post": True, "minimum_cents": 100,
                             "processor": "sandbox", "currency": "USD"},
    "post_form_template": {"resourceType": "Questionnaire", "url": "http://example.org/q", "title": "History",
                           "item": [{"linkId": "a", "type": "boolean", "text": "Allergies?"}]},
    "put_form_rule": {"min_age": 18, "max_age": None, "valid_months": 12, "renew_on_new_version": True},
    "put_clinic_texting": {"subscribed": True, "number": "+15555550100"},
    "put_texting": {"default_clinic": "main"},
    "put_spend_limit": {"monthly_limit_usd": "50.00"},
    "put_opt_in": {"opt_in_title": "Smile Downtown", "prompt_opt_in": True},
    "post_text": {"patient": "P-1", "body": "Your crown is ready: call us to book."},
    "login": {"practice": "demo", "username": "ann", "password": "violet tractor juggles midnight"},
    "verify_login": {"code": "123456"},
    "change_password": {"current_password": "old one", "new_password": "violet tractor juggles midnight"},
    "confirm_totp": {"code": "123456"},
    "put_portal_settings": {"modules": {"forms": True, "payments": False, "appointments": True, "messages": True},
                            "dependent_age": 18},
    "start_claim": {"practice": "demo", "first_name": "Ann", "last_name": "Lee", "birthdate": "1980-02-03"},
    "start_invited_claim": {"practice": "demo", "invitation": "abc-DEF_123", "birthdate": "1980-02-03"},
    "verify_claim": {"code": "123456"},
    "complete_claim": {"username": "ann.lee", "password": "violet tractor juggles midnight"},
    "start_reset": {"practice": "demo", "username": "ann.lee", "birthdate": "1980-02-03"},
    "verify_reset": {"code": "123456"},
    "complete_reset": {"new_password": "violet tractor juggles midnight"},
    "post_reply": {"body": "See you Friday at 9."},
    "pay": {"amount_cents": 2_500, "token": "tok_visa_1", "save_card": False},
    "refund_payment": {"amount_cents": 500},
}
# JSON bodies; the form-encoded webhooks of outside parties are probed in their own tests
# (tests/gateway/test_twilio_webhooks.py), behind their signature.
WRITES = [operation for operation in OPERATIONS if operation.body and operation.body_type == JSON]
# A valid value of each path name (forms' ids are UUIDs); any other name takes "c-1".
PATH_VALUES = {"external_id": "P-1", "template_id": "7f7c2a52-3c1b-4c7e-9a57-2f0c8f1b6a11",
               "phone": "%2B15555550111", "payment_id": "0c2d7a8e-5b1f-4c3a-9e6d-1f2a3b4c5d6e"}
# Who a patient route of a portal module finds signed in: every module on.
SIGNED_IN = {"patient_id": "pat-1", "practice_id": PRACTICE["id"], "modules": list(identity_contract.PORTAL_MODULES)}
# Checking who calls (the office key, the patient's session) is not a write.
CALLER_CHECKS = ("authenticate_office", "authenticate_session")


@pytest.fixture(autouse=True)
def signed_in(gateway):
    gateway.identity.authenticate_session.return_value = SIGNED_IN


def url_of(operation):
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: PATH_VALUES.get(m.group(1), "c-1"), operation.url)


def send(session, operation, body=None, raw=None):
    headers = {"Content-Type": "application/json", "Idempotency-Key": "edge-1"}
    if operation.auth == PATIENT:
        headers["Authorization"] = "Bearer patient-token"
    data = raw if raw is not None else json.dumps(body)
    return session.request(operation.method, url_of(operation), data=data, headers=headers)


def services_written(gateway):
    """Every call the fakes received, but the checks of who calls."""
    calls = []
    for fake in (gateway.identity, gateway.forms, gateway.billing, gateway.sms):
        calls += [call for call in fake.mock_calls if call[0] not in CALLER_CHECKS]
    return calls


def assert_refused_at_edge(gateway, response, field):
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "VALIDATION_ERROR" and field in body["fields"], body
    assert services_written(gateway) == []


def test_every_write_route_has_a_valid_example_body():
    assert {operation.name for operation in WRITES} == set(VALID_BODIES)


def text_fields(operation):
    return [name for name, field in operation.body().fields.items() if isinstance(field, ma.String)]


@pytest.mark.parametrize("operation", WRITES, ids=lambda operation: operation.name)
def test_deep_nesting_is_refused_before_parsing(gateway, office, operation):
    """5,000 nested arrays made the JSON parser recurse until RecursionError (a 500)."""
    for raw in ("[" * 5000 + "]" * 5000, '{"a":' * 5000 + "1" + "}" * 5000,
                json.dumps(dict(VALID_BODIES[operation.name], deep=json.loads("[" * 40 + "]" * 40)))):
        assert_refused_at_edge(gateway, send(office, operation, raw=raw), "_body")


@pytest.mark.parametrize("operation", WRITES, ids=lambda operation: operation.name)
def test_nesting_up_to_the_limit_is_parsed_and_judged_by_the_schema(gateway, office, operation):
    nested = json.loads("[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1))
    response = send(office, operation, dict(VALID_BODIES[operation.name], extra=nested))
    assert_refused_at_edge(gateway, response, "extra")  # parsed: refused as an unknown field, not as too deep


@pytest.mark.parametrize("operation", WRITES, ids=lambda operation: operation.name)
def test_nul_is_refused_in_every_text_field(gateway, office, operation):
    """NUL was stored on SQLite and would fail on PostgreSQL."""
    for name in text_fields(operation):
        body = dict(VALID_BODIES[operation.name], **{name: "An\x00n"})
        assert_refused_at_edge(gateway, send(office, operation, body), name)


SPOOFS = ("A\u202eB\u200b", "Ann\u200b", "\u202eeel", "Ann\u2066Lee", "Ann\ufeff", "Ann\x1b[31m")


@pytest.mark.parametrize("operation", WRITES, ids=lambda operation: operation.name)
def test_names_and_free_text_refuse_invisible_and_control_characters(gateway, office, operation):
    """A right-to-left override or a zero-width space would let a console show a spoofed name."""
    checked = [(name, field) for name, field in operation.body().fields.items()
               if isinstance(field, (Name, FreeText)) or not isinstance(field, Text) and isinstance(field, ma.String)]
    for name, _ in checked:
        for spoof in SPOOFS:
            body = dict(VALID_BODIES[operation.name], **{name: spoof})
            assert_refused_at_edge(gateway, send(office, operation, body), name)


@pytest.mark.parametrize("operation", [o for o in WRITES if o.path and "external_id" in o.path().fields],
                         ids=lambda operation: operation.name)
def test_external_ids_in_the_path_refuse_what_is_not_an_id(gateway, office, operation):
    for bad in ("A%E2%80%AEB", "P-1%00", "P-1%0A", "x" * 65, "%20"):
        response = office.request(operation.method, operation.url.replace("<external_id>", bad),
                                  json=VALID_BODIES[operation.name])
        assert_refused_at_edge(gateway, response, "external_id")


def test_a_valid_body_reaches_the_service_as_json_values(gateway, office):
    gateway.identity.upsert_patient.return_value = PATIENT_ANSWER
    response = office.put("/office/v1/patients/P-1", json=VALID_BODIES["put_patient"])
    assert response.status_code == 200 and response.json() == PATIENT_ANSWER
    practice_id, external_id, body = gateway.identity.upsert_patient.call_args.args
    assert (practice_id, external_id) == (PRACTICE["id"], "P-1")
    assert body == dict(VALID_BODIES["put_patient"], dependent=False)  # defaults filled, dates as text


@pytest.mark.parametrize("raw, message", [
    ("", "A JSON object is required."), ("{not json", "Malformed JSON."), ("[1]", "Must be a JSON object."),
    ('"text"', "Must be a JSON object."), ("\xff", "Malformed JSON."),
])
def test_malformed_bodies(gateway, office, raw, message):
    response = office.put("/office/v1/patients/P-1", data=raw.encode("latin-1"))
    assert_refused_at_edge(gateway, response, "_body")
    assert response.json()["fields"]["_body"] == [message]


def test_a_body_over_one_megabyte_is_refused(gateway, office):
    response = office.put("/office/v1/patients/P-1", data=b" " * 1_000_001)
    assert_refused_at_edge(gateway, response, "_body")


# -- the error table ----------------------------------------------------------------------------

REFUSALS = [identity_contract.PATIENT_NOT_FOUND(), NOT_SYNCED_YET(service="billing", record="patient"),
            RULE_BROKEN(fields={"birthdate": ["Must not be in the future."]}), sms_contract.TEXTING_NUMBER_TAKEN(),
            identity_contract.TOO_MANY_ATTEMPTS(minutes=15), identity_contract.PASSWORD_CHANGE_REQUIRED(),
            identity_contract.INVALID_CREDENTIALS(), VALIDATION_ERROR(fields={"x": ["bad"]}), SERVICE_UNAVAILABLE()]


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda refusal: refusal.code)
def test_a_refusal_from_a_service_answers_with_its_status_code_message_and_fields(gateway, office, refusal):
    gateway.identity.read_patient.side_effect = refusal
    response = office.get("/office/v1/patients/P-1")
    assert response.status_code == errors.status_of(type(refusal))
    expected = {"error": refusal.code, "message": refusal.message}
    if refusal.fields:
        expected["fields"] = refusal.fields
    assert response.json() == expected
    assert response.headers["Content-Type"] == "application/json"


def test_the_table_has_a_status_for_every_refusal_class():
    for code in (value for module in (identity_contract, sms_contract) for value in vars(module).values()
                 if isinstance(value, ErrorCode)):
        assert 400 <= errors.status_of(code.refusal) < 600
    with pytest.raises(LookupError):
        errors.status_of(ChairsideError)


@pytest.mark.parametrize("failure", [ConnectionResetError("gone"), OSError("broker away")])
def test_a_broker_out_of_reach_is_503(gateway, office, failure):
    gateway.identity.read_patient.side_effect = failure
    response = office.get("/office/v1/patients/P-1")
    assert response.status_code == 503 and response.json()["error"] == "SERVICE_UNAVAILABLE"


def test_a_defect_is_a_500_with_a_reference_and_no_detail(gateway, office, caplog):
    gateway.identity.read_patient.side_effect = RuntimeError("secret detail")
    response = office.get("/office/v1/patients/P-1")
    assert response.status_code == 500 and response.json()["error"] == "INTERNAL_ERROR"
    reference = re.search(r"reference ([0-9a-f]{12})", response.json()["message"]).group(1)
    assert "secret detail" not in response.text
    assert any(reference in record.getMessage() for record in caplog.records)


def test_unknown_addresses_and_methods_answer_in_json(gateway, office):
    missing = office.get("/office/v1/nothing-here")
    assert missing.status_code == 404 and missing.json() == {"error": "NOT_FOUND",
                                                            "message": "There is nothing at this address."}
    wrong = office.delete("/office/v1/patients/P-1")
    assert wrong.status_code == 405 and wrong.json()["error"] == "METHOD_NOT_ALLOWED"
    assert set(wrong.headers["Allow"].split(", ")) >= {"GET", "PUT"}


def test_the_office_key_is_checked_before_anything_else(gateway, web_session):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
        response = web_session.put("/office/v1/patients/P-1", json=VALID_BODIES["put_patient"], headers=headers)
        assert response.status_code == 401 and response.json()["error"] == "UNAUTHENTICATED"
    assert services_written(gateway) == []


def test_patient_routes_without_a_token_never_reach_identity(gateway, web_session):
    response = web_session.get("/api/v1/me")
    assert response.status_code == 401 and response.json()["error"] == "SIGN_IN_REQUIRED"
    assert services_written(gateway) == []


def test_answers_with_patient_data_are_never_cached(gateway, office):
    gateway.identity.read_patient.return_value = PATIENT_ANSWER
    response = office.get("/office/v1/patients/P-1")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
