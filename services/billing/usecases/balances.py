"""Balances: a patient's, summed from their ledger, and the family balance a patient is
responsible for (themselves and every patient whose guarantor they are), less the online
payments that are not posted yet."""
from sqlalchemy import func, select

from chairside.refusals import not_synced_yet
from chairside.tenancy import of_practice
from services.billing import domain
from services.billing.models import Account, LedgerEntry, Payment
from services.billing.usecases import settings

SUCCEEDED = domain.SUCCEEDED   # a payment's status once the processor approved it


def account(uow, practice_id, patient_id):
    """The patient's account; NOT_SYNCED_YET until identity's event has opened it."""
    return of_practice(uow.session, Account, patient_id, practice_id, not_synced_yet("billing", "patient"))


def responsible_for(uow, practice_id, payer_id):
    """The ids of the patients whose balance `payer_id` answers for: themselves first, then
    every patient whose guarantor they are."""
    account(uow, practice_id, payer_id)
    members = uow.session.scalars(select(Account.patient_id).where(
        Account.practice_id == practice_id, Account.guarantor_id == payer_id,
        Account.patient_id != payer_id).order_by(Account.patient_id))
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


def pending_cents(uow, practice_id, payer_id):
    """The payer's approved online payments that are not on the ledger yet (less refunds)."""
    total = uow.session.scalar(
        select(func.coalesce(func.sum(Payment.amount_cents - Payment.refunded_cents), 0))
        .where(Payment.practice_id == practice_id, Payment.payer_id == payer_id,
               Payment.status == SUCCEEDED, Payment.posted_at.is_(None)))
    return int(total)


def patient_balance(uow, practice_id, patient_id):
    """One patient's ledger balance."""
    account(uow, practice_id, patient_id)
    return domain.Money(balances_of(uow, practice_id, [patient_id])[patient_id],
                        settings.current(uow, practice_id).currency)


def family_balance(uow, practice_id, payer_id):
    """What `payer_id` is responsible for: a domain.FamilyBalance."""
    members = responsible_for(uow, practice_id, payer_id)
    return domain.family_balance(payer_id, balances_of(uow, practice_id, members),
                                 pending_cents(uow, practice_id, payer_id),
                                 settings.current(uow, practice_id).currency)
