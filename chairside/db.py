"""The SQLAlchemy 2 session and unit of work for nameko workers.

`Database` is a nameko dependency: at start-up it connects to `<SERVICE>_DB_URL`,
applies the migrations and starts the service's outbox relay. A worker opens one unit
of work per change:

    with self.db.unit_of_work() as uow:
        uow.session.add(...)
        uow.announce("patient_upserted", practice_id, data)   # outbox, same transaction

Leaving the block commits the change and its outbox rows together; an exception rolls
both back. An event handler applies its effect once per event:

    self.db.apply_once(event, open_account)   # open_account(uow, event)

which records (consumer, event id) in the same transaction as the effect.
"""
import json
import logging
from contextlib import contextmanager

from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

from chairside import config, migrate
from chairside.clock import clock_from_env
from chairside.events import new_event
from chairside.events.envelope import EnvelopeSchema
from chairside.outbox import OutboxRelay
from chairside.rules import newer
from chairside.tables import OutboxRow, ProcessedEvent

log = logging.getLogger(__name__)


def make_engine(url):
    if url.startswith("postgresql"):
        # eventlet cannot make a C driver cooperative by itself; without this one slow
        # query would block every worker of the process.
        from psycogreen.eventlet import patch_psycopg
        patch_psycopg()
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    engine = create_engine(url, connect_args={"timeout": 30})
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class UnitOfWork:
    def __init__(self, session, source, consumer, clock):
        self.session = session
        self.source = source
        self.consumer = consumer
        self.clock = clock
        self.announced = 0

    def announce(self, event_type, practice_id, data, schema_version=1):
        """Write an event to the outbox, in this transaction."""
        evt = new_event(self.source, event_type, practice_id, data, self.clock.now(), schema_version)
        self.session.add(OutboxRow(
            event_id=evt.id,
            source=evt.source,
            event_type=evt.type,
            body=json.dumps(EnvelopeSchema().dump(evt)),
            created_at=evt.occurred_at,
        ))
        self.announced += 1
        return evt

    def already_processed(self, evt):
        """True when this consumer has applied `evt` before; otherwise marks it applied."""
        if self.consumer is None:
            raise RuntimeError("already_processed() is for event handlers")
        key = {"consumer": self.consumer, "event_id": evt.id}
        if self.session.get(ProcessedEvent, key) is not None:
            log.info("%s skips event %s: already applied", self.consumer, evt.id)
            return True
        self.session.add(ProcessedEvent(processed_at=self.clock.now(), **key))
        # flush now so that a concurrent copy applying the same event fails here, before
        # its effects, and retries into the duplicate branch above.
        self.session.flush()
        return False


class UnitsOfWork:
    """What a worker sees as `self.db`."""

    def __init__(self, sessions, source, consumer, clock, on_announce):
        self._sessions = sessions
        self._source = source
        self._consumer = consumer
        self.clock = clock
        self._on_announce = on_announce

    @contextmanager
    def unit_of_work(self):
        session = self._sessions()
        uow = UnitOfWork(session, self._source, self._consumer, self.clock)
        try:
            yield uow
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        if uow.announced:
            self._on_announce()

    def apply_once(self, event, effect):
        """Run `effect(uow, event)` unless this consumer applied `event` before, in one transaction."""
        with self.unit_of_work() as uow:
            if not uow.already_processed(event):
                effect(uow, event)

    @contextmanager
    def reading(self):
        """A session for queries only; nothing is committed."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()


class Database(DependencyProvider):
    """nameko dependency: engine, migrations, units of work and the outbox relay."""

    def __init__(self, migrations, clock=None):
        self.migrations = migrations  # e.g. "services.identity:migrations"
        self.clock = clock or clock_from_env()

    def setup(self):
        name = self.container.service_name
        self.engine = make_engine(config.db_url(name))
        migrate.upgrade(self.engine, self.migrations, name)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.relay = OutboxRelay(self.engine, self.container.config["AMQP_URI"], clock=self.clock)

    def start(self):
        self.container.spawn_managed_thread(self.relay.run, identifier=f"{self.container.service_name}.outbox")

    def stop(self):
        self.relay.stop()

    def kill(self):
        self.relay.stop()

    def get_dependency(self, worker_ctx):
        consumer = getattr(worker_ctx.entrypoint, "consumer_name", None)
        return UnitsOfWork(self.sessions, self.container.service_name, consumer, self.clock, self.relay.wake)


def upsert_newer(session, model, key, version, values):
    """Create the row, or overwrite it when `version` is newer than the one it holds.

    Consumers keep copies of other services' records; events may arrive twice or out of
    order, so an older version never overwrites a newer one. Returns True when applied.
    """
    row = session.get(model, key)
    if row is None:
        session.add(model(**key, version=version, **values))
        return True
    if not newer(row.version, version):
        return False
    for field, value in values.items():
        setattr(row, field, value)
    row.version = version
    return True
