"""sms: texting. It keeps each patient's phone and consent and each clinic from identity's
events, holds the practice's texting numbers, and sends texts through the provider; inputs
and answers follow chairside.contracts.sms."""
from chairside.contracts import sms as contract
from chairside.db import Database
from chairside.entrypoints import ChairsideService, applied_once, rpc
from services.sms.adapters import SmsProvider
from services.sms.usecases import contacts, practices, sending, settings, usage


class SmsService(ChairsideService):
    name = "sms"
    db = Database("services.sms:migrations")
    provider = SmsProvider()

    on_patient_upserted = applied_once("identity", "patient_upserted", contacts.keep_contact)
    on_clinic_upserted = applied_once("identity", "clinic_upserted", settings.keep_clinic)
    on_practice_upserted = applied_once("identity", "practice_upserted", practices.keep_practice)

    @rpc
    def get_texting(self, practice_id, patient_id):
        return self.db.run(contacts.contact, practice_id, patient_id, answer=contract.Texting(), read_only=True)

    @rpc
    def set_clinic_texting(self, practice_id, clinic_id, sent, external_id=None):
        return self.db.run(settings.set_clinic_texting, practice_id, clinic_id, contract.ClinicTexting().load(sent),
                           external_id, answer=contract.ClinicTextingSettings())

    @rpc
    def set_default_texting_clinic(self, practice_id, clinic_id):
        return self.db.run(settings.set_default_clinic, practice_id, clinic_id,
                           answer=contract.DefaultTextingClinic(), retry_on_race=True)

    @rpc
    def get_texting_settings(self, practice_id):
        return self.db.run(settings.settings, practice_id, answer=contract.TextingSettings(), read_only=True)

    @rpc
    def send_text(self, practice_id, patient_id, sent):
        """Text a patient from the clinic the rules choose: {"message_id", "to", "from"}."""
        return contract.SentText().dump(
            sending.send_text(self.db, self.provider, practice_id, patient_id, contract.SendText().load(sent)))

    @rpc
    def text_staff(self, practice_id, phone, sent):
        """Text a staff member's own phone from the practice's default texting clinic (a sign-in code)."""
        return contract.SentText().dump(sending.text_staff(
            self.db, self.provider, practice_id, contract.StaffPhone().load({"phone": phone})["phone"],
            contract.SendText().load(sent)))

    @rpc
    def texting_usage(self, practice_id, month=None):
        """Texts sent and received per clinic in the practice's month ("YYYY-MM"; None: this month)."""
        return self.db.run(usage.texting_usage, practice_id, contract.UsageMonth().load({"month": month})["month"],
                           answer=contract.TextingUsage(), read_only=True)
