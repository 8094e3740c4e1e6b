"""Paying: a patient pays towards the family balance they are responsible for with a new card
(the processor's single-use token) or a saved card, once per idempotency key.

A payment takes three steps, because the processor is the world outside and may be slow,
away, or answer after we crashed:
1. ask, in ONE unit of work: a known key replays its payment (the same request) or is
   refused (a different one, or one still in flight); a new key is checked (online payments
   on, the amount against the family balance due and the minimum) and stored "processing"
   with what it will be charged with (`charge_source`), the payer's account locked so that
   two payments of one family never both pass the balance check. The unique key settles a
   race of two requests with one key: the loser runs again and meets the winner's payment.
2. outside any transaction: the card saved first when asked (kept at once, so that a crash
   afterwards charges the saved card), then the charge, with the payment's own id as the
   processor's idempotency key: the same on every attempt, so the card is charged once.
3. record the answer, in one unit of work: approved (posted to the ledger when the practice
   posts automatically, billing.payment_received announced, and the payment request it was
   made from paid) or declined (kept, then refused).

A payment made from a payment request's link names its request (`payment_request`): it must
be a request of the practice for the payer, checked in step 1 before any charge, and it is
stored with the payment then, so that a payment resumed after a crash still pays its request.

A payment left "processing" (the processor away, or billing killed between 2 and 3) is
asked again with the same key by a retried request once domain.RESUME_AFTER has passed,
and by `resume_unsettled` (a timer): the processor answers its first result, so it ends
with exactly one charge.
"""
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import func, select

from chairside.contracts import payments as contract
from chairside.contracts.payment_requests import PAYMENT_REQUEST_NOT_FOUND
from chairside.db import retry_on_race_of
from chairside.refusals import ChairsideError, not_synced_yet
from chairside.tenancy import of_practice
from services.billing import domain, processors as outside
from services.billing.models import Account, LedgerEntry, Payment, SavedCard
from services.billing.usecases import balances, payment_requests, settings

log = logging.getLogger(__name__)

RESUME_BATCH = 50   # payments the timer asks again per run

# The words of CARD_DECLINED's {reason}, by the processor's decline code.
DECLINED_REASON = "the card was declined. Please use another card."
DECLINE_REASONS = {
    outside.DECLINED: DECLINED_REASON,
    outside.INSUFFICIENT_FUNDS: "the card has insufficient funds. Please use another card.",
    outside.EXPIRED_CARD: "the card has expired. Please use another card.",
    outside.INVALID_TOKEN: "the card details are no longer valid. Please enter the card again.",
}
AMOUNT_REFUSALS = {
    domain.NOTHING_DUE: contract.NOTHING_DUE,
    domain.ABOVE_BALANCE: contract.AMOUNT_ABOVE_BALANCE,
    domain.BELOW_MINIMUM: contract.AMOUNT_BELOW_MINIMUM,
}


def card_declined(decline_code):
    """CARD_DECLINED in the words of the processor's decline code."""
    reason = DECLINE_REASONS.get(decline_code, DECLINED_REASON)
    return contract.CARD_DECLINED(fields={"card": [reason]}, reason=reason)


def field_refusal(code, field, **params):
    """`code` with its message also said against `field` (the page shows it next to the field)."""
    return code(fields={field: [code.message.format(**params)]}, **params)


@dataclass(frozen=True)
class PaymentReceived:
    """What billing.payment_received says of a settled payment."""
    payment_id: str
    patient_id: str
    patient: Optional[str]   # the PMS's id of the payer
    amount_cents: int
    currency: str
    card_brand: Optional[str]
    card_last4: Optional[str]
    posted: bool
    channel: str
    received_at: datetime

    @classmethod
    def of(cls, payment, patient):
        return cls(payment.id, payment.payer_id, patient, payment.amount_cents, payment.currency, payment.card_brand,
                   payment.card_last4, payment.posted_at is not None, payment.channel, payment.settled_at)


# -- paying ---------------------------------------------------------------------------------

