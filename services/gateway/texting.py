"""Office API: texting set-up and texts. Which clinics text, from which number, their opt-in
preferences, the practice's default texting clinic (it texts the patients whose own clinic
cannot) and monthly spend limit; and a text the office writes to a patient. sms owns the
settings and their rules; clinics and patients are named here by the PMS's external ids."""
from chairside.contracts import identity, sms
from chairside.refusals import NOT_SYNCED_YET, RULE_BROKEN, NotFound, rule_broken
from services.gateway.http import OFFICE, route
from services.gateway.schemas import (
    OFFICE_KEY_PREFIX, ClinicOptIn, ClinicTextingState, DefaultClinic, IdempotencyHeader, OfficeSentText, OfficeText,
    TextingOverview,
)

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

    @route("GET", "/office/v1/texting/limit", tag=TEXTING, auth=OFFICE, answers=sms.SpendLimit,
           summary="The monthly spend limit, and this month's charges against it")
    def get_spend_limit(self, call):
        return self.sms.get_spend_limit(call.practice_id)

    @route("PUT", "/office/v1/texting/limit", tag=TEXTING, auth=OFFICE, body=sms.SpendLimitInput,
           answers=sms.SpendLimit, refuses=(RULE_BROKEN,), summary="Set the monthly spend limit (USD, all clinics), or lift it",
           description="Every text, whatever sends it, is refused with SPEND_LIMIT_REACHED once it would take "
                       "this month's charges past the limit (sign-in codes and the replies to STOP and HELP "
                       "always go, and count). The office is warned (sms.spend_limit_warning) once a month at "
                       "80%.")
    def put_spend_limit(self, call):
        return self.sms.set_spend_limit(call.practice_id, call.body)

    @route("PUT", "/office/v1/clinics/<external_id>/opt-in", tag=TEXTING, auth=OFFICE, path=identity.SyncKey,
           body=sms.OptInPreferences, answers=ClinicOptIn, refuses=(identity.CLINIC_NOT_FOUND, NOT_SYNCED_YET),
           summary="Set a clinic's opt-in preferences",
           description="With prompt_opt_in, a patient whose sync brings a new consent (a mobile number with "
                       "Text OK yes) is sent one opt-in text naming opt_in_title (blank: the practice's name, "
                       "else \"Your Dentist\") and saying how to stop.")
    def put_opt_in(self, call):
        clinic = self.identity.get_clinic(call.practice_id, call.path["external_id"])
        return ClinicOptIn().dump(self.sms.set_opt_in_preferences(call.practice_id, clinic["id"], call.body))

    @route("POST", "/office/v1/texts", tag=TEXTING, auth=OFFICE, body=OfficeText, headers=IdempotencyHeader,
           answers=OfficeSentText, status=201,
           refuses=(identity.PATIENT_NOT_FOUND, NOT_SYNCED_YET, sms.CANNOT_TEXT, sms.TEXTING_NOT_SET_UP,
                    sms.SPEND_LIMIT_REACHED, sms.PROVIDER_REFUSED),
           summary="Text a patient",
           description="From the patient's clinic, else the default texting clinic, under the same rules as "
                       "every text: Text OK yes, not opted out, the spend limit (the reason in words in "
                       "fields.body). With an Idempotency-Key, the same key answers the first text as it "
                       "stands and never texts twice.")
    def post_text(self, call):
        patient = self.identity.read_patient(call.practice_id, call.loaded["patient"], "patient_texted")
        sent = {"body": call.body["body"], "purpose": sms.OFFICE_MESSAGE}
        if call.headers.get("idempotency_key") is not None:
            sent["idempotency_key"] = OFFICE_KEY_PREFIX + call.headers["idempotency_key"]
        return OfficeSentText().dump(self.sms.send_text(call.practice_id, patient["id"], sent))
