"""The portal's payment pages at the gateway's edge, billing and identity faked: the family
balance, the form turned into billing's Pay (the amount as shown, a saved card or a token,
the patient's idempotency key), billing's refusals beside the fields, a key in flight waited
for, the receipt, removing a card, the page's policy framing only the processor's field."""
import re

import pytest

from chairside.contracts import payments
from chairside.refusals import NOT_SYNCED_YET
from services.gateway.pages import payments as payment_pages
from tests.gateway import test_pages
from tests.gateway.test_pages import PROFILE, csrf_of, get, post, signed_in

pages = test_pages.pages   # the portal's pages with fake services (a fixture)

FIELD = {"url": "http://127.0.0.1:9100/hosted-field", "origin": "http://127.0.0.1:9100"}
CARD = {"id": "0b7f5a6e-3f55-4a3e-9c55-9b1f0b7c1d11", "brand": "visa", "last4": "4242", "exp_month": 4,
        "exp_year": 2031}
VIEW = {"balance_cents": 13_500, "currency": "USD", "family": {
    "currency": "USD", "ledger_cents": 40_400, "pending_cents": 0, "pending_count": 0, "due_cents": 40_400,
    "members": [{"patient_id": "pat-1", "external_id": "P-1", "balance_cents": 13_500},
                {"patient_id": "pat-3", "external_id": "P-3", "balance_cents": 2_400},
                {"patient_id": "pat-9", "external_id": "P-9", "balance_cents": 24_500}]}}
RECEIPT = {"id": "5d0c1f0e-0000-4000-8000-000000000001", "payer_id": "pat-1", "amount_cents": 40_400,
           "currency": "USD", "status": "succeeded", "card_brand": "visa", "card_last4": "4242", "channel": "portal",
           "posted": True, "posted_at": "2026-12-03T15:00:00+00:00", "refunded_cents": 0,
           "created_at": "2026-12-03T15:00:00+00:00", "settled_at": "2026-12-03T15:00:01+00:00"}


@pytest.fixture
def paying(pages, monkeypatch):
    fakes, session = pages
    signed_in(session)
    fakes.identity.me.return_value = PROFILE
    fakes.billing.balance_view.return_value = VIEW
    fakes.billing.saved_cards.return_value = [CARD]
    fakes.billing.card_field.return_value = FIELD
    fakes.billing.pay.return_value = RECEIPT
    fakes.billing.payment.return_value = RECEIPT
    monkeypatch.setattr(payment_pages, "IN_FLIGHT_POLL_SECONDS", 0)
    return fakes, session


def the_form(session):
    page = get(session, "/p/demo/payments")
    assert page.status_code == 200, page.text
    return page, {"csrf_token": csrf_of(page.text), "full_cents": hidden(page.text, "full_cents"),
                  "idempotency_key": hidden(page.text, "idempotency_key")}


def hidden(html, name):
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_the_page_shows_the_family_balance_the_cards_and_frames_only_the_processor_s_field(paying):
    _, session = paying
    page, form = the_form(session)
    assert "Maria Garcia" in page.text and "Sofia Garcia" in page.text and "$135.00" in page.text
    assert "Other family members you pay for" in page.text and "$245.00" in page.text  # an adult: one line
    assert "The full balance, $404.00" in page.text and form["full_cents"] == "40400"
    assert f'src="{FIELD["url"]}"' in page.text and "Visa ending 4242, expires 04/31" in page.text
    assert f"/p/demo/payments/cards/{CARD['id']}/remove" in page.text
    assert page.headers["Content-Security-Policy"].endswith(f"; frame-src {FIELD['origin']}")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert len(form["idempotency_key"]) >= 24 and form["idempotency_key"] != the_form(session)[1]["idempotency_key"]


def test_the_full_balance_with_a_saved_card_pays_once_with_the_patient_s_key(paying):
    fakes, session = paying
    _, form = the_form(session)
    answer = post(session, "/p/demo/payments", {**form, "amount_choice": "full", "card": CARD["id"]})
    assert answer.status_code == 303 and answer.headers["Location"] == f"/p/demo/payments/{RECEIPT['id']}"
    fakes.billing.pay.assert_called_once_with("practice-1", "pat-1", {
        "amount_cents": 40_400, "saved_card": CARD["id"], "channel": payments.PORTAL,
        "idempotency_key": f"patient:pat-1:{form['idempotency_key']}"})


def test_part_of_it_with_a_new_card_sends_the_token_and_saving(paying):
    fakes, session = paying
    _, form = the_form(session)
    answer = post(session, "/p/demo/payments", {**form, "amount_choice": "other", "other_amount": "$1,025.50",
                                                "card": "new", "token": "tok_abc", "save_card": "on"})
    assert answer.status_code == 303
    asked = fakes.billing.pay.call_args.args[2]
    assert asked["amount_cents"] == 102_550 and asked["token"] == "tok_abc" and asked["save_card"] is True
    assert "saved_card" not in asked


@pytest.mark.parametrize("typed", ["", "abc", "12.345", "-5", "0", "NaN", "1e3x"])
def test_an_amount_that_is_not_dollars_and_cents_is_said_and_nothing_is_paid(paying, typed):
    fakes, session = paying
    _, form = the_form(session)
    answer = post(session, "/p/demo/payments", {**form, "amount_choice": "other", "other_amount": typed,
                                                "card": CARD["id"]})
    assert answer.status_code == 400 and "Enter an amount in dollars and cents" in answer.text
    fakes.billing.pay.assert_not_called()


