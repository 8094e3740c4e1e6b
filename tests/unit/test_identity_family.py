from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from services.identity.domain.family import (
    Member, age_on, can_access, family_key, is_dependent, visible_family)

TODAY = date(2027, 6, 15)


def member(id, guarantor_id=None, birthdate=date(1980, 1, 1), dependent=False, practice_id="p1"):
    return Member(id=id, practice_id=practice_id, guarantor_id=guarantor_id,
                  birthdate=birthdate, dependent=dependent)


def born_years_ago(years, days_later=0):
    """A birthdate that makes someone `years` old today, shifted `days_later` days."""
    return date.fromordinal(date(TODAY.year - years, TODAY.month, TODAY.day).toordinal() + days_later)


# --- age_on --------------------------------------------------------------------------------

@pytest.mark.parametrize("day, age", [
    (date(2027, 5, 9), 36),    # day before the birthday
    (date(2027, 5, 10), 37),   # on the birthday
    (date(2027, 5, 11), 37),   # day after
    (date(2027, 12, 31), 37),
    (date(2028, 1, 1), 37),
    (date(1990, 5, 10), 0),    # the day of birth
    (date(1991, 5, 9), 0),
    (date(1991, 5, 10), 1),
])
def test_age_turns_on_the_birthday(day, age):
    assert age_on(date(1990, 5, 10), day) == age


@pytest.mark.parametrize("day, age", [
    (date(2027, 2, 28), 26),   # non-leap year: not yet
    (date(2027, 3, 1), 27),    # non-leap year: a year older on 1 March
    (date(2028, 2, 28), 27),   # leap year: not yet on the 28th
    (date(2028, 2, 29), 28),   # leap year: on the day itself
    (date(2028, 3, 1), 28),
    (date(2001, 2, 28), 0),
    (date(2001, 3, 1), 1),
])
def test_29_february_birthdays(day, age):
    assert age_on(date(2000, 2, 29), day) == age


def test_a_day_before_birth_gives_a_negative_age():
    assert age_on(date(2020, 1, 2), date(2020, 1, 1)) == -1


# --- family_key ------------------------------------------------------------------------------

@pytest.mark.parametrize("person, key", [
    (member("kid", guarantor_id="mum"), "mum"),
    (member("mum"), "mum"),                       # no guarantor: a family of one
    (member("mum", guarantor_id="mum"), "mum"),   # their own guarantor
    (member("x", guarantor_id=""), "x"),          # an empty link is no link
])
def test_family_key(person, key):
    assert family_key(person) == key


# --- is_dependent -----------------------------------------------------------------------------

@pytest.mark.parametrize("birthdate, dependent_age, dependent", [
    (born_years_ago(16), 16, False),                  # 16 today: an adult
    (born_years_ago(16, days_later=1), 16, True),     # 15 years 364 days
    (born_years_ago(15), 16, True),
    (born_years_ago(0), 16, True),
    (born_years_ago(17), 18, True),                   # a practice that says 18
    (born_years_ago(18), 18, False),
    (born_years_ago(18, days_later=1), 18, True),
    (born_years_ago(13), 13, False),                  # a practice that says 13
    (born_years_ago(13, days_later=1), 13, True),
    (born_years_ago(14), 13, False),
])
def test_dependent_by_age(birthdate, dependent_age, dependent):
    assert is_dependent(member("a", birthdate=birthdate), TODAY, dependent_age) is dependent


def test_the_default_dependent_age_is_16():
    assert is_dependent(member("a", birthdate=born_years_ago(16, days_later=1)), TODAY)
    assert not is_dependent(member("a", birthdate=born_years_ago(16)), TODAY)


def test_the_office_flag_makes_an_adult_a_dependent():
    assert is_dependent(member("a", birthdate=date(1950, 1, 1), dependent=True), TODAY)


def test_dependency_ends_on_the_birthday_itself():
    teen = member("t", birthdate=date(2011, 6, 15))
    assert is_dependent(teen, date(2027, 6, 14))
    assert not is_dependent(teen, date(2027, 6, 15))


# --- can_access ---------------------------------------------------------------------------------

ADULT = date(1980, 1, 1)
CHILD = date(2020, 1, 1)

