"""Reads of patient data that other services answered, written to identity's audit log
(identity keeps the log; the gateway knows who read what)."""
from chairside.contracts.identity import AccessRecord, AccessRecords
from chairside.schemas import shared

READ = "success"


def record_read(identity, practice_id, patient_id, action):
    """`action` (e.g. "balance_read") on the patient, by whoever the request acts for."""
    identity.record_access(shared(AccessRecord).dump({"practice_id": practice_id, "patient_id": patient_id,
                                                      "action": action, "outcome": READ}))


def record_reads(identity, practice_id, patient_ids, action):
    """`action` on each patient of `patient_ids` (each once, in order), in one call to identity."""
    records = _records(practice_id, patient_ids, action)
    if records:
        identity.record_accesses(shared(AccessRecords).dump(records))


def _records(practice_id, patient_ids, action):
    """identity's AccessRecords of `action` on each patient once, in order; None for nobody."""
    unique = list(dict.fromkeys(patient_ids))
    return {"practice_id": practice_id, "patient_ids": unique, "action": action, "outcome": READ} if unique else None
