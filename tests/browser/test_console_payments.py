"""The console's payments in a browser at desktop size, against the services and the sandbox
card processor as processes: Maria Garcia has paid twice (through billing, with sandbox
tokens, automatic posting off); an administrator sees both in the day's transactions with
the total, marks one as posted, refunds part of the other (a refund larger than what is
left is refused in words), sends a payment request from Maria's page and sees it listed as
sent (then cancels it), and changes the payment settings. axe-core checks every page; the pages are saved as
screenshots (CHAIRSIDE_SCREENSHOTS=docs/screenshots)."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from scripts.admin import rpc
from tests.browser.site import Site
from tests.browser.test_console_pages import ADMIN_PHONE, choose_own_password
from tests.e2e import staff
from tests.e2e.conftest import wait_until
from tests.e2e.garcia import STRONG
from tests.e2e.test_payments import token

pytestmark = pytest.mark.e2e

SETTINGS = {"online_payments": True, "auto_post": False, "minimum_cents": 100, "processor": "sandbox",
            "currency": "USD"}


@pytest.fixture
def console(system, family):
    running, clock, _ = system
    portal, office, _ = family
    clock.advance(minutes=61)  # codes texted to a phone are limited per hour: a fresh hour
    assert office.http.put(f"{office.url}/office/v1/payment-settings", json=SETTINGS, timeout=30).status_code == 200
    wait_until(lambda: office.http.put(f"{office.url}/office/v1/ledger-entries/P-1-visit", json={
        "patient": "P-1", "date": "2026-11-20", "kind": "charge", "amount_cents": 20_000,
        "description": "Crown"}, timeout=30).status_code == 200, message="billing to know the patient")
    practice_id = rpc(running.amqp_uri, "identity", "portal", portal.practice)["practice"]["id"]
    maria = rpc(running.amqp_uri, "identity", "read_patient", practice_id, "P-1", "patient_read")
    paid = [rpc(running.amqp_uri, "billing", "pay", practice_id, maria["id"], {
        "idempotency_key": f"patient:{maria['id']}:{uuid.uuid4().hex}", "amount_cents": cents,
        "token": token(running)}) for cents in (4_000, 2_500)]
    assert [payment["status"] for payment in paid] == ["succeeded", "succeeded"]
    admin = staff.create_staff(running, portal.practice, "admin", "admin", ADMIN_PHONE, name="Office Admin")
    return Site(portal, office, clock, root="office"), admin, running, practice_id, paid


def payment_row(page, amount):
    table = page.get_by_role("table", name=re.compile("^Online payments"))
    return table.get_by_role("row").filter(has=page.get_by_role("cell", name=amount, exact=True))


def test_an_administrator_posts_refunds_requests_a_payment_and_sets_payments_up(console, console_pages):
    site, admin, running, practice_id, (first, second) = console
    desk = console_pages.new()
    site.sign_in(desk, "admin", admin["temporary_password"], phone=ADMIN_PHONE)
    choose_own_password(desk, admin["temporary_password"], STRONG)
    expect(desk.get_by_role("heading", name="Patients")).to_be_visible()

    # -- the day's transactions and its total ---------------------------------------------------
    desk.get_by_role("navigation", name="Console").get_by_role("link", name="Payments", exact=True).click()
    expect(desk.get_by_role("heading", name="Payments", exact=True)).to_be_visible()
    forty, twenty_five = payment_row(desk, "$40.00"), payment_row(desk, "$25.00")
    for row in (forty, twenty_five):
        expect(row).to_contain_text("Maria Garcia")
        expect(row).to_contain_text("P-1")
        expect(row).to_contain_text("Visa ending 4242")
        expect(row).to_contain_text("Succeeded")
        expect(row).to_contain_text("Pending")
    total = desk.get_by_role("region", name="Total for the day")
    expect(total.locator("dd").first).to_have_text("2")
    expect(total.locator("dd").nth(1)).to_have_text("$65.00")
    console_pages.check(desk, "console-payments")

    # -- mark one as posted ----------------------------------------------------------------------
    forty.get_by_role("button", name=re.compile("^Mark as posted")).click()
    expect(desk.get_by_role("status")).to_contain_text("The payment is posted")
    expect(payment_row(desk, "$40.00")).to_contain_text("Posted")
    assert rpc(running.amqp_uri, "billing", "payment", practice_id, first["id"])["posted"] is True

    # -- refund part of the other: too much first, said in words ------------------------------------
    row = payment_row(desk, "$25.00")
    row.get_by_label("Refund amount (dollars)").fill("30")
    row.get_by_role("button", name=re.compile("^Refund")).click()
    expect(desk.get_by_text(re.compile("more than what is left to refund")).first).to_be_visible()
    console_pages.check(desk, "console-payments-refund-refused")
    row = payment_row(desk, "$25.00")
    row.get_by_label("Refund amount (dollars)").fill("10.00")
    row.get_by_role("button", name=re.compile("^Refund")).click()
    expect(desk.get_by_role("status")).to_contain_text("The refund is done")
    expect(payment_row(desk, "$25.00")).to_contain_text("$10.00")
    assert rpc(running.amqp_uri, "billing", "payment", practice_id, second["id"])["refunded_cents"] == 1_000
    console_pages.check(desk, "console-payments-refunded")

    # -- a payment request from Maria's page, listed as sent -------------------------------------------
    payment_row(desk, "$40.00").get_by_role("link", name="Maria Garcia").click()
    expect(desk.get_by_role("heading", name="Request a payment")).to_be_visible()
    desk.get_by_label("Amount (dollars)").fill("20")
    desk.get_by_label("Message").fill("Thank you for your visit.")
    desk.get_by_role("button", name="Text the payment request").click()
    expect(desk.get_by_role("status")).to_contain_text("The payment request is texted")
    console_pages.check(desk, "console-payments-patient")
    desk.get_by_role("navigation", name="Console").get_by_role("link", name="Payment requests").click()
    requests_table = desk.get_by_role("table", name=re.compile("payment request"))
    request_row = requests_table.get_by_role("row").filter(has_text="Maria Garcia")
    expect(request_row).to_contain_text("$20.00")
    expect(request_row).to_contain_text("Sent")
    console_pages.check(desk, "console-payments-requests")
    request_row.get_by_role("button", name=re.compile("^Cancel")).click()
    expect(desk.get_by_role("status")).to_contain_text("The payment request is cancelled")
    expect(requests_table.get_by_role("row").filter(has_text="Maria Garcia")).to_contain_text("Cancelled")
    desk.get_by_label("Status").select_option("cancelled")
    desk.get_by_role("button", name="Show").click()
    expect(desk.get_by_role("table", name=re.compile("cancelled, newest first"))).to_contain_text("$20.00")

    # -- the payment settings ------------------------------------------------------------------------
    desk.goto(site.url("setup"))
    desk.get_by_role("link", name="Payments", exact=True).last.click()
    expect(desk.get_by_role("heading", name="Payment settings")).to_be_visible()
    console_pages.check(desk, "console-payments-settings")
    desk.get_by_label("Post online payments to the ledger at once").check()
    desk.get_by_label("Minimum payment (dollars)").fill("2.50")
    desk.get_by_role("button", name="Save payment settings").click()
    expect(desk.get_by_role("status")).to_contain_text("The payment settings are saved")
    settings = rpc(running.amqp_uri, "billing", "get_payment_settings", practice_id)
    assert (settings["auto_post"], settings["minimum_cents"], settings["online_payments"]) == (True, 250, True)
    # the currency is locked once money is counted in it: said in words, nothing changed
    desk.get_by_label("Currency").select_option("CAD")
    desk.get_by_role("button", name="Save payment settings").click()
    expect(desk.get_by_text(re.compile("The currency can change only while")).first).to_be_visible()
    assert rpc(running.amqp_uri, "billing", "get_payment_settings", practice_id)["currency"] == "USD"
    desk.get_by_label("Links work for (days)").fill("14")
    desk.get_by_label("First follow-up text after (days)").fill("2")
    desk.get_by_label("Second follow-up text after (days)").fill("5")
    desk.get_by_role("button", name="Save payment request settings").click()
    expect(desk.get_by_role("status")).to_contain_text("The payment request settings are saved")
    assert rpc(running.amqp_uri, "billing", "get_payment_request_settings", practice_id) == {
        "link_days": 14, "follow_up_days": [2, 5]}
