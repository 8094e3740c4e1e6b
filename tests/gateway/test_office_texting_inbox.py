"""The office's texting inbox at the edge: phones in the path, patients named through identity,
the reply's body and Idempotency-Key, and sms's refusals as their statuses."""
import pytest

from chairside.contracts import sms
from chairside.contracts.identity import PATIENT_NOT_FOUND
from chairside.refusals import NOT_SYNCED_YET
from services.gateway.schemas import OfficeSentText
from services.gateway.texting_inbox import Inbox, InboxThread, PatientTextsAnswer
from tests.gateway.conftest import PATIENT_ANSWER, PRACTICE

MARIA = "+15555550111"
STRANGER = "+15555550999"
AT = "2026-12-03T08:00:00+00:00"


def summary(phone, patient_ids, unread=1, body="Hello"):
    return {"phone": phone, "patients": [{"patient_id": p} for p in patient_ids], "unread": unread, "last_at": AT,
            "last_body": body, "opted_out": False}


def listed(patient_id, external_id, first, last, phone=MARIA):
    return {"id": patient_id, "external_id": external_id, "first_name": first, "last_name": last,
            "birthdate": "1980-02-03", "mobile_phone": phone}


def page(*patients):
    return {"patients": list(patients), "page": 1, "per_page": 100, "total": len(patients)}


MESSAGE = {"id": "m1", "direction": "in", "body": "Hello", "at": AT, "status": None, "charge_usd": "0.0079"}


def test_conversations_name_their_patients(gateway, office):
    gateway.sms.conversations.return_value = [summary(MARIA, ["a1", "a2"], unread=2), summary(STRANGER, [])]
    # the search by phone also finds a number that merely ends the same: only sms's patients count
    gateway.identity.search_patients.return_value = page(
        listed("a1", "P-1", "Maria", "Garcia"), listed("a2", "P-2", "Sofia", "Garcia"),
        listed("z9", "P-9", "Other", "Person", phone="+445555550111"))
    response = office.get("/office/v1/texting/conversations")
    assert response.status_code == 200, response.text
    assert response.json() == {"conversations": [
        {"phone": MARIA, "unread": 2, "last_at": AT, "last_body": "Hello", "opted_out": False, "patients": [
            {"id": "a1", "external_id": "P-1", "name": "Maria Garcia"},
            {"id": "a2", "external_id": "P-2", "name": "Sofia Garcia"}]},
        {"phone": STRANGER, "unread": 1, "last_at": AT, "last_body": "Hello", "opted_out": False, "patients": []},
    ]}
    assert Inbox().validate(response.json()) == {}  # the answer is what the OpenAPI document says
    gateway.sms.conversations.assert_called_once_with(PRACTICE["id"])
    # one search per phone with patients; none for an unknown number
    gateway.identity.search_patients.assert_called_once_with(PRACTICE["id"], {"q": MARIA, "page": 1, "per_page": 100})


def test_a_patient_identity_did_not_list_is_answered_by_id(gateway, office):
    gateway.sms.conversations.return_value = [summary(MARIA, ["a1"])]
    gateway.identity.search_patients.return_value = page()
    patients = office.get("/office/v1/texting/conversations").json()["conversations"][0]["patients"]
    assert patients == [{"id": "a1", "external_id": None, "name": None}]


def test_an_empty_inbox(gateway, office):
    gateway.sms.conversations.return_value = []
    assert office.get("/office/v1/texting/conversations").json() == {"conversations": []}
    gateway.identity.search_patients.assert_not_called()


@pytest.mark.parametrize("path_phone", ["%2B15555550111", "+15555550111"])
def test_a_conversation_by_its_phone_is_read_and_marked_read(gateway, office, path_phone):
    gateway.sms.conversation.return_value = {"phone": MARIA, "opted_out": True, "patient_ids": ["a1"],
                                             "messages": [MESSAGE]}
    gateway.identity.search_patients.return_value = page(listed("a1", "P-1", "Maria", "Garcia"))
    response = office.get(f"/office/v1/texting/conversations/{path_phone}")
    assert response.status_code == 200, response.text
    assert response.json() == {"phone": MARIA, "opted_out": True, "messages": [MESSAGE],
                               "patients": [{"id": "a1", "external_id": "P-1", "name": "Maria Garcia"}]}
    assert InboxThread().validate(response.json()) == {}
    gateway.sms.conversation.assert_called_once_with(PRACTICE["id"], MARIA, True)


@pytest.mark.parametrize("path_phone", ["15555550111", "%2B0155", "maria", "%2B1555555011a"])
def test_a_phone_that_is_not_e164_is_400(gateway, office, path_phone):
    response = office.get(f"/office/v1/texting/conversations/{path_phone}")
    assert response.status_code == 400 and response.json()["error"] == "VALIDATION_ERROR"
    assert "phone" in response.json()["fields"]
    gateway.sms.conversation.assert_not_called()


def test_an_unknown_conversation_is_404(gateway, office):
    gateway.sms.conversation.side_effect = sms.CONVERSATION_NOT_FOUND()
    response = office.get("/office/v1/texting/conversations/%2B15555550111")
    assert response.status_code == 404 and response.json()["error"] == "CONVERSATION_NOT_FOUND"


