"""The payment portal (no sign-in) at the gateway's edge, identity and billing faked: who pays
(names and birth date, or a message-to-pay link's birth date), the texted code, identity's
refusals in words (decoys said like any mismatch), the pay session's cookie (HttpOnly, Lax,
the pay path only) and the link's request sealed beside it, the practice of the cookie, the
balance and the payment (a new card only, channel pay_link, the request), the receipt, Done,
CSRF, and the link's expired and broken pages."""
import re

import pytest

from chairside.contracts import identity, payment_requests, payments
from chairside.refusals import NOT_SYNCED_YET
from services.gateway.pages import pay_portal
from services.gateway.pages import payments as payment_pages
from tests.gateway.test_pages import PORTAL, PROFILE, csrf_of, get, post
from tests.gateway.test_portal_payments import FIELD, RECEIPT, VIEW, hidden

TOKEN = "pay-token-1"
LINK_TOKEN = "Ab3dE_fGh1jK2lMn0pQrS4tUvWxYz5678-90abcdEfgh"
SESSION = {"practice_id": "practice-1", "patient_id": "pat-1", "expires_at": "2026-12-03T15:15:00+00:00"}
LINK = {"request_id": "req-1", "patient_id": "pat-1", "amount_cents": 4_000, "currency": "USD", "status": "opened",
        "expires_at": "2027-01-02T15:00:00+00:00"}
MARIA = {"first_name": "Maria", "last_name": "Garcia", "birthdate": "1984-03-12"}
PAID = {**RECEIPT, "channel": "pay_link"}


@pytest.fixture
def portal(gateway, web_session, monkeypatch):
    """The pages' fakes (as test_pages's `pages`), no portal session: nobody signs in here."""
    fakes, session = gateway, web_session
    monkeypatch.setenv("GATEWAY_SECRET_KEY", "s" * 40)
    fakes.identity.portal.return_value = PORTAL
    session.allow_redirects = False
    fakes.identity.start_pay_session.return_value = {"token": TOKEN, "code_required": False}
    fakes.identity.start_pay_session_for_patient.return_value = {"token": TOKEN, "code_required": False}
    fakes.identity.pay_session.return_value = SESSION
    fakes.identity.verify_pay_session.return_value = SESSION
    fakes.identity.pay_session_profile.return_value = PROFILE
    fakes.billing.balance_view.return_value = VIEW
    fakes.billing.card_field.return_value = FIELD
    fakes.billing.open_payment_link.return_value = LINK
    fakes.billing.pay.return_value = PAID
    fakes.billing.payment.return_value = PAID
    monkeypatch.setattr(payment_pages, "IN_FLIGHT_POLL_SECONDS", 0)
    return fakes, session


def set_cookies(answer):
    return answer.raw.headers.getlist("Set-Cookie")


def cookie(answer, name):
    [line] = [line for line in set_cookies(answer) if line.startswith(name + "=")]
    return line


def forgotten(answer, name):
    """The answer deletes cookie `name` of the pay path."""
    line = cookie(answer, name)
    return line.startswith((f'{name}="";', f"{name}=;")) and "Path=/p/demo/pay;" in line + ";"


def csrf(session, path="/p/demo/pay"):
    return csrf_of(get(session, path).text)


def start(session, **changes):
    return post(session, "/p/demo/pay", {"csrf_token": csrf(session), **MARIA, **changes})


def paying(session):
    """A verified pay session in the browser's cookie, as after the first step."""
    session.cookies.set("chairside_pay", TOKEN, path="/p/demo/pay")


# -- who pays --------------------------------------------------------------------------------------

def test_names_and_birth_date_start_a_pay_session_kept_in_a_cookie_of_the_pay_path_only(portal):
    fakes, session = portal
    answer = start(session)
    assert answer.status_code == 303 and answer.headers["Location"] == "/p/demo/pay/balance"
    fakes.identity.start_pay_session.assert_called_once_with({"practice": "demo", "client": "127.0.0.1", **MARIA})
    fakes.identity.pay_session.assert_called_once_with(TOKEN)
    line = cookie(answer, "chairside_pay")
    assert line.startswith(f"chairside_pay={TOKEN};") and "HttpOnly" in line and "SameSite=Lax" in line
    assert "Path=/p/demo/pay;" in line + ";" and "Secure" not in line
    assert TOKEN not in answer.text


