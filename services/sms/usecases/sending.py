"""Sending a text: to a patient who may be texted, from the clinic the rules choose; or to
a staff member's own phone (a sign-in code), from the practice's default texting clinic."""
import logging
import uuid

from chairside.contracts.sms import PROVIDER_REFUSED
from services.sms import domain
from services.sms.models import OutgoingMessage
from services.sms.usecases import contacts, settings

log = logging.getLogger(__name__)


def send_text(db, provider, practice_id, patient_id, sent):
    """Text the patient; the stored message. Refusals: CANNOT_TEXT, TEXTING_NOT_SET_UP, PROVIDER_REFUSED."""
    with db.unit_of_work(read_only=True) as uow:
        contact = contacts.contact(uow, practice_id, patient_id)
        consent = domain.may_text(contact.consent)
        sender = domain.choose_sender(settings.texting_of(uow, practice_id, contact.clinic_id),
                                      settings.default_texting(uow, practice_id))
    return deliver(db, provider, practice_id, patient_id, consent.mobile_phone, sender, sent)


def text_staff(db, provider, practice_id, phone, sent):
    """Text a staff member's own phone (no patient's, so no patient clinic): from the practice's
    default texting clinic; the stored message, with no patient. Refusals: CANNOT_TEXT (the
    number opted out), TEXTING_NOT_SET_UP, PROVIDER_REFUSED."""
    with db.unit_of_work(read_only=True) as uow:
        to = domain.may_text_number(phone, contacts.number_opted_out(uow, practice_id, phone))
        sender = domain.choose_sender(None, settings.default_texting(uow, practice_id))
    return deliver(db, provider, practice_id, None, to, sender, sent)


def deliver(db, provider, practice_id, patient_id, to, sender, sent):
    """Send `sent` ({"body", "purpose"}) to the number `to` from `sender` (a TextingClinic),
    then record the message (a secret's body masked): the one path every text takes, once
    the caller has checked who may be texted.

    The provider is called outside any transaction (it is the world outside, and slow);
    one that fails leaves nothing stored (PROVIDER_REFUSED: the caller may try again).
    """
    try:
        provider_message_id = provider.send(to, sender.number, sent["body"])
    except Exception as exc:  # whatever the provider raised, the text did not go
        log.warning("the SMS provider refused a text of practice %s (%s: %s)", practice_id, type(exc).__name__, exc)
        raise PROVIDER_REFUSED()
    message = OutgoingMessage(
        id=str(uuid.uuid4()), practice_id=practice_id, clinic_id=sender.clinic_id, patient_id=patient_id,
        to_phone=to, from_phone=sender.number, purpose=sent["purpose"],
        body=domain.body_to_keep(sent["body"], sent["purpose"]), provider_message_id=str(provider_message_id),
    )
    try:
        with db.unit_of_work() as uow:
            message.sent_at = uow.clock.now()
            uow.session.add(message)
    except Exception:
        log.error("text %s of practice %s was sent (provider id %s) but could not be recorded",
                  message.id, practice_id, provider_message_id)
        raise
    return message
