"""sms: texting. It keeps each patient's phone and consent and each clinic from identity's
events, holds the practice's texting numbers, and sends texts through the provider; inputs
and answers follow chairside.contracts.sms."""
from nameko.timer import timer

from chairside.contracts import sms as contract
from chairside.db import Database
from chairside.entrypoints import ChairsideService, applied_once, consume, rpc
from services.sms.adapters import SmsProvider
from services.sms.usecases import (
    contacts, inbound, inbox, limit, payment_receipts, practices, receipts, sending, settings, usage,
)

# How often texts left "sending" by a crashed copy are looked for (they are failed once
# sending.STALE_AFTER old): every copy looks, and the update is the same whoever runs it.
STALE_CHECK_SECONDS = 300

RETRY_RECEIPTS_SECONDS = 5 * 60  # pending delivery receipts are tried again this often
PURGE_RECEIPTS_SECONDS = 24 * 60 * 60  # and those past their 60 days deleted daily


class SmsService(ChairsideService):
    name = "sms"
    db = Database("services.sms:migrations")
    provider = SmsProvider()

    on_clinic_upserted = applied_once("identity", "clinic_upserted", settings.keep_clinic)
    on_practice_upserted = applied_once("identity", "practice_upserted", practices.keep_practice)

    @consume("identity", "patient_upserted")
    def on_patient_upserted(self, event):
        """identity.patient_upserted: the contact kept once per event, then its opt-in text sent."""
        contacts.sync_contact(self.db, self.provider, event)

    @consume("billing", "payment_received")
    def on_payment_received(self, event):
        """billing.payment_received: the payer texted a receipt when they may be texted, once per event."""
        payment_receipts.text_receipt(self.db, self.provider, event)

    @timer(interval=STALE_CHECK_SECONDS)
    def fail_stale_sending(self):
        self.db.run(sending.fail_stale_sending, sending.STALE_AFTER)

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
        """Text a patient from the clinic the rules choose: SentText."""
        return contract.SentText().dump(
            sending.send_text(self.db, self.provider, practice_id, patient_id, contract.SendText().load(sent)))

    @rpc
    def text_staff(self, practice_id, phone, sent):
        """Text a staff member's own phone from the practice's default texting clinic (a sign-in code)."""
        return contract.SentText().dump(sending.text_staff(
            self.db, self.provider, practice_id, contract.StaffPhone().load({"phone": phone})["phone"],
            contract.SendText().load(sent)))

    @rpc
    def send_texts(self, practice_id, texts):
        """Text a batch of patients (at most contract.MAX_BATCH), each like send_text: a SendResult each."""
        return contract.SendResult(many=True).dump(sending.send_texts(
            self.db, self.provider, practice_id, contract.SendTexts().load({"texts": texts})["texts"]))

    @rpc
    def get_spend_limit(self, practice_id):
        return self.db.run(limit.spend_limit, practice_id, answer=contract.SpendLimit(), read_only=True)

    @rpc
    def set_spend_limit(self, practice_id, sent):
        return self.db.run(limit.set_spend_limit, practice_id, contract.SpendLimitInput().load(sent),
                           answer=contract.SpendLimit(), retry_on_race=True)

    @rpc
    def set_opt_in_preferences(self, practice_id, clinic_id, sent):
        return self.db.run(settings.set_opt_in_preferences, practice_id, clinic_id,
                           contract.OptInPreferences().load(sent), answer=contract.ClinicTextingSettings())

    # -- inbound texts, receipts, the inbox -----------------------------------------------------

    @rpc
    def receive_text(self, sent):
        """A text to one of a practice's texting numbers (from the provider, its webhook or the
        simulator): stored once, answered when it is STOP, START or HELP."""
        return contract.Received().dump(
            inbound.receive_text(self.db, self.provider, contract.ReceiveText().load(sent)))

    @rpc
    def receive_receipt(self, sent):
        """A carrier's delivery receipt: applied to its message, or kept and retried."""
        return self.db.run(receipts.receive_receipt, contract.ReceiveReceipt().load(sent),
                           answer=contract.ReceiptApplied())

    @timer(interval=RETRY_RECEIPTS_SECONDS)
    def retry_pending_receipts(self):
        self.db.run(receipts.retry_pending)

    @timer(interval=PURGE_RECEIPTS_SECONDS)
    def purge_pending_receipts(self):
        self.db.run(receipts.purge_pending)

    @rpc
    def conversations(self, practice_id):
        return self.db.run(inbox.conversations, practice_id, answer=contract.ConversationSummary(many=True),
                           read_only=True)

    @rpc
    def conversation(self, practice_id, phone, mark_read=True):
        """A conversation's texts; `mark_read` marks the received ones read (False: only look)."""
        phone = contract.ConversationPhone().load({"phone": phone})["phone"]
        return self.db.run(inbox.conversation, practice_id, phone, bool(mark_read), answer=contract.Conversation(),
                           read_only=not mark_read)

    @rpc
    def reply(self, practice_id, phone, sent):
        """The office answers a conversation, under the same rules as any send."""
        return contract.SentText().dump(inbox.reply(
            self.db, self.provider, practice_id, contract.ConversationPhone().load({"phone": phone})["phone"],
            contract.Reply().load(sent)))

    @rpc
    def patient_texts(self, practice_id, patient_id):
        return self.db.run(inbox.patient_texts, practice_id, patient_id, answer=contract.PatientTexts(),
                           read_only=True)

    @rpc
    def texting_usage(self, practice_id, month=None):
        """Texts sent and received per clinic in the practice's month ("YYYY-MM"; None: this month)."""
        return self.db.run(usage.texting_usage, practice_id, contract.UsageMonth().load({"month": month})["month"],
                           answer=contract.TextingUsage(), read_only=True)
