"""Twilio's webhooks at the edge: signed requests reach sms in its words; anything Twilio did
not sign (for this URL, these fields, with this token) is turned away before sms hears of it."""
import base64
import hashlib
import hmac

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from chairside.refusals import SERVICE_UNAVAILABLE
from services.gateway import openapi
from services.gateway.http import MAX_BODY_BYTES
from services.gateway.twilio_webhooks import NO_REPLY

TOKEN = "twilio-auth-token-of-the-tests"
PUBLIC = "https://chairside.example.com"
INBOUND, STATUS = "/webhooks/twilio/sms", "/webhooks/twilio/status"
SID = "SM" + "0123456789abcdef" * 2
PATIENT, CLINIC = "+15555550111", "+15555550100"
# what Twilio posts for an inbound text: more than the webhook reads
INBOUND_FIELDS = {"ToCountry": "US", "SmsMessageSid": SID, "NumMedia": "0", "SmsSid": SID, "SmsStatus": "received",
                  "Body": "Running 10 min late 😅", "To": CLINIC, "NumSegments": "1", "MessageSid": SID,
                  "AccountSid": "AC" + "f" * 32, "From": PATIENT, "ApiVersion": "2010-04-01", "FromCity": "BOSTON"}


def status_fields(status):
    return {"MessageSid": SID, "SmsSid": SID, "MessageStatus": status, "SmsStatus": status, "To": PATIENT,
            "From": CLINIC, "AccountSid": "AC" + "f" * 32, "ApiVersion": "2010-04-01"}


def signature(url, fields, token=TOKEN):
    return RequestValidator(token).compute_signature(url, fields)


@pytest.fixture
def twilio_env(monkeypatch):
    """The gateway runs in this process and reads its Twilio settings per request."""
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_WEBHOOK_BASE_URL", PUBLIC)
    return monkeypatch


def post(web_session, path, fields, signed=None):
    headers = {} if signed is None else {"X-Twilio-Signature": signed}
    return web_session.post(path, data=fields, headers=headers)


def signed_post(web_session, path, fields, url=None):
    return post(web_session, path, fields, signature(url or PUBLIC + path, fields))


def refused(response, code="TWILIO_SIGNATURE_INVALID"):
    assert response.status_code == 403, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error"] == code
    return True


def test_a_signed_inbound_text_reaches_sms_and_is_answered_with_empty_twiml(gateway, web_session, twilio_env):
    response = signed_post(web_session, INBOUND, INBOUND_FIELDS)

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    assert response.text == NO_REPLY == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    gateway.sms.receive_text.assert_called_once_with(
        {"from": PATIENT, "to": CLINIC, "body": "Running 10 min late 😅", "provider_message_id": SID})


def test_the_signature_is_twilios_hmac_sha1_of_the_url_and_the_sorted_fields(gateway, web_session, twilio_env):
    """Made by hand as Twilio documents it, not by the library the gateway checks with."""
    fields = {"MessageSid": SID, "From": PATIENT, "To": CLINIC, "Body": "Yes"}
    signed = PUBLIC + INBOUND + "".join(name + fields[name] for name in sorted(fields))
    digest = hmac.new(TOKEN.encode(), signed.encode(), hashlib.sha1).digest()
    response = post(web_session, INBOUND, fields, base64.b64encode(digest).decode())
    assert response.status_code == 200, response.text
    gateway.sms.receive_text.assert_called_once()


@pytest.mark.parametrize("twilio_status, receipt_status", [
    ("accepted", "queued"), ("queued", "queued"), ("sending", "queued"), ("sent", "sent"),
    ("delivered", "delivered"), ("undelivered", "undeliverable"), ("failed", "failed"),
])
def test_a_signed_status_callback_is_a_receipt_in_sms_words(gateway, web_session, twilio_env, twilio_status,
                                                            receipt_status):
    gateway.sms.receive_receipt.return_value = {"applied": True}
    response = signed_post(web_session, STATUS, status_fields(twilio_status))

    assert response.status_code == 204, response.text
    assert response.content == b""
    gateway.sms.receive_receipt.assert_called_once_with({"provider_message_id": SID, "status": receipt_status})


