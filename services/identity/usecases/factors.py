"""Second factors a signed-in patient or staff user sets up (`accounts`, PATIENTS unless
told): an authenticator (TOTP) and recovery codes."""
import uuid
from typing import List, NamedTuple

from sqlalchemy import delete

from chairside.contracts.identity import INVALID_CODE
from services.identity.domain import credentials
from services.identity.models import Practice
from services.identity.usecases import sessions
from services.identity.usecases.accounts import PATIENTS

RECOVERY_CODES = 10


class Enrolment(NamedTuple):
    secret: str
    otpauth_uri: str


class Codes(NamedTuple):
    codes: List[str]  # shown once; only their hashes are kept


def start_totp(uow, key, token, accounts=PATIENTS):
    """A new secret to add to an authenticator; it counts once a code from it is confirmed."""
    _, account = sessions.signed_in(uow, key, token, accounts=accounts)
    practice = uow.session.get(Practice, account.practice_id)
    account.totp_pending_secret = credentials.new_totp_secret()
    return Enrolment(account.totp_pending_secret,
                     credentials.totp_uri(account.totp_pending_secret, account.username, practice.name))


def confirm_totp(uow, key, token, sent, accounts=PATIENTS):
    _, account = sessions.signed_in(uow, key, token, accounts=accounts)
    step = None
    if account.totp_pending_secret:
        step = credentials.verify_totp(account.totp_pending_secret, sent["code"].strip(), uow.clock.now(), None)
    accounts.record(uow, account, "totp_enrol", "failure" if step is None else "success")
    if step is None:
        return uow.refuse(INVALID_CODE())
    account.totp_secret, account.totp_pending_secret, account.totp_last_step = account.totp_pending_secret, None, step
    return None


def new_recovery_codes(uow, key, token, accounts=PATIENTS):
    """A new set of single-use recovery codes; the old set stops working."""
    _, account = sessions.signed_in(uow, key, token, accounts=accounts)
    codes = credentials.new_recovery_codes(RECOVERY_CODES)
    remove(uow, account.owner_id, accounts)
    for code in codes:
        uow.session.add(accounts.recovery_code(
            id=str(uuid.uuid4()), owner_id=account.owner_id,
            code_hash=credentials.keyed_hash(key, credentials.normalise_recovery_code(code)),
        ))
    accounts.record(uow, account, "recovery_codes_issued", "success")
    return Codes(codes)


def remove(uow, owner_id, accounts=PATIENTS):
    """The account's recovery codes, all gone."""
    model = accounts.recovery_code
    uow.session.execute(delete(model).where(model.owner_id == owner_id))
