"""How our RPCs travel on a real broker: requests and replies transient, calls sent for later
persistent, replies still answered, an unknown service still refused at once."""
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from nameko.constants import NON_PERSISTENT, PERSISTENT
from nameko.containers import ServiceContainer
from nameko.exceptions import UnknownService
from nameko.rpc import get_rpc_exchange
from nameko.testing.services import entrypoint_hook

from chairside.entrypoints import rpc
from chairside.remote import ServiceRpc


class Echo:
    name = "echo"

    @rpc
    def echo(self, value):
        return value


class Caller:
    name = "caller"
    echo = ServiceRpc("echo", seconds=10)
    keeper = ServiceRpc("echo", seconds=10, delivery_mode=PERSISTENT)
    nobody = ServiceRpc("nobody", seconds=10)

    @rpc
    def ask(self, value):
        return self.echo.echo(value)

    @rpc
    def send_later(self, value):
        self.echo.later("echo", value)
        self.keeper.later("echo", value)

    @rpc
    def ask_nobody(self):
        return self.nobody.echo("anyone?")


@pytest.fixture
def started(amqp_uri):
    containers = []

    def start(service_cls):
        container = ServiceContainer(service_cls, {"AMQP_URI": amqp_uri})
        container.start()
        containers.append(container)
        return container
    yield start
    for container in containers:
        container.kill()


def test_a_call_is_answered(started):
    started(Echo)
    with entrypoint_hook(started(Caller), "ask") as ask:
        assert ask({"a": [1, 2]}) == {"a": [1, 2]}


def test_requests_are_transient_and_calls_sent_for_later_persistent(started, amqp_uri):
    # echo's queue exists (as after the service ran once) but nobody consumes it: the
    # requests wait there, as the broker keeps them
    exchange = get_rpc_exchange({})
    with Connection(amqp_uri) as connection:
        Queue("rpc-echo", exchange, routing_key="echo.*", durable=True)(connection.channel()).declare()
    with entrypoint_hook(started(Caller), "send_later") as send_later:
        send_later("hello")
    with Connection(amqp_uri) as connection:
        queue = Queue("rpc-echo", exchange, routing_key="echo.*", durable=True)(connection.channel())
        modes = []
        deadline = time.monotonic() + 10
        while len(modes) < 2 and time.monotonic() < deadline:
            message = queue.get(no_ack=True)
            if message is None:
                time.sleep(0.01)
                continue
            modes.append(message.properties["delivery_mode"])
    assert modes == [NON_PERSISTENT, PERSISTENT]


def test_a_reply_is_transient(started, amqp_uri):
    started(Echo)
    replies = Queue(f"replies-{uuid.uuid4().hex}", Exchange("nameko-rpc", type="topic", durable=True),
                    routing_key="test-replies", auto_delete=True)
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        replies = replies(channel)
        replies.declare()
        connection.Producer(channel).publish({"args": ["hi"], "kwargs": {}}, exchange=get_rpc_exchange({}),
                                             routing_key="echo.echo", reply_to="test-replies",
                                             correlation_id="c-1", serializer="json")
        deadline = time.monotonic() + 10
        reply = None
        while reply is None and time.monotonic() < deadline:
            reply = replies.get(no_ack=True)
            time.sleep(0.01)
    assert reply is not None, "echo did not answer"
    assert reply.payload == {"result": "hi", "error": None}
    assert reply.properties["delivery_mode"] == NON_PERSISTENT


def test_an_unknown_service_is_refused_at_once(started):
    with entrypoint_hook(started(Caller), "ask_nobody") as ask_nobody:
        started_at = time.monotonic()
        with pytest.raises(UnknownService):
            ask_nobody()
        assert time.monotonic() - started_at < 5   # not the 10 s deadline: the request's confirm says so
