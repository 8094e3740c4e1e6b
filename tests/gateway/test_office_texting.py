"""The office's texting routes at the edge: a text to a patient (with an Idempotency-Key),
the monthly spend limit, a clinic's opt-in preferences; what they ask sms, and how its
refusals answer."""
import pytest

from chairside.contracts import sms as sms_contract
from chairside.contracts.identity import CLINIC_NOT_FOUND, PATIENT_NOT_FOUND
from services.gateway import openapi
from tests.gateway.conftest import PATIENT_ANSWER as PATIENT, PRACTICE

SENT = {"message_id": "m-1", "to": "+15555550111", "from": "+15555550100", "encoding": "GSM-7", "segments": 1,
        "charge_usd": "0.0079", "status": "sent", "sent_at": "2026-11-22T15:00:00+00:00"}
TEXT = {"patient": "P-1", "body": "Your crown is ready: call us to book."}
LIMIT = {"monthly_limit_usd": "50.00", "month": "2026-11", "month_charges_usd": "40.0079", "warning": True,
         "reached": False}
CLINIC = {"id": "clinic-1", "external_id": "main", "name": "Main Street"}


# -- POST /office/v1/texts -------------------------------------------------------------------------

def test_a_text_to_a_patient_is_sent_by_sms_and_answered_201(gateway, office):
    gateway.identity.read_patient.return_value = PATIENT
    gateway.sms.send_text.return_value = SENT
    response = office.post("/office/v1/texts", json=TEXT)
    assert response.status_code == 201, response.text
    assert response.json() == {"id": "m-1", "to": "+15555550111", "from": "+15555550100", "encoding": "GSM-7",
                               "segments": 1, "charge_usd": "0.0079", "status": "sent"}
    gateway.identity.read_patient.assert_called_once_with(PRACTICE["id"], "P-1", "patient_texted")
    gateway.sms.send_text.assert_called_once_with(PRACTICE["id"], PATIENT["id"], {
        "body": TEXT["body"], "purpose": "office_message"})


def test_an_idempotency_key_travels_to_sms_under_the_office_s_prefix(gateway, office):
    gateway.identity.read_patient.return_value = PATIENT
    gateway.sms.send_text.return_value = SENT
    response = office.post("/office/v1/texts", json=TEXT, headers={"Idempotency-Key": "pms-42 retry"})
    assert response.status_code == 201, response.text
    assert gateway.sms.send_text.call_args.args[2]["idempotency_key"] == "office:pms-42 retry"


@pytest.mark.parametrize("key", ["k" * 94, "caf\u00e9", "a\tb"], ids=["too-long", "not-ascii", "tab"])
def test_an_idempotency_key_out_of_shape_is_refused_at_the_edge(gateway, office, key):
    response = office.post("/office/v1/texts", json=TEXT, headers={"Idempotency-Key": key.encode("utf-8")})
    assert response.status_code == 400, response.text
    assert "Idempotency-Key" in response.json()["fields"]
    gateway.sms.send_text.assert_not_called()


@pytest.mark.parametrize("body, field", [
    ({"patient": "P-1"}, "body"),
    ({"body": "Hello"}, "patient"),
    ({"patient": "P-1", "body": ""}, "body"),
    ({"patient": "P-1", "body": "x" * 1601}, "body"),
    ({"patient": "P-1", "body": "Hello", "purpose": "login_code"}, "purpose"),  # the office cannot pick one
])
def test_a_text_out_of_shape_is_refused_at_the_edge(gateway, office, body, field):
    response = office.post("/office/v1/texts", json=body)
    assert response.status_code == 400 and field in response.json()["fields"], response.text
    gateway.sms.send_text.assert_not_called()