def pay(db, processors, practice_id, payer_id, asked):
    """Pay `asked` (contract.Pay, loaded) for `payer_id`: the payment (succeeded), or a refusal:
    ONLINE_PAYMENTS_OFF, NOTHING_DUE, AMOUNT_ABOVE_BALANCE, AMOUNT_BELOW_MINIMUM, CARD_NOT_FOUND,
    IDEMPOTENCY_KEY_REUSED, PAYMENT_IN_PROGRESS, CARD_DECLINED (recorded, and replayed for its
    key), PROCESSOR_UNAVAILABLE (the payment stays "processing": the same key resumes it), and
    NOT_SYNCED_YET for a payer billing has not heard of."""
    def ask():
        with db.unit_of_work() as uow:
            return begin(uow, practice_id, payer_id, asked)
    return settled(settle(db, processors, retry_on_race_of(ask)))


def begin(uow, practice_id, payer_id, asked):
    """Step 1: the payment of the request's key (to replay, or to resume), or a new one
    stored "processing"."""
    mark = fingerprint_of(payer_id, asked)
    known = uow.session.scalar(select(Payment).where(
        Payment.practice_id == practice_id, Payment.idempotency_key == asked["idempotency_key"]))
    if known is not None:
        return again(uow, known, mark)
    options = settings.current(uow, practice_id)
    if not options.online_payments:
        raise contract.ONLINE_PAYMENTS_OFF()
    account = lock_account(uow, payer_id)
    if account is None or account.practice_id != practice_id:
        raise not_synced_yet("billing", "patient")()
    check_amount(uow, practice_id, payer_id, asked["amount_cents"], options)
    if "payment_request" in asked:
        own_request(uow, practice_id, payer_id, asked["payment_request"])
    source, card = asked.get("token"), None
    if "saved_card" in asked:
        card = own_card(uow, practice_id, payer_id, asked["saved_card"])
        source = card.processor_card_id
    payment = Payment(
        id=str(uuid.uuid4()), practice_id=practice_id, payer_id=payer_id, idempotency_key=asked["idempotency_key"],
        fingerprint=mark, channel=asked["channel"], amount_cents=asked["amount_cents"], currency=options.currency,
        status=domain.PROCESSING, processor=card.processor if card else options.processor, charge_source=source,
        save_card=asked["save_card"], saved_card_id=card.id if card else None, refunded_cents=0,
        payment_request_id=asked.get("payment_request"), created_at=uow.clock.now())
    uow.session.add(payment)
    uow.session.flush()
    return payment


def fingerprint_of(payer_id, asked):
    """What the request asked (domain.payment_fingerprint), and the payment request it pays
    when it names one: the same key sent for another request is another request."""
    mark = domain.payment_fingerprint(payer_id, asked["amount_cents"], asked.get("saved_card"), asked["save_card"],
                                      asked["channel"])
    if "payment_request" not in asked:
        return mark
    return domain.fingerprint(mark, asked["payment_request"])


def own_request(uow, practice_id, payer_id, request_id):
    """The payment request a payment from its link pays: the practice's, made for the payer;
    PAYMENT_REQUEST_NOT_FOUND for any other (nothing is stored or charged)."""
    request = payment_requests.payment_request(uow, practice_id, request_id)
    if request.patient_id != payer_id:
        raise PAYMENT_REQUEST_NOT_FOUND()
    return request


def request_of(uow, payment):
    """The payment request `payment` was made from, or None."""
    return payment.payment_request_id


def again(uow, known, mark):
    """A request with a known key: its payment when it is the same request and settled (a
    declined one answers its refusal again) or cut short (to resume); else refused."""
    if known.fingerprint != mark:
        raise contract.IDEMPOTENCY_KEY_REUSED()
    if known.status == domain.PROCESSING and not domain.resumable(known.created_at, uow.clock.now()):
        raise contract.PAYMENT_IN_PROGRESS()
    return known


def check_amount(uow, practice_id, payer_id, amount_cents, options):
    """Refuse an amount the family balance due (less the payer's payments in flight) does not allow."""
    due = balances.family_balance(uow, practice_id, payer_id).due_cents - in_flight_cents(uow, practice_id, payer_id)
    problem = domain.payment_amount_problem(amount_cents, due, options.minimum_cents)
    if problem is not None:
        raise field_refusal(AMOUNT_REFUSALS[problem], "amount_cents",
                            amount=contract.amount_text(amount_cents, options.currency),
                            due=contract.amount_text(max(due, 0), options.currency),
                            minimum=contract.amount_text(options.minimum_cents, options.currency))


