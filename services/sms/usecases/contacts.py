"""Patients' mobile phones and consent, kept from identity's events."""
from sqlalchemy import exists, select

from chairside.db import keep_newer_copy
from chairside.refusals import not_synced_yet
from chairside.tenancy import of_practice
from services.sms import domain
from services.sms.models import Contact
from services.sms.usecases import consent as numbers


def keep_contact(uow, event):
    """A sync of the patient: the phone and Text OK the PMS sent, the opt-out kept for the same number."""
    data = event.data
    stored = uow.session.get(Contact, data["patient_id"])
    consent = domain.consent_after_sync(stored.consent if stored else None, data["mobile_phone"], data["text_ok"])
    # the opt-out belongs to the number: a patient synced with (or moved to) a phone that
    # texted STOP to the practice is opted out with it
    opted_out = consent.opted_out or numbers.is_opted_out(uow, event.practice_id, consent.mobile_phone)
    keep_newer_copy(uow, event, Contact, "patient_id", ("clinic_id",), values={
        "mobile_phone": consent.mobile_phone, "text_ok": consent.text_ok, "opted_out": opted_out})


def contact(uow, practice_id, patient_id):
    return of_practice(uow.session, Contact, patient_id, practice_id, not_synced_yet("sms", "patient"))


def number_opted_out(uow, practice_id, phone):
    """Whether `phone` opted out of the practice's texts (STOP), as anyone's phone."""
    return numbers.is_opted_out(uow, practice_id, phone) or uow.session.scalar(select(exists().where(
        Contact.practice_id == practice_id, Contact.mobile_phone == phone, Contact.opted_out.is_(True))))