def test_a_new_card_without_its_token_is_said_and_nothing_is_paid(paying):
    fakes, session = paying
    _, form = the_form(session)
    answer = post(session, "/p/demo/payments", {**form, "amount_choice": "full", "card": "new"})
    assert answer.status_code == 400 and "card field" in answer.text
    fakes.billing.pay.assert_not_called()


def test_a_declined_card_is_said_beside_the_card_and_the_next_try_is_a_new_payment(paying):
    fakes, session = paying
    fakes.billing.pay.side_effect = payments.CARD_DECLINED(reason="the card was declined.",
                                                           fields={"card": ["The card was declined."]})
    _, form = the_form(session)
    answer = post(session, "/p/demo/payments", {**form, "amount_choice": "full", "card": "new", "token": "tok_x"})
    assert answer.status_code == 422 and answer.text.count("The payment did not go through: the card was declined.") == 2
    assert "The card was declined." not in answer.text   # said once (beside the card and in the summary), whole
    assert 'aria-invalid' in answer.text or "field-error" in answer.text
    assert hidden(answer.text, "idempotency_key") != form["idempotency_key"]
    assert hidden(answer.text, "token") == ""   # a token works once


def test_billing_s_amount_refusals_are_said_beside_the_amount(paying):
    fakes, session = paying
    fakes.billing.pay.side_effect = payments.AMOUNT_BELOW_MINIMUM(amount="0.50 USD", minimum="1.00 USD")
    _, form = the_form(session)
    answer = post(session, "/p/demo/payments", {**form, "amount_choice": "other", "other_amount": "0.50",
                                                "card": CARD["id"]})
    assert answer.status_code == 422 and "less than the minimum payment, 1.00 USD" in answer.text


def test_a_second_click_waits_for_the_first_and_lands_on_the_same_receipt(paying):
    fakes, session = paying
    fakes.billing.pay.side_effect = [payments.PAYMENT_IN_PROGRESS(), payments.PAYMENT_IN_PROGRESS(), RECEIPT]
    _, form = the_form(session)
    answer = post(session, "/p/demo/payments", {**form, "amount_choice": "full", "card": CARD["id"]})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(RECEIPT["id"])
    keys = {call.args[2]["idempotency_key"] for call in fakes.billing.pay.call_args_list}
    assert len(keys) == 1 and fakes.billing.pay.call_count == 3


def test_a_payment_still_processing_after_the_wait_says_so_and_offers_to_check_with_the_same_key(paying, monkeypatch):
    fakes, session = paying
    monkeypatch.setattr(payment_pages, "IN_FLIGHT_WAIT_SECONDS", 0)
    fakes.billing.pay.side_effect = payments.PAYMENT_IN_PROGRESS()
    _, form = the_form(session)
    answer = post(session, "/p/demo/payments", {**form, "amount_choice": "full", "card": CARD["id"]})
    assert answer.status_code == 202 and "being processed" in answer.text
    assert hidden(answer.text, "idempotency_key") == form["idempotency_key"]


def test_the_receipt_is_the_payer_s_own(paying):
    fakes, session = paying
    page = get(session, f"/p/demo/payments/{RECEIPT['id']}")
    assert page.status_code == 200 and "$404.00" in page.text and "Visa ending 4242" in page.text
    assert "3 December 2026 at 10:00 AM" in page.text   # the practice's time zone
    fakes.billing.payment.assert_called_once_with("practice-1", RECEIPT["id"], "pat-1")


def test_another_s_receipt_is_not_found(paying):
    fakes, session = paying
    fakes.billing.payment.side_effect = payments.PAYMENT_NOT_FOUND()
    assert get(session, f"/p/demo/payments/{RECEIPT['id']}").status_code == 404


def test_a_saved_card_is_removed(paying):
    fakes, session = paying
    _, form = the_form(session)
    answer = post(session, f"/p/demo/payments/cards/{CARD['id']}/remove", {"csrf_token": form["csrf_token"]})
    assert answer.status_code == 303 and "notice=card-removed" in answer.headers["Location"]
    fakes.billing.remove_card.assert_called_once_with("practice-1", "pat-1", CARD["id"])


def test_nothing_due_shows_no_form(paying):
    fakes, session = paying
    fakes.billing.balance_view.return_value = {**VIEW, "family": {**VIEW["family"], "due_cents": 0}}
    page = get(session, "/p/demo/payments")
    assert page.status_code == 200 and "Make a payment" not in page.text


def test_a_balance_billing_does_not_have_yet_is_said(paying):
    fakes, session = paying
    fakes.billing.balance_view.side_effect = NOT_SYNCED_YET(service="billing", record="patient")
    page = get(session, "/p/demo/payments")
    assert page.status_code == 200 and "not available yet" in page.text and "Make a payment" not in page.text


def test_home_shows_the_family_balance_and_a_way_to_pay_it(paying):
    fakes, session = paying
    fakes.forms.family_forms.return_value = {"members": [
        {"next_appointment": None, "outstanding": [], "completed": []} for _ in range(2)]}
    home = get(session, "/p/demo/")
    assert home.status_code == 200, home.text
    assert "Due now" in home.text and "Pay $404.00" in home.text
    assert fakes.billing.balance_view.call_count == 1   # one call for the family, not one per member
    # the members' balance reads are identity's to record, with the profile
    assert "balance_read" in fakes.identity.authenticate_with_profile.call_args.args[1]["actions"]
    fakes.identity.record_accesses.assert_not_called()
