"""The unit of work: effects, outbox rows and processed-event marks commit or roll back together."""
import uuid
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from chairside import migrate
from chairside.clock import FixedClock
from chairside.db import WorkerDatabase, make_engine, read_only_sessions, upsert_newer
from chairside.events.envelope import Event
from chairside.tables import OutboxRow, ProcessedEvent
from services.billing.models import Account

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)


def an_event():
    return Event(str(uuid.uuid4()), "patient_upserted", "identity", NOW, "practice-1", 1, {})


@pytest.fixture
def units(sessions):
    woken = []
    return WorkerDatabase(sessions, "billing", "billing.on_patient_upserted", FixedClock(NOW), lambda: woken.append(1))


def count(sessions, model):
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_an_event_is_applied_once(units, sessions):
    evt = an_event()
    with units.unit_of_work() as uow:
        assert uow.already_processed(evt) is False
    with units.unit_of_work() as uow:
        assert uow.already_processed(evt) is True
    assert count(sessions, ProcessedEvent) == 1


def test_a_failed_handler_leaves_no_mark_so_the_retry_applies_it(units, sessions):
    evt = an_event()
    with pytest.raises(RuntimeError):
        with units.unit_of_work() as uow:
            assert not uow.already_processed(evt)
            uow.session.add(Account(patient_id="p1", practice_id="x", currency="USD", version=1))
            raise RuntimeError("crash half-way")
    assert count(sessions, ProcessedEvent) == 0 and count(sessions, Account) == 0
    with units.unit_of_work() as uow:
        assert not uow.already_processed(evt)


def test_two_copies_applying_the_same_event_at_once_conflict_before_effects(sessions):
    evt = an_event()
    first, second = sessions(), sessions()
    try:
        from chairside.db import UnitOfWork
        a = UnitOfWork(first, "billing", "billing.c", FixedClock(NOW))
        b = UnitOfWork(second, "billing", "billing.c", FixedClock(NOW))
        assert a.already_processed(evt) is False
        first.commit()
        with pytest.raises(IntegrityError):
            b.session.add(ProcessedEvent(consumer="billing.c", event_id=evt.id, processed_at=NOW))
            b.session.flush()
    finally:
        second.rollback()
        first.close()
        second.close()


def test_outbox_rows_commit_with_the_change_and_wake_the_relay(sessions):
    woken = []
    units = WorkerDatabase(sessions, "identity", None, FixedClock(NOW), lambda: woken.append(1))
    data = {
        "patient_id": "p1", "external_id": "P-1", "version": 1, "first_name": "Ann", "last_name": "Lee",
        "birthdate": date(1980, 2, 3), "mobile_phone": None, "email": None, "clinic_id": None,
        "guarantor_id": None, "dependent": False, "text_ok": "unknown",
    }
    with units.unit_of_work() as uow:
        uow.announce("patient_upserted", "practice-1", data)
    assert count(sessions, OutboxRow) == 1 and woken == [1]
    with units.unit_of_work():
        pass
    assert woken == [1]  # nothing announced, nothing to wake


def test_upsert_newer_ignores_older_and_equal_versions(sessions):
    key = {"patient_id": "p1"}
    with sessions() as session, session.begin():
        assert upsert_newer(session, Account, key, 2, {"practice_id": "x", "currency": "USD", "guarantor_id": "g2"})
    with sessions() as session, session.begin():
        assert not upsert_newer(session, Account, key, 1, {"guarantor_id": "g1"})
        assert not upsert_newer(session, Account, key, 2, {"guarantor_id": "g1"})
        assert upsert_newer(session, Account, key, 3, {"guarantor_id": "g3"})
    with sessions() as session:
        account = session.get(Account, key)
        assert (account.version, account.guarantor_id) == (3, "g3")


def test_migrations_apply_once_on_sqlite_and_again_do_nothing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'identity.db'}")
    migrate.upgrade(engine, "services.identity:migrations", "identity")
    migrate.upgrade(engine, "services.identity:migrations", "identity")
    with engine.connect() as conn:
        tables = set(engine.dialect.get_table_names(conn))
    assert {"practices", "clinics", "patients", "outbox", "processed_events"} <= tables
    engine.dispose()


def test_apply_once_runs_the_effect_once_per_event_and_not_after_a_failure(units, sessions):
    evt, applied = an_event(), []

    def open_account(uow, event):
        applied.append(event.id)
        uow.session.add(Account(patient_id=f"p-{len(applied)}", practice_id="x", currency="USD", version=1))

    def crash(uow, event):
        raise RuntimeError("half-way")

    with pytest.raises(RuntimeError):
        units.apply_once(evt, crash)
    units.apply_once(evt, open_account)
    units.apply_once(evt, open_account)
    assert applied == [evt.id] and count(sessions, Account) == 1 and count(sessions, ProcessedEvent) == 1


def reader(engine, sessions):
    return WorkerDatabase(sessions, "billing", None, FixedClock(NOW), lambda: None,
                          read_only_sessions=read_only_sessions(engine))


def test_a_read_only_unit_of_work_reads_outside_a_transaction(engine, sessions):
    """No BEGIN and ROLLBACK for a read: each statement is its own transaction (now() is the
    statement's own time), where a unit that writes keeps one transaction throughout."""
    same_moment = text("SELECT now() = statement_timestamp()")
    with reader(engine, sessions).unit_of_work(read_only=True) as uow:
        uow.session.execute(text("SELECT 1"))
        assert uow.session.execute(same_moment).scalar() is True
    with reader(engine, sessions).unit_of_work() as uow:
        uow.session.execute(text("SELECT 1"))
        assert uow.session.execute(same_moment).scalar() is False


def test_a_read_only_unit_of_work_that_writes_is_refused_and_writes_nothing(engine, sessions):
    row = {"patient_id": "p1", "practice_id": "x", "currency": "USD", "version": 1}
    with pytest.raises(RuntimeError, match="read-only unit of work writes nothing: INSERT"):
        with reader(engine, sessions).unit_of_work(read_only=True) as uow:
            uow.session.execute(insert(Account.__table__), row)
    with reader(engine, sessions).unit_of_work(read_only=True) as uow:
        uow.session.add(Account(**row))
        assert uow.session.scalar(select(func.count()).select_from(Account)) == 0   # never flushed
    assert count(sessions, Account) == 0
