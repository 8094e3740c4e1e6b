"""billing's pure rules at their edges: every kind's sign, sums, the family balance (credit,
pending payments, what is due), the payment amount, the synced entry's facts, currencies."""
from datetime import date

import pytest

from chairside.contracts.billing import LedgerEntryUpsert, MAX_ENTRY_CENTS
from chairside.refusals import Unprocessable
from services.billing import domain
from services.billing.domain import Money


@pytest.mark.parametrize("cents", [1.5, "100", True, None])
def test_money_is_whole_cents(cents):
    with pytest.raises(TypeError):
        Money(cents, "USD")


@pytest.mark.parametrize("currency", ["usd", "US", "USDX", ""])
def test_money_needs_an_iso_currency(currency):
    with pytest.raises(ValueError):
        Money(100, currency)


# -- ledger kinds, signs and sums -----------------------------------------------------------

@pytest.mark.parametrize("kind, sign", [("charge", 1), ("payment", -1), ("adjustment", -1),
                                        ("insurance_payment", -1)])
def test_each_kind_has_its_sign(kind, sign):
    assert domain.signed_cents(kind, 1) == sign
    assert domain.signed_cents(kind, MAX_ENTRY_CENTS) == sign * MAX_ENTRY_CENTS


def test_every_kind_has_a_sign():
    assert set(domain.KINDS) == {"charge", "payment", "adjustment", "insurance_payment"}
    for kind in domain.KINDS:
        assert abs(domain.signed_cents(kind, 7)) == 7


@pytest.mark.parametrize("cents", [0, -1, 1.0, True, "5", None])
def test_a_ledger_amount_is_a_positive_whole_number(cents):
    with pytest.raises(ValueError):
        domain.signed_cents("charge", cents)


def test_an_unknown_kind_has_no_sign():
    with pytest.raises(ValueError):
        domain.signed_cents("refund", 100)


@pytest.mark.parametrize("entries, total", [
    ([], 0),
    ([("charge", 10_000)], 10_000),
    ([("charge", 10_000), ("insurance_payment", 6_000), ("payment", 4_000)], 0),
    ([("charge", 10_000), ("adjustment", 2_500), ("payment", 2_500)], 5_000),
    ([("payment", 3_000)], -3_000),
    ([("charge", 1), ("payment", 2)], -1),
])
def test_a_balance_is_the_signed_sum(entries, total):
    assert domain.balance(entries) == total


# -- the family balance -----------------------------------------------------------------------

def family(balances, pending=0, count=0, payer="maria"):
    return domain.family_balance(payer, balances, pending, "USD", count)


def test_the_payer_comes_first_then_the_members_by_id():
    result = family({"zed": 1, "maria": 2, "abe": 3})
    assert [m.patient_id for m in result.members] == ["maria", "abe", "zed"]


@pytest.mark.parametrize("balances, pending, ledger, due", [
    ({"maria": 0}, 0, 0, 0),
    ({"maria": 5_000, "sofia": 2_500}, 0, 7_500, 7_500),
    ({"maria": 5_000, "sofia": 2_500}, 2_500, 7_500, 5_000),
    ({"maria": 5_000, "sofia": 2_500}, 7_500, 7_500, 0),          # paid in full, not posted yet
    ({"maria": 5_000}, 6_000, 5_000, 0),                          # pending above the ledger: never below 0
    ({"maria": -3_000, "sofia": 1_000}, 0, -2_000, 0),            # a family in credit owes nothing
    ({"maria": -1_000, "sofia": 3_000}, 0, 2_000, 2_000),         # a member's credit lowers the family's due
    ({"maria": 1}, 0, 1, 1),
], ids=["nothing", "two-members", "part-pending", "all-pending", "pending-above", "credit",
        "credit-offsets", "one-cent"])
def test_the_family_sums_and_what_is_due(balances, pending, ledger, due):
    result = family(balances, pending)
    assert (result.ledger_cents, result.pending_cents, result.due_cents) == (ledger, pending, due)


