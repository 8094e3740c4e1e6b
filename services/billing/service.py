"""billing: every patient's account and balance. It opens an account when identity
announces a patient, and answers balances (chairside.contracts.billing)."""
from chairside.contracts import billing as contract
from chairside.db import Database
from chairside.entrypoints import ChairsideService, applied_once, rpc
from services.billing.usecases import accounts, balances


class BillingService(ChairsideService):
    name = "billing"
    db = Database("services.billing:migrations")

    on_patient_upserted = applied_once("identity", "patient_upserted", accounts.open_account)

    @rpc
    def get_balance(self, practice_id, patient_id):
        return self.db.run(balances.patient_balance, practice_id, patient_id, answer=contract.Balance(), read_only=True)
