"""The audit log: who read or changed whose data, when, with what outcome; never the data.

Entries are inserted at once with one statement built once (a signed-in page writes one or
more on every request): no ORM object per entry for the unit of work to track and flush."""
from sqlalchemy import insert, select

from chairside.contracts.identity import PATIENT_NOT_FOUND
from chairside.tenancy import by_external_id
from services.identity.domain.throttle import SUCCESS
from services.identity.models import AuditEntry, Patient


INSERT_ENTRIES = insert(AuditEntry.__table__)


def record(uow, practice_id, patient_id, action, outcome, staff_id=None):
    """Append an entry; the actor and the request id come with the unit of work. An entry
    about a staff account (its sign-in, or an administrator's change of it) names it as
    `staff_id`."""
    _append(uow, [_entry(uow, practice_id, patient_id, action, outcome, staff_id)])


def _entry(uow, practice_id, patient_id, action, outcome, staff_id=None):
    return {"practice_id": practice_id, "occurred_at": uow.clock.now(), "actor": uow.actor, "patient_id": patient_id,
            "staff_id": staff_id, "action": action, "outcome": outcome, "request_id": uow.request_id}


def _append(uow, entries):
    """Insert `entries` in this transaction, in order (ids grow in that order)."""
    if entries:
        uow.session.execute(INSERT_ENTRIES, entries)


def record_access(uow, access):
    """A read of patient data that another service answered (the gateway tells)."""
    record(uow, access["practice_id"], access["patient_id"], access["action"], access["outcome"])


def record_accesses(uow, accesses):
    """Reads of several patients' data by one request: an entry each, in order, in one statement."""
    _append(uow, [_entry(uow, accesses["practice_id"], patient_id, accesses["action"], accesses["outcome"])
                  for patient_id in accesses["patient_ids"]])


def record_reads(uow, practice_id, reads):
    """Successful reads (patient_id, action) by one request, an entry each, in order, in one statement."""
    _append(uow, [_entry(uow, practice_id, patient_id, action, SUCCESS) for patient_id, action in reads])


def entries(uow, practice_id, external_id):
    """The patient's entries, oldest first."""
    patient = by_external_id(uow.session, Patient, practice_id, external_id, PATIENT_NOT_FOUND)
    return {"entries": uow.session.scalars(select(AuditEntry).where(
        AuditEntry.practice_id == practice_id, AuditEntry.patient_id == patient.id,
    ).order_by(AuditEntry.id)).all()}
