"""Portal settings: which modules the practice's patients get, and the age under which a
family member is a dependent. The family rules read the age on every call, so a change
applies at once."""
from typing import Dict, List, NamedTuple

from sqlalchemy import select

from chairside.contracts.identity import PRACTICE_NOT_FOUND
from services.identity.models import Practice


class Settings(NamedTuple):
    modules: Dict[str, bool]
    dependent_age: int


class Portal(NamedTuple):
    practice: Practice
    modules: List[str]
    dependent_age: int


def portal(uow, slug):
    """The practice as its portal pages show it (no patient data: nothing to audit)."""
    practice = uow.session.scalar(select(Practice).where(Practice.slug == slug)) if isinstance(slug, str) else None
    if practice is None:
        raise PRACTICE_NOT_FOUND()
    return Portal(practice, practice.enabled_modules, practice.dependent_age)


def _practice(uow, practice_id):
    practice = uow.session.get(Practice, practice_id) if isinstance(practice_id, str) else None
    if practice is None:
        raise PRACTICE_NOT_FOUND()
    return practice


def get(uow, practice_id):
    practice = _practice(uow, practice_id)
    return Settings(practice.modules, practice.dependent_age)


def put(uow, practice_id, sent):
    """A full replacement, as every office PUT is."""
    practice = _practice(uow, practice_id)
    practice.modules = sent["modules"]
    practice.dependent_age = sent["dependent_age"]
    return Settings(practice.modules, practice.dependent_age)
