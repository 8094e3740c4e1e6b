"""Paying in the portal, in a browser at phone size, against the services and the sandbox
card processor as processes: Maria Garcia pays part of the family balance with a new card
typed into the processor's hosted field (declined first, then approved and saved), then the
rest with the saved card by a double click that charges once; the office sees the payments.
axe-core checks every page; no card number reaches our side."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.site import Site
from tests.browser.test_portal_pages import signed_in_with_changed_password
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e

LEDGER = {"P-1": 13_500, "P-3": 2_400, "P-2": 5_000}   # Maria, Sofia, and Daniel (an adult: one line)
DECLINED = "4000 0000 0000 0002"
APPROVED = "4242 4242 4242 4242"


@pytest.fixture
def site(family):
    portal, office, clock = family
    clock.advance(minutes=61)   # the Garcias' phones: each test an hour after the last one's codes
    settings = {"online_payments": True, "auto_post": True, "minimum_cents": 100, "processor": "sandbox",
                "currency": "USD"}
    assert office.http.put(f"{office.url}/office/v1/payment-settings", json=settings, timeout=30).status_code == 200
    for external_id, cents in LEDGER.items():
        wait_until(lambda: office.http.put(f"{office.url}/office/v1/ledger-entries/{external_id}-visit", json={
            "patient": external_id, "date": "2026-11-20", "kind": "charge", "amount_cents": cents,
            "description": "Cleaning"}, timeout=30).status_code == 200, message="billing to know the patient")
    return Site(portal, office, clock)


def type_card(page, number):
    field = page.frame_locator("iframe[data-card-field]")
    field.get_by_label("Card number").fill(number)
    field.get_by_label(re.compile("^Expiry date")).fill("12/34")
    field.get_by_label(re.compile("^Security code")).fill("123")


def office_payments(site, since):
    answer = site.office.http.get(f"{site.office.url}/office/v1/payments", params={"since": since.isoformat()},
                                  timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["payments"]


def test_maria_pays_part_with_a_new_card_then_the_rest_with_the_saved_one(site, pages):
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    page = pages.new()
    signed_in_with_changed_password(site, pages, page)
    expect(page.get_by_text("Due now")).to_be_visible()
    pages.check(page, "home-balance")
    page.get_by_role("link", name="Pay $209.00").click()
    expect(page.get_by_role("heading", name="Payments", exact=True)).to_be_visible()
    expect(page.get_by_text("Other family members you pay for")).to_be_visible()
    pages.check(page, "payments")

    # part of it, with a card the processor declines: said in words, nothing paid
    page.get_by_label("Another amount").check()
    page.get_by_label("Amount in dollars").fill("50.00")
    type_card(page, DECLINED)
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_text(re.compile("declined", re.I)).first).to_be_visible()
    pages.check(page, "payment-declined")

    # again with a good card, saved for next time
    page.get_by_label("Another amount").check()
    page.get_by_label("Amount in dollars").fill("50.00")
    type_card(page, APPROVED)
    page.get_by_label("Save this card for next time").check()
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", name="Thank you: your payment went through")).to_be_visible()
    expect(page.get_by_text("$50.00")).to_be_visible()
    expect(page.get_by_text("Visa ending 4242")).to_be_visible()
    pages.check(page, "payment-receipt")

    # the rest with the saved card, the button clicked twice
    page.goto(site.url("payments"))
    expect(page.get_by_label("The full balance, $159.00")).to_be_checked()
    expect(page.get_by_label(re.compile("^Visa ending 4242"))).to_be_checked()
    page.get_by_role("button", name="Pay").dblclick()
    expect(page.get_by_role("heading", name="Thank you: your payment went through")).to_be_visible()
    expect(page.get_by_text("$159.00")).to_be_visible()

    page.goto(site.url())
    expect(page.get_by_text("Due now")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Pay \\$"))).to_have_count(0)

    # the office: the two payments that went through, and the decline
    listed = wait_until(lambda: office_payments(site, since) if len(office_payments(site, since)) >= 3 else None,
                        message="the office's list")
    succeeded = sorted(p["amount_cents"] for p in listed if p["status"] == "succeeded")
    assert succeeded == [5_000, 15_900]
    assert [p["status"] for p in listed].count("declined") == 1
    assert all(p["card_last4"] in ("4242", "0002") for p in listed)


def test_a_saved_card_can_be_removed(site, pages):
    page = pages.new()
    signed_in_with_changed_password(site, pages, page)
    page.goto(site.url("payments"))
    page.get_by_label("Another amount").check()
    page.get_by_label("Amount in dollars").fill("10.00")
    type_card(page, "5555 5555 5555 4444")
    page.get_by_label("Save this card for next time").check()
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", name="Thank you: your payment went through")).to_be_visible()
    page.goto(site.url("payments"))
    expect(page.get_by_text(re.compile("^Mastercard ending 4444")).first).to_be_visible()
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("The card was removed.")).to_be_visible()
    expect(page.get_by_text(re.compile("Mastercard ending 4444"))).to_have_count(0)
    pages.check(page, "payments-card-removed")


def test_no_card_number_reaches_our_files_logs_or_databases(site, pages, system):
    """After a payment with a new card: not in any file of the running system (its logs, the
    SMS outbox, the sandbox processor's own file) nor in any row of any service's database."""
    running, _, _ = system
    page = pages.new()
    signed_in_with_changed_password(site, pages, page)
    page.goto(site.url("payments"))
    page.get_by_label("Another amount").check()
    page.get_by_label("Amount in dollars").fill("5.00")
    type_card(page, APPROVED)
    page.get_by_label("Save this card for next time").check()
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", name="Thank you: your payment went through")).to_be_visible()
    digits = APPROVED.replace(" ", "")
    files = [path for path in running.base.rglob("*") if path.is_file()]
    assert any(path.name.endswith(".sqlite3") for path in files)   # the processor's file is among them
    for path in files:
        assert digits not in path.read_bytes().decode("latin-1"), path
    for service, engine in running.engines.items():
        with engine.connect() as conn:
            for table in sa.inspect(conn).get_table_names():
                rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).fetchall()
                assert digits not in repr(rows), (service, table)
