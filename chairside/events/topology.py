"""Exchanges, subscriber queues and their bindings, declared before anything publishes.

nameko's dispatcher does not publish with `mandatory`, so an event published before
its subscriber's queue is bound would be dropped silently. Every publisher and every
consumer declares this whole topology when it connects (declarations are idempotent),
so a queue exists from the moment any part of the system is up.
"""
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

    def queue(self):
        return Queue(self.queue_name, exchange(self.source), routing_key=self.event_type, durable=True)


SUBSCRIPTIONS = (
    Subscription("billing", "identity", "patient_upserted"),
    Subscription("forms", "identity", "patient_upserted"),
    Subscription("sms", "identity", "patient_upserted"),
    Subscription("sms", "identity", "clinic_upserted"),
)


def exchange(source):
    return Exchange(f"{source}.events", type="topic", durable=True)


def subscription(consumer, source, event_type):
    for sub in SUBSCRIPTIONS:
        if (sub.consumer, sub.source, sub.event_type) == (consumer, source, event_type):
            return sub
    raise LookupError(
        f"{consumer} consumes {source}.{event_type}, which is not in chairside.events.topology.SUBSCRIPTIONS; "
        "add it there so that its queue is declared before anything publishes"
    )


def parked_queue():
    return Queue(PARKED_QUEUE, durable=True)


def declare(channel):
    for source in sources():
        exchange(source)(channel).declare()
    for sub in SUBSCRIPTIONS:
        sub.queue()(channel).declare()
    parked_queue()(channel).declare()


def check():
    """Every subscription names an event in the catalogue (a test calls this)."""
    known = {(source, event_type) for source, event_type, _ in CATALOGUE}
    missing = [sub for sub in SUBSCRIPTIONS if (sub.source, sub.event_type) not in known]
    if missing:
        raise LookupError(f"subscriptions to events not in the catalogue: {missing}")
