"""SMS_PROVIDER=twilio with the services as processes: sms texts through the local fake of
Twilio's REST API (tests/support/fake_twilio.py); the gateway's Twilio webhooks turn away
what Twilio did not sign and bring what it signed to sms (a STOP, a delivery receipt)."""
import uuid

import pytest
import requests
from twilio.request_validator import RequestValidator

from chairside.refusals import Conflict, ServiceUnavailable
from tests.e2e.conftest import _failures, dump_logs, start_system
from tests.e2e.test_texting import new_number, patient_at_sms, send, texting_settled
from tests.support.fake_twilio import FakeTwilio

pytestmark = pytest.mark.e2e

ACCOUNT = "AC" + "e2e0" * 8
TOKEN = "e2e-twilio-auth-token"
PUBLIC = "https://chairside.example.com"
CALLBACK = PUBLIC + "/webhooks/twilio/status"


@pytest.fixture(scope="module")
def running(databases, vhosts, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("logs")
    with FakeTwilio(ACCOUNT, TOKEN) as twilio:
        run = start_system(databases, vhosts.create(), log_dir, extra_env={
            "SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_API_BASE": twilio.url, "TWILIO_STATUS_CALLBACK_URL": CALLBACK,
            "TWILIO_WEBHOOK_BASE_URL": PUBLIC})
        run.twilio = twilio
        yield run
        run.system.stop()
        run.dispose()
    if _failures[0]:
        dump_logs(log_dir)


@pytest.fixture
def texting(running):
    practice, office = running.new_practice("twilio")
    office.put_clinic("main", name="Main")
    number = new_number()
    assert texting_settled(office, "main", {"subscribed": True, "number": number}).status_code == 200
    phone = new_number()
    patient_id = patient_at_sms(running, office, "P-1", clinic="main", mobile_phone=phone, text_ok="yes")
    return practice, patient_id, phone, number


def test_sms_texts_through_twilio_and_keeps_its_sid(running, texting):
    practice, patient_id, phone, number = texting
    sent = send(running, practice, patient_id, "See you Tuesday at 9")

    message = next(message for message in running.twilio.messages if message["to"] == phone)
    received = next(request for request in running.twilio.requests if request.form.get("To") == phone)
    assert received.form == {"To": phone, "From": number, "Body": "See you Tuesday at 9", "StatusCallback": CALLBACK}
    assert (received.username, received.password) == (ACCOUNT, TOKEN)
    assert running.scalar("sms", "SELECT provider_message_id FROM outgoing_messages WHERE id = :id",
                          id=sent["message_id"]) == message["sid"]


def test_twilio_failing_is_provider_refused_and_the_text_is_kept_failed_and_uncharged(running, texting):
    practice, patient_id, phone, _ = texting
    running.twilio.fail_next(500)
    with pytest.raises(ServiceUnavailable) as refused:
        send(running, practice, patient_id, "Hello")
    assert refused.value.code == "PROVIDER_REFUSED"
    assert running.scalar(
        "sms", "SELECT count(*) FROM outgoing_messages WHERE to_phone = :phone AND status = 'failed' "
               "AND charge_micros = 0 AND provider_message_id IS NULL AND idempotency_key IS NULL", phone=phone) == 1
    assert running.scalar("sms", "SELECT count(*) FROM outgoing_messages WHERE to_phone = :phone", phone=phone) == 1


@pytest.mark.parametrize("path", ["/webhooks/twilio/sms", "/webhooks/twilio/status"])
def test_the_gateway_process_refuses_what_twilio_did_not_sign(running, path):
    sid = "SM" + uuid.uuid4().hex
    fields = {"MessageSid": sid, "MessageStatus": "delivered", "From": "+15555550111",
              "To": "+15555550100", "Body": "STOP"}
    wrong = RequestValidator("another-token").compute_signature(PUBLIC + path, fields)
    for headers in ({}, {"X-Twilio-Signature": wrong}):
        response = requests.post(running.gateway_url + path, data=fields, headers=headers, timeout=30)
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "TWILIO_SIGNATURE_INVALID"
    for table in ("inbound_messages", "pending_receipts"):
        assert running.scalar("sms", f"SELECT count(*) FROM {table} WHERE provider_message_id = :sid", sid=sid) == 0


def signed_post(running, path, fields):
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, fields)
    return requests.post(running.gateway_url + path, data=fields, headers={"X-Twilio-Signature": signature},
                         timeout=30)


def test_a_signed_stop_from_twilio_opts_out_and_a_signed_callback_delivers(running, texting):
    practice, patient_id, phone, number = texting
    sent = send(running, practice, patient_id, "Your cleaning is on Tuesday at 9")
    sid = running.scalar("sms", "SELECT provider_message_id FROM outgoing_messages WHERE id = :id",
                         id=sent["message_id"])
    status = signed_post(running, "/webhooks/twilio/status", {"MessageSid": sid, "MessageStatus": "delivered"})
    assert status.status_code == 204, status.text
    assert running.scalar("sms", "SELECT status FROM outgoing_messages WHERE id = :id",
                          id=sent["message_id"]) == "delivered"

    inbound_sid = "SM" + uuid.uuid4().hex
    answer = signed_post(running, "/webhooks/twilio/sms",
                         {"MessageSid": inbound_sid, "From": phone, "To": number, "Body": " stop. "})
    assert answer.status_code == 200 and "<Response" in answer.text, answer.text
    assert running.scalar("sms", "SELECT keyword FROM inbound_messages WHERE provider_message_id = :sid",
                          sid=inbound_sid) == "stop"
    confirmations = [m for m in running.twilio.messages if m["to"] == phone and "START" in m["body"]]
    assert len(confirmations) == 1 and confirmations[0]["from"] == number
    with pytest.raises(Conflict) as refused:
        send(running, practice, patient_id, "One more thing")
    assert refused.value.code == "CANNOT_TEXT"
