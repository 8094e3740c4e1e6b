"""Card processors: the world outside that holds card numbers and moves money, behind one
small interface. Billing never sees a card number: the browser gives it to the processor's
hosted card field, which answers a single-use token; billing charges the token, or a card
the processor saved, and keeps only what the processor answers (brand, last 4, expiry).

Every charge and refund carries an idempotency key; a processor answers the same key with
its first result and never moves money twice, so billing can ask again after a crash.

The processor in use is chosen per practice (payment settings, one of domain.PROCESSORS);
the `CardProcessors` dependency (provider.py) holds each name's adapter, built from the
environment at start-up: `self.processors.get(name)`.
"""
from dataclasses import dataclass
from typing import Optional, Protocol

# Why a processor refused a card (Charge.decline_code, CardRefused.decline_code)
DECLINED = "card_declined"
INSUFFICIENT_FUNDS = "insufficient_funds"
EXPIRED_CARD = "expired_card"
INVALID_TOKEN = "invalid_token"        # unknown, expired or already used token; unknown saved card
DECLINE_CODES = (DECLINED, INSUFFICIENT_FUNDS, EXPIRED_CARD, INVALID_TOKEN)


@dataclass(frozen=True)
class Card:
    brand: str          # visa, mastercard, amex, discover, other
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class SavedCard:
    card_id: str        # the processor's id for the saved card
    card: Card


@dataclass(frozen=True)
class Charge:
    charge_id: str
    approved: bool
    decline_code: Optional[str]    # one of DECLINE_CODES when not approved
    card: Optional[Card]           # None only for an unknown token or card


@dataclass(frozen=True)
class Refund:
    refund_id: str
    amount_cents: int


@dataclass(frozen=True)
class HostedField:
    """What a page needs to embed the processor's card field: the iframe's address and the
    origin its messages come from (the page's Content-Security-Policy allows it as a frame)."""
    url: str
    origin: str


class ProcessorUnavailable(Exception):
    """The processor could not be reached or answered an error: nothing is known to have
    happened; asking again with the same idempotency key is safe."""


class CardRefused(Exception):
    """The processor refused to save a card (expired, declined, bad token)."""

    def __init__(self, decline_code):
        super().__init__(decline_code)
        self.decline_code = decline_code


class RefundRefused(Exception):
    """The processor refused a refund: `reason` is "amount_too_large" (more than what is left
    of the charge, or a declined charge) or "no_such_charge"."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class IdempotencyKeyReused(Exception):
    """The processor already used this idempotency key for a different request."""


class Processor(Protocol):
    name: str

    def hosted_field(self) -> HostedField:
        """Where the browser gets the card field."""

    def charge(self, *, amount_cents: int, currency: str, idempotency_key: str,
               token: Optional[str] = None, card_id: Optional[str] = None) -> Charge:
        """Charge a single-use token or a saved card (exactly one of them). A decline is an
        answer (approved False), not an exception; raises ProcessorUnavailable or
        IdempotencyKeyReused."""

    def save_card(self, token: str) -> SavedCard:
        """Keep the card of a single-use token for later charges (the token is used up);
        raises CardRefused or ProcessorUnavailable."""

    def delete_card(self, card_id: str) -> None:
        """Forget a saved card; forgetting an unknown card is not an error."""

    def refund(self, *, charge_id: str, amount_cents: int, idempotency_key: str) -> Refund:
        """Give back `amount_cents` of a charge; raises RefundRefused, ProcessorUnavailable or
        IdempotencyKeyReused."""
