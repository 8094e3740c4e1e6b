"""Forms' copy of the practice's clinics, kept from identity's events: appointments name
their clinic by its PMS id and are shown in its time zone."""
from chairside.db import keep_newer_copy
from chairside.refusals import not_synced_yet
from chairside.tenancy import by_external_id
from services.forms.models import Clinic


def keep_clinic(uow, event):
    keep_newer_copy(uow, event, Clinic, "clinic_id", ("external_id", "timezone"))


def known_clinic(uow, practice_id, external_id):
    return by_external_id(uow.session, Clinic, practice_id, external_id, not_synced_yet("forms", "clinic"))
