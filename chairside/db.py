"""The SQLAlchemy 2 session and unit of work for nameko workers.

`Database` is a nameko dependency: at start-up it connects to `<SERVICE>_DB_URL`,
applies the migrations and starts the service's outbox relay. An entrypoint runs one
use case in one unit of work and dumps its answer:

    return self.db.run(sync.upsert_patient, practice_id, external_id, data, answer=PatientAnswer())

`run` (or `with self.db.unit_of_work() as uow:`) commits the change and the outbox rows
that `uow.announce(...)` wrote together; an exception rolls both back; a refusal that
the use case recorded with `uow.refuse(...)` is raised after the commit. The unit of
work knows who acts and the request id (chairside.context), for audit entries.

An event handler applies its effect once per event:

    self.db.apply_once(event, open_account)   # open_account(uow, event)

which records (consumer, event id) in the same transaction as the effect.
"""
import dataclasses
import json
import logging
from contextlib import contextmanager

from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from chairside import config, context, migrate
from chairside.clock import clock_from_env
from chairside.context import ANONYMOUS
from chairside.events import new_event
from chairside.outbox import OutboxRelay
from chairside.pings import ping_when_idle
from chairside.rules import newer
from chairside.tables import OutboxRow, ProcessedEvent

log = logging.getLogger(__name__)


def make_engine(url):
    if url.startswith("postgresql"):
        # eventlet cannot make a C driver cooperative by itself; without this one slow
        # query would block every worker of the process.
        from psycogreen.eventlet import patch_psycopg
        patch_psycopg()
        # values_plus_batch: an UPDATE of many rows (a batch of texts confirmed at once) goes
        # in pages of statements, not one round trip per row
        engine = create_engine(url, pool_size=10, max_overflow=10, executemany_mode="values_plus_batch")
        ping_when_idle(engine)
        return engine
    engine = create_engine(url, connect_args={"timeout": 30})
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def read_only_sessions(engine):
    """Sessions of read-only units of work: their connections in autocommit, so that a read
    sends no BEGIN and ROLLBACK (two round trips of every page's reads). At READ COMMITTED each
    statement sees its own snapshot with or without a transaction, so a read loses nothing. A
    read-only unit of work that tries to write is a defect and is refused before it writes; its
    ORM changes are never flushed."""
    reads = engine.execution_options(isolation_level="AUTOCOMMIT")
    event.listen(reads, "before_cursor_execute", _refuse_writes)
    return sessionmaker(reads, expire_on_commit=False, autoflush=False)


def _refuse_writes(_connection, _cursor, statement, _parameters, context, _executemany):
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        raise RuntimeError(f"a read-only unit of work writes nothing: {statement.split(None, 1)[0]}")


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class UnitOfWork:
    """One transaction of a worker: its session, its clock, who acts and the events it announces.

    `refuse(refusal)` keeps what the unit of work recorded (a failed attempt, an audit
    row) and answers with the refusal once the change is committed.
    """

    def __init__(self, session, source, consumer, clock, actor=None, request_id=None, read_only=False):
        self.session = session
        self.source = source
        self.consumer = consumer
        self.clock = clock
        self.actor = actor or ANONYMOUS
        self.request_id = request_id
        self.read_only = read_only
        self.announced = 0
        self.refusal = None

    def announce(self, event_type, practice_id, record, schema_version=1):
        """Write an event about `record` to the outbox, in this transaction (its data is
        `record` dumped with the catalogue's schema of the event)."""
        if self.read_only:
            raise RuntimeError("a read-only unit of work announces nothing")
        evt = new_event(self.source, event_type, practice_id, record, self.clock.now(), schema_version)
        self.session.add(OutboxRow(
            event_id=evt.id,
            source=evt.source,
            event_type=evt.type,
            body=json.dumps(evt.to_dict()),
            created_at=evt.occurred_at,
        ))
        self.announced += 1
        return evt

    def refuse(self, refusal):
        """Commit what was recorded, then raise `refusal` (a use case returns right after)."""
        if self.read_only:
            raise RuntimeError("a read-only unit of work records nothing: raise the refusal instead")
        self.refusal = refusal
        return refusal

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


