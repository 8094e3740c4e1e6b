from datetime import date, datetime, timezone

import pytest

from chairside.rules import RuleBroken
from services.identity import domain


@pytest.mark.parametrize("external_id", ["P-1", "a", "x" * 64, "12345", "pms:42.7_b"])
def test_external_ids_accepted(external_id):
    domain.check_external_id(external_id)


@pytest.mark.parametrize("external_id", ["", "x" * 65, "has space", "slash/", "ü", None, 42])
def test_external_ids_refused(external_id):
    with pytest.raises(RuleBroken) as broken:
        domain.check_external_id(external_id)
    assert "external_id" in broken.value.fields


@pytest.mark.parametrize("slug", ["demo", "a", "bright-smiles", "a1", "x" * 40])
def test_slugs_accepted(slug):
    domain.check_slug(slug)


@pytest.mark.parametrize("slug", ["", "-demo", "demo-", "Demo", "de mo", "x" * 41, "dé"])
def test_slugs_refused(slug):
    with pytest.raises(RuleBroken):
        domain.check_slug(slug)


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
    first, second = domain.new_api_key(), domain.new_api_key()
    assert first != second and first.startswith(domain.API_KEY_PREFIX)
    assert len(first) - len(domain.API_KEY_PREFIX) >= 43  # 32 random bytes, base64url
    assert domain.hash_api_key(first) == domain.hash_api_key(first)
    assert domain.hash_api_key(first) != domain.hash_api_key(second)
    assert first not in domain.hash_api_key(first)


def test_equal_facts_mean_nothing_changed():
    facts = domain.PatientFacts("Ann", "Lee", date(1980, 1, 1), None, None, None, None, False, "unknown")
    assert facts == domain.PatientFacts("Ann", "Lee", date(1980, 1, 1), None, None, None, None, False, "unknown")
    assert facts != domain.PatientFacts("Ann", "Lee", date(1980, 1, 1), None, None, None, None, True, "unknown")
