"""Paying's pure rules: fingerprints, the grace before a request is resumed, refunds and
what a posted payment's entry holds; the amounts in messages."""
from datetime import datetime, timedelta, timezone

import pytest

from chairside.contracts.payments import amount_text
from services.billing import domain

T0 = datetime(2026, 11, 22, 15, 0, tzinfo=timezone.utc)


def test_a_payment_fingerprint_is_what_was_asked():
    base = domain.payment_fingerprint("a1", 2_500, None, False, "portal")
    assert base == domain.payment_fingerprint("a1", 2_500, None, False, "portal")
    assert len(base) == 64 and int(base, 16) >= 0
    others = {domain.payment_fingerprint(*args) for args in [
        ("a2", 2_500, None, False, "portal"), ("a1", 2_501, None, False, "portal"),
        ("a1", 2_500, "card-1", False, "portal"), ("a1", 2_500, None, True, "portal"),
        ("a1", 2_500, None, False, "pay_link")]}
    assert base not in others and len(others) == 5


def test_fingerprints_cannot_be_made_to_meet_by_moving_text_between_parts():
    assert domain.fingerprint("ab", "c") != domain.fingerprint("a", "bc")
    assert domain.refund_fingerprint("p1", 100) != domain.payment_fingerprint("p1", 100, None, False, "portal")


@pytest.mark.parametrize("age, resumable", [(timedelta(0), False), (domain.RESUME_AFTER - timedelta(seconds=1), False),
                                            (domain.RESUME_AFTER, True), (timedelta(days=1), True)])
def test_a_request_is_resumed_only_after_the_grace(age, resumable):
    assert domain.resumable(T0, T0 + age) is resumable


@pytest.mark.parametrize("amount, refundable, problem", [
    (1, 1, None), (500, 600, None), (601, 600, domain.ABOVE_REFUNDABLE), (1, 0, domain.NOTHING_TO_REFUND),
    (1, -5, domain.NOTHING_TO_REFUND)])
def test_a_refund_is_at_most_what_is_left(amount, refundable, problem):
    assert domain.refund_problem(amount, refundable) == problem


@pytest.mark.parametrize("amount, refunded, posted", [(1_000, 0, 1_000), (1_000, 400, 600), (1_000, 1_000, 0)])
def test_a_posted_payment_holds_what_was_not_given_back(amount, refunded, posted):
    assert domain.posted_cents(amount, refunded) == posted


@pytest.mark.parametrize("due, amount, minimum, problem", [
    (0, 100, 100, domain.NOTHING_DUE), (-500, 100, 100, domain.NOTHING_DUE),
    (10_000, 10_001, 100, domain.ABOVE_BALANCE), (10_000, 99, 100, domain.BELOW_MINIMUM),
    (10_000, 100, 100, None), (10_000, 10_000, 100, None), (50, 50, 100, None), (50, 49, 100, domain.BELOW_MINIMUM)])
def test_the_amount_of_a_payment(due, amount, minimum, problem):
    assert domain.payment_amount_problem(amount, due, minimum) == problem


@pytest.mark.parametrize("cents, text", [(0, "0.00 USD"), (5, "0.05 USD"), (100, "1.00 USD"),
                                         (123_456, "1234.56 USD"), (-250, "-2.50 USD")])
def test_amounts_in_messages(cents, text):
    assert amount_text(cents, "USD") == text
