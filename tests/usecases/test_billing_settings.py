"""A practice's payment settings: the defaults until set, a full replacement, per practice,
and a currency that changes only while no money is counted in it."""
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from chairside.contracts.billing import PaymentSettings as Answer, PaymentSettingsBody
from chairside.refusals import Conflict
from services.billing import domain
from services.billing.models import LedgerEntry, Payment, PaymentSettings
from services.billing.usecases import settings

DEFAULTS = {"online_payments": False, "auto_post": True, "minimum_cents": domain.DEFAULT_MINIMUM_CENTS,
            "processor": "sandbox", "currency": "USD"}
WANTED = {"online_payments": True, "auto_post": False, "minimum_cents": 500, "processor": "sandbox",
          "currency": "USD"}


def read(db, practice_id="p1"):
    return db.run(settings.current, practice_id, answer=Answer(), read_only=True)


def change(db, practice_id="p1", **changes):
    return db.run(settings.change, practice_id, PaymentSettingsBody().load({**WANTED, **changes}), answer=Answer())


def entry(db, practice_id="p1"):
    now = db.clock.now()
    with db.session() as session, session.begin():
        session.add(LedgerEntry(id=str(uuid.uuid4()), practice_id=practice_id, patient_id="a1", external_id="L-1",
                                entry_date=date(2026, 1, 5), kind="charge", amount_cents=100, currency="USD",
                                created_at=now, updated_at=now))


def payment(db, practice_id="p1", status="declined"):
    now = db.clock.now()
    with db.session() as session, session.begin():
        session.add(Payment(id=str(uuid.uuid4()), practice_id=practice_id, payer_id="a1", idempotency_key="k",
                            fingerprint="f" * 64, channel="portal", amount_cents=100, currency="USD", status=status,
                            processor="sandbox", save_card=False, refunded_cents=0, created_at=now))


def test_a_practice_that_never_set_them_has_the_defaults(billing_db):
    assert read(billing_db) == DEFAULTS
    assert settings.DEFAULTS.minimum_cents == 100 and settings.DEFAULTS.currency == domain.DEFAULT_CURRENCY


def test_settings_are_replaced_and_read_back(billing_db, clock):
    assert change(billing_db) == WANTED
    assert read(billing_db) == WANTED
    clock.advance(timedelta(hours=1))
    assert change(billing_db, online_payments=False, minimum_cents=1) == {**WANTED, "online_payments": False,
                                                                         "minimum_cents": 1}
    with billing_db.session() as session:
        assert session.scalar(select(func.count()).select_from(PaymentSettings)) == 1
        assert session.get(PaymentSettings, "p1").updated_at == clock.now()


def test_each_practice_has_its_own(billing_db):
    change(billing_db)
    assert read(billing_db, "p2") == DEFAULTS


def test_the_currency_may_change_while_no_money_is_counted(billing_db):
    entry(billing_db, "p2")
    payment(billing_db, "p2")     # another practice's money does not lock this one
    assert change(billing_db, currency="CAD")["currency"] == "CAD"
    assert change(billing_db, currency="EUR")["currency"] == "EUR"


@pytest.mark.parametrize("money", [entry, payment], ids=["ledger-entry", "payment"])
def test_the_currency_is_locked_once_money_is_counted_and_nothing_changes(billing_db, money):
    change(billing_db)
    money(billing_db)
    with pytest.raises(Conflict) as refused:
        change(billing_db, currency="CAD", minimum_cents=700)
    assert refused.value.code == "CURRENCY_LOCKED"
    assert read(billing_db) == WANTED


def test_with_money_counted_the_other_settings_still_change(billing_db):
    entry(billing_db)
    assert change(billing_db, auto_post=True) == {**WANTED, "auto_post": True}


def test_a_practice_with_money_and_no_settings_keeps_the_default_currency(billing_db):
    entry(billing_db)
    with pytest.raises(Conflict):
        change(billing_db, currency="GBP")
    assert read(billing_db) == DEFAULTS
