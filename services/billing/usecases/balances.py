"""Balances: a patient's, summed from their ledger, and the family balance a patient is
responsible for (themselves and every patient whose guarantor they are), less the online
payments that are not posted yet."""
from dataclasses import dataclass
from typing import Tuple

from sqlalchemy import and_, bindparam, func, or_, select

from chairside.refusals import not_synced_yet
from chairside.tenancy import by_external_id, of_practice
from services.billing import domain
from services.billing.models import Account, LedgerEntry, Payment
from services.billing.usecases import settings

SUCCEEDED = domain.SUCCEEDED   # a payment's status once the processor approved it
NOT_SYNCED_YET = not_synced_yet("billing", "patient")


def account(uow, practice_id, patient_id):
    """The patient's account; NOT_SYNCED_YET until identity's event has opened it."""
    return of_practice(uow.session, Account, patient_id, practice_id, NOT_SYNCED_YET)


def pms_id(uow, patient_id):
    """The PMS's id of the patient; None while identity has not told billing (or ever, for an
    account opened before billing kept it)."""
    found = uow.session.get(Account, patient_id)
    return found.external_id if found is not None else None


def known_patient(uow, practice_id, external_id):
    """The account of the patient the PMS knows as `external_id`; NOT_SYNCED_YET until
    identity's event about the patient has reached billing (the PMS retries)."""
    return by_external_id(uow.session, Account, practice_id, external_id, NOT_SYNCED_YET)


# The home page asks for the balances on every visit, so their statements are built once,
# with parameters for the values: SQLAlchemy then neither rebuilds nor re-keys them per call,
# which cost more CPU than the database did. They read plain columns, no ORM entities.
_accounts, _ledger, _payments = Account.__table__.c, LedgerEntry.__table__.c, Payment.__table__.c

# The payer's account and those of the patients whose guarantor they are, each with its
# ledger summed per kind (one row with no kind for a patient without entries).
FAMILY_LEDGER = (
    select(_accounts.patient_id, _accounts.external_id, _ledger.kind, func.sum(_ledger.amount_cents))
    .select_from(Account.__table__.outerjoin(LedgerEntry.__table__, and_(
        _ledger.practice_id == _accounts.practice_id, _ledger.patient_id == _accounts.patient_id)))
    .where(_accounts.practice_id == bindparam("practice_id"),
           or_(_accounts.patient_id == bindparam("payer_id"), _accounts.guarantor_id == bindparam("payer_id")))
    .group_by(_accounts.patient_id, _accounts.external_id, _ledger.kind))

# (cents, count) of a payer's approved online payments not on the ledger yet, less refunds
# (one refunded in full is no longer pending).
PENDING = (
    select(func.coalesce(func.sum(_payments.amount_cents - _payments.refunded_cents), 0), func.count())
    .where(_payments.practice_id == bindparam("practice_id"), _payments.payer_id == bindparam("payer_id"),
           _payments.status == SUCCEEDED, _payments.posted_at.is_(None),
           _payments.amount_cents > _payments.refunded_cents))

# One patient's ledger summed per kind.
PATIENT_LEDGER = (
    select(_ledger.kind, func.sum(_ledger.amount_cents))
    .where(_ledger.practice_id == bindparam("practice_id"), _ledger.patient_id == bindparam("patient_id"))
    .group_by(_ledger.kind))


def family_ledger(uow, practice_id, payer_id):
    """({patient_id: external_id}, {patient_id: balance_cents}) of `payer_id` and every
    patient whose guarantor they are, read in one statement; NOT_SYNCED_YET until identity's
    event has opened the payer's account."""
    external_ids, entries = {}, {}
    for patient_id, external_id, kind, cents in uow.session.execute(
            FAMILY_LEDGER, {"practice_id": practice_id, "payer_id": payer_id}):
        external_ids[patient_id] = external_id
        sums = entries.setdefault(patient_id, [])
        if kind is not None:
            sums.append((kind, int(cents)))
    if payer_id not in external_ids:
        raise NOT_SYNCED_YET()
    return external_ids, {patient_id: domain.balance(sums) for patient_id, sums in entries.items()}


def ledger_balance(uow, practice_id, patient_id):
    """The patient's balance from their ledger, 0 without entries."""
    return domain.balance((kind, int(cents)) for kind, cents in uow.session.execute(
        PATIENT_LEDGER, {"practice_id": practice_id, "patient_id": patient_id}))


def pending_payments(uow, practice_id, payer_id):
    """(cents, count) of the payer's approved online payments that are not on the ledger yet
    (less refunds; one refunded in full is no longer pending)."""
    total, count = uow.session.execute(PENDING, {"practice_id": practice_id, "payer_id": payer_id}).one()
    return int(total), int(count)


def patient_balance(uow, practice_id, patient_id):
    """One patient's ledger balance."""
    account(uow, practice_id, patient_id)
    return domain.Money(ledger_balance(uow, practice_id, patient_id), settings.current(uow, practice_id).currency)


def family_balance(uow, practice_id, payer_id):
    """What `payer_id` is responsible for: a domain.FamilyBalance. (Its callers, about to
    take a payment, have read the settings already: settings.current finds them in the
    session without another statement.)"""
    return balance_of_family(uow, practice_id, payer_id, family_ledger(uow, practice_id, payer_id)[1],
                             settings.current(uow, practice_id).currency)


def balance_of_family(uow, practice_id, payer_id, balances, currency):
    """The domain.FamilyBalance of `payer_id` over `balances` ({patient_id: balance_cents},
    the payer among them) in `currency`, with the payer's pending payments."""
    cents, count = pending_payments(uow, practice_id, payer_id)
    return domain.family_balance(payer_id, balances, cents, currency, count)


@dataclass(frozen=True)
class MemberLine:
    patient_id: str
    external_id: str
    balance_cents: int


@dataclass(frozen=True)
class FamilyView:
    """A domain.FamilyBalance with each member's PMS id (chairside.contracts.billing.FamilyBalance)."""
    currency: str
    members: Tuple[MemberLine, ...]
    ledger_cents: int
    pending_cents: int
    pending_count: int
    due_cents: int


@dataclass(frozen=True)
class BalanceView:
    """A patient's own balance and the family balance they answer for (contract BalanceView)."""
    balance_cents: int
    currency: str
    family: FamilyView


def balance_view(uow, practice_id, patient_id):
    """The patient's own ledger balance and their family's, each member with their PMS id:
    a member whose id billing has not heard from identity yet is NOT_SYNCED_YET."""
    external_ids, balances = family_ledger(uow, practice_id, patient_id)
    if None in external_ids.values():
        raise NOT_SYNCED_YET()
    family = balance_of_family(uow, practice_id, patient_id, balances, settings.currency(uow, practice_id))
    lines = tuple(MemberLine(m.patient_id, external_ids[m.patient_id], m.balance_cents) for m in family.members)
    own = family.members[0].balance_cents   # the payer is first
    return BalanceView(own, family.currency, FamilyView(family.currency, lines, family.ledger_cents,
                                                        family.pending_cents, family.pending_count,
                                                        family.due_cents))
