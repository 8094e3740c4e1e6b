"""Proving who one is without signing in, as claims ("First time here?") and password
resets do: the limit on starts per client, the code texted to the patient's phone, and
checking it.

Both answer the same whatever matched: their row is a decoy (no patient) until a code
is on its way to a real patient's phone, no code ever fits a decoy, and nothing written
before the code is proven names the patient (audit rows included). The code is texted
after the start has answered, by identity's own RPC (claims.text_code, resets.text_code),
so that the answer takes as long whether or not the details matched. As in signin.py, no
RPC is made inside a write transaction: `text_code` opens its units of work around the
calls to sms.
"""
import logging
import uuid
from typing import NamedTuple

from sqlalchemy import delete, select

from chairside.contracts.identity import CLAIM_EXPIRED, INVALID_CODE, PRACTICE_NOT_FOUND, TOO_MANY_CLAIMS
from chairside.refusals import ChairsideError
from services.identity.domain import credentials, lifetimes, throttle
from services.identity.models import PasswordReset, PaySession, PortalClaim, Practice, TextCodeSend
from services.identity.usecases import audit, phones

log = logging.getLogger(__name__)


def practice_of(uow, slug):
    """The practice a claim or reset starts at, its row locked until the unit of work ends:
    the starts of one practice take turns at counting a client's starts, so a burst of them
    at once cannot all pass the limit. (SQLite writers take turns anyway.)"""
    practice = uow.session.scalar(select(Practice).where(Practice.slug == slug).with_for_update())
    if practice is None:
        raise PRACTICE_NOT_FOUND()
    return practice


# Everything that proves who one is by name and birth date without signing in counts toward
# one limit per client: claims, password resets and the payment portal's pay sessions.
COUNTED = (PortalClaim, PasswordReset, PaySession)


def client_may_start(uow, practice, client, action):
    """True while `client` started fewer than the limit of claims, resets and pay sessions at the
    practice within the window (counted from the stored rows, so every copy of the
    service sees the same count); otherwise the refusal is audited and TOO_MANY_CLAIMS
    recorded for after the commit."""
    now = uow.clock.now()
    started = _starts(uow, practice.id, client, now - throttle.START_WINDOW)
    wait = throttle.start_wait(started, now)
    if wait is None:
        return True
    audit.record(uow, practice.id, None, action, "throttled")
    uow.refuse(TOO_MANY_CLAIMS(minutes=throttle.wait_minutes(wait)))
    return False


def _starts(uow, practice_id, client, since):
    times = []
    for model in COUNTED:
        times += uow.session.scalars(select(model.created_at).where(
            model.practice_id == practice_id, model.client == client, model.created_at > since)).all()
    return times


def start(db, open_request_in, later, text_code_rpc):
    """A claim or reset opened by `open_request_in(uow)` -> (id, practice id, patient id or
    None), then `later(text_code_rpc, ...)`: identity texts the code once this has answered,
    asked for decoys too, so that no caller can tell them apart by time. Its id."""
    with db.unit_of_work() as uow:
        opened = open_request_in(uow)  # None when refused: the refusal is raised as the unit ends
    request_id, practice_id, patient_id = opened
    later(text_code_rpc, request_id, practice_id, patient_id)
    return request_id


def new_request(uow, model, practice, client, action):
    """A claim or reset row, a decoy until a code is texted for it, and its audit entry
    (no patient, whatever matched)."""
    row = model(id=str(uuid.uuid4()), practice_id=practice.id, client=client, created_at=uow.clock.now(),
                code_failures=0)
    uow.session.add(row)
    audit.record(uow, practice.id, None, action, "accepted")
    return row


class Armed(NamedTuple):
    send_id: int
    body: str


def text_code(db, sms, key, model, request_id, practice_id, patient_id, purpose, text):
    """Text a 6-digit code for the claim or reset `request_id` to the patient, when sms
    says their phone can receive it and the phone's limit allows. Otherwise, or when the
    send fails, the row stays (or goes back to being) a decoy, and nothing tells the
    caller: telling would say that the details matched someone."""
    phone = phones.textable_phone(sms, practice_id, patient_id)
    if phone is None:
        return
    with db.unit_of_work() as uow:
        armed = _arm(uow, key, model, request_id, patient_id, phone, text)
    if armed is None:
        return
    try:
        sms.send_text(practice_id, patient_id, {"body": armed.body, "purpose": purpose})
    except Exception as failure:
        with db.unit_of_work() as uow:
            _disarm(uow, model, request_id, armed.send_id)
        if not isinstance(failure, ChairsideError):
            raise
        log.warning("the %s code of %s was not sent: %s (%s)", purpose, request_id, failure.code, failure)


def _arm(uow, key, model, request_id, patient_id, phone, text):
    now = uow.clock.now()
    if not phones.may_get_code(uow, phone, now):
        return None
    row = uow.session.get(model, request_id)
    if row is None or row.code_hash is not None or row.finished_at is not None:
        return None  # armed already (a redelivered request) or over: one code per claim or reset
    code = credentials.new_text_code()
    row.patient_id = patient_id
    row.code_hash = credentials.keyed_hash(key, f"{row.id}:{code}")
    row.code_issued_at = now
    send = TextCodeSend(phone=phone, sent_at=now)
    uow.session.add(send)
    uow.session.flush()
    return Armed(send.id, text(uow.session.get(Practice, row.practice_id).name, code))


def _disarm(uow, model, request_id, send_id):
    """A code sms could not send: void, not counted toward the phone's limit, and the row a decoy again."""
    row = uow.session.get(model, request_id)
    row.patient_id, row.code_hash, row.code_issued_at = None, None, None
    uow.session.execute(delete(TextCodeSend).where(TextCodeSend.id == send_id))


def open_request(uow, model, request_id):
    """The claim or reset while it can be carried on; CLAIM_EXPIRED otherwise."""
    row = uow.session.get(model, request_id) if isinstance(request_id, str) else None
    if row is None or not lifetimes.request_is_open(row.created_at, row.finished_at, row.code_failures,
                                                    uow.clock.now()):
        raise CLAIM_EXPIRED()
    return row


def code_is_right(uow, key, row, code, action):
    """Is `code` the unused, unexpired code texted for this claim or reset? (Never for a
    decoy.) A wrong one is counted against the row, audited without naming anyone (the
    code is not proven) and INVALID_CODE recorded for after the commit; the 5th closes
    the row. The caller marks a right code used."""
    now = uow.clock.now()
    code = code.strip()
    if row.patient_id is not None and row.code_hash is not None and \
            lifetimes.text_code_is_valid(row.code_issued_at, row.code_used_at, now) and \
            credentials.keyed_hash_matches(key, f"{row.id}:{code}", row.code_hash):
        return True
    row.code_failures += 1
    audit.record(uow, row.practice_id, None, action, throttle.FAILURE)
    uow.refuse(INVALID_CODE())
    return False
