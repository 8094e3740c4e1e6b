"""Billing's pure rules. Money is integer cents with a currency (DESIGN.md §3 Billing).

The ledger comes from the PMS: every entry's amount is positive and its kind says which
way it moves the balance. A patient's balance is the signed sum of their entries; the
family balance a patient is responsible for is the sum over themselves and every patient
whose guarantor they are, with a line per member. An online payment that is not posted
yet (automatic posting off) is a pending line that lowers what is due.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional, Tuple

from chairside.contracts import billing as contract
from chairside.contracts import payments as paying
from chairside.refusals import rule_broken

DEFAULT_CURRENCY = "USD"

# -- ledger kinds and the way each moves the balance --------------------------------------
# The contract states the kinds and limits to the PMS; the rules that use them are here.

CHARGE, PAYMENT, ADJUSTMENT, INSURANCE_PAYMENT = (contract.CHARGE, contract.PAYMENT, contract.ADJUSTMENT,
                                                  contract.INSURANCE_PAYMENT)
KINDS = contract.LEDGER_KINDS
MAX_ENTRY_CENTS = contract.MAX_ENTRY_CENTS
MAX_DESCRIPTION = contract.MAX_DESCRIPTION
_SIGN = {CHARGE: 1, PAYMENT: -1, ADJUSTMENT: -1, INSURANCE_PAYMENT: -1}

# -- payment settings: a practice's defaults ----------------------------------------------

DEFAULT_MINIMUM_CENTS = 100              # $1.00
DEFAULT_LINK_DAYS = 30                   # a payment link works this many days
SANDBOX = contract.SANDBOX               # the built-in processor (processor_sandbox/)
PROCESSORS = contract.PROCESSORS
CURRENCIES = contract.CURRENCIES


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
    pending_count: int = 0

    @property
    def ledger_cents(self):
        return sum(member.balance_cents for member in self.members)

    @property
    def due_cents(self):
        """What can still be paid: the ledger total less pending payments, never below 0
        (a family in credit owes nothing)."""
        return max(0, self.ledger_cents - self.pending_cents)


def family_balance(payer_id, balances, pending_cents, currency, pending_count=0):
    """`balances`: {patient_id: balance_cents} of the payer and the patients whose guarantor
    they are; `pending_cents`: the payer's succeeded online payments not posted yet (of which
    there are `pending_count`)."""
    ordered = sorted(balances.items(), key=lambda item: (item[0] != payer_id, item[0]))
    return FamilyBalance(currency, tuple(MemberBalance(pid, cents) for pid, cents in ordered), pending_cents,
                         pending_count)


# -- the ledger the PMS syncs -------------------------------------------------------------

@dataclass(frozen=True)
class EntryFacts:
    """What the PMS says about a ledger entry; two equal facts mean nothing changed."""
    patient_id: str
    entry_date: date
    kind: str
    amount_cents: int
    description: Optional[str]
    payment_id: Optional[str]


def entry_facts(patient_id, sent):
    """The facts of a synced entry (`sent` as chairside.contracts.billing.LedgerEntryUpsert
    loads it), or RULE_BROKEN: a day outside the years billing keeps, an online payment
    recorded by an entry that is not a payment."""
    if not contract.EARLIEST_ENTRY_DATE <= sent["date"] <= contract.LATEST_ENTRY_DATE:
        raise rule_broken("date", contract.ENTRY_DATE_RANGE)
    payment_id = sent["payment"]
    if payment_id and sent["kind"] != PAYMENT:
        raise rule_broken("payment", f"Only an entry of kind {PAYMENT} records an online payment.")
    return EntryFacts(patient_id, sent["date"], sent["kind"], sent["amount_cents"], sent["description"], payment_id)


# Only money the processor approved is on anybody's ledger.
NOT_APPROVED = "The online payment was not approved by the card processor: there is nothing to record."


# -- payment settings ---------------------------------------------------------------------

def currency_may_change(current, wanted, has_money):
    """A practice's currency is chosen before money is counted in it: once it has a ledger
    entry or an online payment, changing it would relabel amounts counted in the old one."""
    return current == wanted or not has_money


# -- paying -------------------------------------------------------------------------------

# A payment's or refund's status, and how a payment was asked for (defined in the contract).
PROCESSING, SUCCEEDED, DECLINED = paying.PROCESSING, paying.SUCCEEDED, paying.DECLINED
PORTAL, PAY_LINK, CHANNELS = paying.PORTAL, paying.PAY_LINK, paying.CHANNELS

# A payment or refund still "processing" this long after it was asked for is taken to be
# cut short (a crash, a processor that did not answer): a retried request with its key, or
# the resume timer, asks the processor again with the same idempotency key. Shorter than
# that, the first request may still be waiting for the processor: a retry is told to wait.
RESUME_AFTER = timedelta(seconds=60)


def resumable(created_at, now):
    """Whether a request still processing since `created_at` may be asked again at `now`."""
    return now - created_at >= RESUME_AFTER


def fingerprint(*parts):
    """A hash of what a request asked (its parts, JSON values), to tell the same request
    from another one sent with the same idempotency key."""
    return hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()


def payment_fingerprint(payer_id, amount_cents, saved_card, save_card, channel):
    """What a payment asked, without its single-use token: a retry of the same request may
    carry a fresh token from the card field (the first one may be used up), and it must meet
    the first payment, not be refused as another request. The processor is asked with the
    first payment's own key, so the card is charged once either way."""
    return fingerprint("payment", payer_id, amount_cents, saved_card, bool(save_card), channel)


def refund_fingerprint(payment_id, amount_cents):
    return fingerprint("refund", payment_id, amount_cents)


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


def refund_problem(amount_cents, refundable):
    """None when `amount_cents` may be given back of a payment with `refundable` cents left
    (what is not refunded nor being refunded); else what may be."""
    if refundable <= 0:
        return NOTHING_TO_REFUND
    if amount_cents > refundable:
        return ABOVE_REFUNDABLE
    return None


NOTHING_TO_REFUND = "nothing_to_refund"
ABOVE_REFUNDABLE = "above_refundable"


def posted_cents(amount_cents, refunded_cents):
    """What a payment's own ledger entry holds: the payment less what was given back (0: no
    entry at all, the payment was refunded in full)."""
    return max(0, amount_cents - refunded_cents)
