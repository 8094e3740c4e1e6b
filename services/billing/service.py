"""billing: every patient's account and balance. It opens an account when identity announces
a patient, keeps the ledger the PMS syncs, answers balances and keeps the practice's payment
settings (chairside.contracts.billing)."""
from chairside.contracts import billing as contract
from chairside.db import Database
from chairside.entrypoints import ChairsideService, applied_once, rpc
from services.billing.usecases import accounts, balances, ledger, settings


class BillingService(ChairsideService):
    name = "billing"
    db = Database("services.billing:migrations")

    on_patient_upserted = applied_once("identity", "patient_upserted", accounts.open_account)

    # -- the ledger, balances and payment settings ---------------------------------------

    @rpc
    def get_balance(self, practice_id, patient_id):
        return self.db.run(balances.patient_balance, practice_id, patient_id, answer=contract.Balance(), read_only=True)

    @rpc
    def balance_view(self, practice_id, patient_id):
        """The patient's own balance and the family balance they answer for."""
        return self.db.run(balances.balance_view, practice_id, patient_id, answer=contract.BalanceView(),
                           read_only=True)

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
