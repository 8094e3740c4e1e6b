"""Use cases run directly against a real database: the service's PostgreSQL database at its
newest schema, empty at the start of every test, a clock the test sets, and fakes only for
other services and outside parties.

    def test_something(identity_db, clock):
        identity_db.run(sync.upsert_clinic, practice_id, "main", {...})
"""
from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.orm import sessionmaker

from chairside.clock import FixedClock
from chairside import migrate
from chairside.db import WorkerDatabase, make_engine, read_only_sessions
from chairside.migrate import SHARED_VERSION_TABLE
from tests.usecases.identity_world import sms, world  # noqa: F401 (identity's fixtures)
from tests.usecases.forms_world import forms  # noqa: F401 (forms' fixture)
from tests.usecases.sms_inbound_world import provider, texts  # noqa: F401 (sms inbound texts' fixtures)

VERSION_TABLES = {SHARED_VERSION_TABLE, "alembic_version"}
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock():
    return FixedClock(NOW)


class ServiceDatabase:
    """A service's database for use-case tests: units of work as a worker has them, and a
    plain session to look at what was stored."""

    def __init__(self, engine, service, clock):
        self.engine = engine
        self.service = service
        self.clock = clock
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.read_only_sessions = read_only_sessions(engine)
        self.woken = 0

    def worker(self, actor=None, request_id=None, consumer=None):
        """What a worker serving one call sees as `self.db`."""
        def wake():
            self.woken += 1
        return WorkerDatabase(self.sessions, self.service, consumer, self.clock, wake, actor, request_id,
                              self.read_only_sessions)

    def run(self, use_case, *args, **kwargs):
        return self.worker().run(use_case, *args, **kwargs)

    def deliver(self, consumer, effect, *events):
        """Events applied as the consumer named `consumer` applies them: each once."""
        worker = self.worker(consumer=consumer)
        for evt in events:
            worker.apply_once(evt, effect)

    def session(self):
        return self.sessions()


class Emptied:
    """One migrated database per service for the whole run, emptied before each test:
    a fresh database per test cost ten times as much, for the same clean slate."""

    def __init__(self, databases):
        self.databases = databases
        self.engines = {}

    def engine(self, service):
        if service not in self.engines:
            engine = make_engine(self.databases.create(f"uc_{service}"))
            migrate.upgrade(engine, f"services.{service}:migrations", service)
            self.engines[service] = engine
        engine = self.engines[service]
        tables = [name for name in inspect(engine).get_table_names() if name not in VERSION_TABLES]
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return engine

    def dispose(self):
        for engine in self.engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def emptied(databases):
    emptied = Emptied(databases)
    yield emptied
    emptied.dispose()


@pytest.fixture
def identity_db(emptied, clock):
    return ServiceDatabase(emptied.engine("identity"), "identity", clock)


@pytest.fixture
def sms_db(emptied, clock):
    return ServiceDatabase(emptied.engine("sms"), "sms", clock)


@pytest.fixture
def billing_db(emptied, clock):
    return ServiceDatabase(emptied.engine("billing"), "billing", clock)


@pytest.fixture
def forms_db(emptied, clock):
    return ServiceDatabase(emptied.engine("forms"), "forms", clock)
