"""A patient as the office console shows them: what the PMS synced, the family members the
patient's own portal shows, their guarantor, and their portal access. Reading it is
audited ("patient_read"), with the staff user as the actor."""
from typing import List, NamedTuple, Optional

from chairside.contracts.identity import PATIENT_NOT_FOUND
from chairside.tenancy import by_external_id
from services.identity.domain import throttle
from services.identity.models import Patient
from services.identity.usecases import access, audit, family


class File(NamedTuple):
    patient: Patient
    family: List[family.Relative]
    guarantor_name: Optional[str]
    portal_access: access.AccessState


def patient_file(uow, practice_id, external_id):
    patient = by_external_id(uow.session, Patient, practice_id, external_id, PATIENT_NOT_FOUND)
    guarantor = patient.guarantor
    audit.record(uow, practice_id, patient.id, "patient_read", throttle.SUCCESS)
    return File(patient, family.visible_relatives(uow, patient),
                f"{guarantor.first_name} {guarantor.last_name}" if guarantor is not None else None,
                access.state(uow, patient.id))
