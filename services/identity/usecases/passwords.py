"""Changing the password: the current one proves who asks, the new one must be strong."""
from chairside.contracts.identity import WEAK_PASSWORD, WRONG_PASSWORD
from services.identity.usecases import sessions
from services.identity.usecases.accounts import PATIENTS


def change(uow, key, token, sent, strength, passwords, accounts=PATIENTS):
    """`strength(password, personal_words)` lists a new password's problems. It can take
    seconds of CPU on hostile input, so it runs before this unit of work writes anything
    (a SQLite writer must never wait on it), for signed-in accounts only; so do the
    password checks and hashing (`passwords`, off the loop too). Every other session of
    the account ends."""
    session_row, account = sessions.live(uow, key, token, accounts)
    problems = strength(sent["new_password"], accounts.personal_words(uow, account))
    right = passwords.verify(account.password_hash, sent["current_password"])
    new_hash = passwords.hash(sent["new_password"]) if right and not problems else None
    sessions.touch(uow, session_row, account, allow_temporary=True)
    if not right:
        accounts.record(uow, account, "password_change", "wrong_password")
        return uow.refuse(WRONG_PASSWORD())
    if problems:
        accounts.record(uow, account, "password_change", "weak")
        return uow.refuse(WEAK_PASSWORD(fields={"new_password": problems}))
    account.password_hash = new_hash
    account.password_is_temporary = False
    sessions.revoke_all(uow, account.owner_id, keep=session_row, accounts=accounts)
    accounts.record(uow, account, "password_change", "success")
    return None
