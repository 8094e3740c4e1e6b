"""Sending texts: to patients who may be texted, from the clinic the rules choose; or to a
staff member's own phone (a sign-in code), from the practice's default texting clinic.

Every text takes one path, `deliver_many` (`deliver` is one text of it), in three steps:
1. reserve, in ONE unit of work holding the practice's texting row (FOR UPDATE): each
   text's segments and charge, the spend limit asked per text, and the texts that may go
   stored as "sending" with their charge, so that they count against the limit while in
   flight, whichever copy of sms sends them;
2. hand the texts to the provider, outside any transaction (the world outside, and slow);
3. confirm, in one unit of work: "sent" with the provider's id and sms.message_sent, or
   "failed" with no charge (the reservation frees) when the provider did not take them.

A text with an idempotency key is sent once per practice and key: a second send answers
the first message, whatever became of it, and never calls the provider again; only a text
the provider refused outright (it surely did not go) frees its key for a retry. A text left
"sending" by a crash between the steps is never sent again automatically (the carrier may
have it); it keeps counting against the limit until a receipt settles it or
`fail_stale_sending` gives up on it.
"""
import functools
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

from sqlalchemy import case, func, select, update

from chairside.contracts.sms import FAILED, PROVIDER_REFUSED, SENDING, SENT, SPEND_LIMIT_REACHED
from chairside.db import retry_on_race_of
from chairside.refusals import ChairsideError, not_synced_yet
from services.sms import domain
from services.sms.domain import fees, limits, segments
from services.sms.models import Clinic, Contact, InboundMessage, NumberOptOut, OutgoingMessage
from services.sms.usecases import contacts, practices, receipts, settings

log = logging.getLogger(__name__)

# A text still "sending" this long after it was reserved will not be confirmed any more (its
# sender crashed between the provider and the confirmation): it is marked failed, uncharged.
STALE_AFTER = timedelta(minutes=15)


@functools.cache
def fee_table():
    """The practice's price list (services/sms/fees.json), read once per process."""
    return fees.fee_table()


# -- to patients and staff ---------------------------------------------------------------------

def send_text(db, provider, practice_id, patient_id, sent):
    """Text the patient; the stored message. Refusals: CANNOT_TEXT, TEXTING_NOT_SET_UP,
    SPEND_LIMIT_REACHED, PROVIDER_REFUSED (and NOT_SYNCED_YET for a patient sms has not heard of)."""
    with db.unit_of_work(read_only=True) as uow:
        replay = _by_keys(uow, practice_id, [sent.get("idempotency_key")]).get(sent.get("idempotency_key"))
        if replay is None:
            contact = contacts.contact(uow, practice_id, patient_id)
            consent = domain.may_text(contact.consent, sent["purpose"])
            sender = domain.choose_sender(settings.texting_of(uow, practice_id, contact.clinic_id),
                                          settings.default_texting(uow, practice_id))
    if replay is not None:
        return replay
    return deliver(db, provider, practice_id, patient_id, consent.mobile_phone, sender, sent)


def text_staff(db, provider, practice_id, phone, sent):
    """Text a staff member's own phone (no patient's, so no patient clinic): from the practice's
    default texting clinic; the stored message, with no patient. Refusals: CANNOT_TEXT (the
    number opted out), TEXTING_NOT_SET_UP, PROVIDER_REFUSED."""
    with db.unit_of_work(read_only=True) as uow:
        to = domain.may_text_number(phone, contacts.number_opted_out(uow, practice_id, phone))
        sender = domain.choose_sender(None, settings.default_texting(uow, practice_id))
    return deliver(db, provider, practice_id, None, to, sender, sent)


@dataclass(frozen=True)
class Outcome:
    """One text of a batch: the message (`sent`), or the refusal (`error`) that kept it back."""
    patient_id: str
    sent: Optional[OutgoingMessage]
    error: Optional[ChairsideError]