@pytest.mark.parametrize("refusal, status", [
    (sms_contract.CANNOT_TEXT(fields={"text_ok": ["The patient's Text OK is \"unknown\"."]}), 409),
    (sms_contract.TEXTING_NOT_SET_UP(), 409),
    (sms_contract.SPEND_LIMIT_REACHED(fields={"body": ["past the monthly spend limit of 50.00 USD"]}), 409),
    (sms_contract.PROVIDER_REFUSED(), 503),
], ids=lambda value: getattr(value, "code", value))
def test_sms_s_refusals_answer_with_their_code_and_status(gateway, office, refusal, status):
    gateway.identity.read_patient.return_value = PATIENT
    gateway.sms.send_text.side_effect = refusal
    response = office.post("/office/v1/texts", json=TEXT)
    assert response.status_code == status
    assert response.json()["error"] == refusal.code
    assert response.json().get("fields", {}) == refusal.fields


def test_an_unknown_patient_is_404_and_nothing_is_sent(gateway, office):
    gateway.identity.read_patient.side_effect = PATIENT_NOT_FOUND()
    response = office.post("/office/v1/texts", json=TEXT)
    assert response.status_code == 404 and response.json()["error"] == "PATIENT_NOT_FOUND"
    gateway.sms.send_text.assert_not_called()


def test_texting_needs_the_office_key(gateway, web_session):
    response = web_session.post("/office/v1/texts", json=TEXT)
    assert response.status_code == 401
    gateway.sms.send_text.assert_not_called()


# -- the spend limit -------------------------------------------------------------------------------

def test_the_limit_is_read(gateway, office):
    gateway.sms.get_spend_limit.return_value = LIMIT
    response = office.get("/office/v1/texting/limit")
    assert response.status_code == 200 and response.json() == LIMIT
    gateway.sms.get_spend_limit.assert_called_once_with(PRACTICE["id"])


@pytest.mark.parametrize("given", ["50.00", "0", None])
def test_the_limit_is_set_or_lifted(gateway, office, given):
    gateway.sms.set_spend_limit.return_value = dict(LIMIT, monthly_limit_usd=given and "50.00")
    response = office.put("/office/v1/texting/limit", json={"monthly_limit_usd": given})
    assert response.status_code == 200, response.text
    gateway.sms.set_spend_limit.assert_called_once_with(PRACTICE["id"], {"monthly_limit_usd": given})


@pytest.mark.parametrize("given", ["-5", "12.345", 50, "fifty", ""])
def test_a_limit_out_of_shape_is_refused_at_the_edge(gateway, office, given):
    response = office.put("/office/v1/texting/limit", json={"monthly_limit_usd": given})
    assert response.status_code == 400 and "monthly_limit_usd" in response.json()["fields"], response.text
    gateway.sms.set_spend_limit.assert_not_called()


@pytest.mark.parametrize("given", ["100000.01", "999999.99"])
def test_a_limit_above_the_highest_fits_the_document_but_breaks_a_rule(gateway, office, given):
    response = office.put("/office/v1/texting/limit", json={"monthly_limit_usd": given})
    assert response.status_code == 422 and response.json()["error"] == "RULE_BROKEN", response.text
    assert "monthly_limit_usd" in response.json()["fields"]
    gateway.sms.set_spend_limit.assert_not_called()


# -- opt-in preferences ----------------------------------------------------------------------------

def test_a_clinic_s_opt_in_preferences_are_set_by_its_external_id(gateway, office):
    gateway.identity.get_clinic.return_value = CLINIC
    gateway.sms.set_opt_in_preferences.return_value = {
        "clinic_id": "clinic-1", "external_id": "main", "name": "Main Street", "subscribed": True,
        "number": "+15555550100", "opt_in_title": "Smile Downtown", "prompt_opt_in": True}
    body = {"opt_in_title": "Smile Downtown", "prompt_opt_in": True}
    response = office.put("/office/v1/clinics/main/opt-in", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"clinic": "main", "opt_in_title": "Smile Downtown", "prompt_opt_in": True}
    gateway.identity.get_clinic.assert_called_once_with(PRACTICE["id"], "main")
    gateway.sms.set_opt_in_preferences.assert_called_once_with(PRACTICE["id"], "clinic-1", body)


