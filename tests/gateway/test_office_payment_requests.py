"""The office's message-to-pay routes at the edge: a payment request (the patient read from
identity, the link's base from the portal's address, an Idempotency-Key under the office's
prefix), the list, one request, cancelling, the settings; what they ask billing, input refused
before any service hears of it, and how billing's and sms's refusals answer."""
import pytest

from chairside.contracts import payment_requests as contract
from chairside.contracts import sms as sms_contract
from chairside.contracts.identity import PATIENT_NOT_FOUND
from chairside.refusals import NOT_SYNCED_YET, RULE_BROKEN
from services.gateway import openapi
from tests.gateway.conftest import PATIENT_ANSWER as PATIENT, PRACTICE

REQUEST_ID = "0d8f0f6e-7d4b-4a51-9a50-5d1a3c8a1f00"
MADE = {"id": REQUEST_ID, "patient": "P-1", "patient_id": "pat-1", "amount_cents": 12_500, "currency": "USD",
        "status": "sent", "created_at": "2026-11-22T15:00:00+00:00", "expires_at": "2026-12-22T15:00:00+00:00",
        "texts_sent": 1, "link": "http://127.0.0.1/p/demo/pay/r/abc"}
LISTED = {k: v for k, v in MADE.items() if k != "link"}
SETTINGS = {"link_days": 30, "follow_up_days": [3, 7]}


def made(gateway, answer=MADE):
    gateway.identity.read_patient.return_value = PATIENT
    gateway.billing.request_payment.return_value = answer


# -- POST /office/v1/payment-requests ------------------------------------------------------------

def test_a_request_is_made_by_billing_with_the_portal_s_pay_link_base(gateway, office):
    made(gateway)
    response = office.post("/office/v1/payment-requests", json={"patient": "P-1"})
    assert response.status_code == 201, response.text
    assert response.json() == MADE
    gateway.identity.read_patient.assert_called_once_with(PRACTICE["id"], "P-1", "payment_requested")
    gateway.billing.request_payment.assert_called_once_with(PRACTICE["id"], {
        "patient_id": PATIENT["id"], "amount_cents": None, "message": None, "practice_name": PRACTICE["name"],
        "link_base": office.base_url + "/p/demo/pay/r/"})


