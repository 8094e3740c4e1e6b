"""Card rules and the test cards: pure (no I/O; the time is passed in).

A card number is only ever looked at here, to decide its brand, its last 4 and how the
sandbox treats it (its behaviour); it is never kept, logged or answered.
"""
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

TOKEN_LIFETIME = timedelta(minutes=15)   # a token from the hosted field is charged or saved within this

# -- brands ------------------------------------------------------------------------------

VISA = "visa"
MASTERCARD = "mastercard"
AMEX = "amex"
DISCOVER = "discover"
OTHER = "other"

# a number's length for each brand; any other number is 12 to 19 digits
LENGTHS = {VISA: (13, 16, 19), MASTERCARD: (16,), AMEX: (15,), DISCOVER: (16, 17, 18, 19), OTHER: tuple(range(12, 20))}
CVC_LENGTHS = {AMEX: (4,)}          # every other brand: 3 digits
DEFAULT_CVC_LENGTHS = (3,)

# -- why a charge is declined (its decline_code) and what a card does when charged --------

DECLINE = "card_declined"
INSUFFICIENT_FUNDS = "insufficient_funds"
EXPIRED_CARD = "expired_card"       # also refused at tokenization for an expiry in the past
INVALID_TOKEN = "invalid_token"     # unknown, used or too old token; unknown saved card

APPROVE = "approve"
DELAYED = "approve_after_delay"     # recorded at once, answered after PROCESSOR_SANDBOX_DELAY_SECONDS
BEHAVIOURS = (APPROVE, DECLINE, INSUFFICIENT_FUNDS, EXPIRED_CARD, DELAYED)   # a declining one is its code

# The documented test cards (README "Card processor (sandbox)"); any other valid number approves.
TEST_CARDS = {
    "4242424242424242": APPROVE,              # visa
    "5555555555554444": APPROVE,              # mastercard
    "378282246310005": APPROVE,               # amex
    "4000000000000002": DECLINE,
    "4000000000009995": INSUFFICIENT_FUNDS,
    "4000000000000069": EXPIRED_CARD,              # refused as expired at charge and at save
    "4000000000000077": DELAYED,
}

# what each behaviour does, in words (the banner of `make run`)
SAYS = {APPROVE: "approves", DECLINE: "is declined (card_declined)",
        INSUFFICIENT_FUNDS: "is declined (insufficient_funds)", EXPIRED_CARD: "is expired (expired_card)",
        DELAYED: "approves after a delay"}


def printed(number):
    """A number as printed on the card: 4-6-5 for amex, fours otherwise."""
    if brand(number) == AMEX:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    return " ".join(number[start:start + 4] for start in range(0, len(number), 4))


# -- expiry --------------------------------------------------------------------------------

CENTURY = 2000                      # a two-digit year is in this century
MAX_YEARS_AHEAD = 20                # an expiry further ahead than this is a typing mistake

# -- why a card is refused at tokenization (POST /v1/tokens answers 400 with one) ----------

INVALID_NUMBER = "invalid_number"
INVALID_EXPIRY = "invalid_expiry"
INVALID_CVC = "invalid_cvc"
MESSAGES = {
    INVALID_NUMBER: "The card number is not valid.",
    INVALID_EXPIRY: "The expiry date is not valid: use the month and year printed on the card.",
    EXPIRED_CARD: "The card has expired.",
    INVALID_CVC: "The security code is not valid.",
}
FIELDS = {INVALID_NUMBER: "number", INVALID_EXPIRY: "expiry", EXPIRED_CARD: "expiry", INVALID_CVC: "cvc"}


class CardProblem(Exception):
    """Why a card typed into the hosted field is refused; `code` is one of MESSAGES."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code

    @property
    def message(self):
        return MESSAGES[self.code]

    @property
    def field(self):
        return FIELDS[self.code]


@dataclass(frozen=True)
class CardFacts:
    """All that is kept of a card: never its number or security code."""
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    behaviour: str


def digits(number) -> Optional[str]:
    """The digits of a number typed with spaces or dashes between groups; None when it has
    anything else (or is not a string)."""
    if not isinstance(number, str):
        return None
    compact = number.replace(" ", "").replace("-", "")
    return compact if compact.isascii() and compact.isdigit() else None


def luhn_valid(number: str) -> bool:
    """The Luhn (mod 10) check of a string of digits."""
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return bool(number) and total % 10 == 0


def brand(number: str) -> str:
    """The card brand from the number's leading digits (IIN ranges)."""
    if number.startswith("4"):
        return VISA
    two, four, six = int(number[:2] or 0), int(number[:4] or 0), int(number[:6] or 0)
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return MASTERCARD
    if two in (34, 37):
        return AMEX
    if four == 6011 or two == 65 or 644 <= int(number[:3] or 0) <= 649 or 622126 <= six <= 622925:
        return DISCOVER
    return OTHER


def whole_number(value):
    """An int (not a bool), or a string of 1 to 4 ASCII digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 4:
        return int(value)
    return None


def expiry(exp_month, exp_year, today):
    """(month, four-digit year) of a card's expiry, checked against `today` (a date): a card
    works to the end of its expiry month. Raises CardProblem."""
    month, year = whole_number(exp_month), whole_number(exp_year)
    if month is None or year is None or not 1 <= month <= 12:
        raise CardProblem(INVALID_EXPIRY)
    if year < 100:
        year += CENTURY
    if not CENTURY <= year <= today.year + MAX_YEARS_AHEAD:
        raise CardProblem(INVALID_EXPIRY)
    if expired(month, year, today):
        raise CardProblem(EXPIRED_CARD)
    return month, year


def expired(exp_month, exp_year, today) -> bool:
    return (exp_year, exp_month) < (today.year, today.month)


def card_facts(number, exp_month, exp_year, cvc, today) -> CardFacts:
    """What the sandbox keeps of a card typed into the hosted field, or the first thing wrong
    with it (number, then expiry, then security code) as a CardProblem."""
    compact = digits(number)
    if compact is None or not luhn_valid(compact):
        raise CardProblem(INVALID_NUMBER)
    card_brand = brand(compact)
    if len(compact) not in LENGTHS[card_brand]:
        raise CardProblem(INVALID_NUMBER)
    month, year = expiry(exp_month, exp_year, today)
    cvc_lengths = CVC_LENGTHS.get(card_brand, DEFAULT_CVC_LENGTHS)
    if not (isinstance(cvc, str) and cvc.isascii() and cvc.isdigit()) or len(cvc) not in cvc_lengths:
        raise CardProblem(INVALID_CVC)
    return CardFacts(card_brand, compact[-4:], month, year, TEST_CARDS.get(compact, APPROVE))


def refusal(behaviour, exp_month, exp_year, today) -> Optional[str]:
    """Why a charge of this card is declined (a decline code), or None when it is approved.
    A card whose expiry has passed since it was typed in is expired too."""
    if behaviour == EXPIRED_CARD or expired(exp_month, exp_year, today):
        return EXPIRED_CARD
    if behaviour in (DECLINE, INSUFFICIENT_FUNDS):
        return behaviour
    return None
