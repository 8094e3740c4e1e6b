from datetime import date, datetime, timezone

import pytest

from chairside.refusals import Unprocessable
from chairside.rules import next_version
from services.identity.domain import practices, records as domain


def test_local_today_follows_the_practice_clock_not_utc():
    # 03:30 UTC on 1 March is still 28 February in New York and already 1 March in Auckland
    now = datetime(2027, 3, 1, 3, 30, tzinfo=timezone.utc)
    assert domain.local_today(now, "America/New_York") == date(2027, 2, 28)
    assert domain.local_today(now, "Pacific/Auckland") == date(2027, 3, 1)
    assert domain.local_today(now, "UTC") == date(2027, 3, 1)


@pytest.mark.parametrize("birthdate, problems", [
    (date(2026, 11, 22), []),                                # born today
    (date(2026, 11, 21), []),
    (date(2026, 11, 23), ["Must not be in the future."]),    # tomorrow
    (date(1900, 1, 1), []),
    (date(1899, 12, 31), ["Must not be before 1900-01-01."]),
])
def test_birthdate_edges(birthdate, problems):
    assert domain.birthdate_problems(birthdate, date(2026, 11, 22)) == problems


def test_names_lose_stray_outer_spaces_only():
    assert domain.clean_name("  Mary  Ann ") == "Mary  Ann"


def test_api_keys_are_random_long_and_stored_as_a_hash():
    first, second = practices.new_api_key(), practices.new_api_key()
    assert first != second and first.startswith(practices.API_KEY_PREFIX)
    assert len(first) - len(practices.API_KEY_PREFIX) >= 43  # 32 random bytes, base64url
    assert practices.hash_api_key(first) == practices.hash_api_key(first)
    assert practices.hash_api_key(first) != practices.hash_api_key(second)
    assert first not in practices.hash_api_key(first)


def test_equal_facts_mean_nothing_changed():
    facts = domain.PatientFacts("Ann", "Lee", date(1980, 1, 1), None, None, None, None, False, "unknown")
    assert facts == domain.PatientFacts("Ann", "Lee", date(1980, 1, 1), None, None, None, None, False, "unknown")
    assert facts != domain.PatientFacts("Ann", "Lee", date(1980, 1, 1), None, None, None, None, True, "unknown")


TODAY = date(2026, 11, 22)


def test_a_patient_that_keeps_the_rules_passes():
    domain.check_patient(date(1980, 1, 1), TODAY, clinic_known=True, guarantor_known=True)


@pytest.mark.parametrize("birthdate, clinic_known, guarantor_known, problems", [
    (date(2026, 11, 23), True, True, {"birthdate"}),
    (date(1980, 1, 1), False, True, {"clinic"}),
    (date(1980, 1, 1), True, False, {"guarantor"}),
    (date(1899, 12, 31), False, False, {"birthdate", "clinic", "guarantor"}),  # every problem at once
])
def test_a_patient_that_breaks_rules_is_refused_with_every_problem(birthdate, clinic_known, guarantor_known,
                                                                   problems):
    with pytest.raises(Unprocessable) as refused:
        domain.check_patient(birthdate, TODAY, clinic_known, guarantor_known)
    assert refused.value.code == "RULE_BROKEN" and set(refused.value.fields) == problems


def test_a_sync_bumps_the_version_only_when_something_changed():
    facts = domain.ClinicFacts("Main", None, "US", "America/New_York")
    assert next_version(None, 0, facts) == 1                      # a new record
    assert next_version(facts, 3, facts) is None                    # the same again: nothing
    assert next_version(facts, 3, domain.ClinicFacts("Main", None, "CA", "America/New_York")) == 4