SENT = {"message_id": "m9", "to": MARIA, "from": "+15555550100"}


def test_a_reply_is_201_with_the_idempotency_key(gateway, office):
    gateway.sms.reply.return_value = SENT
    response = office.post("/office/v1/texting/conversations/%2B15555550111/replies", json={"body": "See you at 9"},
                           headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 201, response.text
    assert response.json() == {"id": "m9", "to": MARIA, "from": "+15555550100"}
    gateway.sms.reply.assert_called_once_with(PRACTICE["id"], MARIA, {"body": "See you at 9",
                                                                      "idempotency_key": "office:k-1"})


def test_a_reply_answers_what_sms_tells_of_the_text(gateway, office):
    gateway.sms.reply.return_value = dict(SENT, encoding="GSM-7", segments=1, charge_usd="0.0079", status="sent",
                                          sent_at=AT)
    response = office.post("/office/v1/texting/conversations/%2B15555550111/replies", json={"body": "Hi"})
    assert response.json() == {"id": "m9", "to": MARIA, "from": "+15555550100", "encoding": "GSM-7", "segments": 1,
                               "charge_usd": "0.0079", "status": "sent"}
    assert OfficeSentText().validate(response.json()) == {}
    gateway.sms.reply.assert_called_once_with(PRACTICE["id"], MARIA, {"body": "Hi"})


@pytest.mark.parametrize("body, headers, field", [
    ({}, {}, "body"),
    ({"body": ""}, {}, "body"),
    ({"body": "  "}, {}, "body"),
    ({"body": "x" * 1601}, {}, "body"),
    ({"body": "Hi", "idempotency_key": "k"}, {}, "idempotency_key"),
    ({"body": 7}, {}, "body"),
    ({"body": "Hi"}, {"Idempotency-Key": "k" * 101}, "Idempotency-Key"),
    ({"body": "Hi"}, {"Idempotency-Key": ""}, "Idempotency-Key"),
])
def test_a_bad_reply_is_400_and_sends_nothing(gateway, office, body, headers, field):
    response = office.post("/office/v1/texting/conversations/%2B15555550111/replies", json=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "VALIDATION_ERROR" and field in response.json()["fields"]
    gateway.sms.reply.assert_not_called()


@pytest.mark.parametrize("refusal, status", [
    (sms.CANNOT_TEXT, 409), (sms.TEXTING_NOT_SET_UP, 409), (sms.SPEND_LIMIT_REACHED, 409),
    (sms.CONVERSATION_NOT_FOUND, 404), (sms.PROVIDER_REFUSED, 503),
])
def test_sms_refusals_of_a_reply_keep_their_codes(gateway, office, refusal, status):
    gateway.sms.reply.side_effect = refusal()
    response = office.post("/office/v1/texting/conversations/%2B15555550111/replies", json={"body": "Hi"})
    assert response.status_code == status and response.json()["error"] == refusal.code


PATIENT = dict(PATIENT_ANSWER, mobile_phone=MARIA)
TEXTS = {"opted_out": True, "phone": MARIA, "messages": [MESSAGE],
         "consent_changes": [{"change": "opted_out", "at": AT}]}


def test_a_patients_texts_by_external_id_audited(gateway, office):
    gateway.identity.read_patient.return_value = PATIENT
    gateway.sms.patient_texts.return_value = TEXTS
    response = office.get("/office/v1/patients/P-1/texts")
    assert response.status_code == 200, response.text
    assert response.json() == dict(TEXTS, patient="P-1")
    assert PatientTextsAnswer().validate(response.json()) == {}
    gateway.identity.read_patient.assert_called_once_with(PRACTICE["id"], "P-1", "texts_read")
    gateway.sms.patient_texts.assert_called_once_with(PRACTICE["id"], PATIENT["id"])


@pytest.mark.parametrize("service, refusal, status", [
    ("identity", PATIENT_NOT_FOUND, 404), ("sms", NOT_SYNCED_YET, 404)])
def test_a_patient_not_found_or_not_synced_is_404(gateway, office, service, refusal, status):
    gateway.identity.read_patient.return_value = PATIENT
    failing = gateway.identity.read_patient if service == "identity" else gateway.sms.patient_texts
    failing.side_effect = refusal(service="sms", record="patient") if refusal is NOT_SYNCED_YET else refusal()
    response = office.get("/office/v1/patients/P-1/texts")
    assert response.status_code == status and response.json()["error"] == refusal.code


@pytest.mark.parametrize("method, path", [
    ("GET", "/office/v1/texting/conversations"),
    ("GET", "/office/v1/texting/conversations/%2B15555550111"),
    ("POST", "/office/v1/texting/conversations/%2B15555550111/replies"),
    ("GET", "/office/v1/patients/P-1/texts"),
])
def test_the_office_key_is_required(gateway, web_session, method, path):
    response = web_session.request(method, path, json={"body": "Hi"}, headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    gateway.sms.conversations.assert_not_called()
    gateway.sms.reply.assert_not_called()
