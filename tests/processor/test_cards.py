"""Card rules, exhaustively: Luhn, brands, lengths, security codes, expiry edges, test cards."""
from datetime import date

import pytest

from processor_sandbox import cards
from processor_sandbox.cards import CardProblem, card_facts

TODAY = date(2026, 12, 3)


# -- Luhn -------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", list(cards.TEST_CARDS) + ["79927398713", "6011111111111117", "0"])
def test_valid_numbers_pass_luhn(number):
    assert cards.luhn_valid(number)


@pytest.mark.parametrize("number", list(cards.TEST_CARDS))
def test_any_single_digit_changed_fails_luhn(number):
    for position in range(len(number)):
        for digit in "0123456789":
            if digit != number[position]:
                assert not cards.luhn_valid(number[:position] + digit + number[position + 1:])


def test_luhn_catches_swapped_neighbours_and_rejects_nothing():
    assert not cards.luhn_valid("79927398710")
    assert not cards.luhn_valid("4242424242424224")   # the last two swapped
    assert not cards.luhn_valid("")


@pytest.mark.parametrize("typed, expected", [
    ("4242 4242 4242 4242", "4242424242424242"), ("4242-4242-4242-4242", "4242424242424242"),
    ("4242424242424242", "4242424242424242"), ("4242 4242 4242 424x", None), ("", None),
    ("４２４２４２４２４２４２４２４２", None),   # full-width digits are not ASCII digits
    ("4242\t4242", None), (4242424242424242, None), (None, None),
])
def test_digits_of_a_typed_number(typed, expected):
    assert cards.digits(typed) == expected


# -- brands and lengths ------------------------------------------------------------------------

@pytest.mark.parametrize("prefix, brand", [
    ("4", cards.VISA), ("51", cards.MASTERCARD), ("55", cards.MASTERCARD), ("50", cards.OTHER), ("56", cards.OTHER),
    ("2221", cards.MASTERCARD), ("2720", cards.MASTERCARD), ("2220", cards.OTHER), ("2721", cards.OTHER),
    ("34", cards.AMEX), ("37", cards.AMEX), ("35", cards.OTHER), ("36", cards.OTHER),
    ("6011", cards.DISCOVER), ("65", cards.DISCOVER), ("644", cards.DISCOVER), ("649", cards.DISCOVER),
    ("643", cards.OTHER), ("622126", cards.DISCOVER), ("622925", cards.DISCOVER), ("622125", cards.OTHER),
    ("622926", cards.OTHER), ("1", cards.OTHER), ("9", cards.OTHER),
])
def test_brand_from_the_leading_digits(prefix, brand):
    assert cards.brand(prefix.ljust(16, "0")) == brand


def luhn_completed(partial):
    """`partial` with the check digit that makes it pass Luhn."""
    return next(partial + digit for digit in "0123456789" if cards.luhn_valid(partial + digit))


@pytest.mark.parametrize("brand, prefix", [(cards.VISA, "4"), (cards.MASTERCARD, "5"), (cards.AMEX, "37"),
                                           (cards.DISCOVER, "6011"), (cards.OTHER, "9")])
def test_each_brand_takes_only_its_lengths(brand, prefix):
    for length in range(8, 22):
        number = luhn_completed(prefix.ljust(length - 1, "1"))
        if length in cards.LENGTHS[brand]:
            assert card_facts(number, 12, 2030, "1234" if brand == cards.AMEX else "123", TODAY).brand == brand
        else:
            with pytest.raises(CardProblem) as refused:
                card_facts(number, 12, 2030, "123", TODAY)
            assert refused.value.code == cards.INVALID_NUMBER and refused.value.field == "number"


# -- the test cards ------------------------------------------------------------------------------

@pytest.mark.parametrize("number, brand, behaviour", [
    ("4242424242424242", cards.VISA, cards.APPROVE), ("5555555555554444", cards.MASTERCARD, cards.APPROVE),
    ("378282246310005", cards.AMEX, cards.APPROVE), ("4000000000000002", cards.VISA, cards.DECLINE),
    ("4000000000009995", cards.VISA, cards.INSUFFICIENT_FUNDS), ("4000000000000069", cards.VISA, cards.EXPIRED_CARD),
    ("4000000000000077", cards.VISA, cards.DELAYED), ("6011111111111117", cards.DISCOVER, cards.APPROVE),
    ("4111111111111111", cards.VISA, cards.APPROVE),   # any other valid number approves
])
def test_what_is_kept_of_each_test_card(number, brand, behaviour):
    cvc = "1234" if brand == cards.AMEX else "123"
    assert card_facts(number, 12, 2030, cvc, TODAY) == cards.CardFacts(brand, number[-4:], 12, 2030, behaviour)


