"""Portal settings: which modules the practice's patients get, the age under which a
family member is a dependent, and how the payment portal verifies a payer who does not sign
in. The rules read them on every call, so a change applies at once."""
from typing import Dict, List, NamedTuple

from sqlalchemy import select

from chairside.contracts.identity import PRACTICE_NOT_FOUND
from services.identity.models import Practice


class Settings(NamedTuple):
    modules: Dict[str, bool]
    dependent_age: int
    pay_verification: str


class Portal(NamedTuple):
    practice: Practice
    modules: List[str]
    dependent_age: int
    pay_verification: str  # the payment portal's page asks for a code when it says so


def portal(uow, slug):
    """The practice as its portal pages show it (no patient data: nothing to audit)."""
    practice = uow.session.scalar(select(Practice).where(Practice.slug == slug)) if isinstance(slug, str) else None
    if practice is None:
        raise PRACTICE_NOT_FOUND()
    return Portal(practice, practice.enabled_modules, practice.dependent_age, practice.pay_verification)


def _practice(uow, practice_id):
    practice = uow.session.get(Practice, practice_id) if isinstance(practice_id, str) else None
    if practice is None:
        raise PRACTICE_NOT_FOUND()
    return practice


def get(uow, practice_id):
    return _settings(_practice(uow, practice_id))


def put(uow, practice_id, sent):
    """A full replacement, as every office PUT is; the gateways that cached the practice's
    portal are told to drop it (portal_settings_changed)."""
    practice = _practice(uow, practice_id)
    practice.modules = sent["modules"]
    practice.dependent_age = sent["dependent_age"]
    practice.pay_verification = sent["pay_verification"]
    uow.announce("portal_settings_changed", practice.id, {"practice_id": practice.id})
    return _settings(practice)


def _settings(practice):
    return Settings(practice.modules, practice.dependent_age, practice.pay_verification)
