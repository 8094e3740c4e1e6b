"""Message-to-pay: the office asks a patient for a payment by text, with a link to the payment
portal; up to two follow-up texts go later unless the request was paid, cancelled or expired.

Texts go to sms between units of work, never inside one (no RPC holds a transaction open):
a text is first claimed (a new link is recorded, `sending_since` set), then sent with an
idempotency key of its own (the request and the text's number), then recorded. A crash or a
timeout between sms's answer and ours leaves the claim, which the timer takes up again after
RESUME_AFTER with the same key: sms answers the text it already has instead of sending it
twice. sms's refusals are final: a first text refused withdraws its request (nothing on
record claims a text the patient never got, and the office is answered the refusal); a
follow-up refused is skipped.
"""
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Optional, Tuple

from sqlalchemy import and_, delete, func, or_, select, update

from chairside.contracts import payment_requests as contract
from chairside.refusals import SERVICE_UNAVAILABLE, ChairsideError, rule_broken
from services.billing import domain
from services.billing import domain_requests as rules
from services.billing.models import Account, Payment
from services.billing.request_models import PaymentRequest, PaymentRequestLink, PaymentRequestSettings
from services.billing.usecases import balances
from services.billing.usecases import settings as payment_settings

log = logging.getLogger(__name__)

BATCH = 200  # requests the timer looks at per run; the rest wait for its next run



# -- settings -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    link_days: int
    follow_up_days: Tuple[int, ...]


DEFAULTS = Settings(domain.DEFAULT_LINK_DAYS, rules.DEFAULT_FOLLOW_UP_DAYS)


def current_settings(uow, practice_id):
    """The practice's request settings (the defaults when it never set them)."""
    row = uow.session.get(PaymentRequestSettings, practice_id)
    if row is None:
        return DEFAULTS
    return Settings(row.link_days, tuple(d for d in (row.follow_up_1_days, row.follow_up_2_days) if d is not None))


def change_settings(uow, practice_id, sent):
    """Replace the settings; RULE_BROKEN for a schedule that cannot be kept. Requests already
    made keep the expiry and schedule they were made with."""
    days = tuple(sent["follow_up_days"])
    problem = rules.follow_up_problem(sent["link_days"], days)
    if problem is not None:
        raise rule_broken("follow_up_days", problem)
    row = uow.session.get(PaymentRequestSettings, practice_id, with_for_update=True)
    if row is None:
        row = PaymentRequestSettings(practice_id=practice_id)
        uow.session.add(row)
    padded = days + (None,) * (contract.MAX_FOLLOW_UPS - len(days))
    row.link_days = sent["link_days"]
    row.follow_up_1_days, row.follow_up_2_days = padded
    row.updated_at = uow.clock.now()
    return Settings(row.link_days, days)


# -- what is answered -----------------------------------------------------------------------

@dataclass(frozen=True)
class RequestView:
    """A request as the office sees it (contract.PaymentRequest)."""
    id: str
    patient: Optional[str]
    patient_id: str
    amount_cents: int
    currency: str
    status: str
    created_at: datetime
    expires_at: datetime
    texts_sent: int
    link: Optional[str] = None


@dataclass(frozen=True)
class RequestPage:
    payment_requests: Tuple[RequestView, ...]
    page: int
    per_page: int
    total: int


@dataclass(frozen=True)
class LinkView:
    """An opened link, for the payment portal (contract.PaymentLink)."""
    request_id: str
    patient_id: str
    amount_cents: int
    currency: str
    status: str
    expires_at: datetime


def _external_id(uow, patient_id):
    return uow.session.scalar(select(Account.external_id).where(Account.patient_id == patient_id))


def _view(uow, row, link=None, external_id=None):
    return RequestView(row.id, external_id or _external_id(uow, row.patient_id), row.patient_id, row.amount_cents,
                       row.currency, rules.shown_status(row.status, row.expires_at, uow.clock.now()),
                       row.created_at, row.expires_at, row.texts_sent, link)


