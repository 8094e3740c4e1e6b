"""A patient's account: opened when identity announces the patient, keeping who their
guarantor is so that family balances can be summed, and the PMS's id of the patient, which
the ledger the PMS syncs names them by."""
from chairside.db import keep_newer_copy
from services.billing import domain
from services.billing.models import Account


def open_account(uow, event):
    """The account opens with the patient; later versions keep the family link current."""
    keep_newer_copy(uow, event, Account, "patient_id", ("external_id", "guarantor_id"),
                    on_insert={"currency": domain.DEFAULT_CURRENCY})
