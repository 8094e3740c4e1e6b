"""The console's patient search: one box for a name, a birth date, a phone number or a
PMS id (domain.search says which), a page of the matches by name, and how many there are.

`named` names the patients another service lists by id (the console's transactions).

A page shows the office patients' names, birth dates and phones: each patient on it gets
an audit entry ("patient_listed"), with the staff user as the actor.
"""
from typing import List, NamedTuple

from sqlalchemy import and_, func, or_, select

from services.identity.domain import throttle
from services.identity.domain.search import criteria, word_start
from services.identity.models import Patient
from services.identity.usecases import audit


class Page(NamedTuple):
    patients: List[Patient]
    page: int
    per_page: int
    total: int  # how many match, on every page


def find(uow, practice_id, sent):
    where = [Patient.practice_id == practice_id]
    matches = _matches(criteria(sent["q"]))
    if matches is not None:
        where.append(matches)
    page, per_page = sent["page"], sent["per_page"]
    total = uow.session.scalar(select(func.count()).select_from(Patient).where(*where))
    patients = uow.session.scalars(select(Patient).where(*where)
                                   .order_by(Patient.last_name, Patient.first_name, Patient.id)
                                   .offset((page - 1) * per_page).limit(per_page)).all()
    for patient in patients:
        audit.record(uow, practice_id, patient.id, "patient_listed", throttle.SUCCESS)
    return Page(patients, page, per_page, total)


def named(uow, practice_id, sent):
    """The patients of `sent["ids"]` (Chairside's ids, as another service lists them: billing's
    payers) that belong to the practice, each audited as listed like a search's page."""
    ids = list(dict.fromkeys(sent["ids"]))
    if not ids:
        return {"patients": []}
    patients = uow.session.scalars(select(Patient).where(Patient.practice_id == practice_id, Patient.id.in_(ids))
                                   .order_by(Patient.last_name, Patient.first_name, Patient.id)).all()
    for patient in patients:
        audit.record(uow, practice_id, patient.id, "patient_listed", throttle.SUCCESS)
    return {"patients": patients}


def _matches(looked_for):
    """What the criteria ask of a patient, as SQL (any one of them); None: everyone."""
    either = []
    if looked_for.birthdate is not None:
        either.append(Patient.birthdate == looked_for.birthdate)
    if looked_for.phone_digits is not None:
        either.append(Patient.mobile_phone.endswith(looked_for.phone_digits, autoescape=True))
    if looked_for.name_words:
        either.append(and_(*(Patient.name_words.contains(word_start(word), autoescape=True)
                             for word in looked_for.name_words)))
    if looked_for.external_id is not None:
        either.append(Patient.external_id == looked_for.external_id)
    return or_(*either) if either else None
