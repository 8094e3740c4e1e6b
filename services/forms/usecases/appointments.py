"""The PMS syncs appointments by its own ids: the same appointment twice changes nothing and
announces nothing; a change increments its version and is announced (forms.appointment_upserted)
in the same unit of work. Appointments are answered in their clinic's time zone, else the
practice's (`practice_timezone`, which the caller passes: forms keeps no practices)."""
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import bindparam, select

from chairside.db import facts_of, store_facts
from chairside.rules import next_version
from chairside.tenancy import by_external_id
from services.forms.domain import appointments as domain
from services.forms.domain.appointments import AppointmentFacts
from services.forms.models import Appointment, Clinic, Patient
from services.forms.usecases.clinics import known_clinic
from services.forms.usecases.patients import known_patient, patient


@dataclass(frozen=True)
class Shown:
    """An appointment as the office reads it (chairside.contracts.forms.Appointment)."""
    external_id: str
    patient: str
    clinic: Optional[str]
    start: datetime
    duration_minutes: int
    status: str
    provider: Optional[str]
    reason: Optional[str]
    timezone: str
    version: int


@dataclass(frozen=True)
class PatientAppointments:
    next_appointment: Optional[Shown]
    appointments: List[Shown]


def shown(appointment, practice_timezone):
    clinic = appointment.clinic
    return _shown(appointment, appointment.patient.external_id, clinic.external_id if clinic else None,
                  clinic.timezone if clinic else None, practice_timezone)


def _shown(appointment, patient, clinic, clinic_timezone, practice_timezone):
    """`appointment` (a row or a row's columns) of the patient and clinic named by their PMS ids."""
    zone = domain.zone_of(clinic_timezone, practice_timezone)
    return Shown(
        external_id=appointment.external_id, patient=patient, clinic=clinic,
        start=domain.local(appointment.start, zone), duration_minutes=appointment.duration_minutes,
        status=appointment.status, provider=appointment.provider, reason=appointment.reason, timezone=zone,
        version=appointment.version,
    )


def upsert_appointment(uow, practice_id, external_id, sent, practice_timezone):
    """Create or replace the appointment. A patient or clinic that forms has not received
    from identity yet is refused with NOT_SYNCED_YET and nothing is stored: the PMS retries."""
    session = uow.session
    patient_id = known_patient(uow, practice_id, sent["patient"]).patient_id
    clinic = known_clinic(uow, practice_id, sent["clinic"]) if sent["clinic"] else None
    facts = AppointmentFacts(
        patient_id=patient_id, clinic_id=clinic.clinic_id if clinic else None, start=domain.in_utc(sent["start"]),
        duration_minutes=sent["duration_minutes"], status=sent["status"], provider=sent["provider"],
        reason=sent["reason"],
    )
    appointment = by_external_id(session, Appointment, practice_id, external_id)
    version = next_version(facts_of(appointment, AppointmentFacts), appointment.version if appointment else 0, facts)
    if version is not None:
        if appointment is None:
            appointment = Appointment(appointment_id=str(uuid.uuid4()), practice_id=practice_id,
                                      external_id=external_id)
            session.add(appointment)
        store_facts(uow, appointment, facts, version)
        session.flush()
        session.expire(appointment, ["patient", "clinic"])  # the answer names them as they are now
        uow.announce("appointment_upserted", practice_id, appointment)
    return shown(appointment, practice_timezone)


def patient_appointments(uow, practice_id, patient_id, practice_timezone):
    """Every appointment of the patient by start, and the next one at the clock's now."""
    rows = uow.session.scalars(select(Appointment).where(
        Appointment.patient_id == patient(uow, practice_id, patient_id).patient_id)).all()
    rows = sorted(rows, key=domain.order)
    upcoming = domain.next_appointment(rows, uow.clock.now())
    return PatientAppointments(next_appointment=shown(upcoming, practice_timezone) if upcoming else None,
                               appointments=[shown(row, practice_timezone) for row in rows])


# Built once, of the tables' columns (the portal's home page asks at every visit): the family's
# appointments that may be next, each with what `shown` names, its patient's and clinic's PMS
# ids and the clinic's time zone, as plain rows; building the statement and loading entities
# each time cost more than the database's answer.
_appointments, _patients, _clinics = Appointment.__table__, Patient.__table__, Clinic.__table__
_UPCOMING = (
    select(_appointments.c.patient_id, _appointments.c.external_id, _appointments.c.start,
           _appointments.c.duration_minutes, _appointments.c.status, _appointments.c.provider,
           _appointments.c.reason, _appointments.c.version, _patients.c.external_id.label("patient"),
           _clinics.c.external_id.label("clinic"), _clinics.c.timezone.label("clinic_timezone"))
    .join(_patients, _appointments.c.patient_id == _patients.c.patient_id)
    .outerjoin(_clinics, _appointments.c.clinic_id == _clinics.c.clinic_id)
    .where(_appointments.c.practice_id == bindparam("practice_id"),
           _appointments.c.patient_id.in_(bindparam("patient_ids", expanding=True)),
           _appointments.c.status.in_(domain.UPCOMING_STATUSES), _appointments.c.start >= bindparam("now")))


def next_appointments(uow, practice_id, patients, practice_timezone):
    """Each of `patients`' next appointment at the clock's now (None: none), by patient id, in one
    query whatever their number. The query leaves out only what domain.next_appointment would
    never pick (another status, already started), so that a patient's years of past visits are
    not loaded; the rule itself then picks among the rest."""
    now = uow.clock.now()
    rows = uow.session.execute(_UPCOMING, {"practice_id": practice_id, "now": now,
                                           "patient_ids": [patient.patient_id for patient in patients]})
    candidates = {}
    for row in rows:
        candidates.setdefault(row.patient_id, []).append(row)
    upcoming = {patient.patient_id: domain.next_appointment(candidates.get(patient.patient_id, ()), now)
                for patient in patients}
    return {patient_id: _shown(row, row.patient, row.clinic, row.clinic_timezone, practice_timezone) if row else None
            for patient_id, row in upcoming.items()}
