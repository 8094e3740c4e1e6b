"""Forms' copy of the practice's patients, kept from identity's events."""
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


def known_patient(uow, practice_id, external_id):
    """The patient the PMS knows as `external_id`, once identity's event about it reached forms."""
    return by_external_id(uow.session, Patient, practice_id, external_id, NOT_SYNCED_YET)
