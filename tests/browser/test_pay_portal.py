"""The payment portal without signing in, in a browser at phone size, against the services
and the sandbox card processor as processes: the office sends Maria Garcia a payment request,
she opens the texted link, gives her birth date, pays the amount asked with a new card in the
processor's hosted field, and the request is paid; a link past its 30 days says it expired;
paying by name and birth date works too. axe-core checks every page."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser import test_portal_payments as portal_payments
from tests.e2e.conftest import wait_until
from tests.e2e.garcia import MARIA

pytestmark = pytest.mark.e2e

site = portal_payments.site   # the Garcias with a family balance of $209.00, paying online on
LINK = re.compile(r"https?://\S+/pay/r/[A-Za-z0-9_-]+")


def payment_request(site, amount_cents):
    """The office asks Maria for a payment: (the request, the link texted to her)."""
    mark = site.mark()
    answer = site.office.http.post(f"{site.office.url}/office/v1/payment-requests",
                                   json={"patient": "P-1", "amount_cents": amount_cents}, timeout=30)
    assert answer.status_code == 201, answer.text
    texts = wait_until(lambda: site.portal.texts_to(MARIA["mobile_phone"], mark), timeout=15,
                       message="the payment request's text")
    return answer.json(), LINK.search(texts[-1]["body"]).group(0)


def request_status(site, request_id):
    answer = site.office.http.get(f"{site.office.url}/office/v1/payment-requests/{request_id}", timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["status"]


def pay_with_a_new_card(page):
    portal_payments.type_card(page, portal_payments.APPROVED)
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", name="Thank you: your payment went through")).to_be_visible()


def test_a_texted_link_asks_the_birth_date_then_pays_the_amount_asked_and_the_request_is_paid(site, pages):
    request, link = payment_request(site, 5_000)
    page = pages.new()
    page.goto(link)
    expect(page.get_by_role("heading", name="Pay your bill")).to_be_visible()
    expect(page.get_by_text("$")).to_have_count(0)            # nothing shown before the birth date
    expect(page.get_by_text("Garcia")).to_have_count(0)
    pages.check(page, "pay-link")
    page.get_by_label("Date of birth").fill(MARIA["birthdate"])
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(r"/pay/balance$"))
    expect(page.get_by_text("Paying as Maria Garcia")).to_be_visible()
    expect(page.get_by_text("The office asked for $50.00.")).to_be_visible()
    expect(page.get_by_label("Another amount")).to_be_checked()
    expect(page.get_by_label("Amount in dollars")).to_have_value("50.00")
    expect(page.get_by_label("Save this card for next time")).to_have_count(0)
    pages.check(page, "pay-balance")
    pay_with_a_new_card(page)
    expect(page.get_by_text("$50.00")).to_be_visible()
    pages.check(page, "pay-receipt")
    wait_until(lambda: request_status(site, request["id"]) == "paid", message="the request to be paid")

    page.get_by_role("button", name="Done").click()
    expect(page.get_by_text("Thank you. Your payment session has ended.")).to_be_visible()
    pages.check(page, "pay-start")
    page.goto(site.url("pay/balance"))   # the session is over
    expect(page.get_by_text("Your payment session has ended. Enter your details again to pay.")).to_be_visible()


def test_a_link_past_its_30_days_says_it_expired(site, pages):
    _, link = payment_request(site, 2_000)
    site.clock.advance(days=31)
    page = pages.new()
    answer = page.goto(link)
    assert answer.status == 410
    expect(page.get_by_role("heading", name="This payment link has expired")).to_be_visible()
    expect(page.get_by_text("ask the office for a new one")).to_be_visible()
    expect(page.get_by_label("Date of birth")).to_have_count(0)
    pages.check(page, "pay-link-expired")


def test_names_and_birth_date_pay_too(site, pages):
    page = pages.new()
    page.goto(site.url("sign-in"))
    pages.check(page)
    page.get_by_role("link", name="Pay a bill without signing in").click()
    expect(page.get_by_role("heading", name="Pay a bill")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Enter your first name.").first).to_be_visible()
    pages.check(page, "pay-start-errors")
    page.get_by_label("First name").fill(MARIA["first_name"])
    page.get_by_label("Last name").fill(MARIA["last_name"])
    page.get_by_label("Date of birth").fill(MARIA["birthdate"])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("The full balance, $209.00")).to_be_checked()
    pay_with_a_new_card(page)
    expect(page.get_by_text("$209.00")).to_be_visible()


def test_verify_and_pay_asks_the_code_texted_to_the_phone_on_file(site, pages):
    answer = site.office.http.put(f"{site.office.url}/office/v1/portal-settings", json={
        "modules": {"forms": True, "payments": True, "appointments": True, "messages": True}, "dependent_age": 16,
        "pay_verification": "birthdate_and_code"}, timeout=30)
    assert answer.status_code == 200, answer.text
    _, link = payment_request(site, 3_000)
    page = pages.new()
    page.goto(link)
    page.get_by_label("Date of birth").fill(MARIA["birthdate"])
    mark = site.mark()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enter the code we texted")).to_be_visible()
    pages.check(page, "pay-code")
    code = site.code(MARIA["mobile_phone"], mark)
    page.get_by_label("Code from the text message").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("The code is not right or has expired.").first).to_be_visible()
    pages.check(page, "pay-code-wrong")
    page.get_by_label("Code from the text message").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("The office asked for $30.00.")).to_be_visible()
