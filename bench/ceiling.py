"""(a) The raw ceiling: kombu publishing with publisher confirms and no database.

`measure_batched` works like the relay (a batch published, then its confirms collected)
and is the ceiling the relay is held to; `measure` waits for each confirm in turn, the
mode the relay used before, kept for comparison."""
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


def measure_batched(amqp_uri, bodies, fanout=3, batch_size=200):
    """Raw kombu in the relay's own mode: publish a batch, then wait for all its confirms.

    This is the fair ceiling for the relay, which does the same plus its database work."""
    with Connection(amqp_uri, heartbeat=0) as connection:
        channel = connection.channel()
        queues = ceiling_queues(fanout)
        for queue in queues:
            queue(channel).declare()
        channel.confirm_select()
        confirmed = [0]

        def acked(delivery_tag, multiple):
            confirmed[0] = delivery_tag if multiple else confirmed[0] + 1

        channel.events["basic_ack"].add(acked)
        started = time.perf_counter()
        published = 0
        for first in range(0, len(bodies), batch_size):
            for index, body in enumerate(bodies[first:first + batch_size], start=first):
                message = channel.prepare_message(
                    body, content_type="application/json", content_encoding="utf-8",
                    properties={"delivery_mode": 2, "message_id": str(index)},
                )
                channel.basic_publish(message, exchange=EXCHANGE.name, routing_key="bench")
                published += 1
            while confirmed[0] < published:
                connection.drain_events(timeout=30)
        elapsed = time.perf_counter() - started
        for queue in queues:
            queue(channel).delete()
    return {
        "messages": len(bodies),
        "queues": fanout,
        "batch_size": batch_size,
        "seconds": round(elapsed, 3),
        "per_second": round(len(bodies) / elapsed, 1),
    }
