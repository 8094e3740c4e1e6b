"""Office API: the PMS connector syncs clinics and patients and reads what the services hold."""
from chairside.errors import Unauthenticated
from services.gateway.http import bearer_token, json_body, route


class OfficeApi:
    def _practice(self, request):
        """The practice whose API key the request carries."""
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
