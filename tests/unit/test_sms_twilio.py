"""The Twilio provider against a local fake of Twilio's REST API (tests/support/fake_twilio.py)."""
import re
import socket

import pytest

from services.sms import adapters
from services.sms.adapters import provider_from_env
from services.sms.twilio_provider import BatchInterrupted, TwilioProvider, TwilioSendFailed
from tests.support.fake_twilio import FakeTwilio

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "test-auth-token-0123456789"
CALLBACK = "https://chairside.example.com/webhooks/twilio/status"
SID = re.compile(r"SM[0-9a-f]{32}")
PATIENT, CLINIC = "+15555550111", "+15555550100"


@pytest.fixture
def twilio():
    with FakeTwilio(ACCOUNT, TOKEN) as fake:
        yield fake


def provider(twilio, **kwargs):
    return TwilioProvider(ACCOUNT, TOKEN, api_base=twilio.url, **kwargs)


def test_a_text_goes_through_the_messages_api_with_the_account_credentials(twilio):
    sid = provider(twilio, status_callback_url=CALLBACK).send(PATIENT, CLINIC, "Ça va? 😀 See you at 3")

    assert SID.fullmatch(sid)
    assert sid == twilio.messages[0]["sid"]
    (received,) = twilio.requests
    assert received.method == "POST"
    assert received.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert (received.username, received.password) == (ACCOUNT, TOKEN)
    assert received.form == {"To": PATIENT, "From": CLINIC, "Body": "Ça va? 😀 See you at 3",
                             "StatusCallback": CALLBACK}


def test_without_a_status_callback_url_none_is_sent(twilio):
    provider(twilio).send(PATIENT, CLINIC, "Hello")
    assert "StatusCallback" not in twilio.requests[0].form


def test_each_text_gets_its_own_sid(twilio):
    sender = provider(twilio)
    sids = {sender.send(PATIENT, CLINIC, f"text {n}") for n in range(3)}
    assert len(sids) == 3


def test_wrong_credentials_raise_and_never_show_the_token(twilio):
    sender = TwilioProvider(ACCOUNT, "not-the-token", api_base=twilio.url)
    with pytest.raises(TwilioSendFailed) as refused:
        sender.send(PATIENT, CLINIC, "Hello")
    assert "401" in str(refused.value) and "20003" in str(refused.value)
    assert "not-the-token" not in str(refused.value)
    assert twilio.messages == []


@pytest.mark.parametrize("to, from_, body, code", [
    ("", CLINIC, "Hello", "21604"),
    (PATIENT, "", "Hello", "21603"),
    (PATIENT, CLINIC, "", "21602"),
    ("5550111", CLINIC, "Hello", "21211"),
    (PATIENT, CLINIC, "x" * 1601, "21617"),
])
def test_what_twilio_refuses_raises_with_its_code(twilio, to, from_, body, code):
    with pytest.raises(TwilioSendFailed, match=f"error {code}"):
        provider(twilio).send(to, from_, body)
    assert twilio.messages == []


def test_a_twilio_server_error_raises(twilio):
    twilio.fail_next(500)
    sender = provider(twilio)
    with pytest.raises(TwilioSendFailed, match="HTTP 500"):
        sender.send(PATIENT, CLINIC, "Hello")
    assert twilio.messages == []
    assert SID.fullmatch(sender.send(PATIENT, CLINIC, "Hello"))  # only the next one failed


def test_twilio_out_of_reach_raises():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TwilioSendFailed, match="could not be reached"):
        TwilioProvider(ACCOUNT, TOKEN, api_base=f"http://127.0.0.1:{port}").send(PATIENT, CLINIC, "Hello")


def test_send_many_answers_the_sids_in_order(twilio):
    sids = provider(twilio).send_many([(PATIENT, CLINIC, "one"), ("+15555550112", CLINIC, "two")])
    assert sids == [message["sid"] for message in twilio.messages]
    assert [message["body"] for message in twilio.messages] == ["one", "two"]


def test_send_many_interrupted_says_which_went(twilio):
    items = [(PATIENT, CLINIC, "one"), ("not a phone", CLINIC, "two"), (PATIENT, CLINIC, "three")]
    with pytest.raises(BatchInterrupted) as interrupted:
        provider(twilio).send_many(items)
    assert interrupted.value.sent == [twilio.messages[0]["sid"]]
    assert interrupted.value.failed_at == 1
    assert [message["body"] for message in twilio.messages] == ["one"]  # nothing after the failure


TWILIO_ENV = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_STATUS_CALLBACK_URL", "TWILIO_API_BASE")


@pytest.fixture
def twilio_env(monkeypatch):
    for name in TWILIO_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMS_PROVIDER", "twilio")
    return monkeypatch


def test_sms_provider_twilio_sends_through_the_configured_api(twilio_env, twilio):
    twilio_env.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    twilio_env.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    twilio_env.setenv("TWILIO_STATUS_CALLBACK_URL", CALLBACK)
    twilio_env.setenv("TWILIO_API_BASE", twilio.url)
    chosen = provider_from_env()

    assert isinstance(chosen, TwilioProvider)
    assert "twilio" in adapters.PROVIDERS
    sid = chosen.send(PATIENT, CLINIC, "Hello")
    assert twilio.messages[0]["sid"] == sid
    assert twilio.requests[0].form["StatusCallback"] == CALLBACK


@pytest.mark.parametrize("missing", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"])
def test_a_missing_credential_is_a_start_up_error_naming_it(twilio_env, missing):
    given = {"TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN}
    for name, value in given.items():
        if name != missing:
            twilio_env.setenv(name, value)
    with pytest.raises(RuntimeError, match=f"{missing} is not set"):
        provider_from_env()


@pytest.mark.parametrize("name", ["TWILIO_STATUS_CALLBACK_URL", "TWILIO_API_BASE"])
def test_a_url_setting_that_is_no_url_is_a_start_up_error(twilio_env, name):
    twilio_env.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    twilio_env.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    twilio_env.setenv(name, "chairside.example.com/hook")
    with pytest.raises(RuntimeError, match=f"{name} must be an http"):
        provider_from_env()


def test_by_default_it_talks_to_twilio_itself(twilio_env):
    twilio_env.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    twilio_env.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    chosen = provider_from_env()
    assert chosen._client.api.base_url == "https://api.twilio.com"  # nothing is sent in this test
