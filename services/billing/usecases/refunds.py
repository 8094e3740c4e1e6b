"""Refunds: the office gives back all or part of an online payment, once per idempotency key.

The same three steps as paying (usecases/payments.py): the refund asked for and stored
"processing" in one unit of work (the payment locked, so that two refunds never give back
more than was paid); the processor asked outside any transaction with the refund's own id
as its idempotency key; the outcome recorded: the payment's refunded_cents, its own ledger
entry reduced or removed (when billing posted it and the PMS has not taken it over: a PMS
entry is the PMS's to change), and billing.payment_refunded. A refund left "processing" is
asked again by a retry with its key after domain.RESUME_AFTER, and by the resume timer.
"""
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import func, select

from chairside.contracts import payments as contract
from chairside.db import retry_on_race_of
from chairside.tenancy import of_practice
from services.billing import domain, processors as outside
from services.billing.models import LedgerEntry, Payment, Refund
from services.billing.usecases import balances
from services.billing.usecases.payments import field_refusal, lock_account, locked, resume

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refunded:
    """A refund as the office sees it (contract.Refunded)."""
    id: str
    payment_id: str
    amount_cents: int
    currency: str
    status: str
    refunded_cents: int
    created_at: datetime

    @classmethod
    def of(cls, refund, payment):
        return cls(refund.id, payment.id, refund.amount_cents, payment.currency, refund.status,
                   payment.refunded_cents, refund.created_at)


@dataclass(frozen=True)
class PaymentRefunded:
    """What billing.payment_refunded says."""
    payment_id: str
    refund_id: str
    patient_id: str
    patient: Optional[str]   # the PMS's id of the payer
    amount_cents: int
    refunded_cents: int
    currency: str
    refunded_at: datetime


def refund(db, processors, practice_id, payment_id, asked):
    """Give back `asked["amount_cents"]` of the payment: Refunded, or a refusal:
    PAYMENT_NOT_FOUND, PAYMENT_NOT_SUCCEEDED, REFUND_TOO_LARGE, IDEMPOTENCY_KEY_REUSED,
    REFUND_IN_PROGRESS, PROCESSOR_UNAVAILABLE (the refund stays "processing": the same key
    resumes it)."""
    def ask():
        with db.unit_of_work() as uow:
            return begin(uow, practice_id, payment_id, asked)
    row = retry_on_race_of(ask)
    return settle(db, processors, row) if row.status == domain.PROCESSING else answer(db, row)


def begin(uow, practice_id, payment_id, asked):
    mark = domain.refund_fingerprint(payment_id, asked["amount_cents"])
    known = uow.session.scalar(select(Refund).where(
        Refund.practice_id == practice_id, Refund.idempotency_key == asked["idempotency_key"]))
    if known is not None:
        if known.fingerprint != mark:
            raise contract.IDEMPOTENCY_KEY_REUSED()
        if known.status == domain.PROCESSING and not domain.resumable(known.created_at, uow.clock.now()):
            raise contract.REFUND_IN_PROGRESS()
        return known
    of_practice(uow.session, Payment, payment_id, practice_id, contract.PAYMENT_NOT_FOUND)
    payment = locked(uow, payment_id)
    if payment.status != domain.SUCCEEDED:
        raise contract.PAYMENT_NOT_SUCCEEDED(status=payment.status)
    in_flight = uow.session.scalar(select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
        Refund.payment_id == payment.id, Refund.status == domain.PROCESSING))
    refundable = domain.refundable_cents(payment.amount_cents, payment.refunded_cents) - int(in_flight)
    if domain.refund_problem(asked["amount_cents"], refundable) is not None:
        raise field_refusal(contract.REFUND_TOO_LARGE, "amount_cents",
                            amount=contract.amount_text(asked["amount_cents"], payment.currency),
                            refundable=contract.amount_text(max(refundable, 0), payment.currency))
    row = Refund(id=str(uuid.uuid4()), practice_id=practice_id, payment_id=payment.id,
                 idempotency_key=asked["idempotency_key"], fingerprint=mark, amount_cents=asked["amount_cents"],
                 status=domain.PROCESSING, created_at=uow.clock.now())
    uow.session.add(row)
    uow.session.flush()
    return row


def answer(db, row):
    with db.unit_of_work(read_only=True) as uow:
        return Refunded.of(row, uow.session.get(Payment, row.payment_id))


def settle(db, processors, row):
    """Ask the processor (the refund's id is its idempotency key), then record the outcome."""
    with db.unit_of_work() as uow:
        payment = uow.session.get(Payment, row.payment_id)
    try:
        given = processors.get(payment.processor).refund(
            charge_id=payment.processor_charge_id, amount_cents=row.amount_cents, idempotency_key=row.id)
    except outside.ProcessorUnavailable:
        log.warning("refund %s of payment %s stays processing: the processor is unavailable", row.id, payment.id)
        raise contract.PROCESSOR_UNAVAILABLE()
    with db.unit_of_work() as uow:
        return record(uow, row.id, given)


def record(uow, refund_id, given):
    """The processor gave the money back: the refund, the payment and its ledger entry updated
    together, and billing.payment_refunded announced (unless another attempt recorded it first)."""
    row = uow.session.get(Refund, refund_id)
    lock_account(uow, uow.session.get(Payment, row.payment_id).payer_id)   # what is due moves
    payment = locked(uow, row.payment_id)
    row = uow.session.scalar(select(Refund).where(Refund.id == refund_id).execution_options(populate_existing=True))
    if row.status != domain.PROCESSING:
        return Refunded.of(row, payment)
    now = uow.clock.now()
    row.status, row.processor_refund_id = domain.SUCCEEDED, given.refund_id
    payment.refunded_cents += row.amount_cents
    entry = uow.session.scalar(select(LedgerEntry).where(LedgerEntry.payment_id == payment.id))
    if entry is not None and entry.external_id is None:
        cents = domain.posted_cents(payment.amount_cents, payment.refunded_cents)
        if cents > 0:
            entry.amount_cents, entry.updated_at = cents, now
        else:
            uow.session.delete(entry)
    uow.announce("payment_refunded", payment.practice_id, PaymentRefunded(
        payment.id, row.id, payment.payer_id, balances.pms_id(uow, payment.payer_id), row.amount_cents,
        payment.refunded_cents, payment.currency, now))
    return Refunded.of(row, payment)


def resume_unsettled(db, processors):
    """The timer: every refund left "processing" past domain.RESUME_AFTER asked again with its own key."""
    return resume(db, processors, Refund, settle, "refund")
