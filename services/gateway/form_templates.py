"""Office API: form templates. forms owns them; the gateway passes the FHIR R4 Questionnaire
through after checking its outline, and answers what forms answers."""
from chairside.contracts import forms
from services.gateway.http import OFFICE, route

FORMS = "Form templates"


class OfficeFormTemplatesApi:
    @route("GET", "/office/v1/form-templates", tag=FORMS, auth=OFFICE, answers=forms.Templates,
           summary="The practice's form templates",
           description="By title, each at its current version.")
    def get_form_templates(self, call):
        return self.forms.get_templates(call.practice_id)

    @route("POST", "/office/v1/form-templates", tag=FORMS, auth=OFFICE, body=forms.QuestionnaireBody,
           answers=forms.Template, status=201, refuses=(forms.QUESTIONNAIRE_NOT_SUPPORTED,),
           summary="Import a FHIR R4 Questionnaire as a form template",
           description="A Questionnaire with the `url` of one of the practice's templates becomes its next "
                       "version; one whose title and items equal the current version publishes nothing and "
                       "answers that version (201 all the same). Only url, title and items are kept. "
                       "QUESTIONNAIRE_NOT_SUPPORTED (422): `fields` names each item (linkId) forms cannot keep and why; "
                       "nothing was stored.")
    def post_form_template(self, call):
        return self.forms.import_template(call.practice_id, call.body)

    @route("GET", "/office/v1/form-templates/<template_id>", tag=FORMS, auth=OFFICE, path=forms.TemplateKey,
           answers=forms.Template, refuses=(forms.TEMPLATE_NOT_FOUND,),
           summary="A form template at its current version")
    def get_form_template(self, call):
        return self.forms.get_template(call.practice_id, str(call.path["template_id"]))

    @route("GET", "/office/v1/form-templates/<template_id>/fhir", tag=FORMS, auth=OFFICE, path=forms.TemplateKey,
           answers=forms.QuestionnaireBody, refuses=(forms.TEMPLATE_NOT_FOUND,),
           summary="A form template's current version as a FHIR R4 Questionnaire",
           description="Importing it again answers the same template and version.")
    def get_form_template_fhir(self, call):
        return self.forms.get_template_fhir(call.practice_id, str(call.path["template_id"]))
