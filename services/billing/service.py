"""billing's nameko entrypoints."""

from chairside.consumer import consume
from chairside.db import Database, upsert_newer
from chairside.errors import NotFound
from chairside.service import ChairsideService, rpc
from services.billing import domain
from services.billing.models import Account


class BillingService(ChairsideService):
    name = "billing"
    db = Database("services.billing:migrations")

    @consume("identity", "patient_upserted")
    def on_patient_upserted(self, event):
        data = event.data
        with self.db.unit_of_work() as uow:
            if uow.already_processed(event):
                return
            opening = domain.opening_balance()
            account = uow.session.get(Account, {"patient_id": data["patient_id"]})
            values = {"practice_id": event.practice_id, "guarantor_id": data["guarantor_id"]}
            if account is None:
                values.update(currency=opening.currency, balance_cents=opening.cents)
            upsert_newer(uow.session, Account, {"patient_id": data["patient_id"]}, data["version"], values)

    @rpc
    def get_balance(self, practice_id, patient_id):
        with self.db.reading() as session:
            account = session.get(Account, patient_id)
            if account is None or account.practice_id != practice_id:
                raise NotFound("Billing has no account for this patient yet.")
            return {"balance_cents": account.balance_cents, "currency": account.currency}
