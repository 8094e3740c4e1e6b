"""`consume`: the event-handler entrypoint every service uses instead of nameko's.

nameko's `event_handler` acknowledges and drops a message whose handler raised. Here a
failed handler is retried with back-off and then parked:

- the message is republished (with publisher confirms) to `<queue>.retry.<ms>`, a
  queue whose TTL dead-letters it back to the consumer's queue after the delay;
- after the last delay of EVENT_RETRY_DELAYS_SECONDS it goes to `chairside.parked`
  with the reason, where `python -m chairside.dlq` lists and replays it;
- only once that republish is confirmed is the original acknowledged, so a broker
  that vanishes half-way redelivers rather than loses.

The handler receives a validated `Event`; an envelope that does not match the
catalogue is parked at once (retrying it cannot help), and so is a failed event of a
broadcast (chairside.events.topology), whose process's queue a retry queue would outlive.
"""
import logging
import traceback

from kombu import Exchange, Queue
from marshmallow import ValidationError
from nameko.amqp.publish import Publisher
from nameko.messaging import Consumer

from chairside import config
from chairside.errors import BROKER_AWAY
from chairside.events import load_event
from chairside.events.topology import PARKED_QUEUE, parked_queue, subscription

log = logging.getLogger(__name__)

ATTEMPTS = "x-chairside-attempts"
ORIGIN = "x-chairside-queue"
REASON = "x-chairside-reason"
DEFAULT_DELAYS = "1,10,60,300,1800"
DEFAULT_EXCHANGE = Exchange("")


def retry_delays():
    return config.floats("EVENT_RETRY_DELAYS_SECONDS", DEFAULT_DELAYS)


def retry_queue(queue_name, delay_ms):
    return Queue(
        f"{queue_name}.retry.{delay_ms}",
        durable=True,
        queue_arguments={
            "x-message-ttl": delay_ms,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": queue_name,
        },
    )


def next_step(attempts, delays):
    """Where a message that failed `attempts` times before goes now: ("retry", ms) or ("park", None)."""
    if attempts < len(delays):
        return "retry", int(delays[attempts] * 1000)
    return "park", None


class EventConsumer(Consumer):
    def __init__(self, source, event_type, **kwargs):
        self.source = source
        self.event_type = event_type
        super().__init__(queue=None, **kwargs)

    @property
    def consumer_name(self):
        return f"{self.container.service_name}.{self.method_name}"

    def setup(self):
        self.subscription = subscription(self.container.service_name, self.source, self.event_type)
        self.queue = self.subscription.queue()
        self.delays = retry_delays() if self.subscription.retried else ()
        self.publisher = Publisher(self.container.config["AMQP_URI"], use_confirms=True, retry=False)
        super().setup()

    def handle_message(self, body, message):
        try:
            evt = load_event(body)
        except ValidationError as exc:
            self._park(message, f"invalid envelope: {exc.messages}")
            return
        message_for_worker = message

        def handle_result(worker_ctx, result=None, exc_info=None):
            self.handle_message_processed(message_for_worker, result, exc_info)
            return result, exc_info

        try:
            self.container.spawn_worker(self, (evt,), {}, context_data={}, handle_result=handle_result)
        except Exception:  # container being killed: give the message back
            self._settle(self.queue_consumer.requeue_message, message)

    def _settle(self, settle, message):
        """Ack or requeue; a broker that went away meanwhile will deliver the message again,
        so its error must not escape the worker (nameko would kill the whole service)."""
        try:
            settle(message)
        except BROKER_AWAY as exc:
            log.warning("%s could not settle a message (%s: %s); it will be delivered again",
                        self.consumer_name, type(exc).__name__, exc)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self._settle(self.queue_consumer.ack_message, message)
            return
        reason = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
        attempts = int((message.headers or {}).get(ATTEMPTS, 0))
        step, delay_ms = next_step(attempts, self.delays)
        if step == "retry":
            log.warning("%s failed (attempt %d), retrying in %d ms: %s",
                        self.consumer_name, attempts + 1, delay_ms, reason)
            self._republish(message, retry_queue(self.queue.name, delay_ms), attempts + 1, reason)
        else:
            log.error("%s failed %d times, parking the message: %s", self.consumer_name, attempts + 1, reason)
            self._park(message, reason, attempts + 1)

    def _park(self, message, reason, attempts=0):
        self._republish(message, parked_queue(), attempts, reason)

    def _republish(self, message, queue, attempts, reason):
        headers = dict(message.headers or {})
        headers.update({ATTEMPTS: attempts, ORIGIN: self.queue.name, REASON: reason[:1000]})
        try:
            self.publisher.publish(
                message.body,
                exchange=DEFAULT_EXCHANGE,
                routing_key=queue.name,
                declare=[queue],
                headers=headers,
                content_type=message.content_type,
                content_encoding=message.content_encoding,
                serializer=None,
            )
        except Exception:
            # not confirmed: leave the message with the broker rather than lose it
            log.exception("%s could not republish to %s; requeueing", self.consumer_name, queue.name)
            self._settle(self.queue_consumer.requeue_message, message)
            return
        self._settle(self.queue_consumer.ack_message, message)


consume = EventConsumer.decorator

__all__ = ["consume", "PARKED_QUEUE"]
