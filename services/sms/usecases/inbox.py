"""The two-way inbox: conversations by phone (every phone that texted the practice), a
conversation's texts both ways, the office's reply (the same rules as any send), and the
texts of one patient with their statuses, charges and the consent history of their phone."""
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import and_, func, literal, or_, select, union_all, update

from chairside.contracts.sms import CONVERSATION_NOT_FOUND, IN, OFFICE_REPLY, OUT
from services.sms import domain
from services.sms.domain import fees
from services.sms.models import Contact, InboundMessage, OutgoingMessage
from services.sms.usecases import consent, contacts, sending, settings


@dataclass(frozen=True)
class Text:
    """A text of a conversation, either way (contract.TextMessage)."""
    id: str
    direction: str
    body: str
    at: datetime
    status: Optional[str]
    charge_usd: str


@dataclass(frozen=True)
class Patient:
    patient_id: str


@dataclass(frozen=True)
class Summary:
    """One conversation in the inbox (contract.ConversationSummary)."""
    phone: str
    patients: List[Patient]
    unread: int
    last_at: datetime
    last_body: str
    opted_out: bool


@dataclass(frozen=True)
class Conversation:
    phone: str
    opted_out: bool
    patient_ids: List[str]
    messages: List[Text]


@dataclass(frozen=True)
class PatientTexts:
    opted_out: bool
    phone: Optional[str]
    messages: List[Text]
    consent_changes: list


def _received(message):
    return Text(message.id, IN, message.body, message.received_at, None, fees.usd(message.charge_micros))


def _sent(message):
    return Text(message.id, OUT, message.body, message.sent_at, message.status, fees.usd(message.charge_micros))


def _in_order(texts):
    return sorted(texts, key=lambda text: (text.at, text.direction, text.id))


def conversations(uow, practice_id):
    """Every phone that texted the practice, the one with the newest text (either way) first."""
    inbound = select(InboundMessage.from_phone.label("phone"), InboundMessage.received_at.label("at"),
                     InboundMessage.body.label("body"), literal(IN).label("direction"),
                     InboundMessage.id.label("id")).where(InboundMessage.practice_id == practice_id)
    texted_in = select(InboundMessage.from_phone).where(InboundMessage.practice_id == practice_id)
    outbound = select(OutgoingMessage.to_phone, OutgoingMessage.sent_at, OutgoingMessage.body, literal(OUT),
                      OutgoingMessage.id).where(OutgoingMessage.practice_id == practice_id,
                                                OutgoingMessage.to_phone.in_(texted_in))
    both = union_all(inbound, outbound).subquery()
    ranked = select(both, func.row_number().over(
        partition_by=both.c.phone, order_by=(both.c.at.desc(), both.c.direction.desc(), both.c.id.desc()))
        .label("rank")).subquery()
    last = uow.session.execute(select(ranked.c.phone, ranked.c.at, ranked.c.body).where(ranked.c.rank == 1)
                               .order_by(ranked.c.at.desc(), ranked.c.phone)).all()
    phones = [row.phone for row in last]
    unread = dict(uow.session.execute(
        select(InboundMessage.from_phone, func.count()).where(
            InboundMessage.practice_id == practice_id, InboundMessage.read_at.is_(None))
        .group_by(InboundMessage.from_phone)).all())
    patients = {}
    for patient_id, phone in uow.session.execute(select(Contact.patient_id, Contact.mobile_phone)
                                                 .where(Contact.practice_id == practice_id,
                                                        Contact.mobile_phone.in_(phones))
                                                 .order_by(Contact.patient_id)):
        patients.setdefault(phone, []).append(Patient(patient_id))
    opted_out = consent.opted_out_numbers(uow, practice_id, phones)
    return [Summary(row.phone, patients.get(row.phone, []), unread.get(row.phone, 0), row.at, row.body,
                    row.phone in opted_out) for row in last]


