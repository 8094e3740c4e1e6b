"""Forms' copy of the practice's patients, kept from identity's events."""
from sqlalchemy import select

from chairside.db import keep_newer_copy
from chairside.refusals import not_synced_yet
from chairside.tenancy import by_external_id, of_practice
from services.forms.models import Patient

NOT_SYNCED_YET = not_synced_yet("forms", "patient")


def record_patient(uow, event):
    keep_newer_copy(uow, event, Patient, "patient_id",
                    ("external_id", "first_name", "last_name", "birthdate", "clinic_id"))


def patient(uow, practice_id, patient_id):
    return of_practice(uow.session, Patient, patient_id, practice_id, NOT_SYNCED_YET)


def patients_of(uow, practice_id, patient_ids):
    """The practice's patients `patient_ids`, in that order, in one query (a family at once);
    NOT_SYNCED_YET for all of them when forms has not received one, as `patient` refuses one."""
    found = {row.patient_id: row for row in uow.session.scalars(select(Patient).where(
        Patient.practice_id == practice_id, Patient.patient_id.in_(patient_ids)))}
    if any(patient_id not in found for patient_id in patient_ids):
        raise NOT_SYNCED_YET()
    return [found[patient_id] for patient_id in patient_ids]


def known_patient(uow, practice_id, external_id):
    """The patient the PMS knows as `external_id`, once identity's event about it reached forms."""
    return by_external_id(uow.session, Patient, practice_id, external_id, NOT_SYNCED_YET)
