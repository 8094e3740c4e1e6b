"""(a) The raw ceiling: kombu publishes with publisher confirms, one after another."""
import time

from kombu import Connection, Exchange, Producer, Queue

EXCHANGE = Exchange("bench.ceiling", type="direct", durable=True)


def ceiling_queues(fanout):
    """`fanout` durable queues bound to the bench exchange with the same key, like the
    three subscriber queues that every patient_upserted reaches."""
    return [Queue(f"bench.ceiling.{i}", EXCHANGE, routing_key="bench", durable=True) for i in range(fanout)]


def measure(amqp_uri, bodies, fanout=1):
    """Publish every body (a JSON string) with a confirm each; returns a result dict."""
    with Connection(amqp_uri, transport_options={"confirm_publish": True}, heartbeat=0) as connection:
        channel = connection.channel()
        queues = ceiling_queues(fanout)
        for queue in queues:
            queue(channel).declare()
        producer = Producer(channel)
        started = time.perf_counter()
        for index, body in enumerate(bodies):
            producer.publish(
                body, exchange=EXCHANGE.name, routing_key="bench",
                content_type="application/json", content_encoding="utf-8",
                delivery_mode=2, message_id=str(index), retry=False,
            )
        elapsed = time.perf_counter() - started
        for queue in queues:
            queue(channel).delete()
    return {
        "messages": len(bodies),
        "queues": fanout,
        "seconds": round(elapsed, 3),
        "per_second": round(len(bodies) / elapsed, 1),
    }
