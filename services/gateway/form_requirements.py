"""Office API: required-form rules (which template a patient must have completed, for which
ages, for how long) and a patient's forms (what is outstanding before their next
appointment). forms owns the rules and computes what is outstanding; the gateway passes the
practice's time zone, in which an appointment without a clinic is shown."""
from chairside.contracts import forms, identity
from chairside.refusals import NOT_SYNCED_YET, RULE_BROKEN
from services.gateway.http import OFFICE, route
from services.gateway.schemas import FormRuleRequest

REQUIRED = "Required forms"


class OfficeFormRequirementsApi:
    @route("GET", "/office/v1/form-rules", tag=REQUIRED, auth=OFFICE, answers=forms.FormRules,
           summary="The practice's required-form rules",
           description="One rule per form template at most, by the template's title.")
    def get_form_rules(self, call):
        return self.forms.get_rules(call.practice_id)

    @route("PUT", "/office/v1/form-rules/<template_id>", tag=REQUIRED, auth=OFFICE, path=forms.TemplateKey,
           body=FormRuleRequest, answers=forms.FormRule, refuses=(forms.TEMPLATE_NOT_FOUND, RULE_BROKEN),
           summary="Require a form template: create or replace its rule",
           description="A full replacement: an optional field left out goes back to null. Patients whose age "
                       "(on the day checked) is from `min_age` to `max_age` must have a submission of the "
                       "template that is still valid on the day of their next appointment (today without one): "
                       "submitted within `valid_months` calendar months (for ever when null) and, when "
                       "`renew_on_new_version`, answering the current version. RULE_BROKEN: `max_age` below "
                       "`min_age`; nothing was stored.")
    def put_form_rule(self, call):
        return self.forms.put_rule(call.practice_id, str(call.path["template_id"]), call.body)

    @route("DELETE", "/office/v1/form-rules/<template_id>", tag=REQUIRED, auth=OFFICE, path=forms.TemplateKey,
           answers=forms.FormRules, refuses=(forms.RULE_NOT_FOUND,),
           summary="Stop requiring a form template",
           description="Answers the rules left. Past submissions of the template are kept.")
    def delete_form_rule(self, call):
        return self.forms.delete_rule(call.practice_id, str(call.path["template_id"]))

    @route("GET", "/office/v1/patients/<external_id>/forms", tag=REQUIRED, auth=OFFICE, path=identity.SyncKey,
           answers=forms.PatientForms, refuses=(identity.PATIENT_NOT_FOUND, NOT_SYNCED_YET),
           summary="A patient's required forms: outstanding and completed",
           description="Checked on `due_on`: the day of the next appointment (the earliest scheduled or "
                       "confirmed one that has not started, in its clinic's time zone, else the practice's), or "
                       "today without one. NOT_SYNCED_YET: the patient has not reached the forms service yet; "
                       "retry shortly.")
    def get_patient_forms(self, call):
        patient = self.audited_patient(call, identity.FORMS_READ)
        return self.forms.patient_forms(call.practice_id, patient["id"], call.practice["timezone"])
