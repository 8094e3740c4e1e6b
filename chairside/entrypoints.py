"""The entrypoints every Chairside service uses: `rpc`, `consume` (or `applied_once`, the
handler most consumers need) and the service base class.

An entrypoint loads its input with a schema, calls one use case in one unit of work
and dumps the answer with a schema. What it raises is translated once, here: a
refusal travels to the caller as itself, marshmallow's ValidationError as
VALIDATION_ERROR (chairside.errors).
"""
import functools
import logging

from nameko.amqp.publish import Publisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, DEFAULT_SERIALIZER, LOGIN_METHOD_CONFIG_KEY, NON_PERSISTENT,
    SERIALIZER_CONFIG_KEY,
)
from nameko.rpc import Responder, Rpc, RpcConsumer, get_rpc_exchange

from chairside.consumer import consume  # noqa: F401  (the event-handler entrypoint)
from chairside.errors import BROKER_AWAY, translated
from chairside.refusals import ChairsideError

log = logging.getLogger(__name__)


class _ReplyPublisher(Publisher):
    use_confirms = False
    delivery_mode = NON_PERSISTENT


class _Responder(Responder):
    """nameko's reply, transient and without waiting for the broker's confirm. A reply goes to
    the caller's own queue, which lives only as long as the caller's connection to the same
    broker: neither a confirm nor the disk can make a reply survive anything that loses it, and
    they cost about a fifth of every RPC's CPU (docs/benchmarks.md). A reply that cannot be
    written still raises (ResilientRpc below)."""
    publisher_cls = _ReplyPublisher


class _RpcConsumer(RpcConsumer):
    def handle_result(self, message, result, exc_info):
        # nameko's RpcConsumer.handle_result, with _Responder
        config = self.container.config
        responder = _Responder(config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config),
                               config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
                               ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info


class ResilientRpc(Rpc):
    """nameko's RPC entrypoint, except that a reply lost to a broker outage does not kill the service.

    nameko lets the failed reply escape the worker, which takes the whole container down.
    Here it is logged instead: the request stays unacknowledged on a dead channel, so
    the broker delivers it again once it is back (our RPC writes are idempotent), and the
    caller's deadline answers the client meanwhile.
    """

    rpc_consumer = _RpcConsumer()

    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except BROKER_AWAY as exc:
            log.warning("could not reply to %s (%s: %s); the request will be redelivered",
                        worker_ctx.call_id, type(exc).__name__, exc)
            return result, exc_info


def _translating(method):
    @functools.wraps(method)
    def call(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            refusal = translated(exc)
            if refusal is None or refusal is exc:
                raise
            raise refusal from exc
    return call


def rpc(method=None, **options):
    """`@rpc` or `@rpc(...)`: refusals are answers, not crashes (nameko logs them as warnings)."""
    options.setdefault("expected_exceptions", ChairsideError)

    def decorate(fn):
        return ResilientRpc.decorator(**options)(_translating(fn))
    return decorate if method is None else decorate(method)


def applied_once(source, event_type, effect):
    """An event handler that applies `effect(uow, event)` in one unit of work, once per event
    for this consumer (its name is the attribute it is assigned to, as for any entrypoint):

        on_patient_upserted = applied_once("identity", "patient_upserted", accounts.open_account)
    """
    @consume(source, event_type)
    def handler(self, event):
        self.db.apply_once(event, effect)
    handler.__doc__ = f"{source}.{event_type}: {effect.__module__}.{effect.__name__}, once per event."
    return handler


class ChairsideService:
    @rpc
    def ping(self):
        """Liveness for the gateway's /health."""
        return "ok"