@pytest.mark.parametrize("twilio_status", ["receiving", "received", "read", "scheduled", "canceled"])
def test_statuses_that_say_nothing_of_delivery_are_acknowledged_and_dropped(gateway, web_session, twilio_env,
                                                                            twilio_status):
    response = signed_post(web_session, STATUS, status_fields(twilio_status))
    assert response.status_code == 204, response.text
    gateway.sms.receive_receipt.assert_not_called()


def forged(path, fields):
    """Requests Twilio did not sign as they arrive: (fields sent, signature header or None)."""
    good_other_path = INBOUND if path == STATUS else STATUS
    tampered = {**fields, "MessageSid": "SM" + "9" * 32}
    return {
        "unsigned": (fields, None),
        "empty signature": (fields, ""),
        "garbage signature": (fields, "not-a-signature"),
        "another token": (fields, signature(PUBLIC + path, fields, token="someone-elses-token")),
        "another path": (fields, signature(PUBLIC + good_other_path, fields)),
        "another host": (fields, signature("https://evil.example.com" + path, fields)),
        "a query added": (fields, signature(PUBLIC + path + "?x=1", fields)),
        "tampered field": (tampered, signature(PUBLIC + path, fields)),
        "field added": ({**fields, "Extra": "1"}, signature(PUBLIC + path, fields)),
        "field removed": ({name: value for name, value in fields.items() if name != "ApiVersion"},
                          signature(PUBLIC + path, fields)),
    }


FORGERIES = list(forged(INBOUND, INBOUND_FIELDS))


@pytest.mark.parametrize("forgery", FORGERIES)
def test_an_inbound_text_twilio_did_not_sign_is_refused_and_sms_never_hears_of_it(gateway, web_session, twilio_env,
                                                                                   forgery):
    fields, signed = forged(INBOUND, INBOUND_FIELDS)[forgery]
    assert refused(post(web_session, INBOUND, fields, signed))
    gateway.sms.receive_text.assert_not_called()


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_status_callback_twilio_did_not_sign_is_refused_and_sms_never_hears_of_it(gateway, web_session, twilio_env,
                                                                                    forgery):
    fields, signed = forged(STATUS, status_fields("delivered"))[forgery]
    assert refused(post(web_session, STATUS, fields, signed))
    gateway.sms.receive_receipt.assert_not_called()


@pytest.mark.parametrize("path, fields", [(INBOUND, INBOUND_FIELDS), (STATUS, status_fields("delivered"))])
def test_without_an_auth_token_the_webhooks_are_off(gateway, web_session, twilio_env, path, fields):
    twilio_env.delenv("TWILIO_AUTH_TOKEN")
    assert refused(signed_post(web_session, path, fields), "TWILIO_WEBHOOKS_OFF")
    gateway.sms.receive_text.assert_not_called()
    gateway.sms.receive_receipt.assert_not_called()


def test_without_a_public_base_url_the_request_own_url_is_the_one_signed(gateway, web_session, twilio_env):
    twilio_env.delenv("TWILIO_WEBHOOK_BASE_URL")
    assert refused(signed_post(web_session, INBOUND, INBOUND_FIELDS))  # signed for the public URL
    response = signed_post(web_session, INBOUND, INBOUND_FIELDS, url=web_session.base_url + INBOUND)
    assert response.status_code == 200, response.text
    gateway.sms.receive_text.assert_called_once()


def test_a_query_string_twilio_called_with_is_part_of_the_signed_url(gateway, web_session, twilio_env):
    path = STATUS + "?clinic=main"
    response = post(web_session, path, status_fields("sent"), signature(PUBLIC + path, status_fields("sent")))
    assert response.status_code == 204, response.text
    gateway.sms.receive_receipt.assert_called_once()


