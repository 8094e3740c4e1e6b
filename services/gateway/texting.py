"""Office API: texting set-up. Which clinics text, from which number, and the practice's
default texting clinic (it texts the patients whose own clinic cannot). sms owns the
settings and their rules; clinics are named here by the PMS's external ids."""
from chairside.contracts import identity, sms
from chairside.refusals import NOT_SYNCED_YET, RULE_BROKEN, NotFound, rule_broken
from services.gateway.http import OFFICE, route
from services.gateway.schemas import ClinicTextingState, DefaultClinic, TextingOverview

TEXTING = "Texting"


class OfficeTextingApi:
    @route("PUT", "/office/v1/clinics/<external_id>/texting", tag=TEXTING, auth=OFFICE, path=identity.SyncKey,
           body=sms.ClinicTexting, answers=ClinicTextingState,
           refuses=(identity.CLINIC_NOT_FOUND, NOT_SYNCED_YET, sms.TEXTING_NUMBER_TAKEN, RULE_BROKEN),
           summary="Subscribe a clinic to texting, or not",
           description="NOT_SYNCED_YET: sms has not received the clinic yet; retry shortly. A subscribed "
                       "clinic needs a number (RULE_BROKEN); a number texts for one practice only.")
    def put_clinic_texting(self, call):
        clinic = self.identity.get_clinic(call.practice_id, call.path["external_id"])
        return ClinicTextingState().dump(self.sms.set_clinic_texting(call.practice_id, clinic["id"], call.body,
                                                                clinic["external_id"]))

    @route("PUT", "/office/v1/texting", tag=TEXTING, auth=OFFICE, body=DefaultClinic, answers=DefaultClinic,
           refuses=(RULE_BROKEN, NOT_SYNCED_YET), summary="Choose the default texting clinic (or none)")
    def put_texting(self, call):
        external_id = call.loaded["default_clinic"]
        clinic_id = None
        if external_id is not None:
            try:
                clinic_id = self.identity.get_clinic(call.practice_id, external_id)["id"]
            except NotFound as unknown:
                raise rule_broken("default_clinic", unknown.message)
        self.sms.set_default_texting_clinic(call.practice_id, clinic_id)
        return DefaultClinic().dump(call.loaded)

    @route("GET", "/office/v1/texting", tag=TEXTING, auth=OFFICE, answers=TextingOverview,
           summary="The texting settings of every clinic, and the default texting clinic")
    def get_texting_settings(self, call):
        return TextingOverview().dump(self.sms.get_texting_settings(call.practice_id))
