"""forms: the patients forms are due for and the clinics they go to, kept from identity's
events, the appointments the PMS syncs, the practice's form templates (imported and exported as
FHIR R4 Questionnaires) and required-form rules, the forms each patient still has to fill in
before their next appointment, their drafts, and the submissions the office receives (each as a
FHIR R4 QuestionnaireResponse too). Inputs and answers follow chairside.contracts.forms."""
from chairside.batches import answered_each, answers_of, calls_of
from chairside.contracts import forms as contract
from chairside.db import Database
from chairside.entrypoints import ChairsideService, applied_once, rpc
from chairside.schemas import shared
from services.forms.usecases import (
    appointments, clinics, filling, patients, rules, standing, submissions, templates,
)


class FormsService(ChairsideService):
    name = "forms"
    db = Database("services.forms:migrations")

    on_patient_upserted = applied_once("identity", "patient_upserted", patients.record_patient)
    on_clinic_upserted = applied_once("identity", "clinic_upserted", clinics.keep_clinic)

    @rpc
    def get_patient(self, practice_id, patient_id):
        return self.db.run(patients.patient, practice_id, patient_id, answer=contract.FormsPatient(), read_only=True)

    @rpc
    def upsert_appointment(self, practice_id, external_id, sent, practice_timezone):
        return self.db.run(appointments.upsert_appointment, practice_id, external_id,
                           contract.AppointmentUpsert().load(sent), practice_timezone,
                           answer=contract.Appointment(), retry_on_race=True)

    @rpc
    def get_appointments(self, practice_id, patient_id, practice_timezone):
        return self.db.run(appointments.patient_appointments, practice_id, patient_id, practice_timezone,
                           answer=contract.Appointments(), read_only=True)

    @rpc
    def import_template(self, practice_id, questionnaire):
        return self.db.run(templates.import_template, practice_id, contract.QuestionnaireBody().load(questionnaire),
                           answer=contract.Template(), retry_on_race=True)

    @rpc
    def get_templates(self, practice_id):
        return self.db.run(templates.templates, practice_id, answer=contract.Templates(), read_only=True)

    @rpc
    def get_template(self, practice_id, template_id):
        return self.db.run(templates.template, practice_id, template_id, answer=contract.Template(), read_only=True)

    @rpc
    def get_template_fhir(self, practice_id, template_id):
        return self.db.run(templates.template_fhir, practice_id, template_id, answer=contract.QuestionnaireBody(),
                           read_only=True)

    @rpc
    def get_rules(self, practice_id):
        return self.db.run(rules.rules, practice_id, answer=contract.FormRules(), read_only=True)

    @rpc
    def put_rule(self, practice_id, template_id, sent):
        return self.db.run(rules.put_rule, practice_id, template_id, contract.FormRuleBody().load(sent),
                           answer=contract.FormRule(), retry_on_race=True)

    @rpc
    def delete_rule(self, practice_id, template_id):
        return self.db.run(rules.delete_rule, practice_id, template_id, answer=contract.FormRules())

    @rpc
    def patient_forms(self, practice_id, patient_id, practice_timezone):
        return self.db.run(standing.patient_forms, practice_id, patient_id, practice_timezone,
                           answer=contract.PatientForms(), read_only=True)

    @rpc
    def family_forms(self, practice_id, patient_ids, practice_timezone):
        return self.db.run(standing.family_forms, practice_id, patient_ids, practice_timezone,
                           answer=shared(contract.FamilyForms), read_only=True)

    @rpc
    def family_forms_batch(self, calls):
        """family_forms for the calls of several pages at once (chairside.batches), in one read-only unit of work."""
        return self.db.run(answered_each, shared(calls_of(contract.FamilyFormsCall)).load(calls)["calls"],
                           standing.family_forms, answer=shared(answers_of(contract.FamilyForms)), read_only=True)

    @rpc
    def form_to_fill(self, practice_id, patient_id, template_id, practice_timezone):
        return self.db.run(filling.form_to_fill, practice_id, patient_id, template_id, practice_timezone,
                           answer=contract.FormToFill(), read_only=True)

    @rpc
    def save_draft(self, practice_id, patient_id, template_id, sent, filled_by_patient_id, practice_timezone):
        return self.db.run(filling.save_draft, practice_id, patient_id, template_id, contract.AnswersBody().load(sent),
                           filled_by_patient_id, practice_timezone, answer=contract.Draft(), retry_on_race=True)

    @rpc
    def submit_form(self, practice_id, patient_id, template_id, sent, signer_patient_id, practice_timezone):
        return self.db.run(filling.submit_form, practice_id, patient_id, template_id, contract.AnswersBody().load(sent),
                           signer_patient_id, practice_timezone, answer=contract.Submission(), retry_on_race=True)

    @rpc
    def get_submissions(self, practice_id, query):
        return self.db.run(submissions.submissions, practice_id, contract.SubmissionQuery().load(query),
                           answer=contract.Submissions(), read_only=True)

    @rpc
    def patient_submissions(self, practice_id, patient_id):
        return self.db.run(submissions.patient_submissions, practice_id, patient_id, answer=contract.Submissions(),
                           read_only=True)

    @rpc
    def get_submission(self, practice_id, submission_id):
        return self.db.run(submissions.submission, practice_id, submission_id, answer=contract.Submission(),
                           read_only=True)

    @rpc
    def acknowledge_submission(self, practice_id, submission_id, acknowledged_by):
        return self.db.run(submissions.acknowledge_submission, practice_id, submission_id, acknowledged_by,
                           answer=contract.Submission(), retry_on_race=True)
