"""(b) The outbox relay's sustained rate, draining a pre-filled outbox."""
import cProfile
import io
import pstats
import time
import uuid

from sqlalchemy import create_engine, func, insert, select

from chairside import migrate
from chairside.outbox import OutboxRelay
from chairside.tables import OutboxRow
from bench.payloads import patient_upserted


def engine_for(url):
    # Deliberately not chairside.db.make_engine: it installs psycogreen's eventlet wait
    # callback process-wide, which belongs in a nameko process, not in this plain one.
    return create_engine(url, pool_pre_ping=True)


def prepare(database_url, count):
    """Create the tables and fill the outbox with `count` unsent patient_upserted rows."""
    engine = engine_for(database_url)
    migrate.upgrade(engine, "services.billing:migrations", "billing")
    practice_id, clinic_id = str(uuid.uuid4()), str(uuid.uuid4())
    rows = []
    for n in range(count):
        evt, body = patient_upserted(n, practice_id, clinic_id)
        rows.append({"event_id": evt.id, "source": evt.source, "event_type": evt.type,
                     "body": body, "created_at": evt.occurred_at})
    with engine.begin() as connection:
        for start in range(0, len(rows), 1000):
            connection.execute(insert(OutboxRow), rows[start:start + 1000])
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE outbox")
    return engine


def unsent(engine):
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None)))


def drain(relay, engine, profile=False):
    """publish_batch() until nothing is unsent; returns (events, seconds, batches, profile text)."""
    profiler = cProfile.Profile() if profile else None
    published = batches = 0
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    while True:
        done = relay.publish_batch()
        if done == 0:
            break
        published += done
        batches += 1
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    left = unsent(engine)
    if left:
        raise RuntimeError(f"the relay stopped with {left} rows unsent")
    report = None
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        report = out.getvalue()
    return published, elapsed, batches, report


def measure(database_url, amqp_uri, count, profile=False):
    engine = prepare(database_url, count)
    try:
        relay = OutboxRelay(engine, amqp_uri)
        try:
            published, elapsed, batches, report = drain(relay, engine, profile=profile)
        finally:
            relay.stop()
            relay._disconnect()  # publish_batch() left the confirming connection open
        return {
            "events": published,
            "batches": batches,
            "batch_size": relay.batch_size,
            "seconds": round(elapsed, 3),
            "per_second": round(published / elapsed, 1),
            "profile": report,
        }
    finally:
        engine.dispose()
