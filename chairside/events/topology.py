"""Exchanges, subscriber queues and their bindings, declared before anything publishes.

nameko's dispatcher does not publish with `mandatory`, so an event published before
its subscriber's queue is bound would be dropped silently. Every publisher and every
consumer declares this whole topology when it connects (declarations are idempotent),
so a queue exists from the moment any part of the system is up.

A broadcast is the exception: every process of its consumer gets every event, in a
queue of the process's own that lives as long as the process. It suits what a process
keeps in memory (a cache): a process that was not up when an event was published
holds nothing the event could make stale.
"""
import uuid
from dataclasses import dataclass

from kombu import Exchange, Queue

from chairside.events.catalogue import CATALOGUE, sources

PARKED_QUEUE = "chairside.parked"


@dataclass(frozen=True)
class Subscription:
    consumer: str       # the subscribing service
    source: str         # the publishing service
    event_type: str

    @property
    def queue_name(self):
        return f"{self.consumer}.{self.source}.{self.event_type}"

    # A failed handler is retried through durable retry queues that route back to this queue.
    retried = True

    def queue(self):
        return Queue(self.queue_name, exchange(self.source), routing_key=self.event_type, durable=True)


@dataclass(frozen=True)
class Broadcast(Subscription):
    # Retry queues would outlive the process's queue; a failed handler's event is parked at once.
    retried = False

    def queue(self):
        """A new exclusive queue for one process, deleted by the broker when the process goes."""
        return Queue(f"{self.queue_name}.{uuid.uuid4().hex}", exchange(self.source), routing_key=self.event_type,
                     durable=False, exclusive=True, auto_delete=True)


SUBSCRIPTIONS = (
    Subscription("billing", "identity", "patient_upserted"),
    Subscription("forms", "identity", "patient_upserted"),
    Subscription("forms", "identity", "clinic_upserted"),
    Subscription("sms", "identity", "patient_upserted"),
    Subscription("sms", "identity", "clinic_upserted"),
    Subscription("sms", "identity", "practice_upserted"),
    Subscription("sms", "billing", "payment_received"),   # the payer's receipt text
)

BROADCASTS = (
    Broadcast("gateway", "identity", "practice_key_rotated"),  # each gateway process forgets the cached key
    Broadcast("gateway", "identity", "portal_settings_changed"),  # ... and the cached portal
)

EVERY_SUBSCRIPTION = SUBSCRIPTIONS + BROADCASTS


def exchange(source):
    return Exchange(f"{source}.events", type="topic", durable=True)


def subscription(consumer, source, event_type):
    for sub in EVERY_SUBSCRIPTION:
        if (sub.consumer, sub.source, sub.event_type) == (consumer, source, event_type):
            return sub
    raise LookupError(
        f"{consumer} consumes {source}.{event_type}, which is not in chairside.events.topology.SUBSCRIPTIONS "
        "(or BROADCASTS); add it there so that its queue is declared before anything publishes"
    )


def parked_queue():
    return Queue(PARKED_QUEUE, durable=True)


def declare(channel):
    """The exchanges and the durable queues (a broadcast's queues are each process's own)."""
    for source in sources():
        exchange(source)(channel).declare()
    for sub in SUBSCRIPTIONS:
        sub.queue()(channel).declare()
    parked_queue()(channel).declare()


def check():
    """Every subscription names an event in the catalogue (a test calls this)."""
    known = {(source, event_type) for source, event_type, _ in CATALOGUE}
    missing = [sub for sub in EVERY_SUBSCRIPTION if (sub.source, sub.event_type) not in known]
    if missing:
        raise LookupError(f"subscriptions to events not in the catalogue: {missing}")
