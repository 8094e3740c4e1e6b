"""Opt-outs by number: a phone that texted STOP to the practice is sent nothing, whoever asks,
until it texts START. The opt-out belongs to the number (NumberOptOut); every contact of the
practice with that mobile phone mirrors it (Contact.opted_out), and each change is kept in the
number's consent history (ConsentChange) and announced."""
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import List

from sqlalchemy import delete, exists, select, update

from chairside.contracts.sms import OPTED_IN_CHANGE, OPTED_OUT_CHANGE
from services.sms.domain import keywords
from services.sms.models import ConsentChange, Contact, NumberOptOut


@dataclass(frozen=True)
class Opted:
    """What sms.contact_opted_out / contact_opted_in announce."""
    phone: str
    patient_ids: List[str]
    changed_at: datetime


def is_opted_out(uow, practice_id, phone):
    """Whether `phone` opted out of the practice's texts (texted STOP, and no START since)."""
    return bool(phone) and uow.session.scalar(select(exists().where(
        NumberOptOut.practice_id == practice_id, NumberOptOut.phone == phone)))


def opted_out_numbers(uow, practice_id, phones):
    """Which of `phones` opted out of the practice's texts."""
    if not phones:
        return set()
    return set(uow.session.scalars(select(NumberOptOut.phone).where(
        NumberOptOut.practice_id == practice_id, NumberOptOut.phone.in_(list(phones)))))


def patients_with(uow, practice_id, phone):
    """Every patient of the practice whose mobile phone is `phone` (a family may share one)."""
    return list(uow.session.scalars(select(Contact.patient_id).where(
        Contact.practice_id == practice_id, Contact.mobile_phone == phone).order_by(Contact.patient_id)))


def opt_out(uow, practice_id, phone, inbound_message_id=None):
    """Opt the number out: nothing more is sent to it. The caller checked it was not opted out
    (two STOPs at once: the second insert of the number fails, and its retry finds it opted out)."""
    now = uow.clock.now()
    uow.session.add(NumberOptOut(practice_id=practice_id, phone=phone, opted_out_at=now))
    uow.session.flush()
    return _changed(uow, practice_id, phone, OPTED_OUT_CHANGE, keywords.CONTACT_OPTED_OUT, inbound_message_id, now)


def opt_in(uow, practice_id, phone, actor, inbound_message_id=None):
    """Opt the number back in; only the patient's own START may (OPT_IN_BY_PATIENT_ONLY)."""
    keywords.opt_in_by(actor)
    now = uow.clock.now()
    uow.session.execute(delete(NumberOptOut).where(NumberOptOut.practice_id == practice_id,
                                                   NumberOptOut.phone == phone))
    return _changed(uow, practice_id, phone, OPTED_IN_CHANGE, keywords.CONTACT_OPTED_IN, inbound_message_id, now)


def _changed(uow, practice_id, phone, change, event_type, inbound_message_id, now):
    uow.session.execute(update(Contact).where(Contact.practice_id == practice_id, Contact.mobile_phone == phone)
                        .values(opted_out=change == OPTED_OUT_CHANGE).execution_options(synchronize_session=False))
    uow.session.add(ConsentChange(id=str(uuid.uuid4()), practice_id=practice_id, phone=phone, change=change,
                                  inbound_message_id=inbound_message_id, changed_at=now))
    opted = Opted(phone, patients_with(uow, practice_id, phone), now)
    uow.announce(event_type, practice_id, opted)
    return opted


def history(uow, practice_id, phone):
    """The number's opt-outs and opt-ins, oldest first."""
    return list(uow.session.scalars(select(ConsentChange).where(
        ConsentChange.practice_id == practice_id, ConsentChange.phone == phone)
        .order_by(ConsentChange.changed_at, ConsentChange.id)))


def change_of_message(uow, inbound_message_id):
    """The consent change an inbound text made, or None."""
    return uow.session.scalar(select(ConsentChange).where(ConsentChange.inbound_message_id == inbound_message_id))
