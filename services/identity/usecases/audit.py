"""The audit log: who read or changed whose data, when, with what outcome; never the data."""
from sqlalchemy import select

from chairside.contracts.identity import PATIENT_NOT_FOUND
from chairside.tenancy import by_external_id
from services.identity.models import AuditEntry, Patient


def record(uow, practice_id, patient_id, action, outcome, staff_id=None):
    """Append an entry; the actor and the request id come with the unit of work. An entry
    about a staff account (its sign-in, or an administrator's change of it) names it as
    `staff_id`."""
    uow.session.add(AuditEntry(
        practice_id=practice_id, occurred_at=uow.clock.now(), actor=uow.actor, patient_id=patient_id,
        staff_id=staff_id, action=action, outcome=outcome, request_id=uow.request_id,
    ))


def record_access(uow, access):
    """A read of patient data that another service answered (the gateway tells)."""
    record(uow, access["practice_id"], access["patient_id"], access["action"], access["outcome"])


def record_accesses(uow, accesses):
    """Reads of several patients' data by one request: an entry each, in order."""
    for patient_id in accesses["patient_ids"]:
        record(uow, accesses["practice_id"], patient_id, accesses["action"], accesses["outcome"])


def record_access_batches(uow, batches):
    """Reads of several kinds by one request (AccessRecordBatches): each batch's entries, in order."""
    for accesses in batches["batches"]:
        record_accesses(uow, accesses)


def entries(uow, practice_id, external_id):
    """The patient's entries, oldest first."""
    patient = by_external_id(uow.session, Patient, practice_id, external_id, PATIENT_NOT_FOUND)
    return {"entries": uow.session.scalars(select(AuditEntry).where(
        AuditEntry.practice_id == practice_id, AuditEntry.patient_id == patient.id,
    ).order_by(AuditEntry.id)).all()}