MUM = member("mum", birthdate=ADULT)                                  # the guarantor
DAD = member("dad", guarantor_id="mum", birthdate=ADULT)
KID = member("kid", guarantor_id="mum", birthdate=CHILD)
KID2 = member("kid2", guarantor_id="mum", birthdate=CHILD)
GRAN = member("gran", guarantor_id="mum", birthdate=date(1940, 1, 1), dependent=True)
NEIGHBOUR = member("nb", birthdate=ADULT)
NEIGHBOUR_KID = member("nbkid", guarantor_id="nb", birthdate=CHILD)
OTHER_PRACTICE_KID = member("kid9", guarantor_id="mum", birthdate=CHILD, practice_id="p2")


@pytest.mark.parametrize("viewer, patient, allowed", [
    (MUM, MUM, True),                  # oneself
    (KID, KID, True),                  # a dependent sees themselves
    (MUM, KID, True),                  # guarantor -> child
    (DAD, KID, True),                  # another adult of the family -> child
    (MUM, GRAN, True),                 # flagged dependent, whatever the age
    (DAD, GRAN, True),
    (MUM, DAD, False),                 # adult never sees adult
    (DAD, MUM, False),
    (KID, MUM, False),                 # a dependent sees no one else
    (KID, KID2, False),
    (GRAN, KID, False),
    (GRAN, MUM, False),
    (MUM, NEIGHBOUR_KID, False),       # other family
    (NEIGHBOUR, KID, False),
    (MUM, OTHER_PRACTICE_KID, False),  # other practice, same guarantor id
])
def test_who_sees_whom(viewer, patient, allowed):
    assert can_access(viewer, patient, TODAY) is allowed


def test_self_in_another_practice_is_not_self():
    assert not can_access(MUM, member("mum", practice_id="p2", birthdate=ADULT), TODAY)


def test_access_follows_the_practice_dependent_age():
    teen = member("teen", guarantor_id="mum", birthdate=born_years_ago(17))
    assert not can_access(MUM, teen, TODAY)                    # 17 >= 16: an adult
    assert can_access(MUM, teen, TODAY, dependent_age=18)      # 17 < 18: a dependent
    assert not can_access(teen, MUM, TODAY, dependent_age=18)  # and then sees no one


def test_a_child_growing_up_leaves_the_parent_view():
    child = member("c", guarantor_id="mum", birthdate=date(2011, 6, 15))
    assert can_access(MUM, child, date(2027, 6, 14))
    assert not can_access(MUM, child, date(2027, 6, 15))


def test_a_young_guarantor_is_a_dependent_and_sees_no_one():
    young_mum = member("ym", birthdate=born_years_ago(15))
    baby = member("baby", guarantor_id="ym", birthdate=born_years_ago(0))
    assert not can_access(young_mum, baby, TODAY)
    assert can_access(young_mum, young_mum, TODAY)


# --- visible_family --------------------------------------------------------------------------------

EVERYONE = [KID2, MUM, DAD, NEIGHBOUR_KID, GRAN, KID, OTHER_PRACTICE_KID, NEIGHBOUR]


def test_an_adult_sees_the_family_dependents_in_input_order():
    assert visible_family(MUM, EVERYONE, TODAY) == [KID2, GRAN, KID]
    assert visible_family(DAD, EVERYONE, TODAY) == [KID2, GRAN, KID]


def test_the_viewer_is_not_in_their_own_visible_family():
    assert MUM not in visible_family(MUM, EVERYONE, TODAY)


def test_a_dependent_sees_no_one():
    assert visible_family(KID, EVERYONE, TODAY) == []
    assert visible_family(GRAN, EVERYONE, TODAY) == []


def test_a_family_of_one_sees_no_one():
    assert visible_family(NEIGHBOUR, [NEIGHBOUR, MUM, KID], TODAY) == []
    assert visible_family(NEIGHBOUR, [], TODAY) == []


def test_visible_family_follows_the_dependent_age():
    teen = member("teen", guarantor_id="mum", birthdate=born_years_ago(17))
    assert visible_family(MUM, [teen, KID], TODAY) == [KID]
    assert visible_family(MUM, [teen, KID], TODAY, dependent_age=18) == [teen, KID]
    assert visible_family(MUM, [teen, KID], TODAY, dependent_age=3) == []


def test_members_are_values():
    assert member("a") == member("a")
    with pytest.raises(FrozenInstanceError):
        MUM.dependent = True
