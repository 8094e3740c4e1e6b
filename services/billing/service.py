"""billing: every patient's account and balance, the ledger the PMS syncs, the practice's
payment settings, online payments and payment requests (message-to-pay). It opens an account
when identity announces a patient, answers balances (chairside.contracts.billing), takes
payments through the practice's card processor (chairside.contracts.payments) and asks for
them by text (chairside.contracts.payment_requests)."""
from nameko.timer import timer

from chairside import config
from chairside.batches import answered_each, answers_of, calls_of
from chairside.contracts import billing as contract, payments as paying
from chairside.contracts import payment_requests as asking
from chairside.db import Database
from chairside.entrypoints import ChairsideService, applied_once, rpc
from chairside.remote import ServiceRpc
from chairside.schemas import shared
from services.billing.processors.provider import CardProcessors
from services.billing.request_key import LinkKey
from services.billing.usecases import accounts, balances, cards, ledger, payments, refunds, settings, transactions
from services.billing.usecases import payment_requests

# How often payments and refunds left "processing" (a crash, a processor away) are asked
# again; each is asked once it is domain.RESUME_AFTER old, with its own idempotency key, so
# every copy of billing may look: the processor answers its first result.
RESUME_SECONDS = config.number("BILLING_RESUME_SECONDS", 30)
# How often due follow-ups of payment requests (and texts left in doubt) are looked for. Every
# copy of billing looks; each text is claimed by one, and sms texts each key once.
PAYMENT_REQUEST_TEXTS_SECONDS = 60


class BillingService(ChairsideService):
    name = "billing"
    db = Database("services.billing:migrations")
    processors = CardProcessors()

    on_patient_upserted = applied_once("identity", "patient_upserted", accounts.open_account)

    # -- the ledger, balances and payment settings ---------------------------------------

    @rpc
    def get_balance(self, practice_id, patient_id):
        return self.db.run(balances.patient_balance, practice_id, patient_id, answer=contract.Balance(), read_only=True)

    @rpc
    def balance_view(self, practice_id, patient_id):
        """The patient's own balance and the family balance they answer for."""
        return self.db.run(balances.balance_view, practice_id, patient_id, answer=shared(contract.BalanceView),
                           read_only=True)

    @rpc
    def balance_view_batch(self, calls):
        """balance_view for the calls of several pages at once (chairside.batches), in one read-only unit of work."""
        return self.db.run(answered_each, shared(calls_of(contract.BalanceViewCall)).load(calls)["calls"],
                           balances.balance_view, answer=shared(answers_of(contract.BalanceView)), read_only=True)

    @rpc
    def put_ledger_entry(self, practice_id, external_id, sent):
        return self.db.run(ledger.upsert_entry, practice_id, external_id, contract.LedgerEntryUpsert().load(sent),
                           answer=contract.LedgerEntry(), retry_on_race=True)

    @rpc
    def delete_ledger_entry(self, practice_id, external_id):
        self.db.run(ledger.delete_entry, practice_id, external_id)

    @rpc
    def get_payment_settings(self, practice_id):
        return self.db.run(settings.current, practice_id, answer=contract.PaymentSettings(), read_only=True)

    @rpc
    def put_payment_settings(self, practice_id, sent):
        return self.db.run(settings.change, practice_id, contract.PaymentSettingsBody().load(sent),
                           answer=contract.PaymentSettings(), retry_on_race=True)

    # -- paying -------------------------------------------------------------------------------

    @rpc
    def pay(self, practice_id, payer_id, asked):
        """The payer pays towards the family balance they are responsible for: a Receipt."""
        return paying.Receipt().dump(
            payments.pay(self.db, self.processors, practice_id, payer_id, paying.Pay().load(asked)))

    @rpc
    def payment(self, practice_id, payment_id, payer_id=None):
        return self.db.run(payments.payment, practice_id, payment_id, payer_id, answer=paying.Receipt(),
                           read_only=True)

    @rpc
    def card_field(self, practice_id):
        return paying.CardField().dump(cards.card_field(self.db, self.processors, practice_id))

    @rpc
    def saved_cards(self, practice_id, patient_id):
        return self.db.run(cards.saved_cards, practice_id, patient_id, answer=paying.SavedCard(many=True),
                           read_only=True)

    @rpc
    def remove_card(self, practice_id, patient_id, card_id):
        cards.remove_card(self.db, self.processors, practice_id, patient_id, card_id)

    @rpc
    def post_payment(self, practice_id, payment_id):
        return self.db.run(payments.post_payment, practice_id, payment_id, answer=paying.Receipt())

    @rpc
    def refund(self, practice_id, payment_id, asked):
        return paying.Refunded().dump(
            refunds.refund(self.db, self.processors, practice_id, payment_id, paying.RefundInput().load(asked)))

    @rpc
    def payments_since(self, practice_id, query):
        return self.db.run(transactions.payments_since, practice_id, paying.PaymentsQuery().load(query),
                           answer=paying.PaymentPage(), read_only=True)

    @rpc
    def payments_total(self, practice_id, window):
        return self.db.run(transactions.payments_total, practice_id, paying.TotalWindow().load(window),
                           answer=paying.PaymentsTotal(), read_only=True)

    @timer(interval=RESUME_SECONDS)
    def resume_unsettled(self):
        payments.resume_unsettled(self.db, self.processors)
        refunds.resume_unsettled(self.db, self.processors)

    # -- message-to-pay: payment requests, their links and follow-up texts ----------------

    sms = ServiceRpc("sms")
    link_key = LinkKey()

    @rpc
    def request_payment(self, practice_id, sent):
        """Text the patient a payment request with its link (in the answer this once)."""
        return asking.PaymentRequest().dump(payment_requests.request_payment(
            self.db, self.sms, self.link_key, practice_id, asking.NewPaymentRequest().load(sent)))

    @rpc
    def payment_request(self, practice_id, request_id):
        return self.db.run(payment_requests.payment_request, practice_id, request_id,
                           answer=asking.PaymentRequest(), read_only=True)

    @rpc
    def cancel_payment_request(self, practice_id, request_id):
        return self.db.run(payment_requests.cancel, practice_id, request_id, answer=asking.PaymentRequest())

    @rpc
    def list_payment_requests(self, practice_id, query):
        return self.db.run(payment_requests.listing, practice_id, asking.PaymentRequestQuery().load(query),
                           answer=asking.PaymentRequestPage(), read_only=True)

    @rpc
    def get_payment_request_settings(self, practice_id):
        return self.db.run(payment_requests.current_settings, practice_id, answer=asking.RequestSettings(),
                           read_only=True)

    @rpc
    def put_payment_request_settings(self, practice_id, sent):
        return self.db.run(payment_requests.change_settings, practice_id, asking.RequestSettings().load(sent),
                           answer=asking.RequestSettings(), retry_on_race=True)

    @rpc
    def open_payment_link(self, practice_id, token):
        """The payment portal opens a link: the request it is for (a sent request becomes opened)."""
        return self.db.run(payment_requests.open_payment_link, self.link_key, practice_id, token,
                           answer=asking.PaymentLink())

    @timer(interval=PAYMENT_REQUEST_TEXTS_SECONDS)
    def send_payment_request_texts(self):
        payment_requests.send_due(self.db, self.sms, self.link_key)
