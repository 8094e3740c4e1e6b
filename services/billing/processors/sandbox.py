"""The sandbox processor's adapter: billing's `Processor` over the sandbox's HTTP API, the
way it would talk to a real processor (processor_sandbox/, README "Card processor (sandbox)").

Every call has a timeout. What does not get an answer (refused connection, timeout, a 5xx)
is ProcessorUnavailable: nothing is known to have happened, and a charge or refund asked
again with the same idempotency key is made at most once. The sandbox's idempotency keys
are global to its one merchant account: the caller passes keys unique across practices.
"""
from urllib.parse import urlsplit

import requests

from services.billing.domain import SANDBOX
from services.billing.processors import (Card, CardRefused, Charge, HostedField, IdempotencyKeyReused,
                                         ProcessorUnavailable, Refund, RefundRefused, SavedCard)

CONNECT_TIMEOUT_SECONDS = 3.05
# longer than the delayed test card's delay (PROCESSOR_SANDBOX_DELAY_SECONDS, 5 by default)
READ_TIMEOUT_SECONDS = 30
APPROVED = "approved"
HOSTED_FIELD_PATH = "/hosted-field"


def origin_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SandboxProcessor:
    name = SANDBOX

    def __init__(self, url, secret_key, public_url=None, session=None,
                 timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)):
        self.url = url.rstrip("/")
        self.public_url = (public_url or url).rstrip("/")
        self.timeout = timeout
        self.http = session or requests.Session()
        self.http.headers["Authorization"] = f"Bearer {secret_key}"

    def __repr__(self):   # never the secret key
        return f"SandboxProcessor({self.url!r})"

    def hosted_field(self):
        return HostedField(url=f"{self.public_url}{HOSTED_FIELD_PATH}", origin=origin_of(self.public_url))

    def charge(self, *, amount_cents, currency, idempotency_key, token=None, card_id=None):
        if (token is None) == (card_id is None):
            raise ValueError("charge exactly one of token or card_id")
        body = {"amount_cents": amount_cents, "currency": currency}
        body.update({"token": token} if token is not None else {"card_id": card_id})
        answer = self._call("POST", "/v1/charges", body, idempotency_key)
        self._refuse_reused_key(answer)
        charge = self._json(answer, 200)
        card = charge.get("card")
        return Charge(charge_id=charge["id"], approved=charge["status"] == APPROVED,
                      decline_code=charge["decline_code"], card=_card(card) if card else None)

    def save_card(self, token):
        answer = self._call("POST", "/v1/cards", {"token": token})
        if answer.status_code == 402:
            raise CardRefused(self._json(answer, 402)["error"])
        saved = self._json(answer, 201)
        return SavedCard(card_id=saved["id"], card=_card(saved))

    def delete_card(self, card_id):
        answer = self._call("DELETE", f"/v1/cards/{requests.utils.quote(card_id, safe='')}")
        if answer.status_code != 204:
            raise self._unexpected(answer)

    def refund(self, *, charge_id, amount_cents, idempotency_key):
        answer = self._call("POST", "/v1/refunds", {"charge": charge_id, "amount_cents": amount_cents},
                            idempotency_key)
        self._refuse_reused_key(answer)
        if answer.status_code in (404, 422):
            raise RefundRefused(self._json(answer, answer.status_code)["error"])
        refund = self._json(answer, 201)
        return Refund(refund_id=refund["id"], amount_cents=refund["amount_cents"])

    # -- HTTP ---------------------------------------------------------------------------

    def _call(self, method, path, body=None, idempotency_key=None):
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key is not None else {}
        try:
            answer = self.http.request(method, f"{self.url}{path}", json=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ProcessorUnavailable(f"the sandbox processor did not answer {method} {path}: "
                                       f"{type(exc).__name__}") from None
        if answer.status_code >= 500 or answer.status_code == 409:
            # a 409: the same key is still being processed; asking again later is safe
            raise ProcessorUnavailable(f"the sandbox processor answered {method} {path} with "
                                       f"{answer.status_code}: {_error_of(answer)}")
        return answer

    @staticmethod
    def _refuse_reused_key(answer):
        if answer.status_code == 422 and _error_of(answer) == "idempotency_key_reused":
            raise IdempotencyKeyReused()

    def _json(self, answer, status):
        if answer.status_code != status:
            raise self._unexpected(answer)
        try:
            return answer.json()
        except ValueError:
            raise ProcessorUnavailable(f"the sandbox processor's answer to {answer.request.method} "
                                       f"{urlsplit(answer.url).path} is not JSON") from None

    @staticmethod
    def _unexpected(answer):
        """An answer the API does not give to a well-formed call (400, 401, ...): our request
        or our key is wrong; nothing was done."""
        return ProcessorUnavailable(f"the sandbox processor answered {answer.request.method} "
                                    f"{urlsplit(answer.url).path} with {answer.status_code}: {_error_of(answer)}")


def _card(card):
    return Card(brand=card["brand"], last4=card["last4"], exp_month=card["exp_month"], exp_year=card["exp_year"])


def _error_of(answer):
    try:
        return answer.json().get("error")
    except (ValueError, AttributeError):
        return None
