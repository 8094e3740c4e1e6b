"""Publishing a batch with publisher confirms, waiting once for the whole batch.

Waiting for each confirm in turn costs one broker round trip per message; publishing
the batch and then collecting the confirms costs about one. A message counts as
published only once the broker acknowledged its delivery tag; a nack, a timeout or a
lost connection leaves it unconfirmed.
"""
import socket
import time

from kombu import Connection

from chairside.events import topology


def confirming_connection(amqp_uri):
    """A connection whose every publish waits for its confirm (for one-off publishers)."""
    return Connection(amqp_uri, transport_options={"confirm_publish": True}, heartbeat=0, connect_timeout=5)


class ConfirmingChannel:
    """One AMQP channel in confirm mode, with the delivery tags the broker acknowledged."""

    def __init__(self, amqp_uri, confirm_timeout=30):
        self.connection = Connection(amqp_uri, heartbeat=0, connect_timeout=5)
        self.connection.connect()
        self.channel = self.connection.channel()
        topology.declare(self.channel)  # every subscriber queue exists before the first publish
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self._acked)
        self.channel.events["basic_nack"].add(self._nacked)
        self.confirm_timeout = confirm_timeout
        self.last_tag = 0
        self.pending = set()
        self.acked = set()

    def _settle(self, delivery_tag, multiple):
        settled = {tag for tag in self.pending if tag <= delivery_tag} if multiple else {delivery_tag} & self.pending
        self.pending -= settled
        return settled

    def _acked(self, delivery_tag, multiple):
        self.acked |= self._settle(delivery_tag, multiple)

    def _nacked(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple)

    def publish(self, body, exchange, routing_key, message_id):
        """Send one persistent JSON message; returns its delivery tag (not yet confirmed)."""
        message = self.channel.prepare_message(
            body, content_type="application/json", content_encoding="utf-8",
            properties={"delivery_mode": 2, "message_id": message_id},
        )
        self.channel.basic_publish(message, exchange=exchange, routing_key=routing_key)
        self.last_tag += 1
        self.pending.add(self.last_tag)
        return self.last_tag

    def wait_for_confirms(self):
        """Wait until the broker settled every published tag; returns the acknowledged ones."""
        deadline = time.monotonic() + self.confirm_timeout
        while self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                self.connection.drain_events(timeout=remaining)
            except socket.timeout:
                break
        acked, self.acked = self.acked, set()
        return acked

    def close(self):
        try:
            self.connection.release()
        except Exception:  # already broken; nothing to release
            pass
