"""Patients' mobile phones and consent, kept from identity's events; and the opt-in text a
new consent gets at a clinic that prompts for it."""
import dataclasses
import logging

from sqlalchemy import exists, select

from chairside.contracts.sms import OPT_IN_PROMPT, TEXTING_NOT_SET_UP
from chairside.db import keep_newer_copy
from chairside.refusals import ChairsideError, not_synced_yet
from chairside.tenancy import of_practice
from services.sms import domain
from services.sms.domain import optin
from services.sms.models import Clinic, Contact
from services.sms.usecases import consent as numbers, practices, sending, settings

log = logging.getLogger(__name__)


def sync_contact(db, provider, event):
    """identity.patient_upserted, once per event: the contact kept (`keep_contact`) and, when
    that made a new consent at a clinic that prompts, the opt-in text sent after the commit.

    Why record first and send after: the opt-in text is reserved ("sending", keyed
    f"opt_in:{event id}") in the same unit of work that keeps the contact and marks the event
    applied, so the contact is never lost to the provider (a provider that is down, or slow,
    holds no transaction open), and the text is never sent twice: a redelivered event is
    skipped as applied, and even a second reservation would meet the key's message. What this
    gives up: a provider that refuses the text leaves it "failed" (seen in the patient's
    texts), and a crash between the commit and the provider leaves it "sending" until
    `sending.fail_stale_sending`; neither is retried, because a text the carrier may already
    have must not go twice, and the patient's Text OK "yes" stands either way (the prompt
    confirms a consent the office collected; optin.prompt_after_sync).
    """
    with db.unit_of_work() as uow:
        if uow.already_processed(event):
            return None
        reservation = keep_contact(uow, event)
    return sending.complete(db, provider, reservation) if reservation is not None else None


def keep_contact(uow, event):
    """A sync of the patient: the phone and Text OK the PMS sent, opted out when the number
    is (NumberOptOut, or the stored contact's opt-out of the same number). When the sync made
    a new consent at a clinic that prompts for opt-in, the opt-in text reserved in this unit
    of work (a sending.Reservation, for `sending.complete` after the commit); else None."""
    data = event.data
    stored = uow.session.get(Contact, data["patient_id"])
    before = stored.consent if stored else None
    consent = domain.consent_after_sync(before, data["mobile_phone"], data["text_ok"])
    if consent.mobile_phone and not consent.opted_out:
        consent = dataclasses.replace(consent, opted_out=numbers.is_opted_out(uow, event.practice_id, consent.mobile_phone))
    kept = keep_newer_copy(uow, event, Contact, "patient_id", ("clinic_id",), values={
        "mobile_phone": consent.mobile_phone, "text_ok": consent.text_ok, "opted_out": consent.opted_out})
    if not kept:
        return None  # an older copy of the patient: nothing of it is new
    return _opt_in_prompt(uow, event, before, consent)


def _opt_in_prompt(uow, event, before, after):
    practice_id, data = event.practice_id, event.data
    try:
        sender = domain.choose_sender(settings.texting_of(uow, practice_id, data["clinic_id"]),
                                      settings.default_texting(uow, practice_id))
    except ChairsideError as refusal:
        if refusal.code != TEXTING_NOT_SET_UP.code:
            raise
        return None  # no clinic texts for the patient: no prompt to send
    clinic = uow.session.get(Clinic, sender.clinic_id)
    if not optin.prompt_after_sync(before, after, clinic.prompt_opt_in).send_prompt:
        return None
    title = optin.opt_in_title(clinic.opt_in_title, practices.practice_name(uow, practice_id))
    reservation = sending.reserve(uow, practice_id, [(data["patient_id"], after.mobile_phone, sender, {
        "body": optin.opt_in_text(title), "purpose": OPT_IN_PROMPT, "idempotency_key": f"opt_in:{event.id}"})])
    [result] = reservation.results
    if isinstance(result, ChairsideError):
        log.warning("no opt-in text for patient %s of practice %s: %s (%s)", data["patient_id"], practice_id,
                    result.code, result.fields or result.message)
    return reservation


def contact(uow, practice_id, patient_id):
    return of_practice(uow.session, Contact, patient_id, practice_id, not_synced_yet("sms", "patient"))


def number_opted_out(uow, practice_id, phone):
    """Whether `phone` opted out of the practice's texts: by STOP (NumberOptOut), or as the
    phone of any patient of the practice that is marked opted out."""
    return numbers.is_opted_out(uow, practice_id, phone) or uow.session.scalar(select(exists().where(
        Contact.practice_id == practice_id, Contact.mobile_phone == phone, Contact.opted_out.is_(True))))
