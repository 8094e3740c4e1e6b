"""gateway: office API, health. It composes answers; the rules live in the services."""
import eventlet

from chairside import config
from chairside.errors import Unauthenticated
from services.gateway.http import bearer_token, json_body, json_response, route
from services.gateway.rpc import ServiceRpc

BACKENDS = ("identity", "forms", "billing", "sms")


class GatewayService:
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

    # -- office API: the PMS connector ------------------------------------------------

    def _practice(self, request):
        token = bearer_token(request)
        if not token:
            raise Unauthenticated("Send the practice's API key as `Authorization: Bearer <key>`.")
        return self.identity.authenticate_office(token)

    def _patient(self, request, external_id):
        practice = self._practice(request)
        return practice, self.identity.get_patient(practice["id"], external_id)

    @route("PUT", "/office/v1/clinics/<external_id>")
    def put_clinic(self, request, external_id):
        practice = self._practice(request)
        return self.identity.upsert_clinic(practice["id"], external_id, json_body(request))

    @route("PUT", "/office/v1/patients/<external_id>")
    def put_patient(self, request, external_id):
        practice = self._practice(request)
        return self.identity.upsert_patient(practice["id"], external_id, json_body(request))

    @route("GET", "/office/v1/patients/<external_id>")
    def get_patient(self, request, external_id):
        return self._patient(request, external_id)[1]

    @route("GET", "/office/v1/patients/<external_id>/balance")
    def get_balance(self, request, external_id):
        practice, patient = self._patient(request, external_id)
        return self.billing.get_balance(practice["id"], patient["id"])

    @route("GET", "/office/v1/patients/<external_id>/texting")
    def get_texting(self, request, external_id):
        practice, patient = self._patient(request, external_id)
        return self.sms.get_texting(practice["id"], patient["id"])

