"""Shared pieces of forms' use-case tests of rules, outstanding forms, filling and submissions
(no tests of its own): Maria Garcia (m1, PMS-M) and her daughter Sofia (s1, PMS-S) at Main
Street (New York), as identity announced them, and a small "world" that drives forms' use
cases the way its entrypoints do (inputs loaded with the contract's schemas, answers dumped
with them) against the real database. tests/usecases/conftest.py offers its `forms` fixture."""
import base64
import copy
import json
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from chairside.contracts import forms as contract
from chairside.tables import OutboxRow
from services.forms.models import FormSubmission
from services.forms.usecases import (
    appointments, clinics, filling, patients, rules, standing, submissions, templates,
)
from tests.usecases.events import clinic_upserted, patient_upserted

PRACTICE_ZONE = "America/Chicago"
MARIA = dict(patient_id="m1", external_id="PMS-M", first_name="Maria", last_name="Garcia",
             birthdate=date(1985, 6, 15))
SOFIA = dict(patient_id="s1", external_id="PMS-S", first_name="Sofia", last_name="Garcia",
             birthdate=date(2016, 12, 10), guarantor_id="m1", dependent=True)
MEDICAL_HISTORY = json.loads((Path(__file__).parents[1] / "data" / "medical_history_questionnaire.json")
                             .read_text())
PNG = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode()
CONSENT_URL = "http://example.org/fhir/Questionnaire/consent"


def consent(title="Financial policy", url=CONSENT_URL, extra=()):
    """A short consent: agree (yes/no, required), a note, a signature (required)."""
    return {"resourceType": "Questionnaire", "url": url, "title": title, "status": "active", "item": [
        {"linkId": "agree", "type": "boolean", "text": "I agree to the financial policy.", "required": True},
        {"linkId": "note", "type": "string", "text": "Anything to add?"},
        *extra,
        {"linkId": "sign", "type": "attachment", "text": "Signature", "required": True,
         "extension": [{"url": "https://chairside.dev/fhir/StructureDefinition/item-kind",
                        "valueCode": "signature"}]},
    ]}


SIGNED = {"agree": "yes", "note": "", "sign": PNG}


class World:
    def __init__(self, db, clock):
        self.db = db
        self.clock = clock

    # identity's events
    def patient(self, practice_id="p1", **record):
        self.db.deliver("forms.on_patient_upserted", patients.record_patient,
                        patient_upserted(self.clock, practice_id, **record))

    def clinic(self, practice_id="p1", **record):
        self.db.deliver("forms.on_clinic_upserted", clinics.keep_clinic, clinic_upserted(self.clock, practice_id,
                                                                                        **record))

    # the PMS and the office
    def appointment(self, external_id="A-1", practice_id="p1", **changes):
        body = {"patient": "PMS-M", "clinic": "main", "start": "2026-12-01T09:30:00-05:00", "duration_minutes": 30,
                "status": "scheduled", **changes}
        return self.db.run(appointments.upsert_appointment, practice_id, external_id,
                           contract.AppointmentUpsert().load(body), PRACTICE_ZONE, answer=contract.Appointment())

    def template(self, questionnaire=None, practice_id="p1"):
        sent = contract.QuestionnaireBody().load(copy.deepcopy(questionnaire or consent()))
        return self.db.run(templates.import_template, practice_id, sent, answer=contract.Template())

    def put_rule(self, template_id, practice_id="p1", **body):
        sent = contract.FormRuleBody().load({"renew_on_new_version": False, **body})
        return self.db.run(rules.put_rule, practice_id, template_id, sent, answer=contract.FormRule(),
                           retry_on_race=True)

    def rules(self, practice_id="p1"):
        return self.db.run(rules.rules, practice_id, answer=contract.FormRules(), read_only=True)

    def delete_rule(self, template_id, practice_id="p1"):
        return self.db.run(rules.delete_rule, practice_id, template_id, answer=contract.FormRules())

    def required(self, questionnaire=None, **rule):
        """A template and its rule; answers the template."""
        template = self.template(questionnaire)
        self.put_rule(template["id"], **rule)
        return template

    # the patient
    def forms_of(self, patient_id="m1", practice_id="p1"):
        return self.db.run(standing.patient_forms, practice_id, patient_id, PRACTICE_ZONE,
                           answer=contract.PatientForms(), read_only=True)

    def family(self, patient_ids, practice_id="p1"):
        return self.db.run(standing.family_forms, practice_id, patient_ids, PRACTICE_ZONE,
                           answer=contract.FamilyForms(), read_only=True)

    def to_fill(self, template_id, patient_id="m1", practice_id="p1"):
        return self.db.run(filling.form_to_fill, practice_id, patient_id, template_id, PRACTICE_ZONE,
                           answer=contract.FormToFill(),
                           read_only=True)

    def save(self, template_id, answers, version=1, patient_id="m1", by="m1", practice_id="p1"):
        body = contract.AnswersBody().load({"version": version, "answers": answers})
        return self.db.run(filling.save_draft, practice_id, patient_id, template_id, body, by, PRACTICE_ZONE,
                           answer=contract.Draft(), retry_on_race=True)

    def submit(self, template_id, answers=None, version=1, patient_id="m1", by="m1", practice_id="p1"):
        body = contract.AnswersBody().load({"version": version, "answers": SIGNED if answers is None else answers})
        return self.db.run(filling.submit_form, practice_id, patient_id, template_id, body, by, PRACTICE_ZONE,
                           answer=contract.Submission(), retry_on_race=True)

    # the office
    def submissions(self, practice_id="p1", **query):
        return self.db.run(submissions.submissions, practice_id, contract.SubmissionQuery().load(query),
                           answer=contract.Submissions(), read_only=True)["submissions"]

    def patient_submissions(self, patient_id="m1", practice_id="p1"):
        return self.db.run(submissions.patient_submissions, practice_id, patient_id, answer=contract.Submissions(),
                           read_only=True)["submissions"]

    def submission(self, submission_id, practice_id="p1"):
        return self.db.run(submissions.submission, practice_id, submission_id, answer=contract.Submission(),
                           read_only=True)

    def acknowledge(self, submission_id, by="office API", practice_id="p1"):
        return self.db.run(submissions.acknowledge_submission, practice_id, submission_id, by,
                           answer=contract.Submission())

    # what was submitted, as standing reads it (filling's tests submit through the use case)
    def completed(self, template_id, patient_id="m1", version=1, submitted_at=None, practice_id="p1"):
        """A submission row of the template for the patient; answers its id."""
        submission_id = str(uuid.uuid4())
        with self.db.session() as session:
            session.add(FormSubmission(
                submission_id=submission_id, practice_id=practice_id, patient_id=patient_id, template_id=template_id,
                version=version, title="Financial policy", items=[], answers={}, signer_patient_id="m1",
                patient_name="Maria Garcia", signer_name="Maria Garcia", submitted_at=submitted_at or self.clock.now(),
                status="new"))
            session.commit()
        return submission_id

    # what was stored
    def outbox(self, event_type=None):
        with self.db.session() as session:
            rows = session.scalars(select(OutboxRow).order_by(OutboxRow.seq)).all()
        return [event for event in (json.loads(row.body) for row in rows)
                if event_type is None or event["type"] == event_type]

    def count(self, model):
        with self.db.session() as session:
            return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def forms(forms_db, clock):
    """forms with Main Street (New York) and Maria and Sofia of practice p1."""
    world = World(forms_db, clock)
    world.clinic()
    world.patient(**MARIA)
    world.patient(**SOFIA)
    return world
