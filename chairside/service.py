"""What every nameko service of Chairside has in common."""
import logging

from nameko.rpc import Rpc

from chairside.errors import BROKER_AWAY, ChairsideError

log = logging.getLogger(__name__)


class ResilientRpc(Rpc):
    """nameko's RPC entrypoint, except that a reply lost to a broker outage does not kill the service.

    nameko lets the failed reply escape the worker, which takes the whole container down.
    Here it is logged instead: the request stays unacknowledged on a dead channel, so
    the broker delivers it again once it is back (our RPC writes are idempotent), and the
    caller's deadline answers the client meanwhile.
    """

    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except BROKER_AWAY as exc:
            log.warning("could not reply to %s (%s: %s); the request will be redelivered",
                        worker_ctx.call_id, type(exc).__name__, exc)
            return result, exc_info


def rpc(method=None, **options):
    """`@rpc` or `@rpc(...)`: typed errors are answers, not crashes (nameko logs them as warnings)."""
    options.setdefault("expected_exceptions", ChairsideError)
    decorate = ResilientRpc.decorator(**options)
    return decorate if method is None else decorate(method)


class ChairsideService:
    @rpc
    def ping(self):
        """Liveness for the gateway's /health."""
        return "ok"
