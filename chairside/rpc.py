"""RPC to another service with a deadline: a service that is down is a 503, not a hung request.

nameko 2.14's RpcProxy waits for a reply forever; a request left in the queue of a
stopped service would hold the HTTP request open. Each call here gets a deadline.
"""
import eventlet
from nameko.rpc import RpcProxy

from chairside import config
from chairside.errors import ServiceUnavailable


class _DeadlineProxy:
    def __init__(self, proxy, service_name, seconds):
        self._proxy = proxy
        self._service_name = service_name
        self._seconds = seconds

    def within(self, seconds):
        return _DeadlineProxy(self._proxy, self._service_name, seconds)

    def __getattr__(self, method_name):
        method = getattr(self._proxy, method_name)

        def call(*args, **kwargs):
            try:
                with eventlet.Timeout(self._seconds):
                    return method(*args, **kwargs)
            except eventlet.Timeout:
                raise ServiceUnavailable(f"The {self._service_name} service did not answer in time.")
        return call


class ServiceRpc(RpcProxy):
    def __init__(self, target_service, seconds=None, **options):
        super().__init__(target_service, **options)
        self.seconds = seconds

    def get_dependency(self, worker_ctx):
        seconds = self.seconds or config.number("RPC_TIMEOUT_SECONDS", 10)
        return _DeadlineProxy(super().get_dependency(worker_ctx), self.target_service, seconds)
