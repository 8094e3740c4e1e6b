"""sms's nameko entrypoints."""

from chairside.consumer import consume
from chairside.db import Database, upsert_newer
from chairside.errors import NotFound
from chairside.service import ChairsideService, rpc
from services.sms import domain
from services.sms.models import Clinic, Contact


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
        "practice_id": event.practice_id, "name": data["name"], "phone": data["phone"],
        "country": data["country"], "timezone": data["timezone"],
    })


class SmsService(ChairsideService):
    name = "sms"
    db = Database("services.sms:migrations")

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