def in_flight_cents(uow, practice_id, payer_id):
    """The payer's payments still "processing": not in the balance yet, but likely to be."""
    return int(uow.session.scalar(select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
        Payment.practice_id == practice_id, Payment.payer_id == payer_id, Payment.status == domain.PROCESSING)))


def own_card(uow, practice_id, patient_id, card_id):
    """The patient's own saved card; CARD_NOT_FOUND for anyone else's."""
    card = of_practice(uow.session, SavedCard, card_id, practice_id, contract.CARD_NOT_FOUND)
    if card.patient_id != patient_id:
        raise contract.CARD_NOT_FOUND()
    return card


def settled(payment):
    """A payment as its request answers it: a declined one is its refusal."""
    if payment.status == domain.DECLINED:
        raise card_declined(payment.decline_code)
    return payment


# -- the processor, then the outcome --------------------------------------------------------

def settle(db, processors, payment):
    """Steps 2 and 3 for a payment still "processing" (a settled one is returned as it is)."""
    if payment.status != domain.PROCESSING:
        return payment
    processor = processors.get(payment.processor)
    if payment.save_card and payment.saved_card_id is None:
        try:
            saved = processor.save_card(payment.charge_source)
        except outside.CardRefused as refused:
            payment = record(db, payment.id, decline_code=refused.decline_code)
            if payment.status == domain.PROCESSING:   # another attempt saved it first and charges it
                raise contract.PAYMENT_IN_PROGRESS()
            return payment
        except outside.ProcessorUnavailable:
            raise unavailable(payment)
        payment = keep_card(db, processor, payment.id, saved)
        if payment.status != domain.PROCESSING:
            return payment
    source = {"card_id": payment.charge_source} if payment.saved_card_id else {"token": payment.charge_source}
    try:
        charge = processor.charge(amount_cents=payment.amount_cents, currency=payment.currency,
                                  idempotency_key=payment.id, **source)
    except outside.ProcessorUnavailable:
        raise unavailable(payment)
    return record(db, payment.id, charge=charge)


def unavailable(payment):
    log.warning("payment %s of practice %s stays processing: the processor %s is unavailable",
                payment.id, payment.practice_id, payment.processor)
    return contract.PROCESSOR_UNAVAILABLE()


def lock_account(uow, payer_id):
    """The payer's account, locked. What is due is summed over several reads (the ledger, the
    pending payments, those in flight); whatever moves a payment between them (settling,
    posting, refunding) holds this lock, so that a payment is never counted twice or not at
    all, and a second payment of the payer waits here, then counts the first."""
    return uow.session.scalar(select(Account).where(Account.patient_id == payer_id).with_for_update()
                              .execution_options(populate_existing=True))


def locked(uow, payment_id):
    """The payment, locked, as it stands now (not as this session may have read it before the lock)."""
    return uow.session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update()
                              .execution_options(populate_existing=True))


def keep_card(db, processor, payment_id, saved):
    """The card the processor saved, kept for the payer, and the payment to charge it."""
    with db.unit_of_work() as uow:
        payment = locked(uow, payment_id)
        if payment.status == domain.PROCESSING and payment.saved_card_id is None:
            card = SavedCard(id=str(uuid.uuid4()), practice_id=payment.practice_id, patient_id=payment.payer_id,
                             processor=payment.processor, processor_card_id=saved.card_id, brand=saved.card.brand,
                             last4=saved.card.last4, exp_month=saved.card.exp_month, exp_year=saved.card.exp_year,
                             created_at=uow.clock.now())
            uow.session.add(card)
            payment.saved_card_id, payment.charge_source = card.id, saved.card_id
            return payment
    # Another attempt at this payment saved the card first: this second copy is not wanted.
    try:
        processor.delete_card(saved.card_id)
    except outside.ProcessorUnavailable:
        log.warning("payment %s: a second saved copy of its card stays at the processor", payment_id)
    return payment


