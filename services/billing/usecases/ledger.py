"""The ledger the PMS syncs by its own ids: the same entry twice changes nothing; a change
(another amount, another patient...) increments its version. An entry may say it records
one of our online payments: the entry billing posted itself for that payment becomes the
PMS's (one line, never two), and a payment still pending is posted by it."""
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlalchemy import select

from chairside.contracts.billing import LEDGER_ENTRY_NOT_FOUND, PAYMENT_ALREADY_ON_LEDGER, PAYMENT_NOT_FOUND
from chairside.db import facts_of, store_facts
from chairside.refusals import rule_broken
from chairside.rules import next_version
from chairside.tenancy import by_external_id, of_practice
from services.billing import domain
from services.billing.domain import EntryFacts
from services.billing.models import Account, LedgerEntry, Payment
from services.billing.usecases import balances, settings


@dataclass(frozen=True)
class Shown:
    """A ledger entry as the PMS reads it back (chairside.contracts.billing.LedgerEntry)."""
    external_id: str
    patient: str
    date: date
    kind: str
    amount_cents: int
    currency: str
    description: Optional[str]
    payment: Optional[str]
    version: int


def shown(uow, entry):
    patient = uow.session.get(Account, entry.patient_id)
    return Shown(entry.external_id, patient.external_id, entry.entry_date, entry.kind, entry.amount_cents,
                 entry.currency, entry.description, entry.payment_id, entry.version)


def recorded_payment(uow, practice_id, payment_id):
    """The practice's approved online payment `payment_id`: PAYMENT_NOT_FOUND for one of
    another practice or none, RULE_BROKEN for one the processor did not approve."""
    payment = of_practice(uow.session, Payment, payment_id, practice_id, PAYMENT_NOT_FOUND)
    if payment.status != balances.SUCCEEDED:
        raise rule_broken("payment", domain.NOT_APPROVED)
    return payment


def adopt_posting(uow, entry, payment, practice_id, external_id):
    """The entry that records `payment` from now on: the PMS's `entry` (None when new). The
    entry billing posted itself for the payment is dropped, or becomes the PMS's when the
    PMS has none yet; an entry the PMS already has for the payment refuses the sync."""
    session = uow.session
    holder = session.scalar(select(LedgerEntry).where(LedgerEntry.payment_id == payment.id))
    if holder is None or holder is entry:
        return entry
    if holder.external_id is not None:
        raise PAYMENT_ALREADY_ON_LEDGER()
    if entry is None:
        holder.external_id = external_id
        return holder
    session.delete(holder)
    session.flush()   # its payment_id is free before this entry takes it (unique)
    return entry


def upsert_entry(uow, practice_id, external_id, sent):
    """Create or replace the PMS's ledger entry `external_id`. A patient billing has not
    received from identity yet is NOT_SYNCED_YET and nothing is stored: the PMS retries."""
    session = uow.session
    patient = balances.known_patient(uow, practice_id, sent["patient"])
    facts = domain.entry_facts(patient.patient_id, sent)
    currency = settings.current(uow, practice_id, share=True).currency
    entry = by_external_id(session, LedgerEntry, practice_id, external_id)
    adopted = False
    if facts.payment_id:
        payment = recorded_payment(uow, practice_id, facts.payment_id)
        kept = adopt_posting(uow, entry, payment, practice_id, external_id)
        adopted, entry = kept is not entry, kept
        if payment.posted_at is None:
            payment.posted_at = uow.clock.now()
    version = next_version(None if adopted else facts_of(entry, EntryFacts), entry.version if entry else 0, facts)
    if version is not None:
        if entry is None:
            entry = LedgerEntry(id=str(uuid.uuid4()), practice_id=practice_id, external_id=external_id,
                                created_at=uow.clock.now())
            session.add(entry)
        entry.currency = currency
        store_facts(uow, entry, facts, version)
        session.flush()
    return shown(uow, entry)


def delete_entry(uow, practice_id, external_id):
    """The PMS removed the entry: it leaves the ledger (LEDGER_ENTRY_NOT_FOUND when there is none)."""
    uow.session.delete(by_external_id(uow.session, LedgerEntry, practice_id, external_id, LEDGER_ENTRY_NOT_FOUND))