def send_texts(db, provider, practice_id, texts):
    """Text a batch of patients (each {"patient_id", "body", "purpose", "idempotency_key"?}),
    each checked like `send_text`; an Outcome per text, in the order given. One refusal
    keeps back its own text only."""
    outcomes = [None] * len(texts)
    items, places = [], []
    with db.unit_of_work(read_only=True) as uow:
        replays = _by_keys(uow, practice_id, [text.get("idempotency_key") for text in texts])
        ids = {text["patient_id"] for text in texts}
        known = {contact.patient_id: (contact.consent, contact.clinic_id) for contact in uow.session.scalars(select(Contact).where(
            Contact.practice_id == practice_id, Contact.patient_id.in_(ids)))}
        clinics = {clinic.clinic_id: clinic.texting for clinic in uow.session.scalars(
            select(Clinic).where(Clinic.practice_id == practice_id))}
        default = clinics.get(settings.default_clinic_id(uow, practice_id))
    for place, text in enumerate(texts):
        sent = {name: value for name, value in text.items() if name != "patient_id"}
        replay = replays.get(text.get("idempotency_key"))
        if replay is not None:
            outcomes[place] = Outcome(text["patient_id"], replay, None)
            continue
        try:
            if text["patient_id"] not in known:
                raise not_synced_yet("sms", "patient")()
            consent, clinic_id = known[text["patient_id"]]
            consent = domain.may_text(consent, text["purpose"])
            sender = domain.choose_sender(clinics.get(clinic_id), default)
        except ChairsideError as refusal:
            outcomes[place] = Outcome(text["patient_id"], None, refusal)
            continue
        items.append((text["patient_id"], consent.mobile_phone, sender, sent))
        places.append(place)
    for place, result in zip(places, deliver_many(db, provider, practice_id, items)):
        refused = isinstance(result, ChairsideError)
        outcomes[place] = Outcome(texts[place]["patient_id"], None if refused else result,
                                  result if refused else None)
    return outcomes


# -- the one path every text takes ---------------------------------------------------------------

def deliver(db, provider, practice_id, patient_id, to, sender, sent):
    """Send `sent` ({"body", "purpose", "idempotency_key"?}) to the number `to` from `sender`
    (a TextingClinic), once the caller has checked who may be texted; the stored message (a
    secret's body masked). Refusals: CANNOT_TEXT (the number opted out), SPEND_LIMIT_REACHED,
    PROVIDER_REFUSED (the text is kept as failed, uncharged, and its key freed: the caller may
    try again with the same key). A known idempotency key answers its message as it stands."""
    [result] = deliver_many(db, provider, practice_id, [(patient_id, to, sender, sent)])
    if isinstance(result, ChairsideError):
        raise result
    return result


def deliver_many(db, provider, practice_id, items):
    """Send each item (patient_id, to, sender, sent) as `deliver` does; for each, in order,
    the stored message or the refusal (CANNOT_TEXT, SPEND_LIMIT_REACHED, PROVIDER_REFUSED)."""
    if not items:
        return []

    def reserved():
        with db.unit_of_work() as uow:
            return reserve(uow, practice_id, items)
    # Two sends with one new key race on its unique constraint (or two first sends of a
    # practice on its texting row): the loser runs again and answers the winner's message.
    return complete(db, provider, retry_on_race_of(reserved))


@dataclass(frozen=True)
class Reservation:
    """What `reserve` kept: for each item its message or refusal (`results`), and the new
    messages still to hand to the provider with the bodies to send ({id: (message, body)})."""
    practice_id: str
    results: list
    fresh: dict


def complete(db, provider, reservation):
    """Hand a committed reservation's new texts to the provider (step 2) and confirm them
    (step 3); its results, with PROVIDER_REFUSED for the texts the provider did not take."""
    to_send = [message for message, _ in reservation.fresh.values()]
    if not to_send:
        return reservation.results
    accepted = _hand_over(provider, reservation.practice_id,
                          [(message.to_phone, message.from_phone, body) for message, body in
                           reservation.fresh.values()])
    try:
        with db.unit_of_work() as uow:
            _confirm(uow, to_send, accepted)
    except Exception:
        # The provider has these texts: they stay "sending" (never sent again) until a receipt
        # or the stale job settles them; the log ties each to its provider id for an operator.
        log.error("texts of practice %s were handed to the provider but could not be confirmed: %s",
                  reservation.practice_id, [(m.id, p) for m, p in zip(to_send, accepted)])
        raise
    refused = {message.id for message, provider_id in zip(to_send, accepted) if provider_id is None}
    return [PROVIDER_REFUSED() if isinstance(result, OutgoingMessage) and result.id in refused else result
            for result in reservation.results]


