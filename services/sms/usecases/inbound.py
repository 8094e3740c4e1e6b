"""Receiving texts: a text to one of a practice's texting numbers is stored once (by the
provider's message id), charged at the receiving clinic's inbound fee, read for STOP, START
and HELP (consent changed and announced in the same unit of work), announced, and then, after
the commit, answered when the keyword calls for it. Free text is never answered automatically:
it reaches staff in the inbox."""
import functools
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import List, Optional

from sqlalchemy import select

from chairside.contracts.sms import DEFAULT_OPT_IN_TITLE, KEYWORD_REPLY, OPTED_IN_CHANGE
from chairside.db import retry_on_race_of
from services.sms import domain
from services.sms.domain import fees, keywords, segments
from services.sms.domain.receipts import normalised_id
from services.sms.models import Clinic, InboundMessage, OutgoingMessage
from services.sms.usecases import consent, practices, sending

log = logging.getLogger(__name__)

MESSAGE_RECEIVED = "message_received"


@functools.cache
def default_fee_table():
    """The practice's price list, read once (services/sms/fees.json)."""
    return fees.fee_table()


@dataclass(frozen=True)
class Received:
    """The answer of receive_text (contract.Received)."""
    message_id: Optional[str]
    practice_id: Optional[str]
    keyword: Optional[str]
    duplicate: bool


@dataclass(frozen=True)
class MessageReceived:
    """What sms.message_received announces."""
    message_id: str
    clinic_id: str
    patient_ids: List[str]
    keyword: Optional[str]
    received_at: datetime


@dataclass(frozen=True)
class Stored:
    """A stored inbound text and the keyword reply it still owes (None: none)."""
    received: Received
    reply: Optional[str] = None
    to: Optional[str] = None
    sender: Optional[domain.TextingClinic] = field(default=None)


NOTHING_KEPT = Stored(Received(None, None, None, False))


def reply_key(inbound_message_id):
    """The idempotency key of the keyword reply to an inbound text: one reply per text."""
    return f"reply:{inbound_message_id}"


def receive_text(db, provider, sent, table=None):
    """Store the text `sent` (contract.ReceiveText, loaded) once, then send the reply it owes.

    A redelivered text (same provider message id) is stored once and answered duplicate;
    when its reply is not recorded yet (the first delivery failed to send it), it is sent now.
    A reply the provider refuses raises PROVIDER_REFUSED after the text was kept: the
    provider's retry then sends the reply, once."""
    table = table if table is not None else default_fee_table()

    def once():
        with db.unit_of_work() as uow:
            return store(uow, sent, table)
    stored = retry_on_race_of(once)  # two copies storing the same text: the loser finds it stored
    if stored.reply is not None:
        _send_reply(db, provider, stored)
    return stored.received


def store(uow, sent, table):
    """Record the inbound text and its effects in one unit of work; what to answer after."""
    provider_id = normalised_id(sent["provider_message_id"])
    existing = uow.session.scalar(select(InboundMessage).where(InboundMessage.provider_message_id == provider_id))
    if existing is not None:
        return _duplicate(uow, existing)
    clinic = receiving_clinic(uow, sent["to"])
    if clinic is None:
        log.warning("a text to %s was not kept: it is no practice's texting number (provider id %s)",
                    sent["to"], provider_id)
        return NOTHING_KEPT
    practice_id, phone, body = clinic.practice_id, sent["from_"], sent["body"]
    decision = keywords.on_inbound(body, consent.is_opted_out(uow, practice_id, phone), signature(uow, clinic),
                                   help_phone(clinic))
    counted = segments.segment(body)
    message = InboundMessage(
        id=str(uuid.uuid4()), practice_id=practice_id, clinic_id=clinic.clinic_id, from_phone=phone,
        to_phone=sent["to"], body=body, keyword=None if decision.kind == keywords.MESSAGE else decision.kind,
        encoding=counted.encoding, segments=counted.segments,
        charge_micros=fees.charge(fees.fees_for(table, clinic.country), fees.INBOUND, counted.segments),
        provider_message_id=provider_id, received_at=sent.get("received_at") or uow.clock.now())
    uow.session.add(message)
    uow.session.flush()  # a second copy storing the same text fails here, and retries into _duplicate
    if decision.announce == keywords.CONTACT_OPTED_OUT:
        consent.opt_out(uow, practice_id, phone, message.id)
    elif decision.announce == keywords.CONTACT_OPTED_IN:
        consent.opt_in(uow, practice_id, phone, keywords.PATIENT_START, message.id)
    uow.announce(MESSAGE_RECEIVED, practice_id, MessageReceived(
        message.id, clinic.clinic_id, consent.patients_with(uow, practice_id, phone), message.keyword,
        message.received_at))
    return Stored(Received(message.id, practice_id, message.keyword, False), decision.reply, phone, clinic.texting)


def _duplicate(uow, message):
    received = Received(message.id, message.practice_id, message.keyword, True)
    clinic = uow.session.get(Clinic, message.clinic_id)
    reply = reply_owed(uow, message, clinic)
    if reply is None:
        return Stored(received)
    return Stored(received, reply, message.from_phone,
                  domain.TextingClinic(clinic.clinic_id, clinic.texting_subscribed, message.to_phone))


def reply_owed(uow, message, clinic):
    """The keyword reply a stored text owes and that is not recorded as sent; None when none.

    What the text did is stored: its keyword, and the consent change it made. A STOP or START
    that changed consent, or a HELP, was answered; the same pure rule gives the same words."""
    if message.keyword is None:
        return None
    change = consent.change_of_message(uow, message.id)
    if change is None and message.keyword != keywords.HELP:
        return None
    if uow.session.scalar(select(OutgoingMessage.id).where(
            OutgoingMessage.practice_id == message.practice_id,
            OutgoingMessage.idempotency_key == reply_key(message.id))) is not None:
        return None
    opted_out_before = change is not None and change.change == OPTED_IN_CHANGE
    return keywords.on_inbound(message.body, opted_out_before, signature(uow, clinic), help_phone(clinic)).reply


def receiving_clinic(uow, number):
    """The clinic whose texting number is `number` (a number texts for one practice only; two
    clinics of it may share one: the subscribed one first, then by id, so the choice is stable)."""
    return uow.session.scalar(select(Clinic).where(Clinic.texting_number == number)
                              .order_by(Clinic.texting_subscribed.desc(), Clinic.clinic_id).limit(1))


def signature(uow, clinic):
    """The name keyword replies are signed with: the practice's, else the clinic's, else "Your Dentist"."""
    for name in (practices.practice_name(uow, clinic.practice_id), clinic.name):
        if name and name.strip():
            return name.strip()
    return DEFAULT_OPT_IN_TITLE


def help_phone(clinic):
    """The phone HELP names: the receiving clinic's, else the number the patient texted."""
    return clinic.phone or clinic.texting_number


def _send_reply(db, provider, stored):
    key = reply_key(stored.received.message_id)
    message = sending.deliver(db, provider, stored.received.practice_id, None, stored.to, stored.sender,
                              {"body": stored.reply, "purpose": KEYWORD_REPLY, "idempotency_key": key})
    return message
