"""Submitted forms as the office and the patient read them: the office's new (or acknowledged)
ones oldest first, each with its FHIR R4 QuestionnaireResponse; a patient's own newest first;
one by id. Acknowledging (once the office imported it into the PMS) is the only change a
submission ever sees, and a second acknowledgement changes nothing."""
from dataclasses import dataclass, replace
from datetime import datetime
from typing import List, Optional, Tuple

from sqlalchemy import select

from chairside.contracts.forms import SUBMISSION_NOT_FOUND, SUBMISSION_STATUSES
from chairside.tenancy import of_practice
from services.forms import fhir
from services.forms.domain.signatures import signed
from services.forms.models import FormSubmission
from services.forms.template_items import Item, items_of
from services.forms.usecases.patients import patient as known_patient

NEW, ACKNOWLEDGED = SUBMISSION_STATUSES


@dataclass(frozen=True)
class Shown:
    """A submission as it is read (chairside.contracts.forms.Submission); `url`, its template's
    canonical url, is for its QuestionnaireResponse only."""
    id: str
    template: str
    url: Optional[str]
    title: str
    version: int
    patient_id: str
    patient: Optional[str]
    patient_name: str
    signer_patient_id: str
    signer: Optional[str]
    signer_name: str
    signed: str
    submitted_at: datetime
    status: str
    acknowledged_at: Optional[datetime]
    items: Tuple[Item, ...]
    answers: dict
    questionnaire_response: Optional[dict]


@dataclass(frozen=True)
class Listed:
    submissions: List[Shown]


def submissions(uow, practice_id, query):
    """The practice's submissions of `query`'s status (SubmissionQuery loaded), oldest first,
    at most its limit: the office takes them in the order they came."""
    rows = uow.session.scalars(select(FormSubmission).where(
        FormSubmission.practice_id == practice_id, FormSubmission.status == query["status"])
        .order_by(FormSubmission.submitted_at, FormSubmission.submission_id).limit(query["limit"])).all()
    return Listed(submissions=[shown(row, with_response=True) for row in rows])


def patient_submissions(uow, practice_id, patient_id):
    """The patient's submissions, newest first (without their QuestionnaireResponse)."""
    patient = known_patient(uow, practice_id, patient_id)
    rows = uow.session.scalars(select(FormSubmission).where(FormSubmission.patient_id == patient.patient_id)
                               .order_by(FormSubmission.submitted_at.desc(),
                                         FormSubmission.submission_id.desc())).all()
    return Listed(submissions=[shown(row, with_response=False) for row in rows])


def submission(uow, practice_id, submission_id):
    return shown(_of_practice(uow, practice_id, submission_id), with_response=True)


def acknowledge_submission(uow, practice_id, submission_id, acknowledged_by):
    """Mark the submission imported into the PMS, by `acknowledged_by` (who, in words); once
    acknowledged it stays as it was: a second acknowledgement answers the same."""
    row = _of_practice(uow, practice_id, submission_id)
    if row.status == NEW:
        row.status, row.acknowledged_at, row.acknowledged_by = ACKNOWLEDGED, uow.clock.now(), acknowledged_by
        uow.session.flush()
    return shown(row, with_response=True)


def shown(row, with_response):
    read = Shown(
        id=row.submission_id, template=row.template_id, url=row.template.url, title=row.title, version=row.version,
        patient_id=row.patient_id, patient=row.patient.external_id, patient_name=row.patient_name,
        signer_patient_id=row.signer_patient_id, signer=row.signer.external_id, signer_name=row.signer_name,
        signed=signed(row.signer_name, row.patient_name, row.signer_patient_id == row.patient_id),
        submitted_at=row.submitted_at, status=row.status, acknowledged_at=row.acknowledged_at,
        items=items_of(row.items), answers=row.answers, questionnaire_response=None,
    )
    return replace(read, questionnaire_response=fhir.export_response(read)) if with_response else read


def _of_practice(uow, practice_id, submission_id):
    return of_practice(uow.session, FormSubmission, submission_id, practice_id, missing=SUBMISSION_NOT_FOUND)