def test_over_https_the_pay_cookie_is_secure(portal, monkeypatch):
    _, session = portal
    monkeypatch.setenv("GATEWAY_TRUST_FORWARDED_PROTO", "1")
    page = get(session, "/p/demo/pay")   # (a Secure browser cookie would not come back over plain http here)
    answer = session.post("/p/demo/pay", data={"csrf_token": csrf_of(page.text), **MARIA},
                          headers={"X-Forwarded-Proto": "https"}, allow_redirects=False)
    assert "Secure" in cookie(answer, "chairside_pay")


def test_blank_details_are_said_beside_their_fields_and_nothing_starts(portal):
    fakes, session = portal
    answer = start(session, first_name="", birthdate="")
    assert answer.status_code == 400
    assert "Enter your first name." in answer.text and "Enter your date of birth." in answer.text
    fakes.identity.start_pay_session.assert_not_called()


def test_details_that_match_no_one_are_said_in_the_same_words_and_leave_no_session(portal):
    fakes, session = portal
    fakes.identity.pay_session.side_effect = identity.PAY_SESSION_NOT_VERIFIED()
    answer = start(session)
    assert answer.status_code == 401 and "We could not find a match for the details you gave" in answer.text
    assert not [line for line in set_cookies(answer) if line.startswith("chairside_pay=")]
    fakes.identity.end_pay_session.assert_called_once_with(TOKEN)


@pytest.mark.parametrize("refusal, words", [
    (identity.TOO_MANY_ATTEMPTS(minutes=15), "Too many failed attempts: try again in 15 minutes."),
    (identity.TOO_MANY_CLAIMS(minutes=42), "Too many attempts from this network: try again in 42 minutes."),
])
def test_identity_s_limits_are_said_in_words(portal, refusal, words):
    fakes, session = portal
    fakes.identity.start_pay_session.side_effect = refusal
    answer = start(session)
    assert answer.status_code == 429 and words in answer.text


def test_the_module_off_is_the_403_page_and_no_way_to_pay_is_offered(portal):
    fakes, session = portal
    fakes.identity.portal.return_value = {**PORTAL, "modules": ["forms"]}
    answer = get(session, "/p/demo/pay")
    assert answer.status_code == 403 and "switched this part of the portal off" in answer.text
    assert "/pay" not in get(session, "/p/demo/sign-in").text
    fakes.identity.portal.return_value = PORTAL
    assert 'href="/p/demo/pay"' in get(session, "/p/demo/sign-in").text
    assert "Pay a bill without signing in" in get(session, "/p/demo/sign-in").text


def test_identity_s_module_refusal_is_the_403_page(portal):
    fakes, session = portal
    fakes.identity.start_pay_session.side_effect = identity.MODULE_DISABLED()
    answer = start(session)
    assert answer.status_code == 403 and "switched this part of the portal off" in answer.text
    assert not [line for line in set_cookies(answer) if line.startswith("chairside_pay=")]


def test_a_form_without_its_csrf_token_is_refused_and_nothing_starts(portal):
    fakes, session = portal
    get(session, "/p/demo/pay")
    answer = post(session, "/p/demo/pay", MARIA)
    assert answer.status_code == 403 and "This form has expired" in answer.text
    fakes.identity.start_pay_session.assert_not_called()


# -- the texted code -------------------------------------------------------------------------------

def test_with_a_code_the_session_waits_for_it_then_pays(portal):
    fakes, session = portal
    fakes.identity.start_pay_session.return_value = {"token": TOKEN, "code_required": True}
    answer = start(session)
    assert answer.status_code == 303 and answer.headers["Location"] == "/p/demo/pay/code"
    fakes.identity.pay_session.assert_not_called()
    page = get(session, "/p/demo/pay/code")
    assert "If your details match our records, we have texted a code" in page.text
    fakes.identity.verify_pay_session.side_effect = identity.INVALID_CODE()
    wrong = post(session, "/p/demo/pay/code", {"csrf_token": csrf_of(page.text), "code": "000000"})
    assert wrong.status_code == 401 and 'id="code-error-1"' in wrong.text and "not right" in wrong.text
    fakes.identity.verify_pay_session.side_effect = None
    right = post(session, "/p/demo/pay/code", {"csrf_token": csrf_of(page.text), "code": "123456"})
    assert right.status_code == 303 and right.headers["Location"] == "/p/demo/pay/balance"
    fakes.identity.verify_pay_session.assert_called_with(TOKEN, {"code": "123456"})


def test_too_many_wrong_codes_are_said_with_the_minutes(portal):
    fakes, session = portal
    paying(session)
    fakes.identity.verify_pay_session.side_effect = identity.TOO_MANY_ATTEMPTS(minutes=15)
    answer = post(session, "/p/demo/pay/code", {"csrf_token": csrf(session, "/p/demo/pay/code"), "code": "1"})
    assert answer.status_code == 429 and "try again in 15 minutes" in answer.text