def test_the_amount_message_and_key_travel_to_billing(gateway, office, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://portal.example.com/")
    made(gateway)
    response = office.post("/office/v1/payment-requests", json={"patient": "P-1", "amount_cents": 5_000,
                                                                "message": "Thanks for coming in!"},
                           headers={"Idempotency-Key": "pms-42"})
    assert response.status_code == 201, response.text
    sent = gateway.billing.request_payment.call_args.args[1]
    assert (sent["amount_cents"], sent["message"], sent["idempotency_key"]) == (5_000, "Thanks for coming in!",
                                                                                "office:pms-42")
    assert sent["link_base"] == "https://portal.example.com/p/demo/pay/r/"


def test_a_replayed_request_answers_without_a_link(gateway, office):
    made(gateway, LISTED)
    response = office.post("/office/v1/payment-requests", json={"patient": "P-1"}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 201 and "link" not in response.json()


@pytest.mark.parametrize("body, field", [
    ({}, "patient"),
    ({"patient": "has space"}, "patient"),
    ({"patient": "P-1", "amount_cents": 0}, "amount_cents"),
    ({"patient": "P-1", "amount_cents": -100}, "amount_cents"),
    ({"patient": "P-1", "amount_cents": 10.5}, "amount_cents"),
    ({"patient": "P-1", "amount_cents": "100"}, "amount_cents"),
    ({"patient": "P-1", "amount_cents": True}, "amount_cents"),
    ({"patient": "P-1", "amount_cents": 10_000_000_01}, "amount_cents"),
    ({"patient": "P-1", "message": ""}, "message"),
    ({"patient": "P-1", "message": "x" * (contract.MAX_MESSAGE + 1)}, "message"),
    ({"patient": "P-1", "message": "Hi\x00"}, "message"),
    ({"patient": "P-1", "link_base": "https://evil.example/"}, "link_base"),   # the gateway's, not the caller's
    ({"patient": "P-1", "practice_name": "Other"}, "practice_name"),
])
def test_a_request_out_of_shape_is_refused_at_the_edge(gateway, office, body, field):
    response = office.post("/office/v1/payment-requests", json=body)
    assert response.status_code == 400 and field in response.json()["fields"], response.text
    gateway.billing.request_payment.assert_not_called()
    gateway.identity.read_patient.assert_not_called()


@pytest.mark.parametrize("refusal, status", [
    (contract.ONLINE_PAYMENTS_OFF(), 409),
    (contract.NOTHING_DUE(due="$0.00"), 409),
    (contract.AMOUNT_ABOVE_BALANCE(amount="$200.00", due="$125.00"), 422),
    (contract.AMOUNT_BELOW_MINIMUM(amount="$0.50", minimum="$1.00"), 422),
    (contract.IDEMPOTENCY_KEY_REUSED(), 422),
    (NOT_SYNCED_YET(service="billing", record="patient"), 404),
    (sms_contract.CANNOT_TEXT(fields={"text_ok": ["The patient's Text OK is \"no\"."]}), 409),
    (sms_contract.TEXTING_NOT_SET_UP(), 409),
    (sms_contract.SPEND_LIMIT_REACHED(), 409),
    (sms_contract.PROVIDER_REFUSED(), 503),
], ids=lambda value: getattr(value, "code", value))
def test_billing_s_and_sms_s_refusals_answer_with_their_code_and_status(gateway, office, refusal, status):
    gateway.identity.read_patient.return_value = PATIENT
    gateway.billing.request_payment.side_effect = refusal
    response = office.post("/office/v1/payment-requests", json={"patient": "P-1"})
    assert response.status_code == status
    assert response.json()["error"] == refusal.code and response.json()["message"] == refusal.message
    assert response.json().get("fields", {}) == refusal.fields


def test_an_unknown_patient_is_404_and_billing_hears_nothing(gateway, office):
    gateway.identity.read_patient.side_effect = PATIENT_NOT_FOUND()
    response = office.post("/office/v1/payment-requests", json={"patient": "P-404"})
    assert response.status_code == 404 and response.json()["error"] == "PATIENT_NOT_FOUND"
    gateway.billing.request_payment.assert_not_called()


# -- the list, one request, cancelling ----------------------------------------------------------

def test_the_list_passes_its_query_to_billing(gateway, office):
    page = {"payment_requests": [LISTED], "page": 2, "per_page": 10, "total": 11}
    gateway.billing.list_payment_requests.return_value = page
    response = office.get("/office/v1/payment-requests", params={
        "status": "expired", "since": "2026-11-01T00:00:00-05:00", "page": "2", "per_page": "10"})
    assert response.status_code == 200, response.text
    assert response.json() == page
    gateway.billing.list_payment_requests.assert_called_once_with(PRACTICE["id"], {
        "status": "expired", "since": "2026-11-01T00:00:00-05:00", "page": 2, "per_page": 10})


def test_the_list_s_defaults(gateway, office):
    gateway.billing.list_payment_requests.return_value = {"payment_requests": [], "page": 1, "per_page": 50, "total": 0}
    assert office.get("/office/v1/payment-requests").status_code == 200
    gateway.billing.list_payment_requests.assert_called_once_with(PRACTICE["id"], {
        "status": None, "since": None, "page": 1, "per_page": 50})


@pytest.mark.parametrize("params, field", [
    ({"status": "lost"}, "status"),
    ({"since": "2026-11-01T00:00:00"}, "since"),   # whose midnight?
    ({"since": "yesterday"}, "since"),
    ({"page": "0"}, "page"),
    ({"per_page": "201"}, "per_page"),
])
def test_a_list_query_out_of_shape_is_refused_at_the_edge(gateway, office, params, field):
    response = office.get("/office/v1/payment-requests", params=params)
    assert response.status_code == 400 and field in response.json()["fields"], response.text
    gateway.billing.list_payment_requests.assert_not_called()


def test_one_request_and_cancelling_it(gateway, office):
    gateway.billing.payment_request.return_value = LISTED
    gateway.billing.cancel_payment_request.return_value = dict(LISTED, status="cancelled")
    assert office.get(f"/office/v1/payment-requests/{REQUEST_ID}").json() == LISTED
    response = office.post(f"/office/v1/payment-requests/{REQUEST_ID}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    gateway.billing.payment_request.assert_called_once_with(PRACTICE["id"], REQUEST_ID)
    gateway.billing.cancel_payment_request.assert_called_once_with(PRACTICE["id"], REQUEST_ID)


@pytest.mark.parametrize("refusal, status", [
    (contract.PAYMENT_REQUEST_NOT_FOUND(), 404), (contract.PAYMENT_REQUEST_CLOSED(status="paid"), 409),
], ids=lambda value: getattr(value, "code", value))
def test_cancelling_what_cannot_be_cancelled(gateway, office, refusal, status):
    gateway.billing.cancel_payment_request.side_effect = refusal
    response = office.post(f"/office/v1/payment-requests/{REQUEST_ID}/cancel")
    assert response.status_code == status and response.json()["error"] == refusal.code


@pytest.mark.parametrize("request_id", ["nope", REQUEST_ID.upper(), REQUEST_ID + "0"])
def test_a_request_id_out_of_shape_is_refused_at_the_edge(gateway, office, request_id):
    assert office.get(f"/office/v1/payment-requests/{request_id}").status_code == 400
    assert office.post(f"/office/v1/payment-requests/{request_id}/cancel").status_code == 400
    gateway.billing.payment_request.assert_not_called()
    gateway.billing.cancel_payment_request.assert_not_called()


# -- settings ---------------------------------------------------------------------------------

def test_settings_are_read_and_replaced_through_billing(gateway, office):
    gateway.billing.get_payment_request_settings.return_value = SETTINGS
    gateway.billing.put_payment_request_settings.return_value = {"link_days": 14, "follow_up_days": [5]}
    assert office.get("/office/v1/payment-request-settings").json() == SETTINGS
    response = office.put("/office/v1/payment-request-settings", json={"link_days": 14, "follow_up_days": [5]})
    assert response.status_code == 200 and response.json() == {"link_days": 14, "follow_up_days": [5]}
    gateway.billing.put_payment_request_settings.assert_called_once_with(
        PRACTICE["id"], {"link_days": 14, "follow_up_days": [5]})


@pytest.mark.parametrize("body, field", [
    ({"link_days": 0, "follow_up_days": []}, "link_days"),
    ({"link_days": 366, "follow_up_days": []}, "link_days"),
    ({"link_days": "30", "follow_up_days": []}, "link_days"),
    ({"link_days": 30}, "follow_up_days"),
    ({"link_days": 30, "follow_up_days": [1, 2, 3]}, "follow_up_days"),
    ({"link_days": 30, "follow_up_days": [0]}, "follow_up_days"),
    ({"link_days": 30, "follow_up_days": ["3"]}, "follow_up_days"),
])
def test_settings_out_of_shape_are_refused_at_the_edge(gateway, office, body, field):
    response = office.put("/office/v1/payment-request-settings", json=body)
    assert response.status_code == 400 and field in response.json()["fields"], response.text
    gateway.billing.put_payment_request_settings.assert_not_called()


def test_a_schedule_billing_cannot_keep_is_422(gateway, office):
    gateway.billing.put_payment_request_settings.side_effect = RULE_BROKEN(
        fields={"follow_up_days": ["Each follow-up must come on a later day than the one before."]})
    response = office.put("/office/v1/payment-request-settings", json={"link_days": 30, "follow_up_days": [7, 3]})
    assert response.status_code == 422 and response.json()["error"] == "RULE_BROKEN"


# -- the document ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path, method, errors", [
    ("/office/v1/payment-requests", "post", {
        "404": {"PATIENT_NOT_FOUND", "NOT_SYNCED_YET"},
        "409": {"ONLINE_PAYMENTS_OFF", "NOTHING_DUE", "CANNOT_TEXT", "TEXTING_NOT_SET_UP", "SPEND_LIMIT_REACHED"},
        "422": {"AMOUNT_ABOVE_BALANCE", "AMOUNT_BELOW_MINIMUM", "IDEMPOTENCY_KEY_REUSED"},
        "503": {"PROVIDER_REFUSED", "SERVICE_UNAVAILABLE"}}),
    ("/office/v1/payment-requests", "get", {"400": {"VALIDATION_ERROR"}}),
    ("/office/v1/payment-requests/{request_id}", "get", {"404": {"PAYMENT_REQUEST_NOT_FOUND"}}),
    ("/office/v1/payment-requests/{request_id}/cancel", "post", {"404": {"PAYMENT_REQUEST_NOT_FOUND"},
                                                                  "409": {"PAYMENT_REQUEST_CLOSED"}}),
    ("/office/v1/payment-request-settings", "put", {"422": {"RULE_BROKEN"}}),
])
def test_the_routes_are_in_the_openapi_document_with_their_errors(path, method, errors):
    operation = openapi.document()["paths"][path][method]
    for status, codes in errors.items():
        enum = operation["responses"][status]["content"]["application/json"]["schema"]["allOf"][1]
        assert codes <= set(enum["properties"]["error"]["enum"]), (status, enum)


def test_no_path_takes_another_method_than_it_documents():
    paths = openapi.document()["paths"]
    assert set(paths["/office/v1/payment-requests"]) == {"get", "post"}
    assert set(paths["/office/v1/payment-requests/{request_id}"]) == {"get"}
    assert set(paths["/office/v1/payment-requests/{request_id}/cancel"]) == {"post"}
    assert set(paths["/office/v1/payment-request-settings"]) == {"get", "put"}
    header = [p for p in paths["/office/v1/payment-requests"]["post"]["parameters"] if p["in"] == "header"]
    assert [p["name"] for p in header] == ["Idempotency-Key"]
