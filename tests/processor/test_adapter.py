"""The sandbox adapter's mapping of what the processor answers, with the processor's HTTP
faked (its own errors are hard to cause live): 5xx, 409, non-JSON, timeouts."""
import json

import pytest
import requests

from services.billing.processors import ProcessorUnavailable
from services.billing.processors.sandbox import CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS, SandboxProcessor


class Answering(requests.Session):
    """A session whose every request gets `status` and `body`, and that remembers the calls."""

    def __init__(self, status, body=b"", raises=None):
        super().__init__()
        self.status, self.body, self.raises, self.calls = status, body, raises, []

    def request(self, method, url, json=None, headers=None, timeout=None, **kwargs):
        self.calls.append({"method": method, "url": url, "json": json, "headers": dict(self.headers, **headers),
                           "timeout": timeout})
        if self.raises:
            raise self.raises
        response = requests.Response()
        response.status_code, response._content, response.url = self.status, self.body, url
        response.request = requests.Request(method, url).prepare()
        return response


def calls(processor):
    """Each call of the interface, by name."""
    return {"charge": lambda: processor.charge(amount_cents=1, currency="USD", idempotency_key="k", token="tok"),
            "save_card": lambda: processor.save_card("tok"),
            "delete_card": lambda: processor.delete_card("card"),
            "refund": lambda: processor.refund(charge_id="ch", amount_cents=1, idempotency_key="k")}


@pytest.mark.parametrize("status, body", [
    (500, b'{"error": "internal_error"}'), (502, b"<html>bad gateway</html>"), (503, b""),
    (409, b'{"error": "request_in_progress"}'), (401, b'{"error": "unauthorized"}'),
    (400, b'{"error": "invalid_request"}'), (200, b"not json"), (201, b"not json"), (204, b""),
])
def test_an_answer_that_is_not_a_result_is_unavailable(status, body):
    processor = SandboxProcessor("http://sandbox.test", "sk_secret", session=Answering(status, body))
    for name, call in calls(processor).items():
        if (name, status) == ("delete_card", 204):
            call()   # its one success
            continue
        with pytest.raises(ProcessorUnavailable) as failed:
            call()
        assert "sk_secret" not in str(failed.value)


@pytest.mark.parametrize("error", [requests.ConnectTimeout(), requests.ReadTimeout(), requests.ConnectionError(),
                                   requests.exceptions.ChunkedEncodingError()])
def test_no_answer_is_unavailable(error):
    processor = SandboxProcessor("http://sandbox.test", "sk", session=Answering(200, raises=error))
    for call in calls(processor).values():
        with pytest.raises(ProcessorUnavailable):
            call()


def test_every_call_has_the_key_the_idempotency_key_and_a_timeout():
    session = Answering(200, json.dumps({"id": "ch_1", "status": "approved", "decline_code": None,
                                         "amount_cents": 1, "currency": "USD", "card": None}).encode())
    processor = SandboxProcessor("http://sandbox.test/", "sk_live", session=session)
    charge = processor.charge(amount_cents=1, currency="USD", idempotency_key="pay-1", card_id="card_1")
    assert charge.approved and charge.card is None
    [call] = session.calls
    assert call["method"] == "POST" and call["url"] == "http://sandbox.test/v1/charges"
    assert call["json"] == {"amount_cents": 1, "currency": "USD", "card_id": "card_1"}
    assert call["headers"]["Authorization"] == "Bearer sk_live" and call["headers"]["Idempotency-Key"] == "pay-1"
    assert call["timeout"] == (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)
    assert "sk_live" not in repr(processor)


@pytest.mark.parametrize("source", [{}, {"token": "t", "card_id": "c"}])
def test_a_charge_is_of_exactly_one_source(source):
    session = Answering(200)
    with pytest.raises(ValueError):
        SandboxProcessor("http://sandbox.test", "sk", session=session).charge(
            amount_cents=1, currency="USD", idempotency_key="k", **source)
    assert session.calls == []