def test_a_session_closed_while_waiting_for_the_code_starts_again_with_words(portal):
    fakes, session = portal
    paying(session)
    fakes.identity.verify_pay_session.side_effect = identity.PAY_SESSION_REQUIRED()
    answer = post(session, "/p/demo/pay/code", {"csrf_token": csrf(session, "/p/demo/pay/code"), "code": "1"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/p/demo/pay?notice=pay-ended"
    assert "Your payment session has ended" in get(session, answer.headers["Location"]).text


def test_the_code_page_without_a_session_sends_back_to_the_start(portal):
    _, session = portal
    answer = get(session, "/p/demo/pay/code")
    assert answer.status_code == 303 and answer.headers["Location"] == "/p/demo/pay?notice=pay-ended"


# -- the balance and the payment -------------------------------------------------------------------

def the_form(session):
    page = get(session, "/p/demo/pay/balance")
    assert page.status_code == 200, page.text
    return page, {"csrf_token": csrf_of(page.text), "full_cents": hidden(page.text, "full_cents"),
                  "idempotency_key": hidden(page.text, "idempotency_key"), "card": "new"}


def test_the_balance_is_the_family_s_and_only_a_new_card_is_offered(portal):
    fakes, session = portal
    paying(session)
    page, form = the_form(session)
    assert "Paying as Maria Garcia" in page.text and "Sofia Garcia" in page.text and "$404.00" in page.text
    assert f'src="{FIELD["url"]}"' in page.text and "save_card" not in page.text
    assert "used for this payment only and is not kept" in page.text
    assert page.headers["Content-Security-Policy"].endswith(f"; frame-src {FIELD['origin']}")
    assert page.headers["Cache-Control"] == "no-store"
    fakes.billing.saved_cards.assert_not_called()
    fakes.identity.pay_session_profile.assert_called_once_with(TOKEN)
    assert len(form["idempotency_key"]) >= 24


def test_a_new_card_pays_with_the_channel_pay_link_and_the_payer_s_key(portal):
    fakes, session = portal
    paying(session)
    _, form = the_form(session)
    answer = post(session, "/p/demo/pay/balance", {**form, "amount_choice": "other", "other_amount": "25.50",
                                                   "token": "tok_abc", "save_card": "on"})
    assert answer.status_code == 303 and answer.headers["Location"] == f"/p/demo/pay/receipt/{PAID['id']}"
    fakes.billing.pay.assert_called_once_with("practice-1", "pat-1", {
        "amount_cents": 2_550, "token": "tok_abc", "save_card": False, "channel": payments.PAY_LINK,
        "idempotency_key": f"patient:pat-1:{form['idempotency_key']}"})


def test_without_the_card_field_s_token_nothing_is_paid(portal):
    fakes, session = portal
    paying(session)
    _, form = the_form(session)
    answer = post(session, "/p/demo/pay/balance", {**form, "amount_choice": "full"})
    assert answer.status_code == 400 and "card field" in answer.text
    fakes.billing.pay.assert_not_called()


def test_a_declined_card_is_said_beside_the_card_and_the_next_try_is_a_new_payment(portal):
    fakes, session = portal
    paying(session)
    fakes.billing.pay.side_effect = payments.CARD_DECLINED(reason="the card was declined.",
                                                           fields={"card": ["The card was declined."]})
    _, form = the_form(session)
    answer = post(session, "/p/demo/pay/balance", {**form, "amount_choice": "full", "token": "tok_x"})
    assert answer.status_code == 422 and 'id="card-error-1"' in answer.text and 'id="card-error-2"' not in answer.text
    assert "The payment did not go through: the card was declined." in answer.text
    assert hidden(answer.text, "idempotency_key") != form["idempotency_key"]


def test_a_second_click_waits_for_the_first_and_a_long_one_offers_to_check_with_the_same_key(portal, monkeypatch):
    fakes, session = portal
    paying(session)
    fakes.billing.pay.side_effect = [payments.PAYMENT_IN_PROGRESS(), PAID]
    _, form = the_form(session)
    answer = post(session, "/p/demo/pay/balance", {**form, "amount_choice": "full", "token": "tok_x"})
    assert answer.status_code == 303 and fakes.billing.pay.call_count == 2
    monkeypatch.setattr(payment_pages, "IN_FLIGHT_WAIT_SECONDS", 0)
    fakes.billing.pay.side_effect = payments.PAYMENT_IN_PROGRESS()
    waiting = post(session, "/p/demo/pay/balance", {**form, "amount_choice": "full", "token": "tok_x"})
    assert waiting.status_code == 202 and 'action="/p/demo/pay/balance"' in waiting.text
    assert hidden(waiting.text, "idempotency_key") == form["idempotency_key"]


@pytest.mark.parametrize("refusal, notice", [(identity.PAY_SESSION_REQUIRED(), "pay-ended"),
                                             (identity.PAY_SESSION_NOT_VERIFIED(), "pay-no-match")])
def test_an_expired_or_unverified_session_goes_back_to_the_start_with_words(portal, refusal, notice):
    fakes, session = portal
    paying(session)
    fakes.identity.pay_session.side_effect = refusal
    answer = get(session, "/p/demo/pay/balance")
    assert answer.status_code == 303 and answer.headers["Location"] == f"/p/demo/pay?notice={notice}"
    assert forgotten(answer, "chairside_pay") and forgotten(answer, "chairside_pay_request")
    words = pay_portal.NO_MATCH if notice == "pay-no-match" else "Your payment session has ended"
    assert words in get(session, answer.headers["Location"]).text
    fakes.billing.balance_view.assert_not_called()


def test_a_pay_session_of_another_practice_pays_nothing_here(portal):
    fakes, session = portal
    paying(session)
    fakes.identity.pay_session.return_value = {**SESSION, "practice_id": "practice-2"}
    answer = get(session, "/p/demo/pay/balance")
    assert answer.status_code == 303 and answer.headers["Location"] == "/p/demo/pay?notice=pay-ended"
    posted = post(session, "/p/demo/pay/balance", {"csrf_token": csrf(session), "amount_choice": "full",
                                                   "full_cents": "40400", "idempotency_key": "k" * 24,
                                                   "token": "tok_x"})
    assert posted.status_code == 303
    fakes.billing.pay.assert_not_called()
    fakes.billing.balance_view.assert_not_called()


def test_the_pay_path_s_cookie_is_not_a_portal_session(portal):
    fakes, session = portal
    paying(session)
    answer = get(session, "/p/demo/payments")
    assert answer.status_code == 303 and "/p/demo/sign-in" in answer.headers["Location"]
    fakes.identity.authenticate_session.assert_not_called()


def test_a_balance_billing_does_not_have_yet_is_said(portal):
    fakes, session = portal
    paying(session)
    fakes.billing.balance_view.side_effect = NOT_SYNCED_YET(service="billing", record="patient")
    page = get(session, "/p/demo/pay/balance")
    assert page.status_code == 200 and "not available yet" in page.text and "Make a payment" not in page.text


# -- the receipt and Done --------------------------------------------------------------------------

def test_the_receipt_is_the_payer_s_and_done_ends_the_session(portal):
    fakes, session = portal
    paying(session)
    page = get(session, f"/p/demo/pay/receipt/{PAID['id']}")
    assert page.status_code == 200 and "$404.00" in page.text and "Visa ending 4242" in page.text
    fakes.billing.payment.assert_called_once_with("practice-1", PAID["id"], "pat-1")
    assert 'action="/p/demo/pay/done"' in page.text and "Back to payments" not in page.text
    done = post(session, "/p/demo/pay/done", {"csrf_token": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["Location"] == "/p/demo/pay?notice=pay-done"
    fakes.identity.end_pay_session.assert_called_once_with(TOKEN)
    for name in ("chairside_pay", "chairside_pay_request"):
        assert forgotten(done, name)


def test_another_s_receipt_is_not_found(portal):
    fakes, session = portal
    paying(session)
    fakes.billing.payment.side_effect = payments.PAYMENT_NOT_FOUND()
    assert get(session, f"/p/demo/pay/receipt/{PAID['id']}").status_code == 404


# -- a message-to-pay link --------------------------------------------------------------------------

def test_a_link_asks_the_birth_date_and_shows_nothing_before_it(portal):
    fakes, session = portal
    page = get(session, f"/p/demo/pay/r/{LINK_TOKEN}")
    assert page.status_code == 200 and "Date of birth" in page.text
    assert "$" not in page.text and "Maria" not in page.text and "Garcia" not in page.text
    assert f'action="/p/demo/pay/r/{LINK_TOKEN}"' in page.text
    fakes.billing.open_payment_link.assert_called_once_with("practice-1", LINK_TOKEN)
    fakes.identity.start_pay_session_for_patient.assert_not_called()
    assert LINK_TOKEN not in "".join(set_cookies(page))


def link_start(session, birthdate="1984-03-12"):
    page = get(session, f"/p/demo/pay/r/{LINK_TOKEN}")
    return post(session, f"/p/demo/pay/r/{LINK_TOKEN}", {"csrf_token": csrf_of(page.text), "birthdate": birthdate})


def test_a_link_s_birth_date_starts_a_session_for_its_patient_and_keeps_the_request_sealed(portal):
    fakes, session = portal
    answer = link_start(session)
    assert answer.status_code == 303 and answer.headers["Location"] == "/p/demo/pay/balance"
    fakes.identity.start_pay_session_for_patient.assert_called_once_with({
        "practice": "demo", "patient_id": "pat-1", "birthdate": "1984-03-12", "client": "127.0.0.1"})
    kept = cookie(answer, "chairside_pay_request")
    assert "HttpOnly" in kept and "SameSite=Lax" in kept and "Path=/p/demo/pay;" in kept + ";"
    assert LINK_TOKEN not in "".join(set_cookies(answer))
    # the amount defaults to the request's (less than what is due), and the payment names the request
    page, form = the_form(session)
    assert LINK_TOKEN not in page.text and "The office asked for $40.00." in page.text
    assert 'value="40.00"' in page.text and re.search(r'value="other" checked', page.text)
    answer = post(session, "/p/demo/pay/balance", {**form, "amount_choice": "other", "other_amount": "40.00",
                                                   "token": "tok_abc"})
    assert answer.status_code == 303
    asked = fakes.billing.pay.call_args.args[2]
    assert asked["payment_request"] == "req-1" and asked["amount_cents"] == 4_000 and asked["channel"] == "pay_link"
    assert forgotten(answer, "chairside_pay_request")


def test_a_request_for_more_than_is_due_defaults_to_the_full_balance(portal):
    fakes, session = portal
    fakes.billing.open_payment_link.return_value = {**LINK, "amount_cents": 90_000}
    link_start(session)
    page, _ = the_form(session)
    assert re.search(r'value="full" checked', page.text) and "The full balance, $404.00" in page.text


def test_a_paid_request_s_link_pays_what_is_left_as_any_balance(portal):
    fakes, session = portal
    fakes.billing.open_payment_link.return_value = {**LINK, "status": "paid"}
    answer = link_start(session)
    assert answer.status_code == 303 and forgotten(answer, "chairside_pay_request")
    page, form = the_form(session)
    assert "The office asked for" not in page.text
    post(session, "/p/demo/pay/balance", {**form, "amount_choice": "full", "token": "tok_abc"})
    assert "payment_request" not in fakes.billing.pay.call_args.args[2]


def test_a_sealed_request_altered_by_hand_is_ignored(portal):
    fakes, session = portal
    paying(session)
    session.cookies.set("chairside_pay_request", "eyJyZXF1ZXN0X2lkIjoicmVxLTIifQ.deadbeef", path="/p/demo/pay")
    _, form = the_form(session)
    post(session, "/p/demo/pay/balance", {**form, "amount_choice": "full", "token": "tok_abc"})
    assert "payment_request" not in fakes.billing.pay.call_args.args[2]


def test_paying_by_name_forgets_a_link_s_request(portal):
    fakes, session = portal
    link_start(session)
    answer = start(session)
    assert forgotten(answer, "chairside_pay_request")


def test_a_wrong_birth_date_on_a_link_is_said_like_any_mismatch(portal):
    fakes, session = portal
    fakes.identity.pay_session.side_effect = identity.PAY_SESSION_NOT_VERIFIED()
    answer = link_start(session, "1990-01-01")
    assert answer.status_code == 401 and pay_portal.LINK_NO_MATCH in answer.text
    assert not [line for line in set_cookies(answer) if line.startswith("chairside_pay")]


@pytest.mark.parametrize("refusal, status, words", [
    (payment_requests.PAYMENT_LINK_EXPIRED(), 410, "This payment link has expired"),
    (payment_requests.PAYMENT_LINK_INVALID(), 404, "This payment link does not work"),
])
def test_an_expired_or_broken_link_says_so_and_asks_nothing(portal, refusal, status, words):
    fakes, session = portal
    fakes.billing.open_payment_link.side_effect = refusal
    page = get(session, f"/p/demo/pay/r/{LINK_TOKEN}")
    assert page.status_code == status and words in page.text and "ask the office for a new one" in page.text
    assert "Date of birth" not in page.text
    fakes.identity.start_pay_session_for_patient.assert_not_called()
