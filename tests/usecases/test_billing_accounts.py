"""billing opens a patient's account when identity announces the patient (at least once,
in any order) and answers its balance within the practice only."""
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from chairside.contracts.billing import Balance
from chairside.refusals import NotFound
from chairside.tables import ProcessedEvent
from services.billing.models import Account, LedgerEntry
from services.billing.usecases import accounts, balances
from tests.usecases.events import patient_upserted as patient_event

CONSUMER = "billing.on_patient_upserted"


def deliver(billing_db, *events, effect=accounts.open_account):
    billing_db.deliver(CONSUMER, effect, *events)


def stored(billing_db, patient_id="a1"):
    with billing_db.session() as session:
        row = session.get(Account, patient_id)
        return None if row is None else dict(practice_id=row.practice_id, guarantor_id=row.guarantor_id,
                                             currency=row.currency, version=row.version)


def owe(billing_db, cents, patient_id="a1", practice_id="p1"):
    """A charge (or, for a negative amount, a payment) on the patient's ledger."""
    now = billing_db.clock.now()
    with billing_db.session() as session, session.begin():
        session.add(LedgerEntry(id=str(uuid.uuid4()), practice_id=practice_id, patient_id=patient_id,
                                entry_date=date(2026, 1, 5), kind="charge" if cents > 0 else "payment",
                                amount_cents=abs(cents), currency="USD", created_at=now, updated_at=now))


def balance(billing_db, practice_id="p1", patient_id="a1"):
    return billing_db.run(balances.patient_balance, practice_id, patient_id, answer=Balance(), read_only=True)


def test_an_account_opens_empty_in_usd(billing_db, clock):
    deliver(billing_db, patient_event(clock, guarantor_id="g1"))
    assert stored(billing_db) == dict(practice_id="p1", guarantor_id="g1", currency="USD", version=1)
    assert balance(billing_db) == {"balance_cents": 0, "currency": "USD"}


def test_the_same_event_twice_opens_one_account_once(billing_db, clock):
    calls = []

    def counting(uow, evt):
        calls.append(evt.id)
        accounts.open_account(uow, evt)

    evt = patient_event(clock)
    deliver(billing_db, evt, evt, effect=counting)
    assert calls == [evt.id]
    with billing_db.session() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 1
        assert session.scalars(select(ProcessedEvent.event_id)).all() == [evt.id]


@pytest.mark.parametrize("guarantor_id", ["g2", None], ids=["new-guarantor", "guarantor-removed"])
def test_a_later_version_updates_the_guarantor_and_keeps_the_balance(billing_db, clock, guarantor_id):
    deliver(billing_db, patient_event(clock, guarantor_id="g1"))
    owe(billing_db, 12_345)
    deliver(billing_db, patient_event(clock, version=2, guarantor_id=guarantor_id))
    assert stored(billing_db) == dict(practice_id="p1", guarantor_id=guarantor_id, currency="USD",
                                      version=2)
    assert balance(billing_db) == {"balance_cents": 12_345, "currency": "USD"}


@pytest.mark.parametrize("late_version", [1, 2], ids=["older", "same-version-again"])
def test_an_older_or_equal_version_changes_nothing(billing_db, clock, late_version):
    deliver(billing_db, patient_event(clock, version=2, guarantor_id="g2"))
    owe(billing_db, -500)
    before = stored(billing_db)
    deliver(billing_db, patient_event(clock, version=late_version, guarantor_id="g1"))
    assert stored(billing_db) == before


def test_a_first_event_that_is_not_version_one_still_opens_the_account(billing_db, clock):
    """Version 1 may be late or lost in a replay: the first one billing sees opens the account."""
    deliver(billing_db, patient_event(clock, version=3), patient_event(clock, version=1, guarantor_id="g1"))
    assert stored(billing_db) == dict(practice_id="p1", guarantor_id=None, currency="USD", version=3)


@pytest.mark.parametrize("practice_id, patient_id", [
    ("p2", "a1"),    # another practice's patient: answered like one that does not exist
    ("p1", "a404"),  # not synced (yet)
    ("p1", None),
], ids=["another-practice", "unknown", "none"])
def test_a_balance_outside_the_practice_is_not_synced_yet(billing_db, clock, practice_id, patient_id):
    deliver(billing_db, patient_event(clock), patient_event(clock, practice_id="p2", patient_id="b1"))
    with pytest.raises(NotFound) as refused:
        balance(billing_db, practice_id, patient_id)
    assert refused.value.code == "NOT_SYNCED_YET"
    assert "billing" in refused.value.message and "patient" in refused.value.message


def test_each_practice_sees_its_own_accounts(billing_db, clock):
    deliver(billing_db, patient_event(clock), patient_event(clock, practice_id="p2", patient_id="b1"))
    owe(billing_db, 700, patient_id="b1", practice_id="p2")
    assert balance(billing_db, "p1", "a1") == {"balance_cents": 0, "currency": "USD"}
    assert balance(billing_db, "p2", "b1") == {"balance_cents": 700, "currency": "USD"}
