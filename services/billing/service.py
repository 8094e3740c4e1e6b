"""billing's nameko entrypoints."""

from chairside.consumer import consume
from chairside.db import Database, upsert_newer
from chairside.errors import NotFound
from chairside.service import ChairsideService, rpc
from services.billing import domain
from services.billing.models import Account


def open_account(uow, event):
    """The patient's account opens with the patient; later versions keep the family link current."""
    data, key = event.data, {"patient_id": event.data["patient_id"]}
    values = {"practice_id": event.practice_id, "guarantor_id": data["guarantor_id"]}
    if uow.session.get(Account, key) is None:
        opening = domain.opening_balance()
        values.update(currency=opening.currency, balance_cents=opening.cents)
    upsert_newer(uow.session, Account, key, data["version"], values)


class BillingService(ChairsideService):
    name = "billing"
    db = Database("services.billing:migrations")

    @consume("identity", "patient_upserted")
    def on_patient_upserted(self, event):
        self.db.apply_once(event, open_account)

    @rpc
    def get_balance(self, practice_id, patient_id):
        with self.db.reading() as session:
            account = session.get(Account, patient_id)
            if account is None or account.practice_id != practice_id:
                raise NotFound("Billing has no account for this patient yet.")
            return {"balance_cents": account.balance_cents, "currency": account.currency}
