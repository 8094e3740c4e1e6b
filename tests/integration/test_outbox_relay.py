"""The relay against a real PostgreSQL and a real RabbitMQ (a vhost of the test's own)."""
import json
import threading
import uuid
from datetime import date, datetime, timezone
from urllib.parse import urlparse, urlunparse

import pytest
from kombu import Connection
from sqlalchemy import func, select

from chairside.clock import FixedClock
from chairside.db import UnitOfWork
from chairside.outbox import OutboxRelay
from chairside.tables import OutboxRow
from tests.support.proxy import TcpProxy

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
QUEUE = "billing.identity.patient_upserted"


def patient(n):
    return {
        "patient_id": str(uuid.uuid4()), "external_id": f"P-{n}", "version": 1, "first_name": "Ann",
        "last_name": "Lee", "birthdate": date(1980, 2, 3), "mobile_phone": None, "email": None,
        "clinic_id": None, "guarantor_id": None, "dependent": False, "text_ok": "unknown",
    }


def announce(sessions, count):
    with sessions() as session, session.begin():
        uow = UnitOfWork(session, "identity", None, FixedClock(NOW))
        return [uow.announce("patient_upserted", "practice-1", patient(n)).id for n in range(count)]


def unsent(sessions):
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.sent_at.is_(None)))


def drain(amqp_uri, queue=QUEUE):
    with Connection(amqp_uri) as conn:
        simple = conn.SimpleQueue(queue)
        ids = []
        while True:
            try:
                message = simple.get(timeout=0.5)
            except simple.Empty:
                return ids
            ids.append(json.loads(message.body)["id"] if isinstance(message.body, (str, bytes)) else message.payload["id"])
            message.ack()


def test_rows_are_published_in_order_and_marked_sent_once_confirmed(engine, sessions, amqp_uri):
    ids = announce(sessions, 5)
    relay = OutboxRelay(engine, amqp_uri, clock=FixedClock(NOW), batch_size=3)
    assert relay.publish_batch() == 3
    assert relay.publish_batch() == 2
    assert relay.publish_batch() == 0
    assert unsent(sessions) == 0
    assert drain(amqp_uri) == ids  # the topology was declared before the first publish


def test_rolled_back_changes_announce_nothing(engine, sessions, amqp_uri):
    with pytest.raises(RuntimeError):
        with sessions() as session, session.begin():
            UnitOfWork(session, "identity", None, FixedClock(NOW)).announce("patient_upserted", "p", patient(1))
            raise RuntimeError("the change failed half-way")
    assert unsent(sessions) == 0
    assert OutboxRelay(engine, amqp_uri).publish_batch() == 0


def test_a_broker_that_is_away_delays_events_and_loses_none(engine, sessions, amqp_uri):
    ids = announce(sessions, 4)
    parsed = urlparse(amqp_uri)
    proxy = TcpProxy(parsed.hostname, parsed.port or 5672)
    try:
        proxied = urlunparse(parsed._replace(netloc=f"guest:guest@127.0.0.1:{proxy.port}"))
        relay = OutboxRelay(engine, proxied, batch_size=10)
        proxy.cut()
        with pytest.raises(Exception):
            relay.publish_batch()
        assert unsent(sessions) == 4  # nothing marked sent without a confirm
        relay._disconnect()
        proxy.restore()
        assert relay.publish_batch() == 4
    finally:
        proxy.close()
    assert unsent(sessions) == 0
    assert drain(amqp_uri) == ids


def test_the_run_loop_backs_off_while_the_broker_is_away_then_catches_up(engine, sessions, amqp_uri, monkeypatch):
    monkeypatch.setenv("OUTBOX_RETRY_INITIAL_SECONDS", "0.05")
    monkeypatch.setenv("OUTBOX_RETRY_MAX_SECONDS", "0.2")
    parsed = urlparse(amqp_uri)
    proxy = TcpProxy(parsed.hostname, parsed.port or 5672)
    proxied = urlunparse(parsed._replace(netloc=f"guest:guest@127.0.0.1:{proxy.port}"))
    relay = OutboxRelay(engine, proxied, poll_seconds=0.05)
    worker = threading.Thread(target=relay.run, daemon=True)
    try:
        proxy.cut()
        worker.start()
        first = announce(sessions, 10)
        relay.wake()
        threading.Event().wait(0.5)  # the loop fails and backs off meanwhile
        assert unsent(sessions) == 10
        proxy.restore()
        second = announce(sessions, 10)
        relay.wake()
        deadline = threading.Event()
        for _ in range(100):
            if unsent(sessions) == 0:
                break
            deadline.wait(0.1)
        assert unsent(sessions) == 0
    finally:
        relay.stop()
        worker.join(5)
        proxy.close()
    assert drain(amqp_uri) == first + second


def test_two_relays_do_not_publish_a_row_twice(engine, sessions, amqp_uri):
    ids = announce(sessions, 400)
    relays = [OutboxRelay(engine, amqp_uri, batch_size=20) for _ in range(2)]
    counts = [0, 0]

    def work(index):
        while True:
            published = relays[index].publish_batch()
            if not published:
                return
            counts[index] += published

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    received = drain(amqp_uri)
    assert sum(counts) == 400 and all(counts)  # both relays took part
    assert sorted(received) == sorted(ids) and len(set(received)) == 400