@pytest.mark.parametrize("change, field", [
    ({"From": "5550111"}, "From"),
    ({"To": "not a phone"}, "To"),
    ({"Body": "nul \x00 inside"}, "Body"),
    ({"Body": "x" * 1601}, "Body"),
    ({"MessageSid": ""}, "MessageSid"),
])
def test_signed_fields_that_are_not_valid_are_refused_and_change_nothing(gateway, web_session, twilio_env, change,
                                                                          field):
    fields = {**INBOUND_FIELDS, **change}
    response = signed_post(web_session, INBOUND, fields)
    assert response.status_code == 400, response.text
    assert field in response.json()["fields"]
    gateway.sms.receive_text.assert_not_called()


def test_a_signed_field_missing_is_refused(gateway, web_session, twilio_env):
    fields = {name: value for name, value in status_fields("sent").items() if name != "MessageStatus"}
    response = signed_post(web_session, STATUS, fields)
    assert response.status_code == 400, response.text
    assert "MessageStatus" in response.json()["fields"]
    gateway.sms.receive_receipt.assert_not_called()


def test_a_body_that_is_not_a_form_is_refused(gateway, web_session, twilio_env):
    response = web_session.post(INBOUND, json=INBOUND_FIELDS,
                                headers={"X-Twilio-Signature": signature(PUBLIC + INBOUND, {})})
    assert response.status_code == 400, response.text  # the URL alone was signed: the body is not a form
    gateway.sms.receive_text.assert_not_called()


def test_a_body_over_the_cap_is_not_read(gateway, web_session, twilio_env):
    fields = {**INBOUND_FIELDS, "Body": "x" * MAX_BODY_BYTES}
    assert refused(signed_post(web_session, INBOUND, fields))
    gateway.sms.receive_text.assert_not_called()


def test_sms_out_of_reach_is_a_503_twilio_may_retry(gateway, web_session, twilio_env):
    gateway.sms.receive_text.side_effect = SERVICE_UNAVAILABLE()
    response = signed_post(web_session, INBOUND, INBOUND_FIELDS)
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "SERVICE_UNAVAILABLE"


@pytest.mark.parametrize("path, fields, names", [
    (INBOUND, INBOUND_FIELDS, ("MessageSid", "From", "To", "Body")),
    (STATUS, status_fields("sent"), ("MessageSid", "MessageStatus")),
])
def test_nul_is_refused_in_every_field_read(gateway, web_session, twilio_env, path, fields, names):
    for name in names:
        response = signed_post(web_session, path, {**fields, name: "SM\x00" + fields[name]})
        assert response.status_code == 400, response.text
        assert name in response.json()["fields"]
    gateway.sms.receive_text.assert_not_called()
    gateway.sms.receive_receipt.assert_not_called()


def test_a_field_given_twice_is_refused_even_signed(gateway, web_session, twilio_env):
    fields = [*INBOUND_FIELDS.items(), ("Body", "second body")]
    signed = RequestValidator(TOKEN).compute_signature(PUBLIC + INBOUND, MultiDict(fields))
    response = web_session.post(INBOUND, data=fields, headers={"X-Twilio-Signature": signed})
    assert response.status_code == 400, response.text  # signed with both values, but which one is the text?
    gateway.sms.receive_text.assert_not_called()


@pytest.mark.parametrize("path, answer", [(INBOUND, "200"), (STATUS, "204")])
def test_the_webhooks_are_in_the_openapi_document_as_form_encoded_and_signed(path, answer):
    operation = openapi.document()["paths"][path]["post"]
    assert operation["tags"] == ["Webhooks"] and operation["security"] == []
    assert list(operation["requestBody"]["content"]) == ["application/x-www-form-urlencoded"]
    assert {"in": "header", "name": "X-Twilio-Signature", "required": True}.items() <= \
        operation["parameters"][0].items()
    assert set(operation["responses"]["403"]["content"]["application/json"]["schema"]["allOf"][1]["properties"]
               ["error"]["enum"]) == {"TWILIO_SIGNATURE_INVALID", "TWILIO_WEBHOOKS_OFF"}
    assert answer in operation["responses"]
    if answer == "200":
        assert list(operation["responses"]["200"]["content"]) == ["text/xml"]
