"""Invitations: the office texts a patient a one-time link to claim portal access.

The link carries a random token (256 bits); only its keyed hash is stored. It works once,
for 7 days, and a newer invitation of the patient voids the older ones. The text goes out
between two units of work (no RPC inside a write transaction, see signin.py); a send that
fails takes its invitation back with it.
"""
import uuid
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, select, update

from chairside.contracts.identity import (
    ALREADY_HAS_ACCESS, DEPENDENT_NEEDS_OFFICE, INVITATION_INVALID, PATIENT_NOT_FOUND, PATIENT_NOT_TEXTABLE,
)
from chairside.contracts.sms import CANNOT_TEXT
from chairside.refusals import ChairsideError
from chairside.tenancy import by_external_id
from services.identity.domain import claims, credentials, family, lifetimes
from services.identity.domain.records import local_today
from services.identity.models import Invitation, Patient, PortalAccount, Practice
from services.identity.usecases import audit

PURPOSE = "invitation"  # what sms files the text under (it keeps no body of a text with a secret)
ACTION = "invitation_sent"


class Invited(NamedTuple):
    expires_at: datetime


class Pending(NamedTuple):
    invitation_id: str
    practice_id: str
    patient_id: str
    body: str
    expires_at: datetime


def invite(db, sms, key, practice_id, external_id, sent):
    with db.unit_of_work() as uow:
        patient_id = _invitable(uow, practice_id, external_id)
    if not _textable(sms, practice_id, patient_id):
        with db.unit_of_work() as uow:
            audit.record(uow, practice_id, patient_id, ACTION, "not_textable")
            uow.refuse(PATIENT_NOT_TEXTABLE())
    with db.unit_of_work() as uow:
        pending = _new(uow, key, practice_id, patient_id, sent["portal_url"])
    try:
        sms.send_text(practice_id, patient_id, {"body": pending.body, "purpose": PURPOSE})
    except Exception as failure:
        with db.unit_of_work() as uow:
            _withdraw(uow, pending, failure)
        raise
    with db.unit_of_work() as uow:
        _sent(uow, pending)
    return Invited(pending.expires_at)


def _invitable(uow, practice_id, external_id):
    """The patient's id, unless they are a dependent or already have access (both audited)."""
    patient = by_external_id(uow.session, Patient, practice_id, external_id, PATIENT_NOT_FOUND)
    practice = uow.session.get(Practice, practice_id)
    refusal = None
    if family.is_dependent(patient.member, local_today(uow.clock.now(), practice.timezone), practice.dependent_age):
        refusal, outcome = DEPENDENT_NEEDS_OFFICE(), "dependent"
    elif uow.session.get(PortalAccount, patient.id) is not None:
        refusal, outcome = ALREADY_HAS_ACCESS(), "already_has_access"
    if refusal is not None:
        audit.record(uow, practice_id, patient.id, ACTION, outcome)
        return uow.refuse(refusal)
    return patient.id


def _cannot_text(failure):
    return isinstance(failure, ChairsideError) and failure.code == CANNOT_TEXT.code


def _textable(sms, practice_id, patient_id):
    """sms knows the patient's phone and consent; what it cannot tell (not synced yet,
    out of reach) is raised to the office as it is."""
    try:
        texting = sms.get_texting(practice_id, patient_id)
    except ChairsideError as refusal:
        if _cannot_text(refusal):
            return False
        raise
    return bool(texting["mobile_phone"]) and not texting["opted_out"]


def _new(uow, key, practice_id, patient_id, portal_url):
    now = uow.clock.now()
    token = credentials.new_invitation_token()
    invitation = Invitation(id=str(uuid.uuid4()), practice_id=practice_id, patient_id=patient_id,
                            token_hash=credentials.keyed_hash(key, token), created_at=now)
    uow.session.add(invitation)
    practice = uow.session.get(Practice, practice_id)
    return Pending(invitation.id, practice_id, patient_id, claims.invitation_text(practice.name, portal_url, token),
                   lifetimes.invitation_expires_at(now))


def _withdraw(uow, pending, failure):
    """The text did not go out: the invitation goes, as if never made; the older ones
    still work. sms saying the patient cannot be texted is this service's own refusal."""
    uow.session.execute(delete(Invitation).where(Invitation.id == pending.invitation_id))
    audit.record(uow, pending.practice_id, pending.patient_id, ACTION, "not_sent")
    if _cannot_text(failure):
        uow.refuse(PATIENT_NOT_TEXTABLE())


def _sent(uow, pending):
    """The new link is in the patient's hands: the older ones stop working."""
    uow.session.execute(update(Invitation).where(
        Invitation.patient_id == pending.patient_id, Invitation.id != pending.invitation_id,
        Invitation.used_at.is_(None), Invitation.voided_at.is_(None),
    ).values(voided_at=uow.clock.now()))
    audit.record(uow, pending.practice_id, pending.patient_id, ACTION, "success")


def usable(uow, key, practice_id, token):
    """The invitation of `token` at this practice while it can be used; INVITATION_INVALID
    otherwise (unknown, another practice's, expired, used or voided: one answer)."""
    invitation = uow.session.scalar(select(Invitation).where(
        Invitation.token_hash == credentials.keyed_hash(key, token))) if isinstance(token, str) else None
    if invitation is None or invitation.practice_id != practice_id or not lifetimes.invitation_is_valid(
            invitation.created_at, invitation.used_at, invitation.voided_at, uow.clock.now()):
        raise INVITATION_INVALID()
    return invitation


def check(uow, key, sent):
    """Can this invitation link be used? (The page asks before showing its form.)"""
    practice = uow.session.scalar(select(Practice).where(Practice.slug == sent["practice"]))
    usable(uow, key, practice.id if practice else None, sent["invitation"])


def use_up(uow, invitation_id):
    """The claim an invitation started is over: the link works no more."""
    if invitation_id is not None:
        uow.session.execute(update(Invitation).where(Invitation.id == invitation_id, Invitation.used_at.is_(None))
                            .values(used_at=uow.clock.now()))
