"""Forms' copy of the practice's patients, kept from identity's events."""
from chairside.db import keep_newer_copy
from chairside.refusals import NOT_SYNCED_YET
from chairside.tenancy import of_practice
from services.forms.models import Patient


def record_patient(uow, event):
    keep_newer_copy(uow, event, Patient, "patient_id", ("first_name", "last_name", "birthdate", "clinic_id"))


def patient(uow, practice_id, patient_id):
    return of_practice(uow.session, Patient, patient_id, practice_id,
                       lambda: NOT_SYNCED_YET(service="forms", record="patient"))
