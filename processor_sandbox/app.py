"""The sandbox's HTTP API (werkzeug WSGI): what a merchant's server calls with the secret key,
the hosted card field and the one call it makes itself (POST /v1/tokens).

Card numbers only ever travel in request bodies (never in a path or query string), so
the access log, which carries paths, never holds one; nothing here logs a body.
"""
import hashlib
import hmac
import json
import logging
import time

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from processor_sandbox import cards, hosted_field
from processor_sandbox.store import (CHARGE, ERROR, REFUND, Answer, Claimed, InProgress, Reused, Store)

log = logging.getLogger("processor_sandbox")

MAX_AMOUNT_CENTS = 99_999_999        # $999,999.99: a larger charge is a mistake
MAX_KEY_LENGTH = 255                 # an Idempotency-Key's length
MAX_BODY_BYTES = 64 * 1024

ERRORS = {
    "unauthorized": "Send the secret key as `Authorization: Bearer <key>`.",
    "invalid_request": "The request body does not fit this call.",
    "idempotency_key_required": "Send an `Idempotency-Key` header of 1 to 255 printable characters.",
    "idempotency_key_reused": "This Idempotency-Key was used for a different request.",
    "request_in_progress": "A request with this Idempotency-Key is still being processed: ask again shortly.",
    "amount_too_large": "The refund is more than what is left of the charge.",
    "no_such_charge": "No charge has this id.",
    cards.EXPIRED_CARD: "The card has expired.",
    cards.INVALID_TOKEN: "The token is unknown, already used or expired.",
    "not_found": "No such address.",
    "method_not_allowed": "This address does not answer this method.",
    "internal_error": "The sandbox failed; its log says why. Nothing was recorded: ask again.",
}
REPLAYED = "Idempotent-Replayed"


class Refusal(Exception):
    def __init__(self, status, code, message=None, **extra):
        super().__init__(code)
        self.status, self.code, self.message, self.extra = status, code, message or ERRORS[code], extra


class SandboxRequest(Request):
    max_content_length = MAX_BODY_BYTES   # a larger body is 413, unread


def json_response(body, status=200, headers=None):
    response = Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def error_response(refusal):
    return json_response(dict({"error": refusal.code, "message": refusal.message}, **refusal.extra), refusal.status)


# -- what the API answers -----------------------------------------------------------------

def card_json(card):
    return {"brand": card.brand, "last4": card.last4, "exp_month": card.exp_month, "exp_year": card.exp_year}


def charge_json(charge):
    return {"id": charge.id, "status": charge.status, "decline_code": charge.decline_code,
            "amount_cents": charge.amount_cents, "currency": charge.currency,
            "card": card_json(charge.card) if charge.card else None, "created_at": charge.created_at}


def refund_json(refund):
    return {"id": refund.id, "charge": refund.charge_id, "amount_cents": refund.amount_cents}


# -- reading requests -----------------------------------------------------------------------

def body_of(request, required, optional=()):
    """The request's JSON object, with every `required` field and no field but those and
    `optional`; a 400 Refusal otherwise."""
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except ValueError:
        raise Refusal(400, "invalid_request", "The request body is not JSON.")
    if not isinstance(body, dict):
        raise Refusal(400, "invalid_request", "The request body is a JSON object.")
    missing = [name for name in required if name not in body]
    unknown = sorted(set(body) - set(required) - set(optional))
    if missing or unknown:
        raise Refusal(400, "invalid_request",
                      "; ".join(filter(None, [missing and f"missing: {', '.join(missing)}",
                                              unknown and f"unknown: {', '.join(unknown)}"])))
    return body


