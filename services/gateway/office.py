"""Office API: the PMS connector syncs clinics and patients and reads what the services hold."""
from chairside.errors import Unauthenticated, ValidationFailed
from services.gateway.http import bearer_token, json_body, request_id, route


class OfficeApi:
    def _practice(self, request):
        """The practice whose API key the request carries."""
        token = bearer_token(request)
        if not token:
            raise Unauthenticated("Send the practice's API key as `Authorization: Bearer <key>`.")
        return self.identity.authenticate_office(token)

    def _patient(self, request, external_id, reading):
        """The patient, with the read written to the audit log."""
        practice = self._practice(request)
        patient = self.identity.get_patient(practice["id"], external_id)
        self.identity.record_access(practice["id"], "office", patient["id"], reading, "success", request_id(request))
        return practice, patient

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
        return self._patient(request, external_id, "patient_read")[1]

    @route("GET", "/office/v1/patients/<external_id>/balance")
    def get_balance(self, request, external_id):
        practice, patient = self._patient(request, external_id, "balance_read")
        return self.billing.get_balance(practice["id"], patient["id"])

    @route("GET", "/office/v1/patients/<external_id>/texting")
    def get_texting(self, request, external_id):
        practice, patient = self._patient(request, external_id, "texting_read")
        return self.sms.get_texting(practice["id"], patient["id"])

    @route("POST", "/office/v1/patients/<external_id>/portal-access")
    def issue_portal_access(self, request, external_id):
        practice = self._practice(request)
        return 201, self.identity.issue_portal_access(practice["id"], external_id, request_id(request))

    @route("GET", "/office/v1/audit")
    def audit(self, request):
        practice = self._practice(request)
        external_id = request.args.get("patient")
        if not external_id:
            raise ValidationFailed("Name the patient: ?patient=<external_id>.", fields={"patient": ["Required."]})
        return {"entries": self.identity.list_audit(practice["id"], external_id)}