def test_opt_in_preferences_of_an_unknown_clinic_are_404(gateway, office):
    gateway.identity.get_clinic.side_effect = CLINIC_NOT_FOUND()
    response = office.put("/office/v1/clinics/nowhere/opt-in", json={"opt_in_title": None, "prompt_opt_in": False})
    assert response.status_code == 404 and response.json()["error"] == "CLINIC_NOT_FOUND"
    gateway.sms.set_opt_in_preferences.assert_not_called()


@pytest.mark.parametrize("body, field", [
    ({"opt_in_title": "x" * 61, "prompt_opt_in": True}, "opt_in_title"),
    ({"opt_in_title": " ", "prompt_opt_in": True}, "opt_in_title"),
    ({"opt_in_title": None, "prompt_opt_in": "true"}, "prompt_opt_in"),
    ({"opt_in_title": None}, "prompt_opt_in"),
])
def test_opt_in_preferences_out_of_shape_are_refused_at_the_edge(gateway, office, body, field):
    response = office.put("/office/v1/clinics/main/opt-in", json=body)
    assert response.status_code == 400 and field in response.json()["fields"], response.text
    gateway.sms.set_opt_in_preferences.assert_not_called()


# -- the OpenAPI document --------------------------------------------------------------------------

@pytest.mark.parametrize("path, method, errors", [
    ("/office/v1/texts", "post", {"404": {"PATIENT_NOT_FOUND", "NOT_SYNCED_YET"},
                                  "409": {"CANNOT_TEXT", "TEXTING_NOT_SET_UP", "SPEND_LIMIT_REACHED"},
                                  "503": {"PROVIDER_REFUSED", "SERVICE_UNAVAILABLE"}}),
    ("/office/v1/texting/limit", "get", {}),
    ("/office/v1/texting/limit", "put", {"400": {"VALIDATION_ERROR"}}),
    ("/office/v1/clinics/{external_id}/opt-in", "put", {"404": {"CLINIC_NOT_FOUND", "NOT_SYNCED_YET"}}),
])
def test_the_routes_are_in_the_openapi_document_with_their_errors(path, method, errors):
    operation = openapi.document()["paths"][path][method]
    for status, codes in errors.items():
        enum = operation["responses"][status]["content"]["application/json"]["schema"]["allOf"][1]
        assert codes <= set(enum["properties"]["error"]["enum"]), (status, enum)


def test_the_text_route_documents_its_idempotency_key_header_and_201():
    operation = openapi.document()["paths"]["/office/v1/texts"]["post"]
    [header] = [parameter for parameter in operation["parameters"] if parameter["in"] == "header"]
    assert header["name"] == "Idempotency-Key" and header["required"] is False
    assert header["schema"]["type"] == "string" and header["schema"]["pattern"]
    assert operation["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OfficeSentText"}
    answer = openapi.document()["components"]["schemas"]["OfficeSentText"]
    assert set(answer["properties"]) == {"id", "to", "from", "encoding", "segments", "charge_usd", "status"}


def test_the_overview_lists_each_clinic_s_settings_and_opt_in_preferences(gateway, office):
    main = {"clinic_id": "clinic-1", "external_id": "main", "name": "Main Street", "subscribed": True,
            "number": "+15555550100", "opt_in_title": "Smile Downtown", "prompt_opt_in": True}
    north = {**main, "clinic_id": "clinic-2", "external_id": "north", "name": "North Side", "subscribed": False,
             "number": None, "opt_in_title": None, "prompt_opt_in": False}
    gateway.sms.get_texting_settings.return_value = {"default_clinic": main, "clinics": [main, north]}
    response = office.get("/office/v1/texting")
    assert response.status_code == 200, response.text
    assert response.json() == {"default_clinic": "main", "clinics": [
        {"clinic": "main", "name": "Main Street", "subscribed": True, "number": "+15555550100",
         "opt_in_title": "Smile Downtown", "prompt_opt_in": True},
        {"clinic": "north", "name": "North Side", "subscribed": False, "number": None,
         "opt_in_title": None, "prompt_opt_in": False}]}
    gateway.sms.get_texting_settings.assert_called_once_with(PRACTICE["id"])
