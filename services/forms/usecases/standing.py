"""What a patient (or each member of a family) still has to fill in before their next
appointment, and what they have validly completed: the practice's rules with their templates'
current versions, the patient's submissions, and the day the forms are due
(services.forms.domain.requirements says how each is decided).

A family is read at once: its patients, their upcoming appointments, the clinics of those
without one, and their submissions are one query each, so the portal's home page costs as
many statements for a family of five as for one patient; one patient is a family of one."""
from dataclasses import dataclass
from datetime import date, datetime
from typing import List, Optional

from sqlalchemy import bindparam, select

from services.forms.domain import requirements
from services.forms.models import Clinic, FormSubmission
from services.forms.usecases.appointments import Shown as ShownAppointment, next_appointments
from services.forms.usecases.patients import patients_of
from services.forms.usecases.rules import practice_rules


# Built once, of the tables' columns, not at every visit of the portal's home page: building,
# keying and running them through the ORM each time cost more than the database's answers.
_clinics, _submissions = Clinic.__table__, FormSubmission.__table__
_CLINIC_ZONES = select(_clinics.c.clinic_id, _clinics.c.timezone).where(
    _clinics.c.clinic_id.in_(bindparam("clinic_ids", expanding=True)))
_COMPLETIONS = select(
    _submissions.c.patient_id, _submissions.c.template_id, _submissions.c.version, _submissions.c.submission_id,
    _submissions.c.submitted_at).where(_submissions.c.patient_id.in_(bindparam("patient_ids", expanding=True)))


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
    return family_forms(uow, practice_id, [patient_id], practice_timezone).members[0]


def family_forms(uow, practice_id, patient_ids, practice_timezone):
    """Each member's forms, in the order asked; a member forms has not received yet refuses
    the whole answer with NOT_SYNCED_YET, as a single patient's would."""
    rules = rules_of(uow, practice_id)
    members = patients_of(uow, practice_id, patient_ids)
    when = dues(uow, practice_id, members, practice_timezone)
    done = completions(uow, members)
    return FamilyForms(members=[_standing(rules, member, when[member.patient_id], done[member.patient_id])
                                for member in members])


def rules_of(uow, practice_id):
    """The practice's rules with their templates' titles and current versions."""
    return [requirements.Rule(template_id=row.template_id, title=row.title, current_version=row.current_version,
                              min_age=row.min_age, max_age=row.max_age, valid_months=row.valid_months,
                              renew_on_new_version=row.renew_on_new_version)
            for row in practice_rules(uow, practice_id)]


def due(uow, practice_id, patient, practice_timezone):
    """The patient's forms are due on their next appointment's day in its time zone, else today
    in the time zone of the patient's clinic, else of the practice."""
    return dues(uow, practice_id, [patient], practice_timezone)[patient.patient_id]


def dues(uow, practice_id, patients, practice_timezone):
    """`due` of each of `patients`, by patient id: their next appointments in one query, and the
    clinics of those without one in another."""
    upcoming = next_appointments(uow, practice_id, patients, practice_timezone)
    zones = clinic_zones(uow, [patient.clinic_id for patient in patients
                               if upcoming[patient.patient_id] is None and patient.clinic_id])
    now = uow.clock.now()
    answer = {}
    for patient in patients:
        appointment = upcoming[patient.patient_id]
        zone = appointment.timezone if appointment else zones.get(patient.clinic_id, practice_timezone)
        day = requirements.due_on(appointment.start if appointment else None, now, zone)
        answer[patient.patient_id] = Due(day=day, zone=zone, next_appointment=appointment)
    return answer


def clinic_zones(uow, clinic_ids):
    """The time zone of each clinic of `clinic_ids` forms has received, by clinic id; no query
    when there is none to look up (every member has an upcoming appointment)."""
    if not clinic_ids:
        return {}
    return dict(uow.session.execute(_CLINIC_ZONES, {"clinic_ids": clinic_ids}).all())


def completions(uow, patients):
    """Each of `patients`' submissions, by patient id (an empty list: none)."""
    found = {patient.patient_id: [] for patient in patients}
    for row in uow.session.execute(_COMPLETIONS, {"patient_ids": list(found)}):
        found[row.patient_id].append(requirements.Completion(
            template_id=row.template_id, version=row.version, submission_id=row.submission_id,
            submitted_at=row.submitted_at))
    return found


def _standing(rules, patient, when, completed):
    found = requirements.standing(rules, patient.birthdate, completed, when.day, when.zone)
    return PatientForms(
        patient_id=patient.patient_id, patient=patient.external_id, next_appointment=when.next_appointment,
        due_on=when.day,
        outstanding=[OutstandingForm(template=o.rule.template_id, title=o.rule.title, version=o.rule.current_version,
                                     reason=o.reason) for o in found.outstanding],
        completed=[CompletedForm(template=c.rule.template_id, title=c.rule.title, version=c.completion.version,
                                 submission=c.completion.submission_id, submitted_at=c.completion.submitted_at,
                                 valid_until=c.valid_until) for c in found.completed],
    )