def reserve(uow, practice_id, items):
    """Step 1, in the caller's unit of work (`complete` runs once it is committed): for each
    item its new "sending" message, the message its idempotency key already has, or its
    refusal (CANNOT_TEXT, SPEND_LIMIT_REACHED); a Reservation."""
    row = practices.texting_row(uow, practice_id, lock=True)
    now = uow.clock.now()
    zone = practices.practice_zone(uow, practice_id)
    month = limits.month_of(now, zone)
    charged, in_flight = _month_spend(uow, practice_id, *limits.month_bounds(month, zone))
    keyed = _by_keys(uow, practice_id, [sent.get("idempotency_key") for _, _, _, sent in items])
    opted_out = set(uow.session.scalars(select(NumberOptOut.phone).where(
        NumberOptOut.practice_id == practice_id, NumberOptOut.phone.in_({to for _, to, _, _ in items}))))
    countries = dict(uow.session.execute(select(Clinic.clinic_id, Clinic.country).where(
        Clinic.clinic_id.in_({sender.clinic_id for _, _, sender, _ in items}))).all())
    results, fresh = [], {}
    for patient_id, to, sender, sent in items:
        key = sent.get("idempotency_key")
        if key in keyed:
            results.append(keyed[key])
            continue
        try:
            domain.may_text_opted_out(to in opted_out, sent["purpose"])
        except ChairsideError as refusal:
            results.append(refusal)
            continue
        parts = segments.segment(sent["body"])
        charge = fees.charge(fees.fees_for(fee_table(), countries.get(sender.clinic_id)), fees.OUTBOUND,
                             parts.segments)
        decision = limits.decide(row.monthly_limit_micros, charged, in_flight, charge, sent["purpose"],
                                 row.warned_month == month)
        if not decision.allowed:
            results.append(SPEND_LIMIT_REACHED(fields={"body": [decision.reason]}))
            continue
        message = OutgoingMessage(
            id=str(uuid.uuid4()), practice_id=practice_id, clinic_id=sender.clinic_id, patient_id=patient_id,
            to_phone=to, from_phone=sender.number, purpose=sent["purpose"],
            body=domain.body_to_keep(sent["body"], sent["purpose"]), provider_message_id=None, sent_at=now,
            status=SENDING, status_at=now, encoding=parts.encoding, segments=parts.segments,
            charge_micros=charge, idempotency_key=key)
        uow.session.add(message)
        in_flight += charge
        if key is not None:
            keyed[key] = message  # the same key twice in one batch: one text
        if decision.warn:
            row.warned_month = month
            uow.announce("spend_limit_warning", practice_id, {
                "month": month, "monthly_limit_usd": fees.usd(row.monthly_limit_micros),
                "month_charges_usd": fees.usd(charged + in_flight)})
        results.append(message)
        fresh[message.id] = (message, sent["body"])
    uow.session.flush()
    return Reservation(practice_id, results, fresh)


def _hand_over(provider, practice_id, texts):
    """Step 2: the provider's id of each (to, from, body), or None for one it did not take.
    A provider with `send_many` takes the batch at once (the local provider: all or none; one
    that stops part-way raises with the ids of the texts that went in `sent`), any other one
    text at a time."""
    send_many = getattr(provider, "send_many", None)
    if send_many is not None:
        try:
            return [str(provider_id) for provider_id in send_many(texts)]
        except Exception as exc:  # whatever the provider raised, the texts it names in `sent` went
            # A provider that sends one text at a time (Twilio) says which went before it
            # failed: those are recorded as sent, never failed, or a retry would text twice.
            went = [str(provider_id) for provider_id in getattr(exc, "sent", ())]
            _refused(practice_id, len(texts) - len(went), exc)
            return went + [None] * (len(texts) - len(went))
    accepted = []
    for to, from_, body in texts:
        try:
            accepted.append(str(provider.send(to, from_, body)))
        except Exception as exc:  # whatever the provider raised, this text did not go
            _refused(practice_id, 1, exc)
            accepted.append(None)
    return accepted


