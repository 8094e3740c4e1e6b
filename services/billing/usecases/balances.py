"""Balances: a patient's, summed from their ledger, and the family balance a patient is
responsible for (themselves and every patient whose guarantor they are), less the online
payments that are not posted yet."""
from dataclasses import dataclass
from typing import Tuple

from sqlalchemy import func, or_, select

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


def family_accounts(uow, practice_id, payer_id):
    """{patient_id: external_id} of `payer_id` and every patient whose guarantor they are,
    read in one statement (the home page asks for it on every visit); NOT_SYNCED_YET until
    identity's event has opened the payer's account."""
    external_ids = dict(uow.session.execute(select(Account.patient_id, Account.external_id).where(
        Account.practice_id == practice_id,
        or_(Account.patient_id == payer_id, Account.guarantor_id == payer_id))).all())
    if payer_id not in external_ids:
        raise NOT_SYNCED_YET()
    return external_ids


def responsible_for(uow, practice_id, payer_id):
    """The ids of the patients whose balance `payer_id` answers for: themselves first, then
    every patient whose guarantor they are."""
    members = sorted(family_accounts(uow, practice_id, payer_id).keys() - {payer_id})
    return [payer_id, *members]


def balances_of(uow, practice_id, patient_ids):
    """{patient_id: balance_cents} from the ledger, 0 for a patient without entries."""
    rows = uow.session.execute(
        select(LedgerEntry.patient_id, LedgerEntry.kind, func.sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.practice_id == practice_id, LedgerEntry.patient_id.in_(patient_ids))
        .group_by(LedgerEntry.patient_id, LedgerEntry.kind))
    sums = {patient_id: [] for patient_id in patient_ids}
    for patient_id, kind, cents in rows:
        sums[patient_id].append((kind, int(cents)))
    return {patient_id: domain.balance(entries) for patient_id, entries in sums.items()}


def pending_payments(uow, practice_id, payer_id):
    """(cents, count) of the payer's approved online payments that are not on the ledger yet
    (less refunds; one refunded in full is no longer pending)."""
    total, count = uow.session.execute(
        select(func.coalesce(func.sum(Payment.amount_cents - Payment.refunded_cents), 0), func.count())
        .where(Payment.practice_id == practice_id, Payment.payer_id == payer_id,
               Payment.status == SUCCEEDED, Payment.posted_at.is_(None),
               Payment.amount_cents > Payment.refunded_cents)).one()
    return int(total), int(count)


def pending_cents(uow, practice_id, payer_id):
    """The payer's approved online payments that are not on the ledger yet (less refunds)."""
    return pending_payments(uow, practice_id, payer_id)[0]


def patient_balance(uow, practice_id, patient_id):
    """One patient's ledger balance."""
    account(uow, practice_id, patient_id)
    return domain.Money(balances_of(uow, practice_id, [patient_id])[patient_id],
                        settings.current(uow, practice_id).currency)


def family_balance(uow, practice_id, payer_id):
    """What `payer_id` is responsible for: a domain.FamilyBalance."""
    return balance_of_family(uow, practice_id, payer_id, responsible_for(uow, practice_id, payer_id))


def balance_of_family(uow, practice_id, payer_id, member_ids):
    """The domain.FamilyBalance of `payer_id` over `member_ids` (the payer among them), the
    ids their caller has already read from the accounts."""
    cents, count = pending_payments(uow, practice_id, payer_id)
    return domain.family_balance(payer_id, balances_of(uow, practice_id, member_ids), cents,
                                 settings.current(uow, practice_id).currency, count)


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
    external_ids = family_accounts(uow, practice_id, patient_id)
    if None in external_ids.values():
        raise NOT_SYNCED_YET()
    family = balance_of_family(uow, practice_id, patient_id, list(external_ids))
    lines = tuple(MemberLine(m.patient_id, external_ids[m.patient_id], m.balance_cents) for m in family.members)
    own = family.members[0].balance_cents   # the payer is first
    return BalanceView(own, family.currency, FamilyView(family.currency, lines, family.ledger_cents,
                                                        family.pending_cents, family.pending_count,
                                                        family.due_cents))
