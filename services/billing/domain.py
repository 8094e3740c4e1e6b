"""Billing's pure rules. Money is integer cents with a currency (DESIGN.md §3 Billing).

The ledger comes from the PMS: every entry's amount is positive and its kind says which
way it moves the balance. A patient's balance is the signed sum of their entries; the
family balance a patient is responsible for is the sum over themselves and every patient
whose guarantor they are, with a line per member. An online payment that is not posted
yet (automatic posting off) is a pending line that lowers what is due.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

DEFAULT_CURRENCY = "USD"

# -- ledger kinds and the way each moves the balance --------------------------------------

CHARGE = "charge"                        # owed: treatment, fees
PAYMENT = "payment"                      # paid by the patient (at the desk or online)
ADJUSTMENT = "adjustment"                # a write-off or discount: lowers the balance
INSURANCE_PAYMENT = "insurance_payment"  # paid by the insurer
KINDS = (CHARGE, PAYMENT, ADJUSTMENT, INSURANCE_PAYMENT)
_SIGN = {CHARGE: 1, PAYMENT: -1, ADJUSTMENT: -1, INSURANCE_PAYMENT: -1}

MAX_ENTRY_CENTS = 10_000_000_00          # ten million dollars: anything larger is a mistake
MAX_DESCRIPTION = 200

# -- payment settings: a practice's defaults ----------------------------------------------

DEFAULT_MINIMUM_CENTS = 100              # $1.00
DEFAULT_LINK_DAYS = 30                   # a payment link works this many days
SANDBOX = "sandbox"                      # the built-in processor (processor_sandbox/)
PROCESSORS = (SANDBOX,)


@dataclass(frozen=True)
class Money:
    cents: int
    currency: str

    def __post_init__(self):
        if isinstance(self.cents, bool) or not isinstance(self.cents, int):
            raise TypeError("money is a whole number of cents")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError("currency is an ISO 4217 code such as USD")


def signed_cents(kind, amount_cents):
    """What an entry of `kind` and positive `amount_cents` adds to the balance."""
    if kind not in _SIGN:
        raise ValueError(f"unknown ledger kind {kind!r}")
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValueError("a ledger amount is a positive whole number of cents")
    return _SIGN[kind] * amount_cents


def balance(entries):
    """A patient's balance from their entries, each (kind, amount_cents): positive is owed."""
    return sum(signed_cents(kind, cents) for kind, cents in entries)


@dataclass(frozen=True)
class MemberBalance:
    patient_id: str
    balance_cents: int


@dataclass(frozen=True)
class FamilyBalance:
    """What the payer is responsible for: a line per member (the payer first), the ledger
    total, the online payments not posted yet, and what is due now."""
    currency: str
    members: Tuple[MemberBalance, ...]
    pending_cents: int

    @property
    def ledger_cents(self):
        return sum(member.balance_cents for member in self.members)

    @property
    def due_cents(self):
        """What can still be paid: the ledger total less pending payments, never below 0
        (a family in credit owes nothing)."""
        return max(0, self.ledger_cents - self.pending_cents)


def family_balance(payer_id, balances, pending_cents, currency):
    """`balances`: {patient_id: balance_cents} of the payer and the patients whose guarantor
    they are; `pending_cents`: the payer's succeeded online payments not posted yet."""
    ordered = sorted(balances.items(), key=lambda item: (item[0] != payer_id, item[0]))
    return FamilyBalance(currency, tuple(MemberBalance(pid, cents) for pid, cents in ordered), pending_cents)


# -- paying -------------------------------------------------------------------------------

# Why a payment amount is refused (the refusal itself is in chairside.contracts.payments).
BELOW_MINIMUM = "below_minimum"
ABOVE_BALANCE = "above_balance"
NOTHING_DUE = "nothing_due"


def payment_amount_problem(amount_cents, due_cents, minimum_cents) -> Optional[str]:
    """None when `amount_cents` may be paid towards `due_cents`: at least the minimum (or the
    whole of a smaller balance) and at most what is due."""
    if due_cents <= 0:
        return NOTHING_DUE
    if amount_cents > due_cents:
        return ABOVE_BALANCE
    if amount_cents < min(minimum_cents, due_cents):
        return BELOW_MINIMUM
    return None


def refundable_cents(amount_cents, refunded_cents):
    return amount_cents - refunded_cents