def conversation(uow, practice_id, phone, mark_read=True):
    """The texts from and to `phone`, oldest first; with `mark_read`, the received ones are
    marked read now (a read-only look leaves them unread). CONVERSATION_NOT_FOUND when the
    phone never texted the practice."""
    received = list(uow.session.scalars(select(InboundMessage).where(
        InboundMessage.practice_id == practice_id, InboundMessage.from_phone == phone)))
    if not received:
        raise CONVERSATION_NOT_FOUND()
    sent = uow.session.scalars(select(OutgoingMessage).where(
        OutgoingMessage.practice_id == practice_id, OutgoingMessage.to_phone == phone))
    if mark_read:
        uow.session.execute(update(InboundMessage).where(
            InboundMessage.practice_id == practice_id, InboundMessage.from_phone == phone,
            InboundMessage.read_at.is_(None)).values(read_at=uow.clock.now())
            .execution_options(synchronize_session=False))
    return Conversation(phone, consent.is_opted_out(uow, practice_id, phone),
                        consent.patients_with(uow, practice_id, phone),
                        _in_order([*map(_received, received), *map(_sent, sent)]))


def reply(db, provider, practice_id, phone, sent):
    """The office answers the conversation with `phone`: refused when the number opted out, or
    every patient with it has Text OK "no" (CANNOT_TEXT); from the clinic that last received a
    text from it when that clinic can text, else the practice's default texting clinic
    (TEXTING_NOT_SET_UP with neither). CONVERSATION_NOT_FOUND when the phone never texted."""
    with db.unit_of_work(read_only=True) as uow:
        last = uow.session.scalar(select(InboundMessage).where(
            InboundMessage.practice_id == practice_id, InboundMessage.from_phone == phone)
            .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(1))
        if last is None:
            raise CONVERSATION_NOT_FOUND()
        to = domain.may_text_number(phone, consent.is_opted_out(uow, practice_id, phone))
        holders = uow.session.scalars(select(Contact).where(Contact.practice_id == practice_id,
                                                            Contact.mobile_phone == phone)
                                      .order_by(Contact.patient_id)).all()
        # the phone of patients whose Text OK is "no" in the practice's records is not texted,
        # even in answer (the office calls them); one of a family who may be texted suffices
        if holders and all(holder.text_ok == "no" for holder in holders):
            domain.may_text(holders[0].consent, OFFICE_REPLY)
        sender = domain.choose_sender(settings.texting_of(uow, practice_id, last.clinic_id),
                                      settings.default_texting(uow, practice_id))
        patients = [holder.patient_id for holder in holders]
    # one patient: the reply is theirs; a shared phone: the family's, on no one's record alone
    patient_id = patients[0] if len(patients) == 1 else None
    text = {"body": sent["body"], "purpose": OFFICE_REPLY}
    if sent.get("idempotency_key"):
        text["idempotency_key"] = sent["idempotency_key"]
    return sending.deliver(db, provider, practice_id, patient_id, to, sender, text)


def patient_texts(uow, practice_id, patient_id):
    """A patient's texts: those sent to them (and to their phone for no one patient, such as a
    reply to a family's shared phone), those from their mobile phone, and its consent history."""
    contact = contacts.contact(uow, practice_id, patient_id)
    phone = contact.mobile_phone
    mine = OutgoingMessage.patient_id == patient_id
    if phone:
        mine = or_(mine, and_(OutgoingMessage.patient_id.is_(None), OutgoingMessage.to_phone == phone))
    sent = uow.session.scalars(select(OutgoingMessage).where(OutgoingMessage.practice_id == practice_id, mine))
    received = uow.session.scalars(select(InboundMessage).where(
        InboundMessage.practice_id == practice_id, InboundMessage.from_phone == phone)) if phone else []
    return PatientTexts(consent.is_opted_out(uow, practice_id, phone), phone,
                        _in_order([*map(_sent, sent), *map(_received, received)]),
                        consent.history(uow, practice_id, phone) if phone else [])
