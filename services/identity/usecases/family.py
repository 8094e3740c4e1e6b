"""The signed-in patient and the family members they may see (domain.family decides)."""
import functools
from typing import List, NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from chairside.context import ANONYMOUS
from services.identity.domain import family
from services.identity.domain.records import local_today
from services.identity.models import Patient, Practice
from services.identity.usecases import audit, sessions


PROFILE_READ = "profile_read"   # the audit's action for a read of a patient and their family


class Relative(NamedTuple):
    patient: Patient
    dependent: bool


class Profile(NamedTuple):
    patient: Patient
    family: List[Relative]


def _today(uow, practice):
    return local_today(uow.clock.now(), practice.timezone)


@functools.cache
def _family_statement():
    """The patient and the other members of their family (their guarantor's), oldest first.
    Built once: building it (an alias, a function) cost more than running it."""
    own = aliased(Patient)
    patient_id = bindparam("patient_id")
    # domain.family.family_key in SQL: the patient's guarantor, else the patient
    key = select(func.coalesce(own.guarantor_id, own.id)).where(own.id == patient_id).scalar_subquery()
    return select(Patient).where(
        Patient.practice_id == bindparam("practice_id"),
        (Patient.id == patient_id) | (Patient.guarantor_id == key) | (Patient.id == key),
    ).order_by(Patient.birthdate, Patient.id)


def _family_rows(uow, practice_id, patient_id):
    """The patient and the other members of their family, oldest first, in one statement."""
    return uow.session.scalars(_family_statement(), {"practice_id": practice_id, "patient_id": patient_id}).all()


def _visible(uow, viewer, relatives):
    """Of the viewer's `relatives`, those the viewer's own portal shows (domain.family decides)."""
    practice = uow.session.get(Practice, viewer.practice_id)
    today, age = _today(uow, practice), practice.dependent_age
    visible = {member.id for member in family.visible_family(viewer.member, [p.member for p in relatives], today, age)}
    return [Relative(p, family.is_dependent(p.member, today, age)) for p in relatives if p.id in visible]


def visible_relatives(uow, viewer) -> List[Relative]:
    """The members of the viewer's family whom the viewer's own portal shows: their
    dependents, oldest first."""
    return _visible(uow, viewer, [p for p in _family_rows(uow, viewer.practice_id, viewer.id) if p.id != viewer.id])


def profile(uow, key, token):
    return _profile_of(uow, sessions.signed_in(uow, key, token)[1])


class SignedInProfile(NamedTuple):
    signed_in: sessions.SignedIn
    profile: Profile


def signed_in_profile(uow, key, token, reads=()):
    """authenticate's answer and the profile, the session checked and touched once: what a
    page that shows the family needs from identity, in one call. `reads`: the audit actions
    the page takes on each member it shows (the home page: their forms and balance).

    identity records those reads here, with the profile's, before the page asks forms and
    billing: it decides whom the patient may see, and the page asks about no one else. So the
    log never misses a read; a page that then fails (a service away) has recorded reads it did
    not show. Recording them here saves each page a call and a transaction."""
    account = sessions.signed_in(uow, key, token)[1]
    return SignedInProfile(sessions.signed_in_as(account, account.practice), _profile_of(uow, account, reads))


def ready_profile_call(key, uow, call):
    """The arguments of signed_in_profile for one call of a batch (a contract.ProfileCall), the
    unit of work readied for it: batches.answered_each's `before_each`, with `key` bound."""
    # The batch RPC's headers carry the first page's request id: each page's audit entries
    # carry its own.
    uow.request_id = call["request_id"]
    # sessions.live makes the unit of work act for the session's owner; a call refused before
    # it knows must not act as the previous call's patient.
    uow.actor = ANONYMOUS
    return {"key": key, "token": call["token"], "reads": call["reads"]["actions"]}


def _profile_of(uow, account, reads=()):
    """The account's patient and the family they see, read in one statement (the account
    holds its practice, which the family rule needs: sessions.live read it), audited with
    `reads` of each of them."""
    members = _family_rows(uow, account.practice_id, account.patient_id)
    viewer = next(member for member in members if member.id == account.patient_id)
    profile = Profile(viewer, _visible(uow, viewer, [member for member in members if member is not viewer]))
    shown = [viewer.id, *(relative.patient.id for relative in profile.family)]
    audit.record_reads(uow, viewer.practice_id,
                       [(viewer.id, PROFILE_READ), *((patient_id, action) for action in reads for patient_id in shown)])
    return profile


def can_access(uow, viewer_id, patient_id):
    """May the signed-in patient `viewer_id` see `patient_id`'s data? (the family rule)"""
    viewer, patient = uow.session.get(Patient, viewer_id), uow.session.get(Patient, patient_id)
    if viewer is None or patient is None:
        return False
    practice = uow.session.get(Practice, viewer.practice_id)
    return family.can_access(viewer.member, patient.member, _today(uow, practice), practice.dependent_age)
