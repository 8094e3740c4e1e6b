"""Forms' copy of the practice's patients, kept from identity's events."""
from sqlalchemy import bindparam, select

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


# Built once, of the table's columns: the portal's home page reads a family at every visit, and
# building, keying and running the statement through the ORM each time cost more than the
# database's answer.
_patients = Patient.__table__.c
_FAMILY = (select(_patients.patient_id, _patients.external_id, _patients.birthdate, _patients.clinic_id)
           .where(_patients.practice_id == bindparam("practice_id"),
                  _patients.patient_id.in_(bindparam("patient_ids", expanding=True))))


def patients_of(uow, practice_id, patient_ids):
    """The practice's patients `patient_ids` (rows of their id, external_id, birthdate and
    clinic_id), in that order, in one query (a family at once); NOT_SYNCED_YET for all of them
    when forms has not received one, as `patient` refuses one."""
    found = {row.patient_id: row for row in uow.session.execute(
        _FAMILY, {"practice_id": practice_id, "patient_ids": list(patient_ids)})}
    if any(patient_id not in found for patient_id in patient_ids):
        raise NOT_SYNCED_YET()
    return [found[patient_id] for patient_id in patient_ids]


def known_patient(uow, practice_id, external_id):
    """The patient the PMS knows as `external_id`, once identity's event about it reached forms."""
    return by_external_id(uow.session, Patient, practice_id, external_id, NOT_SYNCED_YET)
