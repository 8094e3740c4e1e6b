"""Reads of patient data that other services answered, written to identity's audit log
(identity keeps the log; the gateway knows who read what)."""
from chairside.contracts.identity import AccessRecord, AccessRecords

READ = "success"


def record_read(identity, practice_id, patient_id, action):
    """`action` (e.g. "balance_read") on the patient, by whoever the request acts for."""
    identity.record_access(AccessRecord().dump({"practice_id": practice_id, "patient_id": patient_id,
                                                "action": action, "outcome": READ}))


def record_reads(identity, practice_id, patient_ids, action):
    """`action` on each patient of `patient_ids` (each once, in order), in one call to identity."""
    unique = list(dict.fromkeys(patient_ids))
    if unique:
        identity.record_accesses(AccessRecords().dump({"practice_id": practice_id, "patient_ids": unique,
                                                       "action": action, "outcome": READ}))