def test_the_documented_test_cards_cover_every_behaviour():
    assert set(cards.TEST_CARDS.values()) == set(cards.BEHAVIOURS) == set(cards.SAYS)
    assert all(cards.luhn_valid(number) for number in cards.TEST_CARDS)


@pytest.mark.parametrize("number, printed", [("4242424242424242", "4242 4242 4242 4242"),
                                             ("378282246310005", "3782 822463 10005")])
def test_a_number_printed_as_on_the_card(number, printed):
    assert cards.printed(number) == printed


# -- security codes ---------------------------------------------------------------------------

@pytest.mark.parametrize("number, cvc, valid", [
    ("4242424242424242", "123", True), ("4242424242424242", "000", True), ("4242424242424242", "1234", False),
    ("4242424242424242", "12", False), ("378282246310005", "1234", True), ("378282246310005", "123", False),
    ("4242424242424242", "12a", False), ("4242424242424242", " 123", False), ("4242424242424242", 123, False),
    ("4242424242424242", "", False), ("4242424242424242", "１２３", False),
])
def test_security_code_length_by_brand(number, cvc, valid):
    if valid:
        card_facts(number, 12, 2030, cvc, TODAY)
    else:
        with pytest.raises(CardProblem) as refused:
            card_facts(number, 12, 2030, cvc, TODAY)
        assert (refused.value.code, refused.value.field) == (cards.INVALID_CVC, "cvc")


# -- expiry -------------------------------------------------------------------------------------

@pytest.mark.parametrize("month, year, today, expected", [
    (12, 2026, date(2026, 12, 31), (12, 2026)),     # valid to the last day of its month
    (12, 26, date(2026, 12, 1), (12, 2026)),        # a two-digit year
    ("12", "26", date(2026, 12, 1), (12, 2026)),    # typed as text
    (1, 2027, date(2026, 12, 31), (1, 2027)),
    (12, 2046, date(2026, 1, 1), (12, 2046)),       # twenty years ahead at most
    (1, 2000, date(2000, 1, 15), (1, 2000)),
])
def test_expiry_accepted(month, year, today, expected):
    assert cards.expiry(month, year, today) == expected


@pytest.mark.parametrize("month, year, today", [
    (11, 2026, date(2026, 12, 1)), (12, 2026, date(2027, 1, 1)), (12, 25, date(2026, 1, 1)),
    (1, 2026, date(2026, 2, 28)),
])
def test_expiry_in_the_past_is_expired(month, year, today):
    with pytest.raises(CardProblem) as refused:
        cards.expiry(month, year, today)
    assert (refused.value.code, refused.value.field) == (cards.EXPIRED_CARD, "expiry")


@pytest.mark.parametrize("month, year", [
    (0, 2030), (13, 2030), (-1, 2030), (12, 2047), (12, 1999), (12, 100), (True, 2030), (12, False),
    (12.0, 2030), (None, 2030), ("1a", 2030), ("", 2030), ("12345", 2030), (12, "20300"), (12, -5),
])
def test_expiry_not_a_date(month, year):
    with pytest.raises(CardProblem) as refused:
        cards.expiry(month, year, TODAY)
    assert (refused.value.code, refused.value.field) == (cards.INVALID_EXPIRY, "expiry")


@pytest.mark.parametrize("number, month, cvc, code", [
    ("4242424242424241", 0, "x", cards.INVALID_NUMBER), ("4242424242424242", 0, "x", cards.INVALID_EXPIRY),
    ("4242424242424242", 12, "x", cards.INVALID_CVC),
])
def test_problems_are_found_number_first_then_expiry_then_code(number, month, cvc, code):
    with pytest.raises(CardProblem) as refused:
        card_facts(number, month, 2030, cvc, TODAY)
    assert refused.value.code == code and refused.value.message == cards.MESSAGES[code]


# -- what a charge of a kept card does --------------------------------------------------------------

@pytest.mark.parametrize("behaviour, expected", [
    (cards.APPROVE, None), (cards.DELAYED, None), (cards.DECLINE, cards.DECLINE),
    (cards.INSUFFICIENT_FUNDS, cards.INSUFFICIENT_FUNDS), (cards.EXPIRED_CARD, cards.EXPIRED_CARD),
])
def test_refusal_by_behaviour(behaviour, expected):
    assert cards.refusal(behaviour, 12, 2030, TODAY) == expected


@pytest.mark.parametrize("behaviour", cards.BEHAVIOURS)
def test_a_card_whose_expiry_passed_since_is_expired(behaviour):
    assert cards.refusal(behaviour, 11, 2026, TODAY) == cards.EXPIRED_CARD
    assert cards.refusal(behaviour, 12, 2026, date(2027, 1, 1)) == cards.EXPIRED_CARD