def _refused(practice_id, count, exc):
    log.warning("the SMS provider refused %d text(s) of practice %s (%s: %s)", count, practice_id,
                type(exc).__name__, exc)


def _confirm(uow, messages, accepted):
    """Step 3: "sent" with the provider's id, or "failed" and uncharged (the limit frees)."""
    now = uow.clock.now()
    sent = []
    for message, provider_id in zip(messages, accepted):
        uow.session.add(message)  # the reserved row, detached since its commit: updated as it stands
        message.status_at = now
        if provider_id is None:
            message.status, message.charge_micros = FAILED, 0
            # The provider refused it: the text surely did not go, so its key is freed and a
            # retry with the same key sends it (the failed row stays on record, keyless). A
            # text that failed any other way (stale, or a carrier's receipt) keeps its key.
            message.idempotency_key = None
        else:
            message.status, message.provider_message_id = SENT, provider_id
            sent.append(message)
    uow.session.flush()
    _after_confirm(uow, sent)


def _after_confirm(uow, messages):
    """What follows the provider's acceptance of `messages`, in the unit of work that records
    it: sms.message_sent for each, and the receipts that came before their ids were known."""
    receipts.apply_pending_for(uow, messages)
    for message in messages:
        uow.announce("message_sent", message.practice_id, {
            "message_id": message.id, "patient_id": message.patient_id, "clinic_id": message.clinic_id,
            "purpose": message.purpose, "encoding": message.encoding, "segments": message.segments,
            "charge_usd": message.charge_usd, "sent_at": message.sent_at})


# -- what the month holds ------------------------------------------------------------------------

def _month_spend(uow, practice_id, start, end):
    """(charged, in flight) in micro-dollars of the practice's texts in [start, end): what is
    "sending" is in flight; what failed costs nothing. Texts received are charged too and
    count: the limit is on the practice's bill for the month, which usage totals the same."""
    sending = OutgoingMessage.status == SENDING
    charged, in_flight = uow.session.execute(select(
        func.coalesce(func.sum(case((sending, 0), else_=OutgoingMessage.charge_micros)), 0),
        func.coalesce(func.sum(case((sending, OutgoingMessage.charge_micros), else_=0)), 0),
    ).where(OutgoingMessage.practice_id == practice_id, OutgoingMessage.sent_at >= start,
            OutgoingMessage.sent_at < end, OutgoingMessage.status != FAILED)).one()
    received = uow.session.scalar(select(func.coalesce(func.sum(InboundMessage.charge_micros), 0)).where(
        InboundMessage.practice_id == practice_id, InboundMessage.received_at >= start,
        InboundMessage.received_at < end))
    return int(charged) + int(received), int(in_flight)


def month_spend(uow, practice_id, month, zone):
    """Everything the practice's texts of `month` cost or hold in flight, in micro-dollars."""
    return sum(_month_spend(uow, practice_id, *limits.month_bounds(month, zone)))


def _by_keys(uow, practice_id, keys):
    """{idempotency key: its message} of the practice, for the keys given (None ignored); the
    messages detached, so that they answer as they stand whatever becomes of the unit of work."""
    keys = {key for key in keys if key is not None}
    if not keys:
        return {}
    found = uow.session.scalars(select(OutgoingMessage).where(
        OutgoingMessage.practice_id == practice_id, OutgoingMessage.idempotency_key.in_(keys))).all()
    for message in found:
        uow.session.expunge(message)
    return {message.idempotency_key: message for message in found}


def fail_stale_sending(uow, older_than=STALE_AFTER):
    """Mark "failed", uncharged, the texts still "sending" `older_than` after their
    reservation: their sender died before confirming, and holding their charge any longer
    would keep the limit closed for texts never sent. Never re-sent (the carrier may have
    them; a receipt that comes after all is the provider's word). The number marked."""
    now = uow.clock.now()
    result = uow.session.execute(update(OutgoingMessage).where(
        OutgoingMessage.status == SENDING, OutgoingMessage.sent_at < now - older_than,
    ).values(status=FAILED, charge_micros=0, status_at=now))
    if result.rowcount:
        log.warning("%d text(s) left sending since before %s marked failed", result.rowcount, now - older_than)
    return result.rowcount
