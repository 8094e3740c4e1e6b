"""Filling in a required form: the form at its current version with the answers saved so far,
drafts saved at every step exactly as typed, and the submission, which is refused (keeping the
answers as the draft) while the answers are stale or incomplete.

A patient fills in only a template of the practice that a rule asks of them on the day their
forms are due (standing.due: the next appointment's day, else today in their clinic's time
zone, else the practice's); any other is TEMPLATE_NOT_FOUND, whoever's it is."""
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import delete

from chairside.contracts.forms import FORM_INCOMPLETE, TEMPLATE_CHANGED, TEMPLATE_NOT_FOUND
from services.forms.domain import answers, requirements
from services.forms.domain.signatures import full_name
from services.forms.models import FormDraft, FormRule, FormSubmission
from services.forms.template_items import items_json
from services.forms.usecases import submissions, templates
from services.forms.usecases.patients import patient as known_patient
from services.forms.usecases.standing import due
from services.forms.usecases.templates import Shown as ShownTemplate


@dataclass(frozen=True)
class Draft:
    """chairside.contracts.forms.Draft"""
    template: str
    version: int
    answers: dict
    saved_at: datetime


@dataclass(frozen=True)
class FormToFill:
    """chairside.contracts.forms.FormToFill"""
    patient_id: str
    patient_name: str
    template: ShownTemplate
    draft: Optional[Draft]


def form_to_fill(uow, practice_id, patient_id, template_id, practice_timezone):
    patient, template = _fillable(uow, practice_id, patient_id, template_id, practice_timezone)
    draft = uow.session.get(FormDraft, (patient.patient_id, template.id))
    return FormToFill(patient_id=patient.patient_id, patient_name=full_name(patient.first_name, patient.last_name),
                      template=template, draft=_draft(draft) if draft else None)


def save_draft(uow, practice_id, patient_id, template_id, sent, filled_by_patient_id, practice_timezone):
    """Keep `sent` (AnswersBody loaded) as the patient's draft of the template, replacing the
    one before: exactly as typed, unchecked (a half-typed date too), to the version sent."""
    patient, template = _fillable(uow, practice_id, patient_id, template_id, practice_timezone)
    filler = known_patient(uow, practice_id, filled_by_patient_id)
    return _draft(_keep_draft(uow, practice_id, patient, template, sent, filler))


def submit_form(uow, practice_id, patient_id, template_id, sent, signer_patient_id, practice_timezone):
    """Submit `sent` (AnswersBody loaded) for the patient, signed by `signer_patient_id` (the
    patient, or the adult signing for them). Answers to a version that is no longer the current
    one (TEMPLATE_CHANGED) or that are missing or not valid (FORM_INCOMPLETE, by linkId) are
    refused, and kept as the draft first so that nothing typed is lost. A valid submission is
    stored with a snapshot of the version, the draft is deleted, and forms.form_submitted is
    announced."""
    patient, template = _fillable(uow, practice_id, patient_id, template_id, practice_timezone)
    signer = known_patient(uow, practice_id, signer_patient_id)
    if sent["version"] != template.version:
        _keep_draft(uow, practice_id, patient, template, sent, signer)
        return uow.refuse(TEMPLATE_CHANGED())
    reading = answers.read(template.items, sent["answers"])
    if reading.errors:
        _keep_draft(uow, practice_id, patient, template, sent, signer)
        return uow.refuse(FORM_INCOMPLETE(fields={link_id: list(messages)
                                                  for link_id, messages in reading.errors.items()}))
    submission = FormSubmission(
        submission_id=str(uuid.uuid4()), practice_id=practice_id, patient_id=patient.patient_id,
        template_id=template.id, version=template.version, title=template.title, items=items_json(template.items),
        answers=reading.values, signer_patient_id=signer.patient_id,
        patient_name=full_name(patient.first_name, patient.last_name),
        signer_name=full_name(signer.first_name, signer.last_name), submitted_at=uow.clock.now(), status=submissions.NEW,
    )
    uow.session.add(submission)
    # a statement, not the ORM's delete of a row it loaded: a second tap on Submit that raced
    # this one finds the draft gone, and that is no error
    uow.session.execute(delete(FormDraft).where(FormDraft.patient_id == patient.patient_id,
                                                FormDraft.template_id == template.id))
    uow.session.flush()
    uow.announce("form_submitted", practice_id, submission)
    return submissions.shown(submission, with_response=True)


def _fillable(uow, practice_id, patient_id, template_id, practice_timezone):
    """The patient and the template at its current version, when a rule of the practice asks
    the patient for it on the day their forms are due; else TEMPLATE_NOT_FOUND."""
    patient = known_patient(uow, practice_id, patient_id)
    template = templates.template(uow, practice_id, template_id)
    rule = uow.session.get(FormRule, template.id)  # its ages are all `applies` reads
    if rule is None or not requirements.applies(rule, patient.birthdate,
                                                due(uow, practice_id, patient, practice_timezone).day):
        raise TEMPLATE_NOT_FOUND()
    return patient, template


def _keep_draft(uow, practice_id, patient, template, sent, filler):
    draft = uow.session.get(FormDraft, (patient.patient_id, template.id))
    if draft is None:
        draft = FormDraft(patient_id=patient.patient_id, template_id=template.id, practice_id=practice_id)
        uow.session.add(draft)
    draft.version, draft.answers = sent["version"], sent["answers"]
    draft.filled_by_patient_id, draft.saved_at = filler.patient_id, uow.clock.now()
    uow.session.flush()
    return draft


def _draft(row):
    return Draft(template=row.template_id, version=row.version, answers=row.answers, saved_at=row.saved_at)
