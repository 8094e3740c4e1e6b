"""What every nameko service of Chairside has in common."""
import functools

from nameko.rpc import rpc as nameko_rpc

from chairside.errors import ChairsideError

# Typed errors are answers, not crashes: nameko logs them as warnings.
rpc = functools.partial(nameko_rpc, expected_exceptions=ChairsideError)


class ChairsideService:
    @rpc
    def ping(self):
        """Liveness for the gateway's /health."""
        return "ok"
