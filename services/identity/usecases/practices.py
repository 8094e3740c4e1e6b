"""Practices and their office API keys."""
import uuid
from typing import NamedTuple

from sqlalchemy import select

from chairside.contracts.identity import DEFAULT_DEPENDENT_AGE, INVALID_API_KEY, PRACTICE_EXISTS, PRACTICE_NOT_FOUND
from services.identity.domain import practices
from services.identity.domain.records import clean_name
from services.identity.models import Practice


class IssuedKey(NamedTuple):
    practice: Practice
    api_key: str  # shown this once; only its hash is kept


def _by_slug(uow, slug):
    return uow.session.scalar(select(Practice).where(Practice.slug == slug))


def create_practice(uow, new):
    if _by_slug(uow, new["slug"]) is not None:
        raise PRACTICE_EXISTS()
    api_key = practices.new_api_key()
    practice = Practice(
        id=str(uuid.uuid4()), slug=new["slug"], name=clean_name(new["name"]), timezone=new["timezone"],
        dependent_age=DEFAULT_DEPENDENT_AGE, api_key_hash=practices.hash_api_key(api_key), created_at=uow.clock.now(),
    )
    uow.session.add(practice)
    # A practice's name and zone never change after creation, so its one copy is version 1.
    uow.announce("practice_upserted", practice.id, {"practice_id": practice.id, "version": 1,
                                                    "name": practice.name, "timezone": practice.timezone})
    return IssuedKey(practice, api_key)


def rotate_office_key(uow, slug):
    """A new office API key for the practice; the old one stops working, and the gateways
    that cached its check are told to drop it (practice_key_rotated)."""
    practice = _by_slug(uow, slug)
    if practice is None:
        raise PRACTICE_NOT_FOUND()
    api_key = practices.new_api_key()
    practice.api_key_hash = practices.hash_api_key(api_key)
    uow.announce("practice_key_rotated", practice.id, {"practice_id": practice.id})
    return IssuedKey(practice, api_key)


def authenticate_office(uow, api_key):
    """The practice whose office API key this is."""
    if not isinstance(api_key, str) or not api_key:
        raise INVALID_API_KEY()
    practice = uow.session.scalar(select(Practice).where(Practice.api_key_hash == practices.hash_api_key(api_key)))
    if practice is None:
        raise INVALID_API_KEY()
    return practice
