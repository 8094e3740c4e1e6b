"""Calling another service: an RPC proxy with a deadline, so a service that is down is a 503,
not a hung request.

nameko 2.14's RpcProxy waits for a reply forever; a request left in the queue of a
stopped service would hold the HTTP request open. Each call here gets a deadline.
"""
import logging

import eventlet
from nameko.constants import NON_PERSISTENT
from nameko.rpc import RpcProxy

from chairside import config
from chairside.refusals import SERVICE_UNAVAILABLE

log = logging.getLogger(__name__)


class _DeadlineProxy:
    def __init__(self, proxy, service_name, seconds):
        self._proxy = proxy
        self._service_name = service_name
        self._seconds = seconds

    def within(self, seconds):
        return _DeadlineProxy(self._proxy, self._service_name, seconds)

    def later(self, method_name, *args, **kwargs):
        """Send the call and do not wait for its answer: the callee logs its own failures.
        (The reply, when it comes, is dropped by nameko's reply listener.)"""
        getattr(self._proxy, method_name).call_async(*args, **kwargs)

    def __getattr__(self, method_name):
        method = getattr(self._proxy, method_name)

        def call(*args, **kwargs):
            try:
                with eventlet.Timeout(self._seconds):
                    return method(*args, **kwargs)
            except eventlet.Timeout:
                log.warning("%s.%s did not answer within %ss", self._service_name, method_name, self._seconds)
                raise SERVICE_UNAVAILABLE()
        return call


def at_once(*calls):
    """Run `calls` (functions of no arguments, each asking a service) each in its own green
    thread: the answers in order, once all have ended; the first failure, if any, is raised
    after the others ended (nothing is left running behind the answer)."""
    threads = [eventlet.spawn(call) for call in calls]
    answers, failures = [], []
    for thread in threads:
        try:
            answers.append(thread.wait())
        except Exception as exc:
            failures.append(exc)
    if failures:
        raise failures[0]
    return answers


class ServiceRpc(RpcProxy):
    """A dependency: `self.sms.send_text(...)` with the RPC_TIMEOUT_SECONDS deadline,
    `self.sms.within(3).get_texting(...)` with another.

    Requests are transient (the broker keeps them in memory, not on disk): a caller waits for
    its answer no longer than its deadline, and a broker restart ends the caller's reply queue
    anyway, so writing each request to disk saved nothing and cost the broker about a third
    of its CPU per call (docs/benchmarks.md). A proxy whose calls are sent for `later`, which
    nobody waits for, passes delivery_mode=PERSISTENT so that they survive a broker restart."""

    def __init__(self, target_service, seconds=None, **options):
        options.setdefault("delivery_mode", NON_PERSISTENT)
        super().__init__(target_service, **options)
        self.seconds = seconds

    def get_dependency(self, worker_ctx):
        seconds = self.seconds or config.number("RPC_TIMEOUT_SECONDS", 10)
        return _DeadlineProxy(super().get_dependency(worker_ctx), self.target_service, seconds)