def record(db, payment_id, charge=None, decline_code=None):
    """Step 3: the processor's answer kept (unless another attempt kept it first); a decline is
    kept and then refused, CARD_DECLINED."""
    with db.unit_of_work() as uow:
        payment = uow.session.get(Payment, payment_id)
        lock_account(uow, payment.payer_id)
        payment = locked(uow, payment_id)
        if payment.status != domain.PROCESSING:
            return payment
        if charge is None and payment.saved_card_id is not None:
            return payment   # the token was used up by another attempt, which saved the card
        now = uow.clock.now()
        if charge is not None:
            payment.processor_charge_id = charge.charge_id
            if charge.card is not None:
                payment.card_brand, payment.card_last4 = charge.card.brand, charge.card.last4
        if charge is not None and charge.approved:
            payment.status = domain.SUCCEEDED
        else:
            payment.status = domain.DECLINED
            payment.decline_code = charge.decline_code if charge is not None else decline_code
        if payment.card_brand is None and payment.saved_card_id is not None:
            card = uow.session.get(SavedCard, payment.saved_card_id)
            if card is not None:
                payment.card_brand, payment.card_last4 = card.brand, card.last4
        payment.charge_source = None   # settled: the token or card id is not needed any more
        payment.settled_at = now
        if payment.status == domain.DECLINED:
            uow.refuse(card_declined(payment.decline_code))   # kept, then refused after the commit
            return payment
        if settings.current(uow, payment.practice_id).auto_post:
            post(uow, payment)
        request_id = request_of(uow, payment)
        if request_id is not None:
            payment_requests.request_paid(uow, payment.practice_id, request_id, payment.id)
        uow.announce("payment_received", payment.practice_id,
                     PaymentReceived.of(payment, balances.pms_id(uow, payment.payer_id)))
        return payment


def resume_unsettled(db, processors):
    """The timer: every payment left "processing" past domain.RESUME_AFTER asked again with its
    own key (the processor answers its first result); how many were asked."""
    return resume(db, processors, Payment, settle, "payment")


def resume(db, processors, model, settle_one, what):
    """Every row of `model` (payments, refunds) left "processing" past domain.RESUME_AFTER,
    oldest first, settled again by `settle_one(db, processors, row)`; how many were asked."""
    # Not a read-only unit of work: its rollback would expire the rows read, used after it.
    with db.unit_of_work() as uow:
        stale = uow.session.scalars(select(model).where(
            model.status == domain.PROCESSING, model.created_at <= uow.clock.now() - domain.RESUME_AFTER)
            .order_by(model.created_at).limit(RESUME_BATCH)).all()
    for row in stale:
        try:
            settle_one(db, processors, row)
        except ChairsideError as refusal:
            log.info("%s %s not settled yet: %s", what, row.id, refusal.code)
        except Exception:   # one failure must not keep the others waiting
            log.exception("%s %s could not be resumed", what, row.id)
    return len(stale)


# -- posting --------------------------------------------------------------------------------

def post(uow, payment):
    """Put a succeeded payment on the payer's ledger: its own entry (kind payment, no
    external_id until the PMS takes it over), less what was refunded already."""
    now = uow.clock.now()
    cents = domain.posted_cents(payment.amount_cents, payment.refunded_cents)
    if cents > 0:
        uow.session.add(LedgerEntry(
            id=str(uuid.uuid4()), practice_id=payment.practice_id, patient_id=payment.payer_id, external_id=None,
            payment_id=payment.id, entry_date=now.date(), kind=domain.PAYMENT, amount_cents=cents,
            currency=payment.currency, description=description(payment), created_at=now, updated_at=now))
    payment.posted_at = now


def description(payment):
    card = f" ({payment.card_brand} ending {payment.card_last4})" if payment.card_last4 else ""
    return f"Online payment{card}"


def post_payment(uow, practice_id, payment_id):
    """The office posts a pending payment to the ledger; a posted one answers as it is.
    Refusals: PAYMENT_NOT_FOUND, PAYMENT_NOT_SUCCEEDED."""
    payment = of_practice(uow.session, Payment, payment_id, practice_id, contract.PAYMENT_NOT_FOUND)
    lock_account(uow, payment.payer_id)
    payment = locked(uow, payment.id)
    if payment.status != domain.SUCCEEDED:
        raise contract.PAYMENT_NOT_SUCCEEDED(status=payment.status)
    if payment.posted_at is None:
        post(uow, payment)
    return payment


# -- reading ----------------------------------------------------------------------------------

def payment(uow, practice_id, payment_id, payer_id=None):
    """A payment of the practice (of `payer_id` only, when given); PAYMENT_NOT_FOUND."""
    row = of_practice(uow.session, Payment, payment_id, practice_id, contract.PAYMENT_NOT_FOUND)
    if payer_id is not None and row.payer_id != payer_id:
        raise contract.PAYMENT_NOT_FOUND()
    return row
