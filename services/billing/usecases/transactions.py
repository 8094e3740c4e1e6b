"""The office's transactions: the practice's online payments since a time, a page at a time
(for the PMS connector and the console's list), and the total of those that went through in
a window (the console's daily total)."""
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import func, select

from services.billing import domain
from services.billing.models import Account, Payment
from services.billing.usecases import settings


@dataclass(frozen=True)
class Page:
    payments: list
    page: int
    per_page: int
    total: int


def payments_since(uow, practice_id, query):
    """The practice's payments asked for since `query["since"]`, oldest first, a page of them."""
    where = (Payment.practice_id == practice_id, Payment.created_at >= query["since"])
    total = uow.session.scalar(select(func.count()).select_from(Payment).where(*where))
    rows = uow.session.execute(
        select(Payment, Account.external_id).outerjoin(Account, Account.patient_id == Payment.payer_id)
        .where(*where).order_by(Payment.created_at, Payment.id)
        .offset((query["page"] - 1) * query["per_page"]).limit(query["per_page"])).all()
    return Page([Listed(payment, payer) for payment, payer in rows], query["page"], query["per_page"], total)


@dataclass(frozen=True)
class Listed:
    """A payment and its payer's PMS id (contract OfficePayment); the payment's own fields
    are read from it as they are."""
    payment: Payment
    payer: Optional[str]

    def __getattr__(self, name):   # only for what the dataclass does not hold itself
        return getattr(self.payment, name)


@dataclass(frozen=True)
class Total:
    count: int
    amount_cents: int
    refunded_cents: int
    currency: str

    @property
    def net_cents(self):
        return self.amount_cents - self.refunded_cents


def payments_total(uow, practice_id, window):
    """The payments that went through in [since, until) (a day of the console's list): how
    many, their amount, what was refunded of them, and the net."""
    count, cents, refunded = uow.session.execute(select(
        func.count(), func.coalesce(func.sum(Payment.amount_cents), 0),
        func.coalesce(func.sum(Payment.refunded_cents), 0)).where(
        Payment.practice_id == practice_id, Payment.status == domain.SUCCEEDED,
        Payment.settled_at >= window["since"], Payment.settled_at < window["until"])).one()
    return Total(int(count), int(cents), int(refunded), settings.current(uow, practice_id).currency)
