"""What a patient (or each member of a family) still has to fill in before their next
appointment, and what they have validly completed: the practice's rules with their templates'
current versions, the patient's submissions, and the day the forms are due
(services.forms.domain.requirements says how each is decided)."""
from dataclasses import dataclass
from datetime import date, datetime
from typing import List, Optional

from sqlalchemy import select

from services.forms.domain import requirements
from services.forms.models import Clinic, FormSubmission
from services.forms.usecases.appointments import Shown as ShownAppointment, patient_appointments
from services.forms.usecases.patients import patient as known_patient
from services.forms.usecases.rules import practice_rules


@dataclass(frozen=True)
class OutstandingForm:
    """chairside.contracts.forms.OutstandingForm"""
    template: str
    title: str
    version: int
    reason: str


@dataclass(frozen=True)
class CompletedForm:
    """chairside.contracts.forms.CompletedForm"""
    template: str
    title: str
    version: int
    submission: str
    submitted_at: datetime
    valid_until: Optional[date]


@dataclass(frozen=True)
class PatientForms:
    """chairside.contracts.forms.PatientForms"""
    patient_id: str
    patient: str
    next_appointment: Optional[ShownAppointment]
    due_on: date
    outstanding: List[OutstandingForm]
    completed: List[CompletedForm]


@dataclass(frozen=True)
class FamilyForms:
    members: List[PatientForms]


@dataclass(frozen=True)
class Due:
    """When a patient's forms are due: the day, the time zone it is counted in, and the next
    appointment that sets it (None: today)."""
    day: date
    zone: str
    next_appointment: Optional[ShownAppointment]


def patient_forms(uow, practice_id, patient_id, practice_timezone):
    return _standing(uow, practice_id, patient_id, practice_timezone, rules_of(uow, practice_id))


def family_forms(uow, practice_id, patient_ids, practice_timezone):
    """Each member's forms, in the order asked; a member forms has not received yet refuses
    the whole answer with NOT_SYNCED_YET, as a single patient's would."""
    rules = rules_of(uow, practice_id)
    return FamilyForms(members=[_standing(uow, practice_id, patient_id, practice_timezone, rules)
                                for patient_id in patient_ids])


def rules_of(uow, practice_id):
    """The practice's rules with their templates' titles and current versions."""
    return [requirements.Rule(template_id=template.template_id, title=template.title,
                              current_version=template.current_version, min_age=rule.min_age,
                              max_age=rule.max_age, valid_months=rule.valid_months,
                              renew_on_new_version=rule.renew_on_new_version)
            for rule, template in practice_rules(uow, practice_id)]


def due(uow, practice_id, patient, practice_timezone):
    """The patient's forms are due on their next appointment's day in its time zone, else today
    in the time zone of the patient's clinic, else of the practice."""
    upcoming = patient_appointments(uow, practice_id, patient.patient_id, practice_timezone).next_appointment
    if upcoming is not None:
        zone = upcoming.timezone
    else:
        clinic = uow.session.get(Clinic, patient.clinic_id) if patient.clinic_id else None
        zone = clinic.timezone if clinic is not None else practice_timezone
    return Due(day=requirements.due_on(upcoming.start if upcoming else None, uow.clock.now(), zone), zone=zone,
               next_appointment=upcoming)


def completions(uow, patient_id):
    rows = uow.session.execute(select(
        FormSubmission.template_id, FormSubmission.version, FormSubmission.submission_id,
        FormSubmission.submitted_at).where(FormSubmission.patient_id == patient_id)).all()
    return [requirements.Completion(template_id=row.template_id, version=row.version,
                                    submission_id=row.submission_id, submitted_at=row.submitted_at) for row in rows]


def _standing(uow, practice_id, patient_id, practice_timezone, rules):
    patient = known_patient(uow, practice_id, patient_id)
    when = due(uow, practice_id, patient, practice_timezone)
    found = requirements.standing(rules, patient.birthdate, completions(uow, patient.patient_id), when.day,
                                  when.zone)
    return PatientForms(
        patient_id=patient.patient_id, patient=patient.external_id, next_appointment=when.next_appointment,
        due_on=when.day,
        outstanding=[OutstandingForm(template=o.rule.template_id, title=o.rule.title, version=o.rule.current_version,
                                     reason=o.reason) for o in found.outstanding],
        completed=[CompletedForm(template=c.rule.template_id, title=c.rule.title, version=c.completion.version,
                                 submission=c.completion.submission_id, submitted_at=c.completion.submitted_at,
                                 valid_until=c.valid_until) for c in found.completed],
    )