def whole_cents(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_AMOUNT_CENTS:
        raise Refusal(400, "invalid_request", f"{name} is a whole number of cents from 1 to {MAX_AMOUNT_CENTS}.")
    return value


def currency_of(value):
    if not (isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha() and value.isupper()):
        raise Refusal(400, "invalid_request", "currency is an ISO 4217 code such as USD.")
    return value


def an_id(value, name):
    if not isinstance(value, str) or not 0 < len(value) <= 100:
        raise Refusal(400, "invalid_request", f"{name} is an id (a string).")
    return value


def idempotency_key(request):
    key = request.headers.get("Idempotency-Key", "")
    if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise Refusal(400, "idempotency_key_required")
    return key


def fingerprint(method, path, body):
    """What makes two requests with one key the same request: the call and its body."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class SandboxApp:
    """The WSGI application. `clock.now()` is an aware datetime; `sleep` waits the delayed
    test card's delay (tests pass their own)."""

    def __init__(self, store: Store, secret_key, frame_ancestors, delay_seconds, clock, sleep=time.sleep):
        self.store = store
        self.secret_key = secret_key.encode("utf-8")
        self.field = hosted_field.HostedFieldPage(frame_ancestors)
        self.delay_seconds = delay_seconds
        self.clock = clock
        self.sleep = sleep
        self.urls = Map([
            Rule("/health", endpoint="health", methods=["GET"]),
            Rule("/hosted-field", endpoint="hosted_field", methods=["GET"]),
            Rule("/hosted-field/<any(field.js, field.css):asset>", endpoint="asset", methods=["GET"]),
            Rule("/v1/tokens", endpoint="create_token", methods=["POST"]),
            Rule("/v1/charges", endpoint="create_charge", methods=["POST"]),
            Rule("/v1/charges", endpoint="list_charges", methods=["GET"]),
            Rule("/v1/cards", endpoint="save_card", methods=["POST"]),
            Rule("/v1/cards/<path:card_id>", endpoint="delete_card", methods=["DELETE"]),
            Rule("/v1/refunds", endpoint="create_refund", methods=["POST"]),
        ])
        self.secret_endpoints = {"create_charge", "list_charges", "save_card", "delete_card", "create_refund"}

    def __call__(self, environ, start_response):
        return self.dispatch(SandboxRequest(environ))(environ, start_response)

    def dispatch(self, request):
        try:
            endpoint, args = self.urls.bind_to_environ(request.environ).match()
            if endpoint in self.secret_endpoints:
                self.authenticate(request)
            return getattr(self, endpoint)(request, **args)
        except Refusal as refusal:
            return error_response(refusal)
        except NotFound:
            return error_response(Refusal(404, "not_found"))
        except MethodNotAllowed as exc:
            response = error_response(Refusal(405, "method_not_allowed"))
            response.headers["Allow"] = ", ".join(exc.valid_methods or ())
            return response
        except HTTPException as exc:
            return error_response(Refusal(exc.code or 400, "invalid_request", exc.description))
        except Exception:
            log.exception("%s %s failed", request.method, request.path)   # the path only, never a body
            return error_response(Refusal(500, "internal_error"))

    def authenticate(self, request):
        given = request.headers.get("Authorization", "")
        scheme, _, key = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(key.strip().encode("utf-8"), self.secret_key):
            raise Refusal(401, "unauthorized")

    # -- endpoints ------------------------------------------------------------------------

    def health(self, request):
        return json_response({"status": "ok"})

    def hosted_field(self, request):
        return self.field.page()

    def asset(self, request, asset):
        return self.field.asset(asset)

    def create_token(self, request):
        """From the hosted field (same origin, no secret key): the card becomes a single-use token."""
        if not request.is_json:
            raise Refusal(400, "invalid_request", "Send the card as application/json.")
        body = body_of(request, ("number", "exp_month", "exp_year", "cvc"))
        try:
            facts = cards.card_facts(body["number"], body["exp_month"], body["exp_year"], body["cvc"],
                                     self.clock.now().date())
        except cards.CardProblem as problem:
            raise Refusal(400, problem.code, problem.message, field=problem.field)
        token = self.store.create_token(facts, self.clock.now())
        return json_response(dict({"token": token}, **card_json(facts)), 201)

    def create_charge(self, request):
        body = body_of(request, ("amount_cents", "currency"), ("token", "card_id"))
        amount, currency = whole_cents(body["amount_cents"], "amount_cents"), currency_of(body["currency"])
        if ("token" in body) == ("card_id" in body):
            raise Refusal(400, "invalid_request", "Charge exactly one of token or card_id.")
        source = {name: an_id(body[name], name) for name in ("token", "card_id") if name in body}
        key = idempotency_key(request)
        replay = self.claim(request, key, body)
        if replay:
            return replay
        try:
            charge = self.store.charge(key, amount, currency, self.clock.now(), **source)
        except BaseException:
            self.store.release(key)
            raise
        log.info("charge %s %s %s %s%s", charge.id, charge.status, amount, currency,
                 f" ({charge.decline_code})" if charge.decline_code else "")
        if charge.behaviour == cards.DELAYED:
            # recorded (final) before the wait: a caller that gives up asks again and finds it
            self.sleep(self.delay_seconds)
        return json_response(charge_json(charge))

    def list_charges(self, request):
        key = request.args.get("idempotency_key")
        return json_response({"charges": [charge_json(charge) for charge in self.store.charges(key)]})

    def save_card(self, request):
        body = body_of(request, ("token",))
        card, refused = self.store.save_card(an_id(body["token"], "token"), self.clock.now())
        if refused:
            raise Refusal(402, refused)
        return json_response(dict({"id": card.id}, **card_json(card)), 201)

    def delete_card(self, request, card_id):
        self.store.delete_card(card_id)
        return Response(status=204)

    def create_refund(self, request):
        body = body_of(request, ("charge", "amount_cents"))
        charge_id, amount = an_id(body["charge"], "charge"), whole_cents(body["amount_cents"], "amount_cents")
        key = idempotency_key(request)
        replay = self.claim(request, key, body)
        if replay:
            return replay
        try:
            answer = self.store.refund(key, charge_id, amount, self.clock.now())
        except BaseException:
            self.store.release(key)
            raise
        return self.answer(answer)

    # -- idempotency ------------------------------------------------------------------------

    def claim(self, request, key, body):
        """None when this request may go on (the key is now in flight); otherwise the answer:
        the first one again, 422 or 409."""
        claimed = self.store.claim(key, fingerprint(request.method, request.path, body), self.clock.now())
        if isinstance(claimed, Claimed):
            return None
        if isinstance(claimed, Reused):
            raise Refusal(422, "idempotency_key_reused")
        if isinstance(claimed, InProgress):
            raise Refusal(409, "request_in_progress")
        response = self.answer(claimed)
        response.headers[REPLAYED] = "true"
        return response

    def answer(self, answer: Answer):
        if answer.kind == CHARGE:
            return json_response(charge_json(self.store.get_charge(answer.ref)), answer.status)
        if answer.kind == REFUND:
            return json_response(refund_json(self.store.get_refund(answer.ref)), answer.status)
        assert answer.kind == ERROR, answer
        return error_response(Refusal(answer.status, answer.ref))
