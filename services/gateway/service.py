"""gateway: the HTTP face. Each API area is a class of routes; the rules live in the services."""
import eventlet

from chairside import config
from chairside.consumer import consume
from chairside.remote import ServiceRpc
from services.gateway.apidocs import ApiDocs
from services.gateway.appointments import OfficeAppointmentsApi
from services.gateway.claims import PatientAccessApi
from services.gateway.form_requirements import OfficeFormRequirementsApi
from services.gateway.form_submissions import OfficeFormSubmissionsApi
from services.gateway.form_templates import OfficeFormTemplatesApi
from services.gateway.console.site import ConsolePages
from services.gateway.http import Answer, CallContext, route
from services.gateway.ledger import OfficeLedgerApi
from services.gateway.office import OfficeApi
from services.gateway.office_keys import OfficeKeys
from services.gateway.pages.site import PortalPages
from services.gateway.portals import Portals
from services.gateway.patient import PatientApi
from services.gateway.payments import PaymentsApi
from services.gateway.payment_requests import OfficePaymentRequestsApi
from services.gateway.portal import OfficePortalApi
from services.gateway.schemas import Health
from services.gateway.texting import OfficeTextingApi
from services.gateway.texting_inbox import OfficeTextingInboxApi
from services.gateway.texting_usage import OfficeTextingUsageApi
from services.gateway.twilio_webhooks import TwilioWebhooks

BACKENDS = ("identity", "forms", "billing", "sms")


class GatewayService(OfficeApi, OfficeAppointmentsApi, OfficeFormTemplatesApi, OfficeFormRequirementsApi,
                     OfficeFormSubmissionsApi, OfficeTextingApi, OfficeTextingInboxApi, OfficeTextingUsageApi,
                     OfficeLedgerApi, OfficePaymentRequestsApi, OfficePortalApi, PatientApi, PatientAccessApi,
                     PaymentsApi, TwilioWebhooks, PortalPages, ConsolePages, ApiDocs):
    name = "gateway"

    identity = ServiceRpc("identity")
    forms = ServiceRpc("forms")
    billing = ServiceRpc("billing")
    sms = ServiceRpc("sms")
    call_context = CallContext()
    office_keys = OfficeKeys()
    portals = Portals()

    @consume("identity", "practice_key_rotated")
    def on_practice_key_rotated(self, event):
        """Every gateway process drops the practice's cached key check at once (forgetting twice is harmless)."""
        self.office_keys.forget(event.data["practice_id"])

    @consume("identity", "portal_settings_changed")
    def on_portal_settings_changed(self, event):
        """Every gateway process drops the practice's cached portal at once."""
        self.portals.forget(event.data["practice_id"])

    @route("GET", "/health", tag="Health", answers={200: Health, 503: Health},
           summary="Whether the gateway can reach every service")
    def health(self, call):
        seconds = config.number("HEALTH_TIMEOUT_SECONDS", 2)
        pool = eventlet.GreenPool(len(BACKENDS))
        states = dict(pool.imap(lambda name: (name, self._ping(name, seconds)), BACKENDS))
        ok = all(state == "ok" for state in states.values())
        return Answer(200 if ok else 503, Health().dump({"status": "ok" if ok else "unavailable", "services": states}))

    def _ping(self, name, seconds):
        try:
            getattr(self, name).within(seconds).ping()
            return "ok"
        except Exception:  # whatever stops the answer, the service is not reachable now
            return "unavailable"
