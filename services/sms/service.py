"""sms's nameko entrypoints: load input, apply the rules in one unit of work, answer."""
import logging
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chairside.consumer import consume
from chairside.db import Database, upsert_newer
from chairside.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from chairside.rules import RuleBroken
from chairside.schemas import load
from chairside.service import ChairsideService, rpc
from services.sms import domain
from services.sms.adapters import SmsProvider
from services.sms.models import Clinic, Contact, OutgoingMessage, PracticeTexting
from services.sms.schemas import ClinicTexting, DefaultTextingClinic, PracticeOnly, SendText

log = logging.getLogger(__name__)

# Conflict codes of send_text and set_clinic_texting (HTTP 409 at the gateway)
CANNOT_TEXT = "CANNOT_TEXT"                    # no mobile phone, opted out, or Text OK "no"
TEXTING_NOT_SET_UP = "TEXTING_NOT_SET_UP"      # neither the patient's clinic nor the default can text
TEXTING_NUMBER_TAKEN = "TEXTING_NUMBER_TAKEN"  # the number texts for another practice


def _invalid(rule, *args):
    try:
        return rule(*args)
    except RuleBroken as broken:
        raise ValidationFailed("The request is not valid.", fields=broken.fields)


def _refused(code, rule, *args):
    try:
        return rule(*args)
    except RuleBroken as broken:
        message = " ".join(message for messages in broken.fields.values() for message in messages)
        raise Conflict(message, fields=broken.fields, code=code)


def keep_contact(uow, event):
    data, key = event.data, {"patient_id": event.data["patient_id"]}
    stored = uow.session.get(Contact, key)
    current = domain.Contact(stored.mobile_phone, stored.text_ok, stored.opted_out) if stored else None
    contact = domain.contact_after_sync(current, data["mobile_phone"], data["text_ok"])
    upsert_newer(uow.session, Contact, key, data["version"], {
        "practice_id": event.practice_id, "clinic_id": data["clinic_id"],
        "mobile_phone": contact.mobile_phone, "text_ok": contact.text_ok, "opted_out": contact.opted_out,
    })


def keep_clinic(uow, event):
    data = event.data
    upsert_newer(uow.session, Clinic, {"clinic_id": data["clinic_id"]}, data["version"], {
        "practice_id": event.practice_id, "external_id": data["external_id"], "name": data["name"],
        "phone": data["phone"], "country": data["country"], "timezone": data["timezone"],
    })


def clinic_settings(clinic):
    return {
        "clinic_id": clinic.clinic_id, "external_id": clinic.external_id, "name": clinic.name,
        "subscribed": clinic.texting_subscribed, "number": clinic.texting_number,
    }


def texting_clinic(clinic):
    if clinic is None:
        return None
    return domain.TextingClinic(clinic.clinic_id, clinic.texting_subscribed, clinic.texting_number)


def _clinic(session, practice_id, clinic_id):
    """The practice's clinic as sms holds it, or None (unknown, or another practice's)."""
    if not clinic_id:
        return None
    clinic = session.get(Clinic, clinic_id)
    return clinic if clinic is not None and clinic.practice_id == practice_id else None


def _known_clinic(session, practice_id, clinic_id):
    clinic = _clinic(session, practice_id, clinic_id)
    if clinic is None:
        raise NotFound("SMS has not received this clinic yet; try again shortly.")
    return clinic


