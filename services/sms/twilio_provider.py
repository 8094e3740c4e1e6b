"""The Twilio provider: texts go out through Twilio's REST API, with the official `twilio`
package (Messages.create). Inbound texts and status callbacks come back to the gateway's
webhooks (services/gateway/twilio_webhooks.py), not here.

Chosen by SMS_PROVIDER=twilio, configured from the environment:
- TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN (required: a clear start-up error names the one missing);
- TWILIO_STATUS_CALLBACK_URL (optional): the public URL of the gateway's status webhook,
  e.g. https://chairside.example.com/webhooks/twilio/status, sent with every text so that
  Twilio reports its delivery;
- TWILIO_API_BASE (optional): another base URL for Twilio's API, e.g. the tests' local fake
  (tests/support/fake_twilio.py); Twilio's own, https://api.twilio.com, by default.

Whatever goes wrong (Twilio answers an error, the connection fails or times out) raises
TwilioSendFailed, so that sms answers PROVIDER_REFUSED. Nothing is retried here: creating
a message is not idempotent at Twilio, and a retry after a lost answer could text twice.
"""
import logging

import requests
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from chairside import config

TIMEOUT_SECONDS = 15  # a send waits at most this long for Twilio's answer (twilio-python waits forever)
# twilio-python logs the URL and headers of every request at INFO: ten lines a text. Its
# warnings stay; a text that failed is logged by sms, with Twilio's reason.
HTTP_LOG = logging.getLogger(__name__ + ".http")
HTTP_LOG.setLevel(logging.WARNING)


class TwilioSendFailed(RuntimeError):
    """Twilio did not take the text (its error, or no answer); says why, never the credentials."""


class BatchInterrupted(TwilioSendFailed):
    """send_many stopped at item `failed_at`: the texts before it went (their ids in `sent`),
    that one and the ones after it did not."""

    def __init__(self, sent, failed_at, cause):
        super().__init__(f"text {failed_at + 1} of the batch failed after {len(sent)} went: {cause}")
        self.sent = sent
        self.failed_at = failed_at


class TwilioProvider:
    """Sends through Twilio's Messages API; answers Twilio's message sid ("SM...")."""

    def __init__(self, account_sid, auth_token, status_callback_url=None, api_base=None,
                 timeout=TIMEOUT_SECONDS):
        self.account_sid = account_sid
        self.status_callback_url = status_callback_url
        self.api_base = api_base
        self._client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout, logger=HTTP_LOG))
        if api_base:
            # twilio-python builds every Messages URL from its Api domain's base_url; TWILIO_EDGE
            # and TWILIO_REGION would rewrite the host of that URL, so they do not apply here.
            self._client.api.base_url = api_base.rstrip("/")
            self._client.edge = self._client.region = None

    def send(self, to, from_, body):
        extra = {"status_callback": self.status_callback_url} if self.status_callback_url else {}
        try:
            message = self._client.messages.create(to=to, from_=from_, body=body, **extra)
        except TwilioException as exc:  # TwilioRestException: Twilio's own error, with its code
            raise TwilioSendFailed(_described(exc)) from exc
        except requests.RequestException as exc:  # no answer: refused connection, timeout, TLS
            raise TwilioSendFailed(f"Twilio could not be reached: {type(exc).__name__}") from exc
        return message.sid

    def send_many(self, items):
        """Send each (to, from_, body) in turn; their sids, in order. Twilio has no batch call,
        so a failure part-way raises BatchInterrupted, which holds the sids of the texts that
        already went (the caller records those) and says which one failed."""
        sent = []
        for index, (to, from_, body) in enumerate(items):
            try:
                sent.append(self.send(to, from_, body))
            except TwilioSendFailed as exc:
                raise BatchInterrupted(sent, index, exc) from exc
        return sent

    def __repr__(self):
        return f"TwilioProvider({self.account_sid!r}, api_base={self.api_base!r})"


def _described(exc):
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", None)
    message = getattr(exc, "msg", None) or type(exc).__name__
    return f"Twilio refused the text (HTTP {status}, error {code}): {message}"


def _required(name):
    value = config.env(name)
    if value is None:
        raise RuntimeError(f"{name} is not set: SMS_PROVIDER=twilio needs it")
    return value


def _url(name):
    value = config.env(name)
    if value is not None and not value.startswith(("https://", "http://")):
        raise RuntimeError(f"{name} must be an http(s) URL, got {value!r}")
    return value


def twilio_provider_from_env():
    return TwilioProvider(_required("TWILIO_ACCOUNT_SID"), _required("TWILIO_AUTH_TOKEN"),
                          status_callback_url=_url("TWILIO_STATUS_CALLBACK_URL"), api_base=_url("TWILIO_API_BASE"))
