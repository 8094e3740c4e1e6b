"""Forms' copy of the practice's patients, kept from identity's events."""
from chairside.db import keep_newer_copy
from chairside.refusals import not_synced_yet
from chairside.tenancy import of_practice
from services.forms.models import Patient


def record_patient(uow, event):
    keep_newer_copy(uow, event, Patient, "patient_id", ("first_name", "last_name", "birthdate", "clinic_id"))


def patient(uow, practice_id, patient_id):
    return of_practice(uow.session, Patient, patient_id, practice_id, not_synced_yet("forms", "patient"))
