"""Phones that sign-in codes are texted to: whether sms can text a patient's phone, and the
limit of codes per phone that sign-in (patients' and staff's), claims and password resets share."""
from sqlalchemy import delete, select

from chairside.refusals import ChairsideError
from services.identity.domain import throttle
from services.identity.models import TextCodeSend

# How long sms may take to say whether a patient can receive a text code, at sign-in.
TEXTABLE_SECONDS = 3


def textable_phone(sms, practice_id, patient_id):
    """The patient's mobile phone when sms says it can receive a text code; None when
    there is none, it opted out, or sms cannot say so in time."""
    try:
        texting = sms.within(TEXTABLE_SECONDS).get_texting(practice_id, patient_id)
    except ChairsideError:
        return None
    return texting["mobile_phone"] if texting["mobile_phone"] and not texting["opted_out"] else None


def may_get_code(uow, phone, now):
    """The per-phone limit on text codes: sends older than the window are forgotten, and
    the recent ones counted."""
    uow.session.execute(delete(TextCodeSend).where(
        TextCodeSend.phone == phone, TextCodeSend.sent_at <= throttle.sends_to_forget(now)))
    recent = uow.session.scalars(select(TextCodeSend.sent_at).where(TextCodeSend.phone == phone)).all()
    return throttle.may_send_code(recent, now)