class SmsService(ChairsideService):
    name = "sms"
    db = Database("services.sms:migrations")
    provider = SmsProvider()

    @consume("identity", "patient_upserted")
    def on_patient_upserted(self, event):
        self.db.apply_once(event, keep_contact)

    @consume("identity", "clinic_upserted")
    def on_clinic_upserted(self, event):
        self.db.apply_once(event, keep_clinic)

    @rpc
    def get_texting(self, practice_id, patient_id):
        with self.db.reading() as session:
            contact = session.get(Contact, patient_id)
            if contact is None or contact.practice_id != practice_id:
                raise NotFound("SMS has no contact for this patient yet.")
            return {"mobile_phone": contact.mobile_phone, "text_ok": contact.text_ok, "opted_out": contact.opted_out}

    # -- texting settings -------------------------------------------------------------------

    @rpc
    def set_clinic_texting(self, practice_id, clinic_id, subscribed, number, external_id=None):
        """Whether the clinic texts, and from which number; its settings.

        `external_id`, the PMS's id of the clinic as the caller learnt it from identity,
        fills in one a clinic synced before sms kept external ids is missing.
        """
        data = load(ClinicTexting(), {"practice_id": practice_id, "clinic_id": clinic_id,
                                      "subscribed": subscribed, "number": number, "external_id": external_id})
        settings = _invalid(domain.clinic_texting, data["clinic_id"], data["subscribed"], data["number"])
        with self.db.unit_of_work() as uow:
            clinic = _known_clinic(uow.session, data["practice_id"], settings.clinic_id)
            if settings.number:
                holders = uow.session.scalars(select(Clinic.practice_id).where(
                    Clinic.texting_number == settings.number, Clinic.clinic_id != clinic.clinic_id)).all()
                _refused(TEXTING_NUMBER_TAKEN, domain.check_number_free, clinic.practice_id, settings.number, holders)
            if clinic.external_id is None and data["external_id"]:
                clinic.external_id = data["external_id"]
            clinic.texting_subscribed = settings.subscribed
            clinic.texting_number = settings.number
            return clinic_settings(clinic)

    @rpc
    def set_default_texting_clinic(self, practice_id, clinic_id):
        """The clinic that texts the practice's patients whose own clinic cannot (None: no default)."""
        data = load(DefaultTextingClinic(), {"practice_id": practice_id, "clinic_id": clinic_id})

        def choose():
            with self.db.unit_of_work() as uow:
                if data["clinic_id"] is not None:
                    _known_clinic(uow.session, data["practice_id"], data["clinic_id"])
                row = uow.session.get(PracticeTexting, data["practice_id"])
                if row is None:
                    uow.session.add(PracticeTexting(practice_id=data["practice_id"],
                                                    default_clinic_id=data["clinic_id"]))
                else:
                    row.default_clinic_id = data["clinic_id"]
            return {"default_clinic_id": data["clinic_id"]}

        try:
            return choose()
        except IntegrityError:  # a concurrent first choice of the same practice: update it
            return choose()

    @rpc
    def get_texting_settings(self, practice_id):
        data = load(PracticeOnly(), {"practice_id": practice_id})
        with self.db.reading() as session:
            practice = session.get(PracticeTexting, data["practice_id"])
            clinics = session.scalars(select(Clinic).where(Clinic.practice_id == data["practice_id"])
                                      .order_by(Clinic.name, Clinic.clinic_id)).all()
            return {
                "default_clinic_id": practice.default_clinic_id if practice else None,
                "clinics": [clinic_settings(clinic) for clinic in clinics],
            }

    # -- sending ------------------------------------------------------------------------------

    @rpc
    def send_text(self, practice_id, patient_id, body, purpose):
        """Text a patient from the clinic the rules choose; {"message_id", "to", "from"}.

        Refusals are Conflicts: CANNOT_TEXT (no mobile phone, opted out, Text OK "no") and
        TEXTING_NOT_SET_UP (no clinic that can text). A provider that fails leaves nothing
        stored and answers ServiceUnavailable: the caller may try again.
        """
        data = load(SendText(), {"practice_id": practice_id, "patient_id": patient_id,
                                 "body": body, "purpose": purpose})
        practice_id, patient_id = data["practice_id"], data["patient_id"]
        with self.db.reading() as session:
            stored = session.get(Contact, patient_id)
            if stored is None or stored.practice_id != practice_id:
                raise NotFound("SMS has no contact for this patient yet.")
            contact = _refused(CANNOT_TEXT, domain.may_text,
                               domain.Contact(stored.mobile_phone, stored.text_ok, stored.opted_out))
            settings = session.get(PracticeTexting, practice_id)
            sender = _refused(
                TEXTING_NOT_SET_UP, domain.choose_sender,
                texting_clinic(_clinic(session, practice_id, stored.clinic_id)),
                texting_clinic(_clinic(session, practice_id, settings.default_clinic_id if settings else None)),
            )

        try:
            provider_message_id = self.provider.send(contact.mobile_phone, sender.number, data["body"])
        except Exception as exc:
            log.warning("the SMS provider refused a text of practice %s (%s: %s)", practice_id, type(exc).__name__, exc)
            raise ServiceUnavailable("The text was not sent: the SMS provider did not accept it. Try again shortly.")

        message_id = str(uuid.uuid4())
        try:
            with self.db.unit_of_work() as uow:
                uow.session.add(OutgoingMessage(
                    id=message_id, practice_id=practice_id, clinic_id=sender.clinic_id, patient_id=patient_id,
                    to_phone=contact.mobile_phone, from_phone=sender.number,
                    body=domain.body_to_keep(data["body"], data["purpose"]),
                    purpose=data["purpose"], provider_message_id=str(provider_message_id), sent_at=uow.clock.now(),
                ))
        except Exception:
            log.error("text %s of practice %s was sent (provider id %s) but could not be recorded",
                      message_id, practice_id, provider_message_id)
            raise
        return {"message_id": message_id, "to": contact.mobile_phone, "from": sender.number}