def test_the_pending_count_is_kept_and_defaults_to_none():
    assert family({"maria": 100}, 50, 2).pending_count == 2
    assert domain.family_balance("maria", {"maria": 100}, 0, "USD").pending_count == 0


@pytest.mark.parametrize("currency", ["USD", "CAD", "EUR"])
def test_the_family_balance_is_in_the_practice_s_currency(currency):
    assert domain.family_balance("maria", {"maria": 1}, 0, currency).currency == currency


def test_every_currency_billing_takes_is_a_money_currency_with_cents():
    for currency in domain.CURRENCIES:
        assert domain.Money(1, currency).currency == currency
    assert domain.DEFAULT_CURRENCY in domain.CURRENCIES
    assert "JPY" not in domain.CURRENCIES    # no hundredths: billing counts cents


# -- paying: the amount ---------------------------------------------------------------------

MINIMUM = 100


@pytest.mark.parametrize("amount, due, problem", [
    (MINIMUM - 1, 10_000, domain.BELOW_MINIMUM),
    (MINIMUM, 10_000, None),
    (10_000, 10_000, None),
    (10_001, 10_000, domain.ABOVE_BALANCE),
    (1, 0, domain.NOTHING_DUE),
    (100, -500, domain.NOTHING_DUE),                  # a credit
    (50, 50, None),                                   # a balance below the minimum is paid in full
    (49, 50, domain.BELOW_MINIMUM),                   # but not in part
    (51, 50, domain.ABOVE_BALANCE),
    (0, 10_000, domain.BELOW_MINIMUM),
], ids=["minimum-1", "minimum", "due", "due+1", "nothing-due", "credit", "small-balance-whole",
        "small-balance-part", "small-balance+1", "zero"])
def test_a_payment_amount_problem(amount, due, problem):
    assert domain.payment_amount_problem(amount, due, MINIMUM) == problem


# -- the ledger the PMS syncs -------------------------------------------------------------------

def sent(**changes):
    return LedgerEntryUpsert().load({"patient": "P-1", "date": "2026-11-02", "kind": "charge",
                                     "amount_cents": 100, **changes})


def test_an_entry_s_facts():
    facts = domain.entry_facts("a1", sent(description="Crown"))
    assert facts == domain.EntryFacts("a1", date(2026, 11, 2), "charge", 100, "Crown", None)


def test_a_payment_entry_names_its_online_payment_as_text():
    payment = "0d8f0f6e-7d4b-4a51-9a50-5d1a3c8a1f00"
    assert domain.entry_facts("a1", sent(kind="payment", payment=payment)).payment_id == payment


@pytest.mark.parametrize("kind", ["charge", "adjustment", "insurance_payment"])
def test_only_a_payment_entry_records_an_online_payment(kind):
    with pytest.raises(Unprocessable) as refused:
        domain.entry_facts("a1", sent(kind=kind, payment="0d8f0f6e-7d4b-4a51-9a50-5d1a3c8a1f00"))
    assert list(refused.value.fields) == ["payment"]


@pytest.mark.parametrize("day, ok", [("1899-12-31", False), ("1900-01-01", True), ("2199-12-31", True),
                                     ("2200-01-01", False), ("0001-01-01", False), ("9999-12-31", False)])
def test_an_entry_day_within_the_years_kept(day, ok):
    if ok:
        assert domain.entry_facts("a1", sent(date=day)).entry_date.isoformat() == day
    else:
        with pytest.raises(Unprocessable) as refused:
            domain.entry_facts("a1", sent(date=day))
        assert list(refused.value.fields) == ["date"]


@pytest.mark.parametrize("current, wanted, has_money, allowed", [
    ("USD", "USD", False, True), ("USD", "USD", True, True), ("USD", "CAD", False, True),
    ("USD", "CAD", True, False)])
def test_a_currency_changes_only_before_money_is_counted(current, wanted, has_money, allowed):
    assert domain.currency_may_change(current, wanted, has_money) is allowed