def _request(uow, practice_id, request_id, lock=False):
    row = uow.session.get(PaymentRequest, request_id, with_for_update=lock or None) \
        if isinstance(request_id, str) and request_id else None
    if row is None or row.practice_id != practice_id:
        raise contract.PAYMENT_REQUEST_NOT_FOUND()
    return row


# -- making a request and sending its texts -------------------------------------------------

class Pending(NamedTuple):
    """A text claimed for sending: its request, number (0 the first) and body with its link."""
    request_id: str
    practice_id: str
    patient_id: str
    number: int
    body: str
    link: str


def request_payment(db, sms, key, practice_id, sent):
    """Ask the patient for a payment by text (`sent` as contract.NewPaymentRequest loads it):
    the request with its link, answered this once. The same Idempotency-Key answers the
    request as it stands (a request whose first text is still in doubt is sent again under
    the same key at sms, which texts it at most once); with another request, it is refused."""
    made = db.run(_make, key, practice_id, sent, retry_on_race=True)
    if isinstance(made, RequestView):
        return made
    return _send(db, sms, made)


def _make(uow, key, practice_id, sent):
    asked = rules.fingerprint(sent["patient_id"], sent["amount_cents"], sent["message"])
    if sent["idempotency_key"] is not None:
        row = uow.session.scalar(select(PaymentRequest).where(
            PaymentRequest.practice_id == practice_id,
            PaymentRequest.idempotency_key == sent["idempotency_key"]).with_for_update())
        if row is not None:
            if row.fingerprint != asked:
                raise contract.IDEMPOTENCY_KEY_REUSED()
            if row.status == contract.SENDING and row.texts_sent == 0:
                return _claimed(uow, key, row)
            return _view(uow, row)
    patient_id = sent["patient_id"]
    balances.account(uow, practice_id, patient_id)
    paying = payment_settings.current(uow, practice_id)
    if not paying.online_payments:
        raise contract.ONLINE_PAYMENTS_OFF()
    due = balances.family_balance(uow, practice_id, patient_id).due_cents
    cents = due if sent["amount_cents"] is None else sent["amount_cents"]
    _check_amount(cents, due, paying)
    chosen = current_settings(uow, practice_id)
    now = uow.clock.now()
    days = chosen.follow_up_days + (None,) * (contract.MAX_FOLLOW_UPS - len(chosen.follow_up_days))
    row = PaymentRequest(
        id=str(uuid.uuid4()), practice_id=practice_id, patient_id=patient_id, amount_cents=cents,
        currency=paying.currency, message=sent["message"], practice_name=sent["practice_name"],
        link_base=sent["link_base"], status=contract.SENDING, idempotency_key=sent["idempotency_key"],
        fingerprint=asked, follow_up_1_days=days[0], follow_up_2_days=days[1], texts_sent=0, next_text=0,
        next_text_at=now, created_at=now, expires_at=rules.expires_at(now, chosen.link_days))
    uow.session.add(row)
    uow.session.flush()  # a second request with the same key fails here, and its retry finds this one
    return _claimed(uow, key, row)


def _check_amount(cents, due, paying):
    problem = domain.payment_amount_problem(cents, due, paying.minimum_cents)
    words = {"amount": rules.amount_words(cents, paying.currency), "due": rules.amount_words(due, paying.currency),
             "minimum": rules.amount_words(paying.minimum_cents, paying.currency)}
    if problem == domain.NOTHING_DUE:
        raise contract.NOTHING_DUE(due=words["due"])
    if problem == domain.ABOVE_BALANCE:
        raise contract.AMOUNT_ABOVE_BALANCE(amount=words["amount"], due=words["due"])
    if problem == domain.BELOW_MINIMUM:
        raise contract.AMOUNT_BELOW_MINIMUM(amount=words["amount"], minimum=words["minimum"])


def _claimed(uow, key, row):
    """Claim the request's next text: a link of its own (its hash kept), the body composed."""
    now = uow.clock.now()
    token = rules.new_token()
    uow.session.add(PaymentRequestLink(token_hash=rules.token_hash(key, token), request_id=row.id,
                                       practice_id=row.practice_id, text_number=row.next_text, created_at=now))
    row.sending_since = now
    link = row.link_base + token
    body = rules.request_text(row.practice_name, row.amount_cents, row.currency, row.message, link, row.next_text)
    return Pending(row.id, row.practice_id, row.patient_id, row.next_text, body, link)


