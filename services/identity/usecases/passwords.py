"""Changing the password: the current one proves who asks, the new one must be strong."""
from chairside.contracts.identity import WEAK_PASSWORD, WRONG_PASSWORD
from services.identity.models import Patient
from services.identity.usecases import audit, sessions


def personal_words(username, patient):
    """What a new password must not be built on."""
    return (username, patient.first_name, patient.last_name, patient.birthdate.isoformat())


def change(uow, key, token, sent, strength, passwords):
    """`strength(password, personal_words)` lists a new password's problems. It can take
    seconds of CPU on hostile input, so it runs before this unit of work writes anything
    (a SQLite writer must never wait on it), for signed-in patients only; so do the
    password checks and hashing (`passwords`, off the loop too)."""
    portal_session, account = sessions.live(uow, key, token)
    patient = uow.session.get(Patient, account.patient_id)
    problems = strength(sent["new_password"], personal_words(account.username, patient))
    right = passwords.verify(account.password_hash, sent["current_password"])
    new_hash = passwords.hash(sent["new_password"]) if right and not problems else None
    sessions.touch(uow, portal_session, account, allow_temporary=True)
    if not right:
        audit.record(uow, patient.practice_id, patient.id, "password_change", "wrong_password")
        return uow.refuse(WRONG_PASSWORD())
    if problems:
        audit.record(uow, patient.practice_id, patient.id, "password_change", "weak")
        return uow.refuse(WEAK_PASSWORD(fields={"new_password": problems}))
    account.password_hash = new_hash
    account.password_is_temporary = False
    sessions.revoke_all(uow, patient.id, keep=portal_session)
    audit.record(uow, patient.practice_id, patient.id, "password_change", "success")
    return None
