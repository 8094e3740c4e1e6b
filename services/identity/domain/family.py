"""Who in a family may see whom: pure rules, the date is passed in.

Families come from the PMS guarantor links. A signed-in patient sees themselves and their
family's dependents; an adult never sees another adult, and a dependent sees no one else.
"""
from dataclasses import dataclass
from datetime import date
from typing import Iterable, List, Optional

from chairside.contracts.identity import DEFAULT_DEPENDENT_AGE  # a per-practice setting; this is its default
from chairside.rules import age_on  # noqa: F401  (shared: forms counts ages by it too)


@dataclass(frozen=True)
class Member:
    """One patient as the family rules see them."""
    id: str
    practice_id: str
    guarantor_id: Optional[str]
    birthdate: date
    dependent: bool  # the office's own flag, whatever the age


def family_key(member):
    """A guarantor heads their own family; a patient with no guarantor is a family of one.

    Only the direct link is followed: the PMS names each patient's guarantor, not chains.
    """
    return member.guarantor_id or member.id


def is_dependent(member, today, dependent_age=DEFAULT_DEPENDENT_AGE):
    """Under the practice's dependent age on `today`, or flagged dependent by the office."""
    return member.dependent or age_on(member.birthdate, today) < dependent_age


def can_access(viewer, patient, today, dependent_age=DEFAULT_DEPENDENT_AGE):
    """May `viewer` (signed in) see `patient`'s records?"""
    # Tenancy comes first: nothing of one practice is visible from another, not even
    # a record that happens to share an id.
    if viewer.practice_id != patient.practice_id:
        return False
    if viewer.id == patient.id:
        return True
    if family_key(viewer) != family_key(patient):
        return False
    # A dependent sees no one else, even other dependents of the family.
    if is_dependent(viewer, today, dependent_age):
        return False
    # An adult sees the family's dependents, and never another adult.
    return is_dependent(patient, today, dependent_age)


def visible_family(viewer, members: Iterable[Member], today,
                   dependent_age=DEFAULT_DEPENDENT_AGE) -> List[Member]:
    """The other members `viewer` may see, in the order they were given."""
    return [member for member in members
            if member.id != viewer.id and can_access(viewer, member, today, dependent_age)]
