"""Payment receipts: billing.payment_received texts the patient who paid a short receipt, when
they may be texted (Text OK yes, not opted out, a clinic set up for texting, the spend limit).

Recorded first and sent after, as the opt-in text is (contacts.sync_contact): the receipt is
reserved ("sending", keyed by the payment) in the unit of work that marks the event applied,
then handed to the provider after the commit, so a redelivered event never texts twice. A
patient who cannot be texted (CANNOT_TEXT) or a practice that does not text
(TEXTING_NOT_SET_UP) simply gets no receipt: the event is applied, never retried for it.
"""
import logging

from chairside.contracts.payments import amount_text
from chairside.contracts.sms import CANNOT_TEXT, DEFAULT_OPT_IN_TITLE, PAYMENT_RECEIPT, TEXTING_NOT_SET_UP
from chairside.refusals import ChairsideError
from services.sms import domain
from services.sms.usecases import contacts, practices, sending, settings

log = logging.getLogger(__name__)

NO_RECEIPT = (CANNOT_TEXT.code, TEXTING_NOT_SET_UP.code)   # refusals that mean "no receipt", not a failure


def receipt_key(payment_id):
    """The receipt's idempotency key: one receipt per payment, whatever happens to the event."""
    return f"{PAYMENT_RECEIPT}:{payment_id}"


def receipt_text(signature, data):
    """The receipt's words: who it is from, the amount and the card (its last 4 only)."""
    card = f" by {data['card_brand']} ending {data['card_last4']}" if data.get("card_last4") else ""
    return (f"{signature}: thank you! We received your payment of "
            f"{amount_text(data['amount_cents'], data['currency'])}{card}.")


def text_receipt(db, provider, event):
    """billing.payment_received, once per event: the receipt reserved, then sent after the commit."""
    with db.unit_of_work() as uow:
        if uow.already_processed(event):
            return None
        reservation = reserve_receipt(uow, event)
    return sending.complete(db, provider, reservation) if reservation is not None else None


def reserve_receipt(uow, event):
    """The receipt reserved in this unit of work (a sending.Reservation), or None when the payer
    cannot be texted. NOT_SYNCED_YET (sms has not heard of the payer yet) is raised: the
    event is retried until the patient's own event arrives."""
    practice_id, data = event.practice_id, event.data
    contact = contacts.contact(uow, practice_id, data["patient_id"])
    try:
        consent = domain.may_text(contact.consent, PAYMENT_RECEIPT)
        sender = domain.choose_sender(settings.texting_of(uow, practice_id, contact.clinic_id),
                                      settings.default_texting(uow, practice_id))
    except ChairsideError as refusal:
        if refusal.code not in NO_RECEIPT:
            raise
        log.info("no receipt for payment %s of practice %s: %s", data["payment_id"], practice_id, refusal.code)
        return None
    signature = (practices.practice_name(uow, practice_id) or "").strip() or DEFAULT_OPT_IN_TITLE
    reservation = sending.reserve(uow, practice_id, [(data["patient_id"], consent.mobile_phone, sender, {
        "body": receipt_text(signature, data), "purpose": PAYMENT_RECEIPT,
        "idempotency_key": receipt_key(data["payment_id"])})])
    [result] = reservation.results
    if isinstance(result, ChairsideError):
        log.info("no receipt for payment %s of practice %s: %s", data["payment_id"], practice_id, result.code)
    return reservation