def _refused(failure):
    """sms said no for certain (the text did not go); a timeout or a lost answer says nothing."""
    return isinstance(failure, ChairsideError) and failure.code != SERVICE_UNAVAILABLE.code


def _send(db, sms, pending):
    text = {"body": pending.body, "purpose": contract.PURPOSE,
            "idempotency_key": rules.text_key(pending.request_id, pending.number)}
    try:
        sms.send_text(pending.practice_id, pending.patient_id, text)
    except Exception as failure:
        if _refused(failure):
            db.run(_not_sent, pending)
        raise
    return db.run(_sent, pending)


def _still_claimed(row, pending):
    """The claim is this text's and nobody recorded its outcome yet (another copy may have)."""
    return row is not None and row.sending_since is not None and row.next_text == pending.number


def _sent(uow, pending):
    row = uow.session.get(PaymentRequest, pending.request_id, with_for_update=True)
    if row is None:
        raise contract.PAYMENT_REQUEST_NOT_FOUND()
    if _still_claimed(row, pending):
        now = uow.clock.now()
        row.texts_sent += 1
        if pending.number == 0:
            row.first_sent_at = now
            if row.status == contract.SENDING:
                row.status = contract.SENT
        _move_on(row, pending.number)
    return _view(uow, row, pending.link)


def _not_sent(uow, pending):
    """sms refused the text: a first text withdraws its request, links and all (the office is
    told why and may ask again); a follow-up is skipped."""
    row = uow.session.get(PaymentRequest, pending.request_id, with_for_update=True)
    if not _still_claimed(row, pending):
        return
    if pending.number == 0:
        uow.session.execute(delete(PaymentRequestLink).where(PaymentRequestLink.request_id == row.id))
        uow.session.delete(row)
    else:
        log.info("payment request %s: follow-up %s not sent (sms refused it)", row.id, pending.number)
        _move_on(row, pending.number)


def _move_on(row, number):
    row.next_text = number + 1
    row.next_text_at = rules.text_due_at(row.first_sent_at, row.follow_up_days, row.next_text) \
        if row.first_sent_at else None
    row.sending_since = None


# -- the timer: follow-ups, and texts left in doubt ----------------------------------------

def _due(now):
    """Open and unexpired, with a follow-up due and no text in flight, or a text in flight for
    longer than RESUME_AFTER."""
    return and_(PaymentRequest.status.in_(rules.OPEN), PaymentRequest.expires_at > now,
                or_(and_(PaymentRequest.sending_since.is_(None), PaymentRequest.next_text_at <= now),
                    PaymentRequest.sending_since <= now - rules.RESUME_AFTER))


def _due_ids(uow, batch):
    return list(uow.session.scalars(select(PaymentRequest.id).where(_due(uow.clock.now()))
                                    .order_by(PaymentRequest.next_text_at).limit(batch)))


def _claim_due(uow, key, request_id):
    """Claim the request's due text, unless another copy of billing claimed it first."""
    row = uow.session.scalar(select(PaymentRequest).where(PaymentRequest.id == request_id,
                                                          _due(uow.clock.now())).with_for_update())
    return None if row is None else _claimed(uow, key, row)


def send_due(db, sms, key, batch=BATCH):
    """Send every follow-up that is due and take up texts left in doubt, each once. A text sms
    refuses is recorded and the next one goes; a text left in doubt (sms out of reach) ends the
    run, since the others would each wait out the same deadline: they go at a later run.
    Answers how many texts were claimed."""
    claimed = 0
    for request_id in db.run(_due_ids, batch, read_only=True):
        pending = db.run(_claim_due, key, request_id)
        if pending is None:
            continue
        claimed += 1
        try:
            _send(db, sms, pending)
        except Exception as failure:
            log.warning("payment request %s: text %s not sent now: %s", request_id, pending.number, failure)
            if not _refused(failure):
                break
    return claimed


# -- the office's list, one request, cancelling -------------------------------------------

