"""gateway: the HTTP face. Each API area is a mixin of routes; the rules live in the services."""
import eventlet

from chairside import config
from chairside.rpc import ServiceRpc
from services.gateway.http import json_response, route
from services.gateway.office import OfficeApi
from services.gateway.patient import PatientApi
from services.gateway.texting import OfficeTextingApi

BACKENDS = ("identity", "forms", "billing", "sms")


class GatewayService(OfficeApi, OfficeTextingApi, PatientApi):
    name = "gateway"

    identity = ServiceRpc("identity")
    forms = ServiceRpc("forms")
    billing = ServiceRpc("billing")
    sms = ServiceRpc("sms")

    @route("GET", "/health")
    def health(self, request):
        seconds = config.number("HEALTH_TIMEOUT_SECONDS", 2)
        pool = eventlet.GreenPool(len(BACKENDS))
        states = dict(pool.imap(lambda name: (name, self._ping(name, seconds)), BACKENDS))
        ok = all(state == "ok" for state in states.values())
        return json_response(200 if ok else 503, {"status": "ok" if ok else "unavailable", "services": states})

    def _ping(self, name, seconds):
        try:
            getattr(self, name).within(seconds).ping()
            return "ok"
        except Exception:
            return "unavailable"
