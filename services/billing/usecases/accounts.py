"""A patient's account: opened when identity announces the patient, its balance asked by others."""
from chairside.db import keep_newer_copy
from chairside.refusals import not_synced_yet
from chairside.tenancy import of_practice
from services.billing import domain
from services.billing.models import Account


def open_account(uow, event):
    """The account opens with the patient; later versions keep the family link current."""
    opening = domain.opening_balance()
    keep_newer_copy(uow, event, Account, "patient_id", ("guarantor_id",),
                    on_insert={"currency": opening.currency, "balance_cents": opening.cents})


def account(uow, practice_id, patient_id):
    return of_practice(uow.session, Account, patient_id, practice_id, not_synced_yet("billing", "patient"))
