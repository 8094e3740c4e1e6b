"""The outbox relay: publishes outbox rows with publisher confirms.

A batch is published and its confirms are collected together (chairside.confirms); a
row is marked sent only once the broker confirmed it. While the broker is away the
relay retries with capped exponential back-off; rows wait in the database meanwhile.
Several copies of a service each run a relay: on PostgreSQL a batch is claimed with
`FOR UPDATE SKIP LOCKED`, so in the normal case no row is published twice (after a
crash between confirm and commit a row may be published again; consumers are
idempotent).
"""
import logging
import threading

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chairside import config
from chairside.clock import SystemClock
from chairside.confirms import ConfirmingChannel
from chairside.tables import OutboxRow

log = logging.getLogger(__name__)


class Backoff:
    """Capped exponential back-off: initial, 2x initial, ... up to maximum."""

    def __init__(self, initial, maximum):
        self.initial = initial
        self.maximum = maximum
        self.current = None

    def next(self):
        self.current = self.initial if self.current is None else min(self.current * 2, self.maximum)
        return self.current

    def reset(self):
        self.current = None


class OutboxRelay:
    def __init__(self, engine, amqp_uri, clock=None, batch_size=None, poll_seconds=None):
        self.engine = engine
        self.amqp_uri = amqp_uri
        self.clock = clock or SystemClock()
        self.batch_size = int(batch_size or config.number("OUTBOX_BATCH_SIZE", 200))
        self.poll_seconds = poll_seconds if poll_seconds is not None else config.number("OUTBOX_POLL_SECONDS", 0.5)
        self.backoff = Backoff(config.number("OUTBOX_RETRY_INITIAL_SECONDS", 0.2),
                               config.number("OUTBOX_RETRY_MAX_SECONDS", 5))
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._channel = None

    def wake(self):
        self._wakeup.set()

    def stop(self):
        self._stopping.set()
        self._wakeup.set()

    def run(self):
        while not self._stopping.is_set():
            try:
                published = self.publish_batch()
            except Exception as exc:  # broker or database away: wait and try again
                delay = self.backoff.next()
                log.warning("outbox relay: %s: %s; retrying in %.1fs", type(exc).__name__, exc, delay)
                self._disconnect()
                self._stopping.wait(delay)
                continue
            log.debug("outbox relay: published %d", published)
            self.backoff.reset()
            if published < self.batch_size:
                self._wakeup.wait(self.poll_seconds)
                self._wakeup.clear()
        self._disconnect()

    def publish_batch(self):
        """Publish up to one batch of unsent rows; returns how many were confirmed."""
        with Session(self.engine) as session, session.begin():
            rows = session.execute(
                select(OutboxRow.seq, OutboxRow.source, OutboxRow.event_type, OutboxRow.event_id, OutboxRow.body)
                .where(OutboxRow.sent_at.is_(None))
                .order_by(OutboxRow.seq)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0
            tags, failure = {}, None
            try:
                channel = self._ensure_channel()
                for row in rows:
                    tag = channel.publish(row.body, f"{row.source}.events", row.event_type, row.event_id)
                    tags[tag] = row.seq
            except Exception as exc:
                failure = exc
            confirmed = []
            if tags:
                try:
                    confirmed = [tags[tag] for tag in channel.wait_for_confirms() if tag in tags]
                except Exception as exc:
                    failure = failure or exc
                if failure is None and len(confirmed) < len(tags):
                    failure = RuntimeError(f"the broker confirmed {len(confirmed)} of {len(tags)} events")
            # what the broker confirmed is committed as sent even when the rest failed
            if confirmed:
                session.execute(
                    update(OutboxRow).where(OutboxRow.seq.in_(confirmed)).values(sent_at=self.clock.now())
                )
        if failure is not None:
            raise failure
        return len(confirmed)

    def _ensure_channel(self):
        if self._channel is None:
            self._channel = ConfirmingChannel(self.amqp_uri)
        return self._channel

    def _disconnect(self):
        channel, self._channel = self._channel, None
        if channel is not None:
            channel.close()