class WorkerDatabase:
    """What a worker sees as `self.db`: units of work on the service's database."""

    def __init__(self, sessions, source, consumer, clock, on_announce, actor=None, request_id=None,
                 read_only_sessions=None):
        self._sessions = sessions
        self._read_only_sessions = read_only_sessions or sessions   # (read_only_sessions(engine))
        self._source = source
        self._consumer = consumer
        self.clock = clock
        self._on_announce = on_announce
        self.actor = actor
        self.request_id = request_id

    @contextmanager
    def unit_of_work(self, read_only=False):
        """Commit on leaving, roll back on an exception; a recorded refusal is raised after the commit."""
        session = (self._read_only_sessions if read_only else self._sessions)()
        uow = UnitOfWork(session, self._source, self._consumer, self.clock, self.actor, self.request_id, read_only)
        try:
            yield uow
            if not read_only:   # closing a read-only one discards whatever it changed
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        if uow.announced:
            self._on_announce()
        if uow.refusal is not None:
            raise uow.refusal

    def run(self, use_case, *args, answer=None, read_only=False, retry_on_race=False):
        """`use_case(uow, *args)` in one unit of work; its result dumped with the schema
        `answer` (inside the transaction, so that lazy relations still load)."""
        def once():
            with self.unit_of_work(read_only=read_only) as uow:
                result = use_case(uow, *args)
                if uow.refusal is None and answer is not None:
                    result = answer.dump(result)
            return result
        return retry_on_race_of(once) if retry_on_race else once()

    def apply_once(self, event, effect):
        """Run `effect(uow, event)` unless this consumer applied `event` before, in one transaction."""
        with self.unit_of_work() as uow:
            if not uow.already_processed(event):
                effect(uow, event)


def retry_on_race_of(work, attempts=2):
    """Two first writes of the same key race on its unique constraint: the loser's
    transaction fails, and running it again finds the winner's row."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except IntegrityError:
            if attempt == attempts:
                raise


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
        self.read_only_sessions = read_only_sessions(self.engine)
        self.relay = OutboxRelay(self.engine, self.container.config["AMQP_URI"], clock=self.clock)

    def start(self):
        self.container.spawn_managed_thread(self.relay.run, identifier=f"{self.container.service_name}.outbox")

    def stop(self):
        self.relay.stop()

    def kill(self):
        self.relay.stop()

    def get_dependency(self, worker_ctx):
        consumer = getattr(worker_ctx.entrypoint, "consumer_name", None)
        actor, request_id = context.of_worker(worker_ctx)
        return WorkerDatabase(self.sessions, self.container.service_name, consumer, self.clock, self.relay.wake,
                              actor, request_id, self.read_only_sessions)


def upsert_newer(session, model, key, version, values, on_insert=None):
    """Create the row, or overwrite it when `version` is newer than the one it holds.

    Consumers keep copies of other services' records; events may arrive twice or out of
    order, so an older version never overwrites a newer one. `on_insert` holds values
    that only a new row takes. Returns True when applied.
    """
    row = session.get(model, key)
    if row is None:
        session.add(model(**key, version=version, **values, **(on_insert or {})))
        return True
    if not newer(row.version, version):
        return False
    for field, value in values.items():
        setattr(row, field, value)
    row.version = version
    return True


def keep_newer_copy(uow, event, model, key, fields, values=None, on_insert=None):
    """Keep the copy (a row of `model`) of the record `event` announces: its `key` and
    `fields` taken from the event's data under the same names, its practice, and `values`
    the consumer worked out itself; an older version never overwrites a newer one."""
    data = event.data
    kept = {name: data[name] for name in fields}
    kept.update(values or {}, practice_id=event.practice_id)
    return upsert_newer(uow.session, model, {key: data[key]}, data["version"], kept, on_insert)


def facts_of(row, facts_type):
    """What a synced `row` holds now, as `facts_type` (a dataclass of column names); None for no row."""
    return facts_type(**{field.name: getattr(row, field.name) for field in dataclasses.fields(facts_type)}) \
        if row else None


def store_facts(uow, row, facts, version):
    """Write what the PMS sent (`facts`) onto `row`, with its new version and the time of the change."""
    for field in dataclasses.fields(facts):
        setattr(row, field.name, getattr(facts, field.name))
    row.version = version
    row.updated_at = uow.clock.now()