def payment_request(uow, practice_id, request_id):
    return _view(uow, _request(uow, practice_id, request_id))


def cancel(uow, practice_id, request_id):
    """The link stops working and no follow-up goes; a paid or expired request stays as it is
    (PAYMENT_REQUEST_CLOSED); cancelling twice changes nothing."""
    row = _request(uow, practice_id, request_id, lock=True)
    shown = rules.shown_status(row.status, row.expires_at, uow.clock.now())
    if shown in (contract.PAID, contract.EXPIRED):
        raise contract.PAYMENT_REQUEST_CLOSED(status=shown)
    if row.status != contract.CANCELLED:
        row.status = contract.CANCELLED
        row.cancelled_at = uow.clock.now()
        row.next_text_at = None
    return _view(uow, row)


def _status_is(status, now):
    if status == contract.EXPIRED:
        return and_(PaymentRequest.status.in_(rules.OPEN), PaymentRequest.expires_at <= now)
    if status in rules.OPEN:
        return and_(PaymentRequest.status == status, PaymentRequest.expires_at > now)
    return PaymentRequest.status == status


def listing(uow, practice_id, query):
    """The practice's requests, newest first, by status (as shown) and since a time, paged."""
    where = [PaymentRequest.practice_id == practice_id]
    if query["status"] is not None:
        where.append(_status_is(query["status"], uow.clock.now()))
    if query["since"] is not None:
        where.append(PaymentRequest.created_at >= query["since"])
    total = uow.session.scalar(select(func.count()).select_from(PaymentRequest).where(*where))
    page, per_page = query["page"], query["per_page"]
    rows = uow.session.execute(
        select(PaymentRequest, Account.external_id)
        .outerjoin(Account, Account.patient_id == PaymentRequest.patient_id).where(*where)
        .order_by(PaymentRequest.created_at.desc(), PaymentRequest.id.desc())
        .offset((page - 1) * per_page).limit(per_page))
    return RequestPage(tuple(_view(uow, row, external_id=external_id) for row, external_id in rows),
                       page, per_page, total)


# -- the payment portal ---------------------------------------------------------------------

def open_payment_link(uow, key, practice_id, token):
    """The request a link opens: PAYMENT_LINK_INVALID for a token that is unknown, cancelled
    or of another practice (one answer, so that nothing can be probed), PAYMENT_LINK_EXPIRED
    past its expiry. A link opened for the first time marks its request opened."""
    link = uow.session.get(PaymentRequestLink, rules.token_hash(key, token)) \
        if isinstance(token, str) and 0 < len(token) <= contract.MAX_TOKEN else None
    row = uow.session.get(PaymentRequest, link.request_id) if link is not None else None
    if row is None or row.practice_id != practice_id or row.status == contract.CANCELLED:
        raise contract.PAYMENT_LINK_INVALID()
    now = uow.clock.now()
    if rules.shown_status(row.status, row.expires_at, now) == contract.EXPIRED:
        raise contract.PAYMENT_LINK_EXPIRED()
    # only a request that is still sent becomes opened, even beside a cancel or a payment
    uow.session.execute(update(PaymentRequest).where(
        PaymentRequest.id == row.id, PaymentRequest.status.in_((contract.SENDING, contract.SENT)))
        .values(status=contract.OPENED, opened_at=now))
    uow.session.refresh(row)
    return LinkView(row.id, row.patient_id, row.amount_cents, row.currency,
                    rules.shown_status(row.status, row.expires_at, now), row.expires_at)


def request_paid(uow, practice_id, request_id, payment_id):
    """The payments use case calls this in its own unit of work when a payment made from the
    request's link went through: the request is paid (whatever it was: the money came) and
    the payment names it. Idempotent."""
    row = _request(uow, practice_id, request_id, lock=True)
    uow.session.execute(update(Payment).where(Payment.id == payment_id, Payment.practice_id == practice_id)
                        .values(payment_request_id=request_id))
    if row.status != contract.PAID:
        row.status = contract.PAID
        row.paid_at = uow.clock.now()
        row.next_text_at = None
    return _view(uow, row)
