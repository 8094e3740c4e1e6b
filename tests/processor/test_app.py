"""The sandbox's HTTP API through werkzeug's test client: every endpoint, every test card,
idempotency (replay, 422, 409), single-use tokens, the secret key; a clock the test sets."""
import re
from datetime import timedelta

import pytest

from processor_sandbox import cards
from processor_sandbox.app import MAX_AMOUNT_CENTS, fingerprint
from processor_sandbox.hosted_field import STATIC
from processor_sandbox.store import Claimed, Store
from tests.processor.conftest import DELAY_SECONDS, ORIGINS, SECRET, Sandbox

SECRET_CALLS = [("POST", "/v1/charges"), ("GET", "/v1/charges"), ("POST", "/v1/cards"),
                ("DELETE", "/v1/cards/card_x"), ("POST", "/v1/refunds")]
CARD = {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030}


def test_health(sandbox):
    answer = sandbox.client.get("/health")
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok"}


# -- the secret key ----------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", SECRET_CALLS)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {SECRET}", SECRET, "Bearer ", "Bearer"])
def test_the_server_api_needs_the_secret_key(sandbox, method, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    answer = sandbox.client.open(path, method=method, json={}, headers=dict(headers, **{"Idempotency-Key": "k"}))
    assert answer.status_code == 401 and answer.get_json()["error"] == "unauthorized"
    assert sandbox.store.charges() == []


def test_tokens_need_no_secret_key_but_json(sandbox):
    body = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    assert sandbox.client.post("/v1/tokens", json=body).status_code == 201
    as_form = sandbox.client.post("/v1/tokens", data=body)
    assert as_form.status_code == 400 and as_form.get_json()["error"] == "invalid_request"


# -- tokens -----------------------------------------------------------------------------------

@pytest.mark.parametrize("number", list(cards.TEST_CARDS))
def test_every_test_card_becomes_a_token(sandbox, number):
    cvc = "1234" if cards.brand(number) == cards.AMEX else "123"
    answer = sandbox.client.post("/v1/tokens", json={"number": cards.printed(number), "exp_month": 7,
                                                    "exp_year": 29, "cvc": cvc})
    assert answer.status_code == 201
    body = answer.get_json()
    assert re.fullmatch(r"tok_[0-9a-f]{24}", body.pop("token"))
    assert body == {"brand": cards.brand(number), "last4": number[-4:], "exp_month": 7, "exp_year": 2029}


@pytest.mark.parametrize("change, code, field", [
    ({"number": "4242424242424241"}, "invalid_number", "number"),
    ({"number": "4242"}, "invalid_number", "number"),
    ({"number": 4242424242424242}, "invalid_number", "number"),
    ({"exp_month": 13}, "invalid_expiry", "expiry"),
    ({"exp_year": "soon"}, "invalid_expiry", "expiry"),
    ({"exp_month": 11, "exp_year": 2026}, "expired_card", "expiry"),
    ({"cvc": "12"}, "invalid_cvc", "cvc"),
    ({"cvc": 123}, "invalid_cvc", "cvc"),
])
def test_a_card_that_is_not_valid_gets_a_clear_error_and_no_token(sandbox, change, code, field):
    body = dict({"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}, **change)
    answer = sandbox.client.post("/v1/tokens", json=body)
    assert answer.status_code == 400
    assert answer.get_json() == {"error": code, "message": cards.MESSAGES[code], "field": field}


@pytest.mark.parametrize("body", [{}, {"number": "4242424242424242"}, [], "card", None,
                                  {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123",
                                   "name": "Maria"}])
def test_a_token_request_of_another_shape_is_refused(sandbox, body):
    answer = sandbox.client.post("/v1/tokens", json=body)
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_request"


# -- charges: every test card -------------------------------------------------------------------

@pytest.mark.parametrize("number, status, decline_code", [
    ("4242424242424242", "approved", None), ("5555555555554444", "approved", None),
    ("378282246310005", "approved", None), ("4000000000000002", "declined", "card_declined"),
    ("4000000000009995", "declined", "insufficient_funds"), ("4000000000000069", "declined", "expired_card"),
    ("4000000000000077", "approved", None), ("4000056655665556", "approved", None),
])
def test_charging_each_test_card(sandbox, number, status, decline_code):
    cvc = "1234" if cards.brand(number) == cards.AMEX else "123"
    answer = sandbox.charge("k1", token=sandbox.token(number, cvc=cvc))
    assert answer.status_code == 200
    charge = answer.get_json()
    assert re.fullmatch(r"ch_[0-9a-f]{24}", charge["id"])
    assert (charge["status"], charge["decline_code"], charge["amount_cents"], charge["currency"]) == (
        status, decline_code, 2500, "USD")
    assert charge["card"] == {"brand": cards.brand(number), "last4": number[-4:], "exp_month": 12, "exp_year": 2030}
    assert sandbox.waits == ([DELAY_SECONDS] if number == "4000000000000077" else [])


def test_the_delayed_card_is_charged_before_the_wait(sandbox):
    seen = []
    sandbox.app.sleep = lambda seconds: seen.append((seconds, sandbox.store.charges("slow")))
    token = sandbox.token("4000000000000077")
    answer = sandbox.charge("slow", token=token)
    [(seconds, recorded)] = seen
    assert seconds == DELAY_SECONDS
    assert [charge.id for charge in recorded] == [answer.get_json()["id"]] and recorded[0].status == "approved"
    # a caller that gave up during the wait asks again: the same charge, not a second one, at once
    replay = sandbox.charge("slow", token=token)
    assert replay.get_json() == answer.get_json() and replay.headers["Idempotent-Replayed"] == "true"
    assert len(seen) == 1 and len(sandbox.store.charges("slow")) == 1


def test_a_token_works_once(sandbox):
    token = sandbox.token()
    assert sandbox.charge("first", token=token).get_json()["status"] == "approved"
    second = sandbox.charge("second", token=token).get_json()
    assert (second["status"], second["decline_code"], second["card"]) == ("declined", "invalid_token", None)


def test_a_declined_charge_uses_the_token_up_too(sandbox):
    token = sandbox.token("4000000000000002")
    assert sandbox.charge("first", token=token).get_json()["decline_code"] == "card_declined"
    assert sandbox.charge("second", token=token).get_json()["decline_code"] == "invalid_token"


def test_a_token_expires_after_15_minutes(sandbox):
    fresh, stale = sandbox.token(), sandbox.token()
    sandbox.clock.advance(timedelta(minutes=15))
    assert sandbox.charge("at-15", token=fresh).get_json()["status"] == "approved"
    sandbox.clock.advance(timedelta(seconds=1))
    assert sandbox.charge("after-15", token=stale).get_json()["decline_code"] == "invalid_token"


def test_an_unknown_token_is_declined(sandbox):
    charge = sandbox.charge("k", token="tok_000000000000000000000000").get_json()
    assert (charge["status"], charge["decline_code"], charge["card"]) == ("declined", "invalid_token", None)


@pytest.mark.parametrize("body", [
    {"amount_cents": 0}, {"amount_cents": -100}, {"amount_cents": True}, {"amount_cents": 10.5},
    {"amount_cents": "100"}, {"amount_cents": MAX_AMOUNT_CENTS + 1}, {"currency": "usd"}, {"currency": "US"},
    {"currency": "USDD"}, {"currency": 840}, {"token": None}, {"token": ""}, {"card_id": "card_x"},
    {"token": None, "card_id": None, "amount_cents": 100}, {"extra": 1},
])
def test_a_charge_of_another_shape_is_refused_and_changes_nothing(sandbox, body):
    token = sandbox.token()
    request = dict({"amount_cents": 100, "currency": "USD", "token": token}, **body)
    if body.get("token", "") is None:
        del request["token"]
    answer = sandbox.call("POST", "/v1/charges", request, key="k")
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_request"
    assert sandbox.store.charges() == []
    assert sandbox.charge("k", amount_cents=100, token=token).get_json()["status"] == "approved"   # key and token unused


@pytest.mark.parametrize("key", [None, "", "x" * 256, "ключ", "tab\there"])
def test_a_charge_needs_an_idempotency_key(sandbox, key):
    answer = sandbox.call("POST", "/v1/charges", {"amount_cents": 100, "currency": "USD", "token": sandbox.token()},
                          **({"Idempotency-Key": key} if key is not None else {}))
    assert answer.status_code == 400 and answer.get_json()["error"] == "idempotency_key_required"
    assert sandbox.store.charges() == []


def test_the_largest_charge(sandbox):
    assert sandbox.charge("k", amount_cents=MAX_AMOUNT_CENTS, token=sandbox.token()).get_json()["status"] == "approved"


# -- idempotency ------------------------------------------------------------------------------

def test_the_same_key_and_body_answers_the_first_charge_again(sandbox):
    token = sandbox.token()
    first = sandbox.charge("pay-1", token=token)
    assert "Idempotent-Replayed" not in first.headers
    for _ in range(3):
        again = sandbox.charge("pay-1", token=token)
        assert again.status_code == 200 and again.get_json() == first.get_json()
        assert again.headers["Idempotent-Replayed"] == "true"
    assert len(sandbox.store.charges("pay-1")) == 1


def test_a_declined_charge_is_replayed_too(sandbox):
    token = sandbox.token("4000000000009995")
    first = sandbox.charge("pay-1", token=token).get_json()
    assert sandbox.charge("pay-1", token=token).get_json() == first and first["decline_code"] == "insufficient_funds"


@pytest.mark.parametrize("change", [{"amount_cents": 2501}, {"currency": "CAD"}, {"token": "tok_other"}])
def test_the_same_key_with_another_body_is_422(sandbox, change):
    token = sandbox.token()
    sandbox.charge("pay-1", token=token)
    answer = sandbox.charge("pay-1", **dict({"amount_cents": 2500, "currency": "USD", "token": token}, **change))
    assert answer.status_code == 422 and answer.get_json()["error"] == "idempotency_key_reused"
    assert len(sandbox.store.charges()) == 1


def test_a_key_used_for_a_charge_cannot_be_used_for_a_refund(sandbox):
    charge = sandbox.charge("key", token=sandbox.token()).get_json()
    answer = sandbox.call("POST", "/v1/refunds", {"charge": charge["id"], "amount_cents": 100}, key="key")
    assert answer.status_code == 422 and answer.get_json()["error"] == "idempotency_key_reused"


def test_a_key_still_in_flight_is_409(sandbox):
    token = sandbox.token()
    body = {"amount_cents": 2500, "currency": "USD", "token": token}
    # the first request with the key has claimed it and is being processed
    assert sandbox.store.claim("busy", fingerprint("POST", "/v1/charges", body), sandbox.clock.now()) == Claimed()
    answer = sandbox.charge("busy", token=token)
    assert answer.status_code == 409 and answer.get_json()["error"] == "request_in_progress"
    assert sandbox.store.charges() == []
    # a claim left by a sandbox that died is released when it starts again: nothing was recorded for it
    restarted = Sandbox(sandbox.path)
    assert restarted.charge("busy", token=token).get_json()["status"] == "approved"


def test_a_failure_half_way_records_nothing_and_frees_the_key(sandbox, monkeypatch):
    token = sandbox.token()
    real = Store.charge

    def broken(self, *args, **kwargs):
        monkeypatch.setattr(Store, "charge", real)
        raise OSError("disk full")
    monkeypatch.setattr(Store, "charge", broken)
    failed = sandbox.charge("k", token=token)
    assert failed.status_code == 500 and failed.get_json()["error"] == "internal_error"
    assert sandbox.store.charges() == []
    assert sandbox.charge("k", token=token).get_json()["status"] == "approved"   # the token was not used either


# -- listing charges ---------------------------------------------------------------------------

def test_charges_listed_by_idempotency_key_or_all(sandbox):
    first = sandbox.charge("a", token=sandbox.token()).get_json()
    second = sandbox.charge("b", token=sandbox.token("4000000000000002")).get_json()
    listed = sandbox.call("GET", "/v1/charges?idempotency_key=a")
    assert listed.status_code == 200 and listed.get_json() == {"charges": [first]}
    assert sandbox.call("GET", "/v1/charges?idempotency_key=none").get_json() == {"charges": []}
    assert sandbox.call("GET", "/v1/charges").get_json() == {"charges": [first, second]}


# -- saved cards ---------------------------------------------------------------------------------

def save(sandbox, token):
    return sandbox.call("POST", "/v1/cards", {"token": token})


def test_a_saved_card_is_charged_by_its_id(sandbox):
    saved = save(sandbox, sandbox.token())
    assert saved.status_code == 201
    card = saved.get_json()
    assert re.fullmatch(r"card_[0-9a-f]{24}", card.pop("id")) is not None and card == CARD
    charge = sandbox.charge("k", card_id=saved.get_json()["id"]).get_json()
    assert (charge["status"], charge["card"]) == ("approved", CARD)
    assert sandbox.charge("k2", card_id=saved.get_json()["id"]).get_json()["status"] == "approved"   # again and again


def test_saving_uses_the_token_up(sandbox):
    token = sandbox.token()
    assert save(sandbox, token).status_code == 201
    assert sandbox.charge("k", token=token).get_json()["decline_code"] == "invalid_token"
    again = save(sandbox, token)
    assert again.status_code == 402 and again.get_json()["error"] == "invalid_token"


@pytest.mark.parametrize("token", ["tok_unknown", "", 42])
def test_saving_a_bad_token_is_402_or_400(sandbox, token):
    answer = save(sandbox, token)
    assert (answer.status_code, answer.get_json()["error"]) == (
        (402, "invalid_token") if token == "tok_unknown" else (400, "invalid_request"))


def test_saving_an_old_token_is_402(sandbox):
    token = sandbox.token()
    sandbox.clock.advance(timedelta(minutes=16))
    answer = save(sandbox, token)
    assert answer.status_code == 402 and answer.get_json()["error"] == "invalid_token"


def test_the_expired_test_card_is_refused_at_save(sandbox):
    answer = save(sandbox, sandbox.token("4000000000000069"))
    assert answer.status_code == 402 and answer.get_json() == {"error": "expired_card",
                                                              "message": "The card has expired."}


@pytest.mark.parametrize("number, decline_code", [("4000000000000002", "card_declined"),
                                                  ("4000000000009995", "insufficient_funds")])
def test_a_declining_card_can_be_saved_and_declines_at_charge(sandbox, number, decline_code):
    card_id = save(sandbox, sandbox.token(number)).get_json()["id"]
    assert sandbox.charge("k", card_id=card_id).get_json()["decline_code"] == decline_code


def test_a_saved_card_past_its_expiry_is_declined(sandbox):
    card_id = save(sandbox, sandbox.token(exp_month=12, exp_year=2026)).get_json()["id"]
    assert sandbox.charge("k", card_id=card_id).get_json()["status"] == "approved"
    sandbox.clock.advance(timedelta(days=29))   # 2027-01-01
    assert sandbox.charge("k2", card_id=card_id).get_json()["decline_code"] == "expired_card"


def test_a_deleted_card_is_declined_and_deleting_is_idempotent(sandbox):
    card_id = save(sandbox, sandbox.token()).get_json()["id"]
    for _ in range(2):
        answer = sandbox.call("DELETE", f"/v1/cards/{card_id}")
        assert answer.status_code == 204 and answer.data == b""
    assert sandbox.call("DELETE", "/v1/cards/card_never_was").status_code == 204
    charge = sandbox.charge("k", card_id=card_id).get_json()
    assert (charge["status"], charge["decline_code"], charge["card"]) == ("declined", "invalid_token", None)


# -- refunds ----------------------------------------------------------------------------------

def refund(sandbox, key, charge_id, amount_cents):
    return sandbox.call("POST", "/v1/refunds", {"charge": charge_id, "amount_cents": amount_cents}, key=key)


def test_refunds_up_to_the_charge(sandbox):
    charge_id = sandbox.charge("pay", token=sandbox.token()).get_json()["id"]
    first = refund(sandbox, "r1", charge_id, 1000)
    assert first.status_code == 201
    assert re.fullmatch(r"re_[0-9a-f]{24}", first.get_json()["id"])
    assert {k: v for k, v in first.get_json().items() if k != "id"} == {"charge": charge_id, "amount_cents": 1000}
    too_much = refund(sandbox, "r2", charge_id, 1501)
    assert too_much.status_code == 422 and too_much.get_json()["error"] == "amount_too_large"
    assert refund(sandbox, "r3", charge_id, 1500).status_code == 201
    assert refund(sandbox, "r4", charge_id, 1).get_json()["error"] == "amount_too_large"
    assert sandbox.store.get_charge(charge_id).refunded_cents == 2500


def test_a_refund_is_replayed_and_its_key_bound_to_its_body(sandbox):
    charge_id = sandbox.charge("pay", token=sandbox.token()).get_json()["id"]
    first = refund(sandbox, "r1", charge_id, 1000)
    again = refund(sandbox, "r1", charge_id, 1000)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = refund(sandbox, "r1", charge_id, 999)
    assert other.status_code == 422 and other.get_json()["error"] == "idempotency_key_reused"
    assert sandbox.store.get_charge(charge_id).refunded_cents == 1000


def test_a_refused_refund_is_replayed_as_refused(sandbox):
    charge_id = sandbox.charge("pay", token=sandbox.token()).get_json()["id"]
    assert refund(sandbox, "r1", charge_id, 2501).status_code == 422
    again = refund(sandbox, "r1", charge_id, 2501)
    assert again.status_code == 422 and again.headers["Idempotent-Replayed"] == "true"


def test_a_declined_or_unknown_charge_cannot_be_refunded(sandbox):
    declined = sandbox.charge("pay", token=sandbox.token("4000000000000002")).get_json()["id"]
    assert refund(sandbox, "r1", declined, 1).get_json()["error"] == "amount_too_large"
    unknown = refund(sandbox, "r2", "ch_unknown", 1)
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "no_such_charge"


@pytest.mark.parametrize("body", [{"charge": "ch_x"}, {"amount_cents": 1}, {"charge": "ch_x", "amount_cents": 0},
                                  {"charge": 5, "amount_cents": 1}, {"charge": "ch_x", "amount_cents": 1, "x": 1}])
def test_a_refund_of_another_shape_is_refused(sandbox, body):
    answer = sandbox.call("POST", "/v1/refunds", body, key="r")
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_request"


def test_a_refund_needs_an_idempotency_key(sandbox):
    charge_id = sandbox.charge("pay", token=sandbox.token()).get_json()["id"]
    answer = sandbox.call("POST", "/v1/refunds", {"charge": charge_id, "amount_cents": 1})
    assert answer.status_code == 400 and answer.get_json()["error"] == "idempotency_key_required"


# -- the rest of the surface -----------------------------------------------------------------------

def test_unknown_addresses_and_methods(sandbox):
    missing = sandbox.call("GET", "/v1/nothing")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    wrong = sandbox.call("PUT", "/v1/charges")
    assert wrong.status_code == 405 and wrong.get_json()["error"] == "method_not_allowed"
    assert set(wrong.headers["Allow"].split(", ")) >= {"GET", "POST"}


@pytest.mark.parametrize("raw", [b"not json", b"{", b"[1]", b"\xff"])
def test_a_body_that_is_not_a_json_object(sandbox, raw):
    answer = sandbox.client.post("/v1/charges", data=raw, headers={"Authorization": f"Bearer {SECRET}",
                                                                   "Idempotency-Key": "k",
                                                                   "Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_request"


def test_state_survives_a_restart(sandbox):
    card_id = save(sandbox, sandbox.token()).get_json()["id"]
    charge = sandbox.charge("pay", card_id=card_id).get_json()
    restarted = Sandbox(sandbox.path)
    assert restarted.charge("pay", card_id=card_id).get_json() == charge   # the key is remembered
    assert restarted.charge("pay-2", card_id=card_id).get_json()["status"] == "approved"
    assert refund(restarted, "r", charge["id"], 2500).status_code == 201


# -- the hosted field ----------------------------------------------------------------------------

def test_the_hosted_field_page(sandbox):
    page = sandbox.client.get("/hosted-field")
    assert page.status_code == 200 and page.mimetype == "text/html"
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "form-action 'none'" in csp
    assert csp.endswith(f"frame-ancestors {' '.join(ORIGINS)}")
    assert page.headers["X-Content-Type-Options"] == "nosniff" and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert f'data-parent-origins="{" ".join(ORIGINS)}"' in html
    for field, label in (("number", "Card number"), ("expiry", "Expiry date"), ("cvc", "Security code")):
        assert f'<label for="{field}">{label}' in html and f'id="{field}-error"' in html
    assert 'role="alert"' in html and 'name="viewport"' in html
    assert " name=" not in html.replace('name="viewport"', "")   # nothing typed can be sent as a form
    assert "<script>" not in html and "style=" not in html        # no inline script or style (CSP)


@pytest.mark.parametrize("asset, mimetype", [("field.js", "text/javascript"), ("field.css", "text/css")])
def test_the_hosted_field_serves_its_own_files(sandbox, asset, mimetype):
    answer = sandbox.client.get(f"/hosted-field/{asset}")
    assert answer.status_code == 200 and answer.mimetype == mimetype and answer.data
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert sandbox.client.get("/hosted-field/other.js").status_code == 404


def test_the_field_script_answers_only_its_parent_at_an_allowed_origin():
    text = (STATIC / "field.js").read_text()
    assert 'event.source !== window.parent || origins.indexOf(event.origin) === -1' in text
    assert 'postMessage(message, target)' in text and '"*"' not in text
    assert 'fetch("v1/tokens"' in text


def test_a_field_framed_by_no_one(tmp_path):
    page = Sandbox(tmp_path / "s.sqlite3", frame_ancestors=()).client.get("/hosted-field")
    assert page.headers["Content-Security-Policy"].endswith("frame-ancestors 'none'")


def test_a_body_too_large_is_refused_unread(sandbox):
    answer = sandbox.call("POST", "/v1/charges", {"amount_cents": 1, "currency": "USD", "token": "t" * 70_000},
                          key="k")
    assert answer.status_code == 413 and answer.get_json()["error"] == "invalid_request"
    assert sandbox.store.charges() == []
