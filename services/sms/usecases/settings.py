"""Texting settings: which clinics text and from which number, their opt-in preferences, and
the practice's default texting clinic (it texts the patients whose own clinic cannot)."""
from typing import List, NamedTuple, Optional

from sqlalchemy import select

from chairside.db import keep_newer_copy
from chairside.refusals import not_synced_yet
from chairside.tenancy import of_practice
from services.sms import domain
from services.sms.models import Clinic, PracticeTexting


class Settings(NamedTuple):
    default_clinic: Optional[Clinic]
    clinics: List[Clinic]


def keep_clinic(uow, event):
    keep_newer_copy(uow, event, Clinic, "clinic_id", ("external_id", "name", "phone", "country", "timezone"))


def known_clinic(uow, practice_id, clinic_id):
    return of_practice(uow.session, Clinic, clinic_id, practice_id, not_synced_yet("sms", "clinic"))


def set_clinic_texting(uow, practice_id, clinic_id, sent, external_id=None):
    """Whether the clinic texts, and from which number. `external_id`, the PMS's id of the
    clinic as the caller learnt it from identity, fills in one that a clinic synced before
    sms kept external ids is missing."""
    settings = domain.clinic_texting(clinic_id, sent["subscribed"], sent["number"])
    clinic = known_clinic(uow, practice_id, settings.clinic_id)
    if settings.number:
        holders = uow.session.scalars(select(Clinic.practice_id).where(
            Clinic.texting_number == settings.number, Clinic.clinic_id != clinic.clinic_id)).all()
        domain.check_number_free(clinic.practice_id, settings.number, holders)
    if clinic.external_id is None and external_id:
        clinic.external_id = external_id
    clinic.texting_subscribed = settings.subscribed
    clinic.texting_number = settings.number
    return clinic


def set_opt_in_preferences(uow, practice_id, clinic_id, sent):
    """The clinic's opt-in preferences: the office title its opt-in texts name (blank: none,
    so the practice's name, else "Your Dentist") and whether a new consent is prompted."""
    clinic = known_clinic(uow, practice_id, clinic_id)
    title = sent["opt_in_title"]
    clinic.opt_in_title = title.strip() if title and title.strip() else None
    clinic.prompt_opt_in = sent["prompt_opt_in"]
    return clinic


def set_default_clinic(uow, practice_id, clinic_id):
    """The clinic that texts the practice's patients whose own clinic cannot (None: no default)."""
    if clinic_id is not None:
        known_clinic(uow, practice_id, clinic_id)
    row = uow.session.get(PracticeTexting, practice_id)
    if row is None:
        row = PracticeTexting(practice_id=practice_id)
        uow.session.add(row)
    row.default_clinic_id = clinic_id
    return row


def default_clinic_id(uow, practice_id):
    row = uow.session.get(PracticeTexting, practice_id)
    return row.default_clinic_id if row else None


def texting_of(uow, practice_id, clinic_id):
    """The clinic (of this practice) as the sending rules see it; None for no clinic."""
    clinic = of_practice(uow.session, Clinic, clinic_id, practice_id)
    return clinic.texting if clinic else None


def default_texting(uow, practice_id):
    """The practice's default texting clinic as the sending rules see it; None when it has none."""
    return texting_of(uow, practice_id, default_clinic_id(uow, practice_id))


def settings(uow, practice_id):
    clinics = uow.session.scalars(select(Clinic).where(Clinic.practice_id == practice_id)
                                  .order_by(Clinic.name, Clinic.clinic_id)).all()
    default = default_clinic_id(uow, practice_id)
    return Settings(next((clinic for clinic in clinics if clinic.clinic_id == default), None), clinics)
