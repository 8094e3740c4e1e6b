"""Billing's pure rules. Money is integer cents with a currency (DESIGN.md §3 Billing)."""
from dataclasses import dataclass

DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class Money:
    cents: int
    currency: str

    def __post_init__(self):
        if isinstance(self.cents, bool) or not isinstance(self.cents, int):
            raise TypeError("money is a whole number of cents")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError("currency is an ISO 4217 code such as USD")


def opening_balance(currency=DEFAULT_CURRENCY):
    """A patient's account opens empty, in the practice's currency."""
    return Money(0, currency)
